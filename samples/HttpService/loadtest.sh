#!/usr/bin/env bash
# Load-tests the HttpService sample on loopback with wrk: builds it (Release), starts it on
# 127.0.0.1, runs wrk for DURATION (default 10s) with CONNECTIONS (default 32) connections,
# prints requests/s and errors, and stops the server. Exits non-zero if any request failed.
# TELEMETRY=1 turns the sample's OpenTelemetry on (metrics and traces of the Extism.Sdk sources);
# RELOAD_EVERY=SECONDS replaces count_vowels.wasm (copy, then rename over it) that often during
# the run, so every reload happens under load; the log's reload count is printed.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
port="${PORT:-5089}"
duration="${DURATION:-10s}"
connections="${CONNECTIONS:-32}"
threads="${THREADS:-2}"
url="http://127.0.0.1:$port/vowels?text=Hello%20World%2C%20this%20is%20Extism"

if ! command -v wrk >/dev/null; then
  if [[ $(id -u) == 0 ]]; then apt-get install -y wrk >/dev/null || { apt-get update >/dev/null && apt-get install -y wrk >/dev/null; }
  else echo "loadtest: error: wrk is not installed; apt-get install -y wrk" >&2; exit 2; fi
fi

out="$root/artifacts/samples/HttpService"
dotnet build "$here/HttpService.csproj" -c Release -o "$out" -nologo -v:quiet
log="$(mktemp)"
telemetry=false
[[ ${TELEMETRY:-0} == 1 ]] && telemetry=true
PORT="$port" Telemetry__Enabled="$telemetry" dotnet "$out/HttpService.dll" >"$log" 2>&1 &
server=$!
reloader=""
# Stop only the processes this script started, however the script ends.
trap '[[ -n $reloader ]] && kill "$reloader" 2>/dev/null; kill "$server" 2>/dev/null; wait "$server" 2>/dev/null; rm -f "$log"' EXIT

for _ in $(seq 1 100); do
  curl -fsS "http://127.0.0.1:$port/health" >/dev/null 2>&1 && break
  kill -0 "$server" 2>/dev/null || { echo "loadtest: error: the server exited:" >&2; cat "$log" >&2; exit 1; }
  sleep 0.2
done
echo "loadtest: sample answer: $(curl -fsS "$url")"

if [[ -n ${RELOAD_EVERY:-} ]]; then
  wasm="$out/count_vowels.wasm"
  ( while sleep "$RELOAD_EVERY"; do cp "$wasm" "$wasm.next" && mv -f "$wasm.next" "$wasm"; done ) &
  reloader=$!
fi
result="$(wrk -t"$threads" -c"$connections" -d"$duration" --timeout 5s --latency "$url")"
echo "$result"

rps="$(awk '/^Requests\/sec:/ {print $2}' <<<"$result")"
non2xx="$(awk '/Non-2xx or 3xx responses:/ {print $NF}' <<<"$result")"
socket="$(sed -n 's/.*Socket errors: connect \([0-9]*\), read \([0-9]*\), write \([0-9]*\), timeout \([0-9]*\).*/\1 \2 \3 \4/p' <<<"$result")"
socket_total=0
for n in $socket; do socket_total=$((socket_total + n)); done
errors=$(( ${non2xx:-0} + socket_total ))
if [[ -n $reloader ]]; then
  kill "$reloader" 2>/dev/null; reloader=""
  echo "loadtest: reloads during the run: $(grep -c 'reloaded: generation' "$log") ok, $(grep -c 'was not reloaded' "$log") failed"
fi
echo "loadtest: telemetry ${telemetry}; ${rps} requests/s over ${duration} (${connections} connections), errors: ${errors} (non-2xx ${non2xx:-0}, socket ${socket_total})"
[[ $errors == 0 ]]
