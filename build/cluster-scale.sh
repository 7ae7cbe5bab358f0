#!/usr/bin/env bash
# Plug-ins on an Orleans cluster at scale (tests/Extism.Sdk.Cluster.Scale): three silos in one
# process (Orleans TestCluster, TCP between them on 127.0.0.1), each with its own PluginRegistry
# budgets; callers pick Zipf keys over generated count-vowels modules through ExtismPluginCluster
# (retries on). Two runs: all silos up, and a secondary silo killed when half the calls were made.
# Then the paired per-call cost of the grain paths against PluginRegistry.CallAsync.
#
#   build/cluster-scale.sh           10,000 modules, 40,000 calls, 8 callers, per silo 1,000 instances and 1 GiB
#   build/cluster-scale.sh --quick   smoke run for CI: 300 modules, 1,500 calls, per silo 50 instances and 64 MiB
#   --calls N                        calls per run instead of the mode's default
#
# Fails when a call is lost after its retries (or returns a wrong output), or something does not
# build; timings are reported, never asserted. Results: artifacts/cluster-scale/<mode>-<UTC time>/
# results.md (git-ignored), with the silos' logs beside it.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
mode=full
calls=
while [[ $# -gt 0 ]]; do
  arg=$1; shift
  case "$arg" in
    --quick) mode=quick ;;
    --calls) calls=$1; shift ;;
    -h|--help) sed -n '2,15p' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) echo "unknown argument: $arg" >&2; exit 2 ;;
  esac
done
# libextism 1.41 captures a backtrace per call when these are set (see build/bench.sh).
unset RUST_BACKTRACE RUST_LIB_BACKTRACE

out="$root/artifacts/cluster-scale/$mode-$(date -u +%Y%m%dT%H%M%SZ)"
build_dir="$root/artifacts/cluster-scale/build"
mkdir -p "$out" "$build_dir"
dotnet build "$root/tests/Extism.Sdk.Cluster.Scale/Extism.Sdk.Cluster.Scale.csproj" -c Release -o "$build_dir" --nologo -v quiet >"$out/build.log" 2>&1 \
  || { cat "$out/build.log"; exit 1; }
app="$build_dir/Extism.Sdk.Cluster.Scale"

if [[ $mode == quick ]]; then
  sim=(--modules 300 --calls ${calls:-1500} --callers 8 --max-instances 50 --memory-mib 64)
  paired=(--rounds 5 --block 50)
else
  sim=(--modules 10000 --calls ${calls:-40000} --callers 8 --max-instances 1000 --memory-mib 1024)
  paired=(--rounds 30 --block 200)
fi

cd "$out"   # the TestCluster writes its silos' logs under ./logs
status=0
{
  echo "# Plug-ins on a 3-silo Orleans cluster ($mode), $(date -u +%FT%TZ), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
  echo
  echo '## Simulation (per-silo budgets; "lost after retry" must be 0)'
  echo
  "$app" header
  # Each run is its own process, so the second does not start with the first one's compiled code.
  "$app" sim --label "3 silos up" "${sim[@]}" || status=1
  "$app" sim --label "one silo killed at half time" --kill "${sim[@]}" || status=1
  echo
  echo '## Per-call cost'
  echo
  "$app" paired "${paired[@]}" || status=1
} 2> >(tee "$out/stderr.log" >&2) | tee "$out/results.md"
echo "results: $out/results.md"
exit $status
