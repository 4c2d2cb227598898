#!/usr/bin/env bash
# Runs every suite (vitest: unit, workflow, integration, e2e, faults; pytest: the trainer) and ends with one plain
# line `N passed, N failed` summing them all. Exit status is non-zero when anything failed.
set -uo pipefail
cd "$(dirname "$0")/.."
CACHE="${SWE_FORGE_CACHE:-$HOME/.cache/swe-forge}"
OUT=.swe-forge/test-results
mkdir -p "$OUT"
rm -f "$OUT"/vitest.json "$OUT"/pytest.xml

status=0
npx vitest run "$@" || status=1

if [ -d trainer/tests ] && [ $# -eq 0 ]; then
  PYTHONPATH=trainer "$CACHE/venv/bin/python" -m pytest trainer/tests -q -p no:cacheprovider --junitxml="$OUT/pytest.xml" ||
    status=1
fi

node --input-type=module -e '
import { readFileSync, existsSync } from "node:fs";
let passed = 0, failed = 0, skipped = 0;
const dir = process.argv[1];
if (existsSync(`${dir}/vitest.json`)) {
  const v = JSON.parse(readFileSync(`${dir}/vitest.json`, "utf8"));
  passed += v.numPassedTests; failed += v.numFailedTests;
  // A file that failed before any test could run (import error, failing beforeAll) counts as one failure.
  for (const f of v.testResults ?? [])
    if (f.status === "failed" && !(f.assertionResults ?? []).some((a) => a.status === "failed")) failed += 1;
  skipped += (v.numPendingTests ?? 0) + (v.numTodoTests ?? 0);
} else { failed += 1; console.error("vitest wrote no results"); }
if (existsSync(`${dir}/pytest.xml`)) {
  const x = readFileSync(`${dir}/pytest.xml`, "utf8");
  const m = x.match(/<testsuite [^>]*>/)?.[0] ?? "";
  const n = (k) => Number(m.match(new RegExp(` ${k}="(\\d+)"`))?.[1] ?? 0);
  const bad = n("failures") + n("errors");
  passed += n("tests") - bad - n("skipped"); failed += bad; skipped += n("skipped");
}
console.log(`${passed} passed, ${failed} failed` + (skipped ? `, ${skipped} skipped` : ""));
process.exit(failed ? 1 : 0);
' "$OUT" || status=1
exit $status
