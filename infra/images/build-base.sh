#!/usr/bin/env bash
# Builds the base environment image (Debian bookworm minbase + python3, pytest, git, patch) with no registry:
# debootstrap -> tarball (cached) -> docker import. Idempotent: does nothing when the image already exists.
set -euo pipefail
IMAGE="${SWE_FORGE_BASE_IMAGE:-swe-forge/base:bookworm}"
CACHE="${SWE_FORGE_CACHE:-$HOME/.cache/swe-forge}"
TARBALL="$CACHE/rootfs-bookworm-v1.tar"
PACKAGES="python3,python3-pytest,git,patch,ca-certificates,procps"

if docker image inspect "$IMAGE" >/dev/null 2>&1; then
  echo "base image $IMAGE present"
  exit 0
fi
mkdir -p "$CACHE"
if [ ! -s "$TARBALL" ]; then
  command -v debootstrap >/dev/null || { echo "debootstrap is missing: apt-get install -y debootstrap" >&2; exit 1; }
  root=$(mktemp -d "$CACHE/rootfs.XXXXXX")
  trap 'rm -rf "$root"' EXIT
  echo "debootstrap bookworm ($PACKAGES) into $root ..."
  debootstrap --variant=minbase --include="$PACKAGES" bookworm "$root" >"$CACHE/debootstrap.log" 2>&1 || {
    tail -20 "$CACHE/debootstrap.log" >&2; exit 1; }
  # An unprivileged user for sandboxes whose task allows it.
  chroot "$root" /usr/sbin/useradd -m -u 1000 -s /bin/bash agent
  rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
  tar -C "$root" -cf "$TARBALL.tmp" . && mv "$TARBALL.tmp" "$TARBALL"
fi
docker import \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'ENV LANG=C.UTF-8' \
  --change 'WORKDIR /testbed' \
  --change 'LABEL org.swe-forge.kind=base' \
  "$TARBALL" "$IMAGE" >/dev/null
echo "base image $IMAGE built"
