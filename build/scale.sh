#!/usr/bin/env bash
# The PluginRegistry at scale (tests/Extism.Sdk.Scale): per-instance memory figures, then the
# simulation twice, with wasmtime's disk cache cold (a fresh directory) and warm (a new process
# on the same directory, i.e. a restart), and one table of both runs.
#
#   build/scale.sh           10,000 modules, 8 callers, Zipf keys, budget 1,000 instances and 1 GiB
#   build/scale.sh --quick   smoke run for CI: 300 modules, 600 calls, budget 50 instances and 64 MiB
#   --calls N                calls per run instead of 40,000 (600 with --quick)
#
# It fails when a call fails (wrong output or exception) or something does not build; timings
# are reported, never asserted. Results: artifacts/scale/<mode>-<UTC time>/results.md (git-ignored).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
mode=full
calls=
while [[ $# -gt 0 ]]; do
  arg=$1; shift
  case "$arg" in
    --quick) mode=quick ;;
    --calls) calls=$1; shift ;;
    -h|--help) sed -n '2,12p' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) echo "unknown argument: $arg" >&2; exit 2 ;;
  esac
done
source "$root/build/scale-common.sh"
scale_build scale Extism.Sdk.Scale   # sets $out, $build_dir, $app

if [[ $mode == quick ]]; then
  sim=(--modules 300 --calls ${calls:-600} --callers 8 --max-instances 50 --memory-mib 64)
  measure=(--modules 10 --instances 20)
else
  sim=(--modules 10000 --calls ${calls:-40000} --callers 8 --max-instances 1000 --memory-mib 1024)
  measure=(--modules 200 --instances 500)
fi
cache="$out/cache"   # fresh: the first run compiles everything from scratch

{
  echo "# PluginRegistry scale run ($mode), $(scale_machine)"
  echo
  echo '## Memory per compiled module and per instance (generated count-vowels WAT)'
  echo
  echo '```'
  # Its own cache directory, so that the simulation's "cold" run really starts cold.
  mkdir -p "$out/measure-cache/wasmtime"
  printf '[cache]\ndirectory = "%s"\n' "$out/measure-cache/wasmtime" >"$out/measure-cache/config.toml"
  EXTISM_CACHE_CONFIG="$out/measure-cache/config.toml" "$app" measure "${measure[@]}"
  echo '```'
  echo
  echo '## Simulation'
  echo
  "$app" header
  "$app" sim --label "cache cold" --cache-dir "$cache" "${sim[@]}"
  "$app" sim --label "cache warm (restart)" --cache-dir "$cache" "${sim[@]}"
} 2> >(tee "$out/stderr.log" >&2) | tee "$out/results.md"
echo "results: $out/results.md"
