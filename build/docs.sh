#!/usr/bin/env bash
# Builds the documentation site and proves its code:
#   1. builds docs/snippets (the code every guide includes) and runs it: each snippet's output
#      must equal docs/snippets/expected/<name>.txt, so a snippet that no longer compiles or
#      prints something else fails here;
#   2. checks the READMEs DocFX does not build (build/readme-check.py): each C# block there must
#      be a docs/snippets region, marked and copied exactly, and each relative link must exist;
#   3. builds the DocFX site (docs/docfx.json: guides + API reference from the XML docs of
#      src/*) with warnings as errors, so a broken link, include or cross-reference fails.
# Output: artifacts/docs/site, and artifacts/docs/screenshots when chromium is installed. Options: --update (rewrite the expected outputs, then review the
# diff), --serve (serve the built site on http://127.0.0.1:8080).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
update=""; serve=""
for a in "$@"; do
  case "$a" in
    --update) update=--update ;;
    --serve) serve=1 ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    *) echo "docs: error: unknown option '$a' (see --help)" >&2; exit 2 ;;
  esac
done
# RUST_BACKTRACE makes libextism capture a backtrace per failed call: slow and noisy here.
unset RUST_BACKTRACE
start=$SECONDS

echo "docs: snippets (build and run)"
dotnet build docs/snippets/Extism.Docs.Snippets.csproj -c Release --nologo -v q
dotnet run --no-build -c Release --project docs/snippets/Extism.Docs.Snippets.csproj -- \
  --expected="$root/docs/snippets/expected" $update

echo "docs: READMEs (C# blocks are docs/snippets regions, relative links exist)"
python3 build/readme-check.py README.md samples/README.md

echo "docs: site (docfx, warnings are errors)"
dotnet tool restore >/dev/null
rm -f docs/api/*.yml docs/api/.manifest
dotnet docfx docs/docfx.json --warningsAsErrors
echo "docs: built artifacts/docs/site in $((SECONDS - start)) s"

# Screenshots in a real browser (artifacts/docs/screenshots) when Chromium is installed.
if command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1; then
  build/docs-screenshots.sh
else
  echo "docs: no chromium, screenshots skipped (apt-get install chromium)"
fi

if [[ -n "$serve" ]]; then dotnet docfx serve artifacts/docs/site --hostname 127.0.0.1 --port 8080; fi
