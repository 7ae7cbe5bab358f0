#!/usr/bin/env bash
# Soak run for issue #16 (tests/Extism.Sdk.Soak): 100,000 create/call/dispose cycles each of
# new Plugin, CompiledPlugin.Instantiate and pool rent; 1,000,000 calls on one plug-in with every
# tenth failing; the failure matrix at 5,000 failing calls per cell; the CsCheck properties at
# 10,000 cases each. Prints RSS, managed heap and the SDK's leak counts at each tenth, and ends
# with a PASS/FAIL summary (leak counts back at baseline; RSS growth from the second tenth to the
# last under 5%; every matrix cell and property passing).
#
#   build/soak.sh                 full run (long: tens of minutes)
#   build/soak.sh --quick         small counts, for CI (RSS growth printed, not judged)
#   build/soak.sh --scale=0.1     a tenth of the full counts
#   build/soak.sh [--quick] cycles mixed matrix props   only the phases named
#
# Exit code 0 only when every check passed. Output also goes to artifacts/soak/<mode>-<UTC>.log.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
mode=full
for arg in "$@"; do
  case "$arg" in
    --quick) mode=quick ;;
    -h|--help) sed -n '2,15p' "${BASH_SOURCE[0]}"; exit 0 ;;
  esac
done
# libextism 1.41 captures a backtrace on every call when these are set (see build/bench.sh).
unset RUST_BACKTRACE RUST_LIB_BACKTRACE

project="$root/tests/Extism.Sdk.Soak"
build_dir="$root/artifacts/soak/build"   # own artifacts path: no file locks with other builds
log="$root/artifacts/soak/$mode-$(date -u +%Y%m%dT%H%M%SZ).log"
mkdir -p "$build_dir"

echo "== building tests/Extism.Sdk.Soak (Release)" >&2
dotnet build "$project/Extism.Sdk.Soak.csproj" -c Release --artifacts-path "$build_dir" \
  -nologo -v quiet -clp:ErrorsOnly >"$build_dir/build.log" 2>&1 || { cat "$build_dir/build.log" >&2; exit 1; }
out="$build_dir/bin/Extism.Sdk.Soak/release"

echo "== running ($mode); log: $log" >&2
cd "$out"
dotnet Extism.Sdk.Soak.dll "$@" 2>&1 | tee "$log"
exit "${PIPESTATUS[0]}"
