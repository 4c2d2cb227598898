#!/usr/bin/env bash
# Builds the base environment image (Debian bookworm minbase + python3, pytest, git, patch) with no registry:
# debootstrap -> tarball (cached) -> docker import, then a second layer with the lsp tool's language server and our
# helper in /opt/swe-forge/lsp (the tarball infra/images/lsp-layer.sh makes, shared with derived published images).
# Idempotent: does nothing when the image exists and its lsp label matches the helper and requirements here; an
# image from before the lsp layer (or an older helper) is rebuilt, from the cached rootfs tarball.
set -euo pipefail
IMAGE="${SWE_FORGE_BASE_IMAGE:-swe-forge/base:bookworm}"
CACHE="${SWE_FORGE_CACHE:-$HOME/.cache/swe-forge}"
TARBALL="$CACHE/rootfs-bookworm-v1.tar"
PACKAGES="python3,python3-pytest,git,patch,ca-certificates,procps"
LSP_LAYER="$(dirname "$0")/lsp-layer.sh"
LSP_KEY=$(bash "$LSP_LAYER" --key)
LSP_LABEL=org.swe-forge.lsp

if [ "$(docker image inspect -f "{{ index .Config.Labels \"$LSP_LABEL\" }}" "$IMAGE" 2>/dev/null)" = "$LSP_KEY" ]; then
  echo "base image $IMAGE present"
  exit 0
fi
mkdir -p "$CACHE"
if [ ! -s "$TARBALL" ]; then
  command -v debootstrap >/dev/null || { echo "debootstrap is missing: apt-get install -y debootstrap" >&2; exit 1; }
  root=$(mktemp -d "$CACHE/rootfs.XXXXXX")
  trap 'rm -rf "${root:-}"' EXIT
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

LSP_TAR=$(bash "$LSP_LAYER")
cid=$(docker create "$ROOTFS_IMAGE" true)
docker cp - "$cid:/" <"$LSP_TAR"
docker commit --change "LABEL $LSP_LABEL=$LSP_KEY" --change 'CMD ["/bin/bash"]' "$cid" "$IMAGE" >/dev/null
docker rm "$cid" >/dev/null
docker rmi "$ROOTFS_IMAGE" >/dev/null
echo "base image $IMAGE built (lsp layer $(du -sh "$LSP_TAR" | cut -f1))"
