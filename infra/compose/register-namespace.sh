#!/bin/sh
# The default namespace and swe-forge's search attributes (the workers also register them if missing).
set -eu
temporal operator namespace describe -n default >/dev/null 2>&1 || temporal operator namespace create -n default --retention 30d
for sa in SweForgeStage:Keyword SweForgeRecipe:Keyword SweForgeModel:Keyword SweForgeRlIteration:Int; do
  temporal operator search-attribute create -n default --name "${sa%%:*}" --type "${sa##*:}" || true
done
echo "namespace and search attributes ready"
