#!/usr/bin/env bash
# Starts a three-silo cluster on 127.0.0.1 (samples/Cluster), calls a few tenants through every
# silo, stops the silo that holds tenant "acme" (or another tenant held off the primary), and shows
# that tenant answering from another silo. Then stops everything, unless --keep is given.
#
#   samples/Cluster/run.sh          the whole demo, about a minute
#   samples/Cluster/run.sh --keep   leave the silos running (HTTP on 5100-5102) and print how to stop them
#   KILL=1 samples/Cluster/run.sh   kill -9 the silo instead of stopping it gracefully
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
keep=0; [[ "${1:-}" == "--keep" ]] && keep=1
logs="$root/artifacts/cluster-sample"
mkdir -p "$logs"
unset RUST_BACKTRACE RUST_LIB_BACKTRACE

echo "== build"
dotnet build "$root/samples/Cluster/Cluster.csproj" -c Release -o "$logs/app" --nologo -v quiet >"$logs/build.log" 2>&1 || { cat "$logs/build.log"; exit 1; }

pids=()
stop_all() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; }
[[ $keep == 1 ]] || trap stop_all EXIT

start=$(date +%s.%N)
for silo in 0 1 2; do
  SILO=$silo "$logs/app/Cluster" >"$logs/silo-$silo.log" 2>&1 &
  pids+=($!)
  [[ $silo == 0 ]] && sleep 2   # the primary first: the others join through it
done
for silo in 0 1 2; do
  for _ in $(seq 1 120); do curl -sf "http://127.0.0.1:510$silo/health" >/dev/null 2>&1 && break; sleep 0.5; done
  curl -sf "http://127.0.0.1:510$silo/health" >/dev/null || { echo "silo $silo did not start; see $logs/silo-$silo.log"; tail -20 "$logs/silo-$silo.log"; exit 1; }
done
echo "== three silos up in $(awk "BEGIN{printf \"%.1f\", $(date +%s.%N) - $start}") s (logs: $logs)"

echo "== each tenant's plug-in runs on one silo, whichever silo the request reaches"
# Each tenant's first request goes to a different silo: Orleans' default placement prefers the
# silo that received the first call when the silos are equally loaded.
first=0
for tenant in acme globex initech umbrella; do
  for step in 0 1 2; do
    silo=$(( (first + step) % 3 ))
    curl -sf --max-time 30 "http://127.0.0.1:510$silo/tenants/$tenant/vowels?text=Hello%20Cluster"
  done
  first=$(( first + 1 ))
done

# A tenant held off the primary (silo 0 holds localhost clustering's membership table).
victim=""; tenant=""
for t in acme globex initech umbrella; do
  where=$(curl -sf --max-time 30 "http://127.0.0.1:5100/tenants/$t/where")
  case "$where" in *silo-1*) victim=1; tenant=$t; break ;; *silo-2*) victim=2; tenant=$t; break ;; esac
done
if [[ -z "$victim" ]]; then echo "every tenant landed on silo 0 this time; run again to see one move"; exit 0; fi

echo "== $tenant lives on silo-$victim; stopping silo-$victim ${KILL:+(kill -9)}"
curl -sf "http://127.0.0.1:5100/tenants/$tenant/where"
if [[ -n "${KILL:-}" ]]; then kill -9 "${pids[$victim]}"; else kill "${pids[$victim]}"; fi
stopped=$(date +%s.%N)
for _ in $(seq 1 240); do kill -0 "${pids[$victim]}" 2>/dev/null || break; sleep 0.25; done
echo "== silo-$victim exited after $(awk "BEGIN{printf \"%.1f\", $(date +%s.%N) - $stopped}") s"
for _ in $(seq 1 120); do
  if out=$(curl -sf --max-time 30 "http://127.0.0.1:5100/tenants/$tenant/vowels?text=Hello%20again"); then break; fi
  sleep 0.5
done
echo "== $tenant answered again $(awk "BEGIN{printf \"%.1f\", $(date +%s.%N) - $stopped}") s after the stop:"
echo "$out"
curl -sf "http://127.0.0.1:5100/tenants/$tenant/where"

echo "== invalidate $tenant on every silo, then call it: compiled again"
curl -sf -X POST "http://127.0.0.1:5100/tenants/$tenant/invalidate"
curl -sf "http://127.0.0.1:5101/tenants/$tenant/vowels?text=fresh" || curl -sf "http://127.0.0.1:5102/tenants/$tenant/vowels?text=fresh"

if [[ $keep == 1 ]]; then
  echo "== still running (pids ${pids[*]}); stop with: kill ${pids[*]}"
else
  echo "== stopping"
fi
