#!/usr/bin/env bash
# The lsp tool's layer as a tarball (opt/swe-forge/lsp/...: jedi-language-server's pure-python wheels, pinned in
# infra/lsp/requirements.txt and installed by the host's pip, plus our helper infra/lsp/*), cached as
# $CACHE/lsp-<key>.tar, keyed by the requirements and the helper. Used by build-base.sh (the base image's second
# layer) and by infra/images/published.ts (copied into derived published images). Prints the tarball's path;
# `--key` prints only the key and builds nothing.
set -euo pipefail
CACHE="${SWE_FORGE_CACHE:-$HOME/.cache/swe-forge}"
LSP_SRC="$(cd "$(dirname "$0")/../lsp" && pwd)"
LSP_KEY=$(cat "$LSP_SRC"/requirements.txt "$LSP_SRC"/*.py "$LSP_SRC"/jedi-language-server | sha256sum | cut -c1-16)
if [ "${1:-}" = --key ]; then
  echo "$LSP_KEY"
  exit 0
fi
LSP_TAR="$CACHE/lsp-$LSP_KEY.tar"
if [ ! -s "$LSP_TAR" ]; then
  mkdir -p "$CACHE"
  stage=$(mktemp -d "$CACHE/lsp.XXXXXX")
  trap 'rm -rf "$stage"' EXIT
  dest="$stage/opt/swe-forge/lsp"
  mkdir -p "$dest"
  # The wheels are pure python (--platform any), resolved for 3.11 (Debian 12's python3, the base image's), so any
  # host pip works. A host python3 without pip (Debian's, python3-pip not installed) gets it in a throwaway venv.
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
echo "$LSP_TAR"
