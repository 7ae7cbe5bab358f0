#!/usr/bin/env bash
# Isolated plug-ins (IsolatedPluginPool, worker processes) measured and attacked
# (tests/Extism.Sdk.Isolation.Cost), in one Release build:
#   1. the cost table: isolated against in-process calls, paired in one process
#   2. the hostile libextism-crash cases in a worker, a sibling tenant calling meanwhile
#   3. the load run: one tenant crashing its worker every second, the other's calls counted
#
#   build/isolation-cost.sh           9 rounds, a 60 s load run
#   build/isolation-cost.sh --quick   smoke run for CI: 3 rounds, a 10 s load run
#
# Fails when a call that should succeed fails, or a crash is not reported as WorkerDied; timings
# are reported, never asserted. Output: artifacts/isolation/<UTC time>.md (git-ignored).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
rounds=9; seconds=60
case "${1:-}" in
  --quick) rounds=3; seconds=10 ;;
  "") ;;
  -h|--help) sed -n '2,13p' "${BASH_SOURCE[0]}"; exit 0 ;;
  *) echo "unknown argument: $1" >&2; exit 2 ;;
esac
unset RUST_BACKTRACE   # triples libextism's per-call cost
out="$root/artifacts/isolation"; mkdir -p "$out"
report="$out/$(date -u +%Y%m%dT%H%M%SZ).md"
dotnet build "$root/tests/Extism.Sdk.Isolation.Cost" -c Release -nologo -v q -o "$out/bin" >/dev/null
app="$out/bin/Extism.Sdk.Isolation.Cost"
status=0
{ "$app" cost --rounds "$rounds"; echo; "$app" hostile; echo; "$app" load --seconds "$seconds" --callers 2; } 2>&1 | tee "$report" || status=1
echo "report: $report"
exit $status
