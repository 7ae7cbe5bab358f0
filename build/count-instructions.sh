#!/usr/bin/env bash
# Counts the instructions the calling thread executes per call, with callgrind, and checks them
# against the budgets in build/instruction-budgets.txt. Rows: libextism's exports called directly
# (the floors: noop-raw, host-floor, string-raw, json-raw), this SDK (no-op call, pool call path,
# host calls three ways, P7 string and JSON, the Instantiate path) and, beside each, the official
# Extism .NET SDK doing the same work where it can.
#
#   build/count-instructions.sh                   the table: each row's median [min, max] over 3 rounds,
#                                                 budgets shown, never fails on them
#   build/count-instructions.sh --check           the same, exit 1 when a row is over its budget (CI)
#   --runs N                                      N rounds instead of 3 (--runs 1: a quick look)
#   build/count-instructions.sh --update-budgets  re-measure (3 rounds unless --runs says more, the
#                                                 floors 3 times a round) and rewrite the references,
#                                                 the measured budgets and the figures in the file
#   build/count-instructions.sh --regress MODE --check   (or EXTISM_INSTRUCTIONS_REGRESS=MODE)
#                                                 a deliberate regression (a lock and an allocation per
#                                                 call, per host call for host modes) in MODE's loop, in
#                                                 the harness only: proves that the gate trips and what
#                                                 it prints
#   --reuse                                       skip the NativeAOT publish when a build is there
#
# How: tests/Extism.Sdk.Benchmarks.Instructions is published once as NativeAOT (under valgrind
# the JIT would compile with MinOpts, code no user runs). Each row runs in its own process under
# callgrind with --toggle-collect on the measured window (Window.Measured), so start-up, plug-in
# creation and warm-up are never counted; per call = the window's count / calls. Host rows run
# twice (1,000 and 3,000 host calls per call) and take the difference, so one host call is left.
# Each row runs once a round and is judged by its median over the rounds. The gate is on our
# absolute counts: no more than the floor's reference count in the budget file (measured over
# several processes when the budgets were set) plus the row's budget. Today's floors are shown,
# not subtracted: one floor process once came out 1,060 instructions low on the no-op call.
# Instructions are not time: a locked instruction or a cache miss costs far more than an add.
# Needs valgrind and what NativeAOT needs (clang or gcc, zlib headers); installs libextism for
# this RID when it is missing. Results: artifacts/instructions/ (results.txt, counts.tsv).
set -euo pipefail
shopt -s inherit_errexit   # a failed count inside $(...) stops the script
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
started=$SECONDS

runs=""
check=no
update=no
reuse=no
regress="${EXTISM_INSTRUCTIONS_REGRESS:-}"   # or --regress
budgets="$root/build/instruction-budgets.txt"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --runs) runs="${2:?--runs needs a number}"; shift ;;
    --check) check=yes ;;
    --update-budgets) update=yes ;;
    --reuse) reuse=yes ;;
    --regress) regress="${2:?--regress needs a mode, e.g. noop-sdk}"; shift ;;
    --budgets) budgets="${2:?--budgets needs a file}"; shift ;;
    -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) echo "count-instructions: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
  shift
done
[[ -z $runs ]] && runs=3
[[ $runs =~ ^[1-9][0-9]*$ ]] || { echo "count-instructions: --runs wants a positive number, got '$runs'" >&2; exit 2; }
[[ $update == yes && $runs -lt 3 ]] && { echo "count-instructions: --update-budgets needs at least 3 rounds to measure a spread" >&2; exit 2; }
[[ $update == yes && -n $regress ]] && { echo "count-instructions: --update-budgets with --regress would write a regression into the budgets" >&2; exit 2; }
[[ -f $budgets ]] || { echo "count-instructions: no budget file at $budgets" >&2; exit 2; }

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
mkdir -p "$out"   # a fresh clone has no artifacts/ yet
export EXTISM_LIB_PATH="$root/native/runtimes/$rid/native/libextism.so"
if [[ ! -f $EXTISM_LIB_PATH ]]; then
  # Named explicitly: the installer's default RID is musl wherever a musl loader is installed.
  build/install-libextism.sh --rid "$rid" --quiet >&2 \
    || { echo "count-instructions: $EXTISM_LIB_PATH is missing and could not be installed (build/install-libextism.sh --rid $rid)" >&2; exit 1; }
fi
# The same reason as in bench.sh: a backtrace per call would dwarf everything else.
unset RUST_BACKTRACE RUST_LIB_BACKTRACE
if [[ -n $regress ]]; then export EXTISM_INSTRUCTIONS_REGRESS="$regress"; else unset EXTISM_INSTRUCTIONS_REGRESS; fi

exe="$bin/Extism.Sdk.Benchmarks.Instructions"
if [[ $reuse == yes && -x $exe ]]; then
  echo "== reusing $exe (--reuse)" >&2
else
  echo "== publishing tests/Extism.Sdk.Benchmarks.Instructions (NativeAOT, $rid)" >&2
  rm -rf "$bin"
  dotnet publish tests/Extism.Sdk.Benchmarks.Instructions/Extism.Sdk.Benchmarks.Instructions.csproj -c Release -r "$rid" -p:InstructionsAot=true \
    -o "$bin" --artifacts-path "$out/build" -nologo -v quiet -clp:ErrorsOnly >"$out/publish.log" 2>&1 || { cat "$out/publish.log" >&2; exit 1; }
fi
published=$SECONDS
official=yes
"$exe" noop-official 1 0 "$plugins" >/dev/null 2>&1 || official=no

# The window's instructions on the main thread (callgrind's file for thread 1) for one process.
window() {
  local file="$out/callgrind.$1.$2.$3"
  rm -f "$file"*
  valgrind --tool=callgrind --separate-threads=yes --toggle-collect='*Instructions_Window__Measured*' \
    --callgrind-out-file="$file" "$exe" "$1" "$2" "$3" "$plugins" >/dev/null 2>"$file.log" \
    || { tail -20 "$file.log" >&2; echo "count-instructions: $1 failed under valgrind" >&2; exit 1; }
  local n
  n=$(sed -n 's/^summary: *//p; s/^totals: *//p' "$file-01" | head -1)
  [[ $n =~ ^[0-9]+$ && $n -gt 0 ]] || { echo "count-instructions: no count for $1 (is Window.Measured still in the binary?)" >&2; exit 1; }
  echo "$n"
}

# Per call (per host call for the host modes); calls sized so each window is about 40M instructions.
per_call() {
  local mode=$1 a b
  case "$mode" in
    host-*) a=$(window "$mode" 20 1000); b=$(window "$mode" 20 3000); echo $(( (b - a) / 40000 )) ;;
    string-*|json-*) a=$(window "$mode" 500 0); echo $(( a / 500 )) ;;
    instantiate-*) a=$(window "$mode" 20 0); echo $(( a / 20 )) ;;
    *) a=$(window "$mode" 2000 0); echo $(( a / 2000 )) ;;
  esac
}

# Every row is counted once a round, in its own process, and judged by its median over the rounds
# (3 by default): one process now and then comes out a hundred or so high or low (one floor
# process once came out 1,060 low), and a gate must not trust one.
floors=(noop-raw host-floor string-raw json-raw)
sdk=(noop-sdk pool-sdk host-frommethod host-extismfunction host-generated string-sdk json-sdk instantiate-sdk)
theirs=(noop-official host-official-frommethod host-official-extismfunction string-official json-official instantiate-official)
counts="$out/counts.tsv"
: >"$counts"
# Re-measuring sets each floor's reference count, which every check is judged against: there the
# floors run 3 times a round. (The no-op floor has two modes about 140 apart, ~19,870 and ~20,000,
# and a reference taken from three processes can land on either.)
floor_repeats=1
[[ $update == yes ]] && floor_repeats=3
for ((r = 1; r <= runs; r++)); do
  modes=()
  for ((k = 0; k < floor_repeats; k++)); do modes+=("${floors[@]}"); done
  modes+=("${sdk[@]}")
  [[ $official == yes ]] && modes+=("${theirs[@]}")
  for mode in "${modes[@]}"; do
    echo "== round $r/$runs: $mode" >&2
    value=$(per_call "$mode")
    printf '%s\t%s\t%s\n' "$r" "$mode" "$value" >>"$counts"
  done
done

args=(--counts "$counts" --budgets "$budgets" --runs "$runs" --version "$("$exe" version)" --arch "$(uname -m)"
      --seconds "$((published - started))" "$((SECONDS - published))")
[[ $check == yes ]] && args+=(--check)
[[ $update == yes ]] && args+=(--update)
[[ $official == no ]] && args+=(--no-official)
[[ -n $regress ]] && args+=(--regress "$regress")
python3 "$root/build/instruction-budgets.py" "${args[@]}" | tee "$out/results.txt"
exit "${PIPESTATUS[0]}"
