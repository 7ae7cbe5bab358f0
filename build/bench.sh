#!/usr/bin/env bash
# Builds and runs the C baseline (tests/Extism.Sdk.Benchmarks/native/bench.c) and the
# BenchmarkDotNet suite (tests/Extism.Sdk.Benchmarks) on this machine in one go, then prints one
# table: case, C ns/op, C# ns/op, ratio C#/C, managed bytes allocated per op (BenchmarkDotNet's
# figure and an exact per-thread count), target.
#
#   build/bench.sh            full run (a few minutes)
#   build/bench.sh --quick    smoke run: few short iterations, well under 2 minutes when warm
#
# Anything after the mode goes to BenchmarkDotNet (e.g. --filter '*Echo*').
# It fails only when something does not build or run; a missed target is reported, never fatal
# (timings on a shared machine are not a pass/fail signal).
# Results: artifacts/bench/<mode>-<UTC time>/ (git-ignored): results.txt (the table),
# c.tsv, the BenchmarkDotNet reports (bdn/results/*-report-brief.json is what the table reads).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
mode=full
bdn_args=()
for arg in "$@"; do
  case "$arg" in
    --quick) mode=quick ;;
    -h|--help) sed -n '2,14p' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) bdn_args+=("$arg") ;;
  esac
done
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

# With RUST_BACKTRACE (or RUST_LIB_BACKTRACE) set, libextism 1.41 captures a full stack backtrace
# on every call (wasmtime's get_fuel builds an error even when fuel is off): measured here, that
# triples the cost of a no-op call, and unwinding through a .NET process costs more than through
# the C one. Production hosts rarely set it, so both sides run without it.
backtrace_note=""
if [[ -n ${RUST_BACKTRACE:-}${RUST_LIB_BACKTRACE:-} ]]; then
  backtrace_note="; RUST_BACKTRACE/RUST_LIB_BACKTRACE unset for the runs"
fi
unset RUST_BACKTRACE RUST_LIB_BACKTRACE

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

echo "== paired run: C and .NET batches alternating in one process" >&2
dotnet "$dll" --paired "$build_dir/libbenchc.so" "${quick_flag[@]}" >"$out/paired.tsv"

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

machine="$(lscpu | sed -n 's/^Model name: *//p' | head -1), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)$backtrace_note"
python3 - "$out/c.tsv" "$out/c2.tsv" "$out/alloc.tsv" "$out/paired.tsv" "$json" "$mode" "$machine" <<'PY' | tee "$out/results.txt"
import json, sys

c_path, c2_path, alloc_path, paired_path, json_path, mode, machine = sys.argv[1:8]

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

header = []
c = read_tsv(c_path, header)
for name, ns in read_tsv(c2_path).items():
    c[name] = min(ns, c.get(name, ns))
exact = read_tsv(alloc_path)
paired = {}
for line in open(paired_path):
    name, _c_ns, _net_ns, ratio = line.rstrip("\n").split("\t")
    paired[name] = float(ratio)

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
# (row, C baseline row, max ratio C#/C or None, max bytes/op or None)
rows = [
    ("P1_Noop", "P1_Noop", 1.05, None),
    ("P1_Noop_RawPInvoke", "P1_Noop", None, None),
    ("P2_CountVowels4K", "P2_CountVowels4K", 1.03, None),
    ("P3_HostLoop_N0", "P3_HostLoop_N0", None, None),
    ("P3_HostLoop_N1000", "P3_HostLoop_N1000", None, None),
    ("P3_PerHostCall", "P3_PerHostCall", 1.15, 0),
    ("P3_PerHostCall_Raw", "P3_PerHostCall", None, 0),
    ("P4_Echo64K", "P4_Echo64K", ECHO, None),
    ("P4_Echo1M", "P4_Echo1M", ECHO, None),
    ("P5_Echo64K_BufferWriter", "P4_Echo64K", ECHO, 0),
    ("P5_Echo1M_BufferWriter", "P4_Echo1M", ECHO, 0),
    ("P5_Echo64K_Reader", "P4_Echo64K", ECHO, 0),
    ("P5_Echo1M_Reader", "P4_Echo1M", ECHO, 0),
    ("P6_Instantiate_FirstCall", "P6_Instantiate_FirstCall", 1.05, None),
    ("P6_New_FirstCall", "P6_New_FirstCall", 1.05, None),
    ("P7_String4K", "P7_Echo4K", None, None),
    ("P7_Json4K", "P2_CountVowels4K", None, None),
    ("P8_Pool_1Thread", None, None, None),
    ("P8_Pool_2Threads", None, None, None),
    ("P8_PoolPerEngine_1Thread", None, None, None),
    ("P8_PoolPerEngine_2Threads", None, None, None),
]

def fmt_bytes(v):
    if v is None:
        return "-"
    text = f"{v:,.1f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text

def fmt_ns(v):
    return "-" if v is None else f"{v:,.0f}" if v >= 100 else f"{v:,.1f}"

# "C#/C" compares the separate runs (BenchmarkDotNet medians against the faster of the two C
# runs); "paired" is the median of per-round ratios from --paired, where C and .NET batches
# alternate in one process, and is what timing targets are checked against (it holds up far
# better on a loaded machine). "BDN B/op" is BenchmarkDotNet's allocation figure (all threads);
# "thread B/op" is the exact count on the calling thread from --alloc, which allocation targets use.
table = [("case", "C ns/op", "C# ns/op", "C#/C", "paired", "BDN B/op", "thread B/op", "target", "")]
missed = []
for name, base, max_ratio, max_alloc in rows:
    if name not in net and name not in c and name not in paired:
        continue
    cv = c.get(base) if base else None
    nv = net.get(name)
    ratio = nv / cv if (nv is not None and cv) else None
    pr = paired.get(name)
    checked = pr if pr is not None else ratio
    a, e = alloc.get(name), exact.get(name)
    target = []
    if max_ratio is not None:
        target.append(f"<={max_ratio:.3f}".rstrip("0").rstrip("."))
    if max_alloc is not None:
        target.append(f"{max_alloc} B")
    ok = True
    if max_ratio is not None and checked is not None and checked > max_ratio:
        ok = False
    if max_alloc is not None and e is not None and e >= max_alloc + 0.5:
        ok = False
    if not ok:
        missed.append(name)
    base_note = f"(C: {base})" if base and base != name else ""
    table.append((name, fmt_ns(cv), fmt_ns(nv), "-" if ratio is None else f"{ratio:.3f}",
                  "-" if pr is None else f"{pr:.3f}", fmt_bytes(a), fmt_bytes(e),
                  " ".join(target) + ("" if ok or not target else "  MISS"), base_note))

widths = [max(len(r[i]) for r in table) for i in range(len(table[0]))]
print(f"mode: {mode}; machine: {machine}; {'; '.join(header)}")
for i, r in enumerate(table):
    cells = [r[0].ljust(widths[0])] + [r[j].rjust(widths[j]) for j in range(1, 7)] + [r[7].ljust(widths[7]), r[8]]
    print("  ".join(cells).rstrip())
    if i == 0:
        print("  ".join("-" * w for w in widths[:8]))
for label, prefix in (("shared engine", "P8_Pool"), ("engine per instance", "P8_PoolPerEngine")):
    one, two = net.get(prefix + "_1Thread"), net.get(prefix + "_2Threads")
    if one and two:
        print(f"pool ({label}): 2 threads give {one / two:.2f}x the calls/s of 1 thread")
print("targets missed: " + (", ".join(missed) if missed else "none"))
if mode == "quick":
    print("quick mode: few, short samples; ratios are rough (judge targets on a full run)")
PY
echo "results: $out/results.txt" >&2
