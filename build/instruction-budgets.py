#!/usr/bin/env python3
"""Reads build/count-instructions.sh's counts, prints the table, checks and (on request) rewrites
the budgets in build/instruction-budgets.txt. Not meant to be run by hand: see that script."""
import argparse
import datetime
import math
import os
import re
import statistics
import sys

# Official SDK mode beside each of our rows (None: it has nothing that does the same work).
OFFICIAL = {
    "noop-sdk": "noop-official",
    "pool-sdk": None,  # it has no pool
    "host-frommethod": "host-official-frommethod",
    "host-extismfunction": "host-official-extismfunction",
    "host-generated": "host-official-frommethod",  # it has no generator: its typed FromMethod
    "string-sdk": "string-official",
    "json-sdk": "json-official",
    "instantiate-sdk": "instantiate-official",
}


def read_counts(path):
    """mode -> list of (round, per-call count)."""
    counts = {}
    for line in open(path):
        r, mode, value = line.split()
        counts.setdefault(mode, []).append((int(r), int(value)))
    return counts


def read_budgets(path):
    """The header comment lines, and one dict per row in file order."""
    header, rows = [], []
    for line in open(path):
        text = line.rstrip("\n")
        if text.startswith("#") or not text.strip():
            if not rows:
                header.append(text)
            continue
        parts = text.split(None, 4)
        if len(parts) < 4:
            sys.exit(f"count-instructions: {path}: a row needs 'row floor budget kind [measured]': {text!r}")
        row, floor, budget, kind = parts[:4]
        if kind not in ("issue", "measured", "reviewed") or not (budget.isdigit() or re.fullmatch(r"official(\+\d+)?", budget)):
            sys.exit(f"count-instructions: {path}: bad budget or kind in {text!r} (budget: a number, 'official' or 'official+N'; kind: issue, measured or reviewed)")
        rows.append({"row": row, "floor": floor, "budget": budget, "kind": kind, "measured": parts[4] if len(parts) > 4 else ""})
    return header, rows


def spread(values):
    m = statistics.median(values)
    return f"{m:,.0f}" if len(values) == 1 else f"{m:,.0f} [{min(values):,}, {max(values):,}]"


def allowance(values):
    """What a measured budget allows above today's median: the spread seen over the rounds, but
    never less than 150 instructions or 1%: a row's median moves by that much between builds and
    environments (buffer alignment; the no-op floor's median was seen 139 apart in two runs)."""
    return max(max(values) - min(values), 150, math.ceil(0.01 * statistics.median(values)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--counts", required=True)
    ap.add_argument("--budgets", required=True)
    ap.add_argument("--runs", type=int, required=True)
    ap.add_argument("--version", required=True)
    ap.add_argument("--arch", required=True)
    ap.add_argument("--seconds", nargs=2, type=int, required=True)
    ap.add_argument("--check", action="store_true")
    ap.add_argument("--update", action="store_true")
    ap.add_argument("--no-official", action="store_true")
    ap.add_argument("--regress")
    a = ap.parse_args()

    counts = read_counts(a.counts)
    header, rows = read_budgets(a.budgets)

    def values(mode):
        return [v for _, v in counts.get(mode, [])]

    def floor_of(mode):
        v = values(mode)
        return statistics.median(v) if v else None

    table = [("row", "ours", "official", "floor", "ours over floor", "official over floor", "official/ours", "budget", "")]
    failures, updated = [], []
    for b in rows:
        row, floor_mode, budget = b["row"], b["floor"], b["budget"]
        ours = values(row)
        if not ours:
            failures.append(f"{row}: not counted (a row of {a.budgets} that the script did not run)")
            continue
        off_mode = OFFICIAL.get(row)
        off = values(off_mode) if off_mode else []
        floor = floor_of(floor_mode) if floor_mode != "-" else None
        over = [v - floor for v in ours] if floor is not None else None
        off_over = statistics.median(off) - floor if (off and floor is not None) else None
        ours_med = statistics.median(ours)
        # official/ours: of the parts above the floor where there is a floor, else of the whole counts.
        if off and over is not None and statistics.median(over) > 0:
            ratio = f"{off_over / statistics.median(over):.2f}"
        elif off and floor is None:
            ratio = f"{statistics.median(off) / ours_med:.3f}"
        else:
            ratio = "-"
        if budget.startswith("official"):
            slack = int(budget[len("official+"):]) if "+" in budget else 0
            limit_text = "<= official" + (f" + {slack:,}" if slack else "")
            ok = (not off) or ours_med <= statistics.median(off) + slack
            if not ok:
                failures.append(f"{row}: {ours_med:,.0f} instructions per call, budget: the official SDK's {statistics.median(off):,.0f}"
                                + (f" + {slack:,}" if slack else "") + f" (row '{row}' of {a.budgets}, {b['kind']})")
            if not off:
                limit_text += " (not checked: no official SDK)"
        else:
            limit = int(budget)
            got = statistics.median(over)
            ok = got <= limit
            limit_text = f"<= {limit:,} over"
            if not ok:
                failures.append(f"{row}: {got:,.0f} instructions per call over the floor ({floor_mode}: {floor:,.0f}), budget {limit:,} "
                                f"(row '{row}' of {a.budgets}, {b['kind']})")
        off_text = "-" if not off else f"{statistics.median(off):,.0f}" + (" (FromMethod)" if row == "host-generated" else "")
        table.append((row, spread(ours), off_text, "-" if floor is None else f"{floor:,.0f}",
                      "-" if over is None else spread(over), "-" if off_over is None else f"{off_over:,.0f}", ratio,
                      limit_text, "ok" if ok else "OVER BUDGET"))
        if a.update:
            measured = over if over is not None else ours
            what = "over the floor" if over is not None else "absolute"
            b["measured"] = f"{what}: {spread(measured)}"
            if b["kind"] == "measured":
                b["budget"] = str(math.ceil(statistics.median(measured)) + allowance(measured))
            updated.append(b)
    for mode in ("noop-raw", "host-floor", "string-raw", "json-raw"):
        if values(mode):
            table.append((f"{mode} (floor)", spread(values(mode)), "-", "-", "-", "-", "-", "", ""))

    unit = "per call (host rows: per host call)"
    print(f"instructions {unit} on the calling thread (callgrind, NativeAOT, libextism {a.version}, {a.arch}); "
          f"rounds: {a.runs}; floors: median of {len(values('noop-raw'))} processes; figures: median [min, max] of the rounds")
    widths = [max(len(r[i]) for r in table) for i in range(len(table[0]))]
    for i, r in enumerate(table):
        print("  ".join([r[0].ljust(widths[0])] + [c.rjust(w) for c, w in zip(r[1:7], widths[1:7])] + [r[7].ljust(widths[7]), r[8]]).rstrip())
        if i == 0:
            print("  ".join("-" * w for w in widths[:8]))
    if a.no_official:
        print("official SDK: not built (its source is looked for where tests/Extism.Sdk.Benchmarks.Official/OfficialSdk.props says)")
    if a.regress:
        print(f"deliberate regression: a lock and an allocation per call in '{a.regress}' (EXTISM_INSTRUCTIONS_REGRESS)")
    print(f"time: publish {a.seconds[0]} s, counting {a.seconds[1]} s")

    if a.update:
        stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d")
        note = (f"# Last measured: {stamp}, {a.runs} rounds of build/count-instructions.sh --update-budgets, "
                f"libextism {a.version}, {a.arch}.")
        header = [h for h in header if not h.startswith("# Last measured:")]
        while header and not header[-1].strip():
            header.pop()
        # The note goes just above the column heading ('# row ...'), which stays the last line.
        columns = [header.pop()] if header and header[-1].startswith("# row") else []
        with open(a.budgets + ".tmp", "w") as f:
            f.write("\n".join(header + [note] + columns) + "\n")
            for b in rows:
                f.write(f"{b['row']:<21} {b['floor']:<12} {b['budget']:<12} {b['kind']:<9} {b['measured']}".rstrip() + "\n")
        os.replace(a.budgets + ".tmp", a.budgets)  # never a half-written budget file
        print(f"budgets rewritten: {a.budgets} (review the diff; raising a budget needs its reason in the commit)")

    for f in failures:
        print(f"count-instructions: FAIL {f}")
    if failures:
        print(f"count-instructions: {len(failures)} row(s) over budget" + ("" if a.check else " (not fatal without --check)"))
        return 1 if a.check else 0
    print("count-instructions: all rows within budget")
    return 0


if __name__ == "__main__":
    sys.exit(main())
