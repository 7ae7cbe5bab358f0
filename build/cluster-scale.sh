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
#   --processes-only                 only the one-process-per-silo runs (the full mode's last section)
#
# The full mode then repeats both runs with one process per silo (silo 0 the primary of localhost
# clustering on 127.0.0.1 ports 21111-21113 and 32000-32002, a client process driving the load and
# SIGKILLing silo 1 at half time), which gives each silo's own peak RSS.
#
# Fails when a call is lost after its retries (or returns a wrong output), or something does not
# build; timings are reported, never asserted. Results: artifacts/cluster-scale/<mode>-<UTC time>/
# results.md (git-ignored), with the silos' logs beside it.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
mode=full
calls=
processes_only=0
while [[ $# -gt 0 ]]; do
  arg=$1; shift
  case "$arg" in
    --quick) mode=quick ;;
    --calls) calls=$1; shift ;;
    --processes-only) processes_only=1 ;;
    -h|--help) sed -n '2,20p' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) echo "unknown argument: $arg" >&2; exit 2 ;;
  esac
done
source "$root/build/scale-common.sh"
scale_build cluster-scale Extism.Sdk.Cluster.Scale   # sets $out, $build_dir, $app

if [[ $mode == quick ]]; then
  budgets=(--max-instances 50 --memory-mib 64)
  sim=(--modules 300 --calls ${calls:-1500} --callers 8 "${budgets[@]}")
  paired=(--rounds 5 --block 50)
else
  budgets=(--max-instances 1000 --memory-mib 1024)
  sim=(--modules 10000 --calls ${calls:-40000} --callers 8 "${budgets[@]}")
  paired=(--rounds 30 --block 200)
fi

cd "$out"   # the TestCluster writes its silos' logs under ./logs
status=0
silo_pids=()
trap 'for pid in "${silo_pids[@]}"; do kill "$pid" 2>/dev/null || true; done' EXIT

# One process per silo: $1 label, $2 "kill" to SIGKILL silo 1 at half time, $3 directory name,
# $4 ExtismClusterOptions.AttemptTimeout in ms (0: none, Orleans' 30 s response timeout governs).
processes_run() {
  local dir="$out/$3" kill_pid=0
  mkdir -p "$dir"
  silo_pids=()
  for i in 0 1 2; do
    "$app" silo --index "$i" --dir "$dir" "${budgets[@]}" >"$dir/silo-$i.log" 2>&1 &
    silo_pids+=($!)
    if [[ $i == 0 ]]; then sleep 2; fi   # the primary first: the others join through it
  done
  # The client starts once every silo is up, so it knows all three gateways from the start.
  for _ in $(seq 1 240); do [[ -f $dir/silo-0.status && -f $dir/silo-1.status && -f $dir/silo-2.status ]] && break; sleep 0.25; done
  [[ $2 == kill ]] && kill_pid=${silo_pids[1]}
  "$app" drive --label "$1" --dir "$dir" --kill-pid "$kill_pid" --attempt-timeout-ms "$4" "${sim[@]}" || status=1
  for pid in "${silo_pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait "${silo_pids[@]}" 2>/dev/null || true
  silo_pids=()
}

{
  echo "# Plug-ins on a 3-silo Orleans cluster ($mode), $(scale_machine)"
  if [[ $processes_only == 0 ]]; then
    echo
    echo '## Simulation, three silos in one process (per-silo budgets; "lost after retry" must be 0)'
    echo
    "$app" header
    # Each run is its own process, so the second does not start with the first one's compiled code.
    "$app" sim --label "3 silos up" "${sim[@]}" || status=1
    "$app" sim --label "one silo killed at half time" --kill "${sim[@]}" || status=1
    echo
    echo '## Per-call cost'
    echo
    "$app" paired "${paired[@]}" || status=1
  fi
  if [[ $mode == full || $processes_only == 1 ]]; then
    echo
    echo '## Simulation, one process per silo (peak RSS is each silo'"'"'s own)'
    echo
    "$app" processes-header
    processes_run "3 silo processes up" no processes-up 0
    processes_run "silo-1 SIGKILLed at half time" kill processes-kill 0
    processes_run "silo-1 SIGKILLed, AttemptTimeout 2 s" kill processes-kill-attempt 2000
  fi
} 2> >(tee "$out/stderr.log" >&2) | tee "$out/results.md"
echo "results: $out/results.md"
exit $status
