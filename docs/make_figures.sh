#!/usr/bin/env bash
# Regenerate the README figures in docs/ from the study scripts (about a minute):
#   docs/make_figures.sh            (from the project root, with redmud installed)
# Each study writes PNG, SVG, CSV and a caption into a temporary folder; only the PNGs are kept.
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
studies=(route-comparison red-mud-vs-mined-ore supply-potential)
redmud study "${studies[@]}" -o "$out" --fast -q
for name in "${studies[@]}"; do
    cp "$out/$name.png" "docs/$name.png"
done
ls -l docs/*.png
