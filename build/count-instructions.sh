#!/usr/bin/env bash
# Counts the instructions the calling thread executes per call, with callgrind, for the P1 no-op
# call and the P3 host call: libextism's exports called directly (the floor), this SDK and the
# official Extism .NET SDK. Unlike timings on a shared machine, the counts repeat between runs
# within about 2 instructions per host call and 25 per no-op call (most likely because libextism
# seeds its hash maps at random in each process), so they can show a change of a few dozen.
#
#   build/count-instructions.sh
#
# Each case runs twice under callgrind (tests/Extism.Sdk.Benchmarks.Instructions, published as
# NativeAOT) with different call counts; the difference divided by the extra calls is the cost of
# one call, with start-up and plug-in creation cancelled out. Instructions are not time: a locked
# instruction or a cache miss costs far more than an add. Needs valgrind (apt-get install -y
# valgrind) and what NativeAOT needs (clang or gcc, zlib headers). Takes a few minutes.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

if ! command -v valgrind >/dev/null; then
  echo "count-instructions: valgrind is missing: apt-get install -y valgrind" >&2
  exit 2
fi
if ! { command -v clang >/dev/null || command -v gcc >/dev/null; } || [[ ! -f /usr/include/zlib.h ]]; then
  echo "count-instructions: NativeAOT needs clang (or gcc) and zlib headers: apt-get install -y clang zlib1g-dev" >&2
  exit 2
fi

rid=linux-x64
case "$(uname -m)" in aarch64|arm64) rid=linux-arm64 ;; esac
out="$root/artifacts/instructions"
bin="$out/bin"
plugins="$root/tests/plugins/wasm"
export EXTISM_LIB_PATH="$root/native/runtimes/$rid/native/libextism.so"
[[ -f $EXTISM_LIB_PATH ]] || { echo "count-instructions: $EXTISM_LIB_PATH is missing; install it with build/install-libextism.sh --rid $rid" >&2; exit 1; }
# The same reason as in bench.sh: a backtrace per call would dwarf everything else.
unset RUST_BACKTRACE RUST_LIB_BACKTRACE

echo "== publishing tests/Extism.Sdk.Benchmarks.Instructions (NativeAOT, $rid)" >&2
rm -rf "$bin"
dotnet publish tests/Extism.Sdk.Benchmarks.Instructions/Extism.Sdk.Benchmarks.Instructions.csproj -c Release -r "$rid" -p:InstructionsAot=true \
  -o "$bin" --artifacts-path "$out/build" -nologo -v quiet -clp:ErrorsOnly >"$out.log" 2>&1 || { cat "$out.log" >&2; exit 1; }
exe="$bin/Extism.Sdk.Benchmarks.Instructions"
official=yes
"$exe" noop-official 1 "$plugins" >/dev/null 2>&1 || official=no

# Instructions of the main thread (callgrind's file for thread 1) for one run.
count() {
  local file="$out/callgrind.$1.$2.$3"
  rm -f "$file"*
  valgrind --tool=callgrind --separate-threads=yes --callgrind-out-file="$file" "$exe" "$@" "$plugins" >/dev/null 2>"$file.log" \
    || { tail -20 "$file.log" >&2; echo "count-instructions: $1 failed under valgrind" >&2; exit 1; }
  sed -n 's/^summary: *//p; s/^totals: *//p' "$file-01" | head -1
}

# No-op calls: 2,000 and 6,000. Host loops: 20 calls of 1,000 and of 3,000 host calls.
declare -A per
for mode in noop-raw noop-sdk noop-official; do
  [[ $official == no && $mode == *official* ]] && continue
  echo "== $mode" >&2
  a=$(count "$mode" 2000 0); b=$(count "$mode" 6000 0)
  per[$mode]=$(( (b - a) / 4000 ))
done
for mode in host-floor host-frommethod host-extismfunction host-official-frommethod host-official-extismfunction; do
  [[ $official == no && $mode == *official* ]] && continue
  echo "== $mode" >&2
  a=$(count "$mode" 20 1000); b=$(count "$mode" 20 3000)
  per[$mode]=$(( (b - a) / 40000 ))
done

{
  echo "instructions per call on the calling thread (callgrind, NativeAOT, libextism $("$exe" version), $(uname -m))"
  printf '%-46s %12s %14s\n' case instructions "over the floor"
  for mode in noop-raw noop-sdk noop-official; do
    [[ -n ${per[$mode]:-} ]] && printf '%-46s %12s %14s\n' "$mode" "${per[$mode]}" "$(( per[$mode] - per[noop-raw] ))"
  done
  for mode in host-floor host-frommethod host-extismfunction host-official-frommethod host-official-extismfunction; do
    [[ -n ${per[$mode]:-} ]] && printf '%-46s %12s %14s\n' "$mode (per host call)" "${per[$mode]}" "$(( per[$mode] - per[host-floor] ))"
  done
  [[ $official == yes ]] || echo "official SDK: not built (its source is looked for where tests/Extism.Sdk.Benchmarks.Official/OfficialSdk.props says)"
} | tee "$out/results.txt"
