#!/usr/bin/env bash
# Builds and runs the C baseline (tests/Extism.Sdk.Benchmarks/native/bench.c) and the
# BenchmarkDotNet suite (tests/Extism.Sdk.Benchmarks) on this machine in one go, then prints one
# table: case, C ns/op, C# ns/op, ratio C#/C, the paired ratios against C and against the official
# Extism .NET SDK (median and min-max over repeated runs), managed bytes allocated per op
# (BenchmarkDotNet's figure and an exact per-thread count), target; then the telemetry table
# (--telemetry) and the pool isolation table (--pool-default, --pool-memory).
#
#   build/bench.sh            full run (a few minutes)
#   build/bench.sh --quick    smoke run: few short iterations, a few minutes when warm
#   --runs N                  how many paired runs to take the spread over (default 3)
#   --no-official             without the official SDK (its source is looked for in
#                             ../shared/peers/extism-dotnet-sdk/src/Extism.Sdk beside the clone,
#                             or $OFFICIAL_SDK_SOURCE; without it and this flag, bench.sh fails)
#
# Anything else goes to BenchmarkDotNet (e.g. --filter '*Echo*').
# It fails only when something does not build or run; a missed target is reported, never fatal
# (timings on a shared machine are not a pass/fail signal).
# Results: artifacts/bench/<mode>-<UTC time>/ (git-ignored): results.txt (the tables),
# c.tsv, telemetry.tsv, pool-default.tsv, pool-memory.tsv, the BenchmarkDotNet reports (bdn/results/*-report-brief.json is what the table reads).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
mode=full
runs=3
official=yes
bdn_args=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --quick) mode=quick ;;
    --runs) runs="${2:?--runs needs a number}"; shift ;;
    --no-official) official=no ;;
    -h|--help) sed -n '2,20p' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) bdn_args+=("$1") ;;
  esac
  shift
done
[[ $runs =~ ^[1-9][0-9]*$ ]] || { echo "bench.sh: --runs wants a positive number, got '$runs'" >&2; exit 2; }
quick_flag=()
[[ $mode == quick ]] && quick_flag=(--quick)

rid=linux-x64
case "$(uname -m)" in aarch64|arm64) rid=linux-arm64 ;; esac
libdir="$root/native/runtimes/$rid/native"
plugins="$root/tests/plugins/wasm"
project="$root/tests/Extism.Sdk.Benchmarks"
build_dir="$root/artifacts/bench/build"   # own artifacts path: no file locks with other builds
out="$root/artifacts/bench/$mode-$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$out" "$build_dir"
load_start="$(cut -d' ' -f1-3 /proc/loadavg)"

# With RUST_BACKTRACE (or RUST_LIB_BACKTRACE) set, libextism 1.41 captures a full stack backtrace
# on every call (wasmtime's get_fuel builds an error even when fuel is off): measured here, that
# triples the cost of a no-op call, and unwinding through a .NET process costs more than through
# the C one. Production hosts rarely set it, so both sides run without it.
backtrace_note=""
if [[ -n ${RUST_BACKTRACE:-}${RUST_LIB_BACKTRACE:-} ]]; then
  backtrace_note="; RUST_BACKTRACE/RUST_LIB_BACKTRACE unset for the runs"
fi
unset RUST_BACKTRACE RUST_LIB_BACKTRACE

# The official SDK is compiled from its source where it lies (never copied into the repository)
# by tests/Extism.Sdk.Benchmarks.Official, which looks in the same place.
official_src="${OFFICIAL_SDK_SOURCE:-$root/../shared/peers/extism-dotnet-sdk/src/Extism.Sdk}"
if [[ $official == yes && ! -f "$official_src/Plugin.cs" ]]; then
  echo "bench.sh: the official SDK's source is not at $official_src; set OFFICIAL_SDK_SOURCE or pass --no-official" >&2
  exit 1
fi
if [[ $official == no ]]; then
  export EXTISM_BENCH_OFFICIAL=0
else
  export OFFICIAL_SDK_SOURCE="$official_src"
fi

if [[ ! -f "$libdir/libextism.so" ]]; then
  echo "bench.sh: $libdir/libextism.so is missing; install it with build/install-libextism.sh --rid $rid" >&2
  exit 1
fi

echo "== building the C baseline" >&2
cc -O2 -std=c11 -Wall -Wextra -Werror -o "$build_dir/bench-c" "$project/native/bench.c" \
  -L"$libdir" -lextism -Wl,-rpath,"$libdir"
# The same cases as a library, for the interleaved (paired) comparison inside the .NET process.
cc -O2 -std=c11 -Wall -Wextra -Werror -DBENCH_SHARED -shared -fPIC -fvisibility=hidden \
  -o "$build_dir/libbenchc.so" "$project/native/bench.c" -L"$libdir" -lextism -Wl,-rpath,"$libdir"

echo "== building the .NET benchmarks (Release)" >&2
dotnet build "$project/Extism.Sdk.Benchmarks.csproj" -c Release --artifacts-path "$build_dir" \
  -nologo -v quiet -clp:ErrorsOnly >"$out/build.log" 2>&1 || { cat "$out/build.log" >&2; exit 1; }
dll="$build_dir/bin/Extism.Sdk.Benchmarks/release/Extism.Sdk.Benchmarks.dll"

# Same machine, same run. The machine may be shared, so the C baseline runs before and after
# the .NET suite and the table takes the faster of its two medians per case: the floor is then
# conservative (noise can only make the .NET ratios look worse, not better).
echo "== running the C baseline ($mode)" >&2
"$build_dir/bench-c" "$plugins" "${quick_flag[@]}" >"$out/c.tsv"

echo "== exact per-thread allocation check" >&2
dotnet "$dll" --alloc >"$out/alloc.tsv"

# Each paired run is a fresh process (its own JIT, heap and code layout); the table shows the
# median of the runs' figures and their range.
paired_files=()
for ((i = 1; i <= runs; i++)); do
  echo "== paired run $i/$runs: C, .NET and official .NET batches alternating in one process" >&2
  dotnet "$dll" --paired "$build_dir/libbenchc.so" "${quick_flag[@]}" >"$out/paired-$i.tsv"
  paired_files+=("$out/paired-$i.tsv")
done

# What telemetry costs (idle and listening, against the path with its telemetry step skipped) and
# the measurement behind the pool's isolation default: calls/s from 1, 2 and all cores for both
# isolation modes, and the resident memory one more instance adds (each in a fresh process).
echo "== telemetry cost (--telemetry)" >&2
dotnet "$dll" --telemetry "${quick_flag[@]}" >"$out/telemetry.tsv"
echo "== pool isolation default (--pool-default, --pool-memory)" >&2
dotnet "$dll" --pool-default "${quick_flag[@]}" >"$out/pool-default.tsv"
for isolation in shared per-engine; do dotnet "$dll" --pool-memory "$isolation"; done >"$out/pool-memory.tsv"

echo "== running BenchmarkDotNet ($mode); log: $out/bdn.log" >&2
if ! dotnet "$dll" "${quick_flag[@]}" --artifacts "$out/bdn" "${bdn_args[@]}" >"$out/bdn.log" 2>&1; then
  tail -40 "$out/bdn.log" >&2
  echo "bench.sh: BenchmarkDotNet failed (full log: $out/bdn.log)" >&2
  exit 1
fi

echo "== running the C baseline again" >&2
"$build_dir/bench-c" "$plugins" "${quick_flag[@]}" >"$out/c2.tsv"

json="$(ls -t "$out"/bdn/results/*-report-brief.json 2>/dev/null | head -1)"
[[ -n $json ]] || { echo "bench.sh: no BenchmarkDotNet JSON report in $out/bdn/results" >&2; exit 1; }

machine="$(lscpu | sed -n 's/^Model name: *//p' | head -1), $(nproc) cores, load at start $load_start, at end $(cut -d' ' -f1-3 /proc/loadavg)$backtrace_note"
python3 - "$out/c.tsv" "$out/c2.tsv" "$out/alloc.tsv" "$json" "$mode" "$machine" "${paired_files[@]}" <<'PY' | tee "$out/results.txt"
import json, statistics, sys

c_path, c2_path, alloc_path, json_path, mode, machine = sys.argv[1:7]
paired_paths = sys.argv[7:]

def read_tsv(path, header=None):
    d = {}
    for line in open(path):
        line = line.rstrip("\n")
        if line.startswith("#"):
            if header is not None and line[1:].strip() not in header:
                header.append(line[1:].strip())
        elif line:
            name, value = line.split("\t")
            d[name] = float(value)
    return d

def num(text):
    return None if text == "-" else float(text)

header = []
c = read_tsv(c_path, header)
for name, ns in read_tsv(c2_path).items():
    c[name] = min(ns, c.get(name, ns))
exact = read_tsv(alloc_path)

# Per case, one value per paired run: SDK/C ratio, official ns, official/SDK ratio, SDK ns.
paired, official, off_ratio, sdk_ns = {}, {}, {}, {}
for path in paired_paths:
    for line in open(path):
        name, _c_ns, net_ns, ratio, off_ns, off_r = line.rstrip("\n").split("\t")
        for d, v in ((paired, num(ratio)), (official, num(off_ns)), (off_ratio, num(off_r)), (sdk_ns, num(net_ns))):
            if v is not None:
                d.setdefault(name, []).append(v)

net, alloc = {}, {}
for b in json.load(open(json_path))["Benchmarks"]:
    stats = b.get("Statistics") or {}
    if "Median" in stats:
        net[b["Method"]] = stats["Median"]
        alloc[b["Method"]] = (b.get("Memory") or {}).get("BytesAllocatedPerOperation")

def per_host_call(d, n1000="P3_HostLoop_N1000"):
    if n1000 in d and "P3_HostLoop_N0" in d and d[n1000] is not None and d["P3_HostLoop_N0"] is not None:
        return (d[n1000] - d["P3_HostLoop_N0"]) / 1000.0
    return None

# Derived rows: the cost of one host call from the N=1000 and N=0 loops.
c["P3_PerHostCall"] = per_host_call(c)
for d in (net, alloc, exact):
    d["P3_PerHostCall"] = per_host_call(d)
    d["P3_PerHostCall_Raw"] = per_host_call(d, "P3_HostLoop_N1000_Raw")

ECHO = 1 / 0.95  # throughput >= 0.95 of C, as a time ratio
# (row, C baseline row, max ratio C#/C or None, max bytes/op or None, min official/ours or None)
rows = [
    ("P1_Noop", "P1_Noop", 1.05, None, 1.00),
    ("P1_Noop_RawPInvoke", "P1_Noop", None, None, None),
    ("P2_CountVowels4K", "P2_CountVowels4K", 1.03, None, 1.00),
    ("P3_HostLoop_N0", "P3_HostLoop_N0", None, None, 1.00),
    ("P3_HostLoop_N1000", "P3_HostLoop_N1000", None, None, 1.00),
    ("P3_PerHostCall", "P3_PerHostCall", 1.10, 0, 1.10),
    ("P3_PerHostCall_Raw", "P3_PerHostCall", None, 0, 1.10),
    # The floor: an [UnmanagedCallersOnly] add_one registered with no SDK in between. Its
    # official/ours column is official FromMethod over the floor, the ceiling of official/ours.
    ("P3_HostLoop_N0_Floor", "P3_HostLoop_N0", None, None, None),
    ("P3_HostLoop_N1000_Floor", "P3_HostLoop_N1000", None, None, None),
    ("P3_PerHostCall_Floor", "P3_PerHostCall", None, None, None),
    # Compat span: ours copies the output out of plug-in memory (api.md C), theirs points into it.
    ("P4_Echo64K", "P4_Echo64K", ECHO, None, 0.97),
    ("P4_Echo1M", "P4_Echo1M", ECHO, None, 0.97),
    ("P5_Echo64K_BufferWriter", "P4_Echo64K", ECHO, 0, 1.00),
    ("P5_Echo1M_BufferWriter", "P4_Echo1M", ECHO, 0, 1.00),
    # Each side's cheapest read of a large output: our in-place reader, their span.
    ("P5_Echo64K_Reader", "P4_Echo64K", 1.05, 0, 1.00),
    ("P5_Echo1M_Reader", "P4_Echo1M", 1.05, 0, 1.00),
    ("P6_Instantiate_FirstCall", "P6_Instantiate_FirstCall", 1.05, None, 1.00),
    ("P6_New_FirstCall", "P6_New_FirstCall", 1.05, None, 1.00),
    ("P7_String4K", "P7_Echo4K", None, None, 1.00),
    ("P7_Json4K", "P2_CountVowels4K", None, None, 1.00),
    # Host functions from the source generator against FromMethod and ExtismFunction (paired only;
    # the last row is generated/FromMethod per host call, so below 1 means generated is cheaper).
    ("P3G_PerHostCall_Generated", "P3_PerHostCall", None, None, None),
    ("P3G_PerHostCall_FromMethod", "P3_PerHostCall", None, None, None),
    ("P3G_PerHostCall_ExtismFunction", "P3_PerHostCall", None, None, None),
    ("P3G_Generated_vs_FromMethod", None, None, None, None),
    ("P8_Pool_1Thread", None, None, None, None),
    ("P8_Pool_2Threads", None, None, None, None),
    ("P8_PoolPerEngine_1Thread", None, None, None, None),
    ("P8_PoolPerEngine_2Threads", None, None, None, None),
]

def fmt_bytes(v):
    if v is None:
        return "-"
    text = f"{v:,.1f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text

def fmt_ns(v):
    return "-" if v is None else f"{v:,.0f}" if v >= 100 else f"{v:,.1f}"

def med(values):
    return statistics.median(values) if values else None

def spread(values, digits=2):
    """Median of the runs, and their range when there is more than one."""
    if not values:
        return "-"
    m = f"{med(values):.{digits + 1}f}"
    return m if len(values) == 1 else f"{m} [{min(values):.{digits}f}, {max(values):.{digits}f}]"

# "C#/C" compares the separate runs (BenchmarkDotNet medians against the faster of the two C
# runs); "paired" is the median of per-round ratios from --paired, where C, .NET and official
# .NET batches alternate in one process, and is what timing targets are checked against (it holds
# up far better on a loaded machine); with several runs, the median of the runs and their range.
# "official/ours" is the official SDK's time over ours from the same rounds (above 1: we are faster).
# "BDN B/op" is BenchmarkDotNet's allocation figure (all threads); "thread B/op" is the exact
# count on the calling thread from --alloc, which allocation targets use.
# "paired ns" are the medians of the SDK's and the official SDK's batches in the paired runs
# (thread CPU time, so not comparable with BenchmarkDotNet's wall-clock "C# ns/op").
table = [("case", "C ns/op", "C# ns/op", "C#/C", "paired C#/C", "paired ns C#", "paired ns off", "official/ours",
          "BDN B/op", "thread B/op", "target", "")]
missed = []
for name, base, max_ratio, max_alloc, min_off in rows:
    if name not in net and name not in c and name not in paired:
        continue
    cv = c.get(base) if base else None
    nv = net.get(name)
    ratio = nv / cv if (nv is not None and cv) else None
    pr, orr = med(paired.get(name, [])), med(off_ratio.get(name, []))
    checked = pr if pr is not None else ratio
    a, e = alloc.get(name), exact.get(name)
    target, ok = [], True
    if max_ratio is not None:
        target.append(f"C#/C<={max_ratio:.3f}".rstrip("0").rstrip("."))
        if checked is not None and checked > max_ratio:
            ok = False
    if max_alloc is not None:
        target.append(f"{max_alloc} B")
        if e is not None and e >= max_alloc + 0.5:
            ok = False
    if min_off is not None and orr is not None:
        target.append(f"off/ours>={min_off:.2f}")
        if orr < min_off:
            ok = False
    if not ok:
        missed.append(name)
    base_note = f"(C: {base})" if base and base != name else ""
    table.append((name, fmt_ns(cv), fmt_ns(nv), "-" if ratio is None else f"{ratio:.3f}",
                  spread(paired.get(name, [])), fmt_ns(med(sdk_ns.get(name, []))), fmt_ns(med(official.get(name, []))),
                  spread(off_ratio.get(name, [])), fmt_bytes(a), fmt_bytes(e),
                  " ".join(target) + ("" if ok or not target else "  MISS"), base_note))

# The SDK's own cost per no-op call: P1 minus the raw P/Invoke row, per round, in ns.
own = sdk_ns.get("P1_SdkOwnCost", [])
if own:
    ok = med(own) <= 50
    if not ok:
        missed.append("P1_SdkOwnCost")
    table.append(("P1_SdkOwnCost", "-", "-", "-", "-", fmt_ns(med(own)), "-", "-", "-", "-",
                  f"<=50 ns: {spread(own, 1)} ns" + ("" if ok else "  MISS"), "(paired: P1 minus raw P/Invoke)"))

# What the SDK adds to one host call above the floor (paired, per round), in ns.
for row, label in (("P3_HostCallOwnCost", "FromMethod"), ("P3_HostCallOwnCost_Raw", "ExtismFunction")):
    v = sdk_ns.get(row, [])
    if v:
        table.append((row, "-", "-", "-", "-", fmt_ns(med(v)), "-", "-", "-", "-",
                      f"{spread(v, 1)} ns", f"(paired: {label} minus the floor, per host call)"))

widths = [max(len(r[i]) for r in table) for i in range(len(table[0]))]
runs_note = f"paired runs: {len(paired_paths)}" + (" (figures: median [min, max] of the runs)" if len(paired_paths) > 1 else "")
print(f"mode: {mode}; machine: {machine}; {runs_note}; {'; '.join(header)}")
for i, r in enumerate(table):
    cells = [r[0].ljust(widths[0])] + [r[j].rjust(widths[j]) for j in range(1, 10)] + [r[10].ljust(widths[10]), r[11]]
    print("  ".join(cells).rstrip())
    if i == 0:
        print("  ".join("-" * w for w in widths[:11]))
for label, prefix in (("shared engine", "P8_Pool"), ("engine per instance", "P8_PoolPerEngine")):
    one, two = net.get(prefix + "_1Thread"), net.get(prefix + "_2Threads")
    if one and two:
        print(f"pool ({label}): 2 threads give {one / two:.2f}x the calls/s of 1 thread")
if not off_ratio:
    print("official SDK: not measured (--no-official)")
print("targets missed: " + (", ".join(missed) if missed else "none"))
if mode == "quick":
    print("quick mode: few, short samples; ratios are rough (judge targets on a full run)")
PY
# The two side tables, after the main one, in the same results file.
python3 - "$out/telemetry.tsv" "$out/pool-default.tsv" "$out/pool-memory.tsv" <<'PY' | tee -a "$out/results.txt"
import sys

def table(title, header, rows, note):
    rows = [header] + rows
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    print()
    print(title)
    for i, r in enumerate(rows):
        print("  ".join([r[0].ljust(widths[0])] + [c.rjust(w) for c, w in zip(r[1:], widths[1:])]).rstrip())
        if i == 0:
            print("  ".join("-" * w for w in widths))
    print(note)

def rows(path):
    return [line.rstrip("\n").split("\t") for line in open(path) if line.strip() and not line.startswith("#")]

table("telemetry (--telemetry): ns per call, this thread's CPU time, medians of alternating batches",
      ["case", "untraced ns", "idle ns", "listening ns", "idle/untraced", "listening/idle"], rows(sys.argv[1]),
      "untraced: the telemetry step skipped; idle: nobody listening (what every user pays); listening: a MeterListener and an ActivityListener on everything")
pool = rows(sys.argv[2])
memory = {r[0]: r[2] for r in rows(sys.argv[3])}
table("pool isolation (--pool-default): count_vowels 4 KiB, calls/s (wall clock, medians of alternating 1 s rounds)",
      ["isolation", "threads", "calls/s", "x of 1 thread", "KiB per instance"],
      [r + [memory.get(r[0], "-")] for r in pool],
      "KiB per instance: resident memory one more instance adds (--pool-memory, a pool of 8 in a fresh process)")
PY
echo "results: $out/results.txt" >&2
