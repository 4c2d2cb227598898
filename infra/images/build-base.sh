#!/usr/bin/env bash
# Builds the base environment image (Debian bookworm minbase + python3, pytest, git, patch) with no registry:
# debootstrap -> tarball (cached) -> docker import, then a second layer with the lsp tool's language server
# (jedi-language-server as pure-python wheels, pinned in infra/lsp/requirements.txt, installed by the host's pip)
# and our helper (infra/lsp/*.py) in /opt/swe-forge/lsp. Idempotent: does nothing when the image exists and its
# lsp label matches the helper and requirements here; an image from before the lsp layer (or an older helper) is
# rebuilt, from the cached rootfs tarball.
set -euo pipefail
IMAGE="${SWE_FORGE_BASE_IMAGE:-swe-forge/base:bookworm}"
CACHE="${SWE_FORGE_CACHE:-$HOME/.cache/swe-forge}"
TARBALL="$CACHE/rootfs-bookworm-v1.tar"
PACKAGES="python3,python3-pytest,git,patch,ca-certificates,procps"
LSP_SRC="$(cd "$(dirname "$0")/../lsp" && pwd)"
LSP_KEY=$(cat "$LSP_SRC"/requirements.txt "$LSP_SRC"/*.py "$LSP_SRC"/jedi-language-server | sha256sum | cut -c1-16)
LSP_LABEL=org.swe-forge.lsp

if [ "$(docker image inspect -f "{{ index .Config.Labels \"$LSP_LABEL\" }}" "$IMAGE" 2>/dev/null)" = "$LSP_KEY" ]; then
  echo "base image $IMAGE present"
  exit 0
fi
mkdir -p "$CACHE"
if [ ! -s "$TARBALL" ]; then
  command -v debootstrap >/dev/null || { echo "debootstrap is missing: apt-get install -y debootstrap" >&2; exit 1; }
  root=$(mktemp -d "$CACHE/rootfs.XXXXXX")
  trap 'rm -rf "${root:-}" "${stage:-}"' EXIT
  echo "debootstrap bookworm ($PACKAGES) into $root ..."
  debootstrap --variant=minbase --include="$PACKAGES" bookworm "$root" >"$CACHE/debootstrap.log" 2>&1 || {
    tail -20 "$CACHE/debootstrap.log" >&2; exit 1; }
  # An unprivileged user for sandboxes whose task allows it.
  chroot "$root" /usr/sbin/useradd -m -u 1000 -s /bin/bash agent
  rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
  tar -C "$root" -cf "$TARBALL.tmp" . && mv "$TARBALL.tmp" "$TARBALL"
fi
ROOTFS_IMAGE="$IMAGE-rootfs"
docker import \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'ENV LANG=C.UTF-8' \
  --change 'WORKDIR /testbed' \
  --change 'LABEL org.swe-forge.kind=base' \
  "$TARBALL" "$ROOTFS_IMAGE" >/dev/null

# The lsp layer, cached as its own tarball (keyed by the requirements and the helper).
LSP_TAR="$CACHE/lsp-$LSP_KEY.tar"
if [ ! -s "$LSP_TAR" ]; then
  stage=$(mktemp -d "$CACHE/lsp.XXXXXX")
  trap 'rm -rf "${root:-}" "${stage:-}"' EXIT
  dest="$stage/opt/swe-forge/lsp"
  mkdir -p "$dest"
  # The image's python3 is Debian 12's 3.11; the wheels are pure python (--platform any), so any host pip works.
  # A host python3 without pip (Debian's, python3-pip not installed) gets it in a throwaway venv (ensurepip).
  pip=(python3 -m pip)
  if ! python3 -m pip --version >/dev/null 2>&1; then
    python3 -m venv "$stage/pip-venv" && pip=("$stage/pip-venv/bin/python" -m pip)
  fi
  "${pip[@]}" install -q --disable-pip-version-check --target "$dest/site" --only-binary=:all: --no-compile \
    --python-version 3.11 --implementation py --platform any -r "$LSP_SRC/requirements.txt" >"$CACHE/pip-lsp.log" 2>&1 ||
    { tail -20 "$CACHE/pip-lsp.log" >&2; exit 1; }
  rm -rf "$dest/site/bin"
  cp "$LSP_SRC"/*.py "$LSP_SRC/jedi-language-server" "$dest/"
  tar -C "$stage" --owner=0 --group=0 --mode=a+rX,go-w -cf "$LSP_TAR.tmp" opt && mv "$LSP_TAR.tmp" "$LSP_TAR"
fi
cid=$(docker create "$ROOTFS_IMAGE" true)
docker cp - "$cid:/" <"$LSP_TAR"
docker commit --change "LABEL $LSP_LABEL=$LSP_KEY" --change 'CMD ["/bin/bash"]' "$cid" "$IMAGE" >/dev/null
docker rm "$cid" >/dev/null
docker rmi "$ROOTFS_IMAGE" >/dev/null
echo "base image $IMAGE built (lsp layer $(du -sh "$LSP_TAR" | cut -f1))"
