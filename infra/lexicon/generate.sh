#!/usr/bin/env bash
# Rebuilds internal/classify/data/lexicon.tsv from the word lists that three npm
# packages ship, at pinned versions, plus the hand-written files beside this
# script. The same versions and inputs always give the same bytes.
#   bash infra/lexicon/generate.sh        (or: make lexicon)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# Pinned sources; bump deliberately and review the diff of lexicon.tsv.
packages=(naughty-words@1.2.0 cuss@2.2.0 obscenity@0.4.6)

(cd "$tmp" && npm init -y >/dev/null && npm install --silent --no-audit --no-fund --ignore-scripts "${packages[@]}")
NODE_PATH="$tmp/node_modules" node "$here/generate.mjs" "$tmp/node_modules" "$here" > "$root/internal/classify/data/lexicon.tsv"
echo "wrote internal/classify/data/lexicon.tsv ($(wc -l < "$root/internal/classify/data/lexicon.tsv") lines)"
