// The history scrub of a published image's /testbed, run inside a container from that image (its git, its
// paths). Same rule as scrubbedClone.ts for our own builds: remotes removed; every branch, remote ref, stash and
// tag deleted except tags on base_commit's own history; a fresh branch at base_commit; reflogs expired; gc; then
// checked: every commit any ref reaches is base_commit or one of its ancestors (exit 3 otherwise). A task state
// (SWE-smith's bug, base64 in SWE_FORGE_SETUP_PATCH) is committed on top. Prints `CONDA_ENV <prefix>` when the image
// has SWE-bench's conda environment, so the derived image can put it on PATH (ENV for plain shells, profile.d for
// login shells). The working tree is left as the
// image has it: published images keep build outputs (compiled extensions, egg-info) in /testbed.
export const SCRUB_SCRIPT = String.raw`set -euo pipefail
cd /testbed
git config --system --add safe.directory '*' 2>/dev/null || git config --global --add safe.directory '*'
commit=$(git rev-parse --verify --quiet "$SWE_FORGE_BASE_COMMIT^{commit}") || { echo "base_commit $SWE_FORGE_BASE_COMMIT is not in the image's /testbed"; exit 2; }
branch=$(git symbolic-ref --quiet --short HEAD || echo main)
git checkout --quiet --detach "$commit"
for r in $(git remote); do git remote remove "$r"; done
git stash clear || true
for ref in $(git for-each-ref --format='%(refname)'); do
  case "$ref" in
    refs/tags/*) if git merge-base --is-ancestor "$ref^{commit}" "$commit" 2>/dev/null; then continue; fi ;;
  esac
  git update-ref -d "$ref"
done
git checkout --quiet -B "$branch" "$commit"
git reflog expire --expire=now --expire-unreachable=now --all
rm -rf .git/logs .git/ORIG_HEAD .git/FETCH_HEAD .git/MERGE_HEAD .git/refs/original .git/packed-refs.lock
git gc --quiet --prune=now
leaked=$(git rev-list --all --reflog | grep -vxF -f <(git rev-list "$commit") | head -n 1 || true)
if [ -n "$leaked" ]; then echo "history scrub left commit $leaked after $commit"; exit 3; fi
if [ -n "$SWE_FORGE_SETUP_PATCH" ]; then
  echo "$SWE_FORGE_SETUP_PATCH" | base64 -d > /tmp/setup.patch
  git apply --whitespace=nowarn /tmp/setup.patch && rm -f /tmp/setup.patch
  git add -A && git -c user.name=swe-forge -c user.email=swe-forge@localhost commit --quiet --no-verify -m 'task state'
fi
chown -R 1000:1000 /testbed 2>/dev/null || true
for p in /opt/miniconda3/envs/testbed /opt/conda/envs/testbed; do
  if [ -x "$p/bin/python" ]; then
    echo "CONDA_ENV $p"
    # Login shells (the agent's) reset PATH in /etc/profile; profile.d puts the env back after that.
    mkdir -p /etc/profile.d
    printf 'export PATH=%s/bin:"$PATH" CONDA_PREFIX=%s CONDA_DEFAULT_ENV=testbed\n' "$p" "$p" > /etc/profile.d/zz-swe-forge-env.sh
    break
  fi
done
echo "SCRUBBED $commit"
`;
