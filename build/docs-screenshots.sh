#!/usr/bin/env bash
# Screenshots of the built site (artifacts/docs/site) in headless Chromium, served from
# 127.0.0.1: the home page, one guide and one API page, into artifacts/docs/screenshots.
# Needs the Debian package `chromium` (apt-get install chromium). Fails when a page is missing
# or a screenshot was not written.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
site="$root/artifacts/docs/site"
out="$root/artifacts/docs/screenshots"
browser="$(command -v chromium || command -v chromium-browser || true)"
[[ -n "$browser" ]] || { echo "docs-screenshots: error: chromium not found (apt-get install chromium)" >&2; exit 2; }
[[ -f "$site/index.html" ]] || { echo "docs-screenshots: error: no site at $site; run build/docs.sh first" >&2; exit 2; }
mkdir -p "$out"
port="${DOCS_PORT:-$((20000 + RANDOM % 20000))}"
python3 -m http.server "$port" --bind 127.0.0.1 --directory "$site" >/dev/null 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$port/index.html" >/dev/null && break; sleep 0.1; done

shoot() { # name path
  local url="http://127.0.0.1:$port/$2"
  curl -sf -o /dev/null "$url" || { echo "docs-screenshots: error: $url does not answer" >&2; return 1; }
  rm -f "$out/$1.png"
  # A fresh profile per shot; --virtual-time-budget lets the page's scripts (toc, search) run.
  timeout 120 "$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars \
    --user-data-dir="$(mktemp -d)" --window-size=1280,1600 --virtual-time-budget=5000 \
    --screenshot="$out/$1.png" "$url" >/dev/null 2>&1 || true
  [[ -s "$out/$1.png" ]] || { echo "docs-screenshots: error: no screenshot of $url" >&2; return 1; }
  echo "docs-screenshots: $out/$1.png ($url)"
}
shoot home index.html
shoot guide guides/typed-contracts.html
shoot api api/Extism.Sdk.Plugin.html
