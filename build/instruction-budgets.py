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
        parts = text.split(None, 5)
        if len(parts) < 5:
            sys.exit(f"count-instructions: {path}: a row needs 'row floor reference budget kind [measured]': {text!r}")
        row, floor, ref, budget, kind = parts[:5]
        if (kind not in ("issue", "measured", "reviewed") or not (budget.isdigit() or re.fullmatch(r"official(\+\d+)?", budget))
                or not (ref.isdigit() or (ref == "-" and floor == "-"))):
            sys.exit(f"count-instructions: {path}: bad reference, budget or kind in {text!r} (reference: the floor's count, or '-' "
                     "with floor '-'; budget: a number, 'official' or 'official+N'; kind: issue, measured or reviewed)")
        rows.append({"row": row, "floor": floor, "ref": ref, "budget": budget, "kind": kind, "measured": parts[5] if len(parts) > 5 else ""})
    return header, rows


def spread(values):
    m = statistics.median(values)
    return f"{m:,.0f}" if len(values) == 1 else f"{m:,.0f} [{min(values):,}, {max(values):,}]"


def allowance(values, over):
    """What a measured budget allows above today's median: the spread seen over the rounds, but
    never less than 150 instructions nor 1% of the part above the floor: a row's median moves by
    that much between builds and environments (the no-op floor's median was seen 139 apart)."""
    return max(max(values) - min(values), 150, math.ceil(0.01 * over))


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

    table = [("row", "ours", "official", "floor today", "ours over ref", "official over ref", "official/ours", "budget", "")]
    failures, moved = [], []
    for b in rows:
        row, floor_mode, budget = b["row"], b["floor"], b["budget"]
        ours = values(row)
        if not ours:
            failures.append(f"{row}: not counted (a row of {a.budgets} that the script did not run)")
            continue
        off_mode = OFFICIAL.get(row)
        off = values(off_mode) if off_mode else []
        ours_med = statistics.median(ours)
        off_med = statistics.median(off) if off else None
        # The gate is on our absolute count against the floor's reference count in the file (a
        # floor measured in several processes when the budgets were set), not on today's floor.
        ref = int(b["ref"]) if b["ref"] != "-" else None
        today = floor_of(floor_mode) if floor_mode != "-" else None
        if ref is not None and today is not None and abs(today - ref) > max(150, 0.01 * ref) and floor_mode not in moved:
            moved.append(floor_mode)
            print(f"note: floor {floor_mode} counted {today:,.0f} today against its reference {ref:,}: libextism, the toolchain or the "
                  f"machine changed; if it stays so, re-measure with build/count-instructions.sh --update-budgets")
        over = [v - ref for v in ours] if ref is not None else None
        off_over = off_med - ref if (off_med is not None and ref is not None) else None
        # official/ours: of the parts above the floor where there is a floor, else of the whole counts.
        if off_over is not None and statistics.median(over) > 0:
            ratio = f"{off_over / statistics.median(over):.2f}"
        elif off_med is not None and ref is None:
            ratio = f"{off_med / ours_med:.3f}"
        else:
            ratio = "-"
        if budget.startswith("official"):
            slack = int(budget[len("official+"):]) if "+" in budget else 0
            limit_text = "<= official" + (f" + {slack:,}" if slack else "")
            ok = off_med is None or ours_med <= off_med + slack
            if not ok:
                failures.append(f"{row}: {ours_med:,.0f} instructions per call, budget: the official SDK's {off_med:,.0f}"
                                + (f" + {slack:,}" if slack else "") + f" (row '{row}' of {a.budgets}, {b['kind']})")
            if off_med is None:
                limit_text += " (not checked: no official SDK)"
        else:
            limit = int(budget)
            got = ours_med - ref
            ok = got <= limit
            limit_text = f"<= {limit:,} over"
            if not ok:
                failures.append(f"{row}: {ours_med:,.0f} instructions per call, {got:,.0f} over the floor's reference ({floor_mode}: {ref:,}), "
                                f"budget {limit:,} over it, i.e. {ref + limit:,} (row '{row}' of {a.budgets}, {b['kind']})")
        off_text = "-" if off_med is None else f"{off_med:,.0f}" + (" (FromMethod)" if row == "host-generated" else "")
        table.append((row, spread(ours), off_text, "-" if today is None else f"{today:,.0f}",
                      "-" if over is None else spread(over), "-" if off_over is None else f"{off_over:,.0f}", ratio,
                      limit_text, "ok" if ok else "OVER BUDGET"))
        if a.update:
            # The floor's reference becomes today's median; a measured budget becomes today's median
            # plus the spread, written as instructions over that reference.
            new_ref = round(today) if today is not None else None
            if b["kind"] == "measured" and new_ref is not None:
                b["budget"] = str(math.ceil(ours_med) + allowance(ours, ours_med - new_ref) - new_ref)
            if new_ref is not None:
                b["ref"] = str(new_ref)
                b["measured"] = f"{spread(ours)}; over the floor: {ours_med - new_ref:,.0f}"
            else:
                b["measured"] = f"{spread(ours)}; official: {off_med:,.0f}" if off_med is not None else spread(ours)
    for mode in ("noop-raw", "host-floor", "string-raw", "json-raw"):
        if values(mode):
            table.append((f"{mode} (floor)", spread(values(mode)), "-", "-", "-", "-", "-", "", ""))

    unit = "per call (host rows: per host call)"
    print(f"instructions {unit} on the calling thread (callgrind, NativeAOT, libextism {a.version}, {a.arch}); "
          f"rounds: {a.runs}; figures: median [min, max] of the rounds; 'over ref': above the floor's reference count in the budget file")
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
        note = (f"# Last measured: {stamp}, {a.runs} rounds of build/count-instructions.sh --update-budgets "
                f"(each floor in {len(values('noop-raw'))} processes), libextism {a.version}, {a.arch}.")
        # The old note, with any lines it runs on to, goes up to the column heading.
        starts = [i for i, h in enumerate(header) if h.startswith("# Last measured:")]
        if starts:
            ends = [i for i, h in enumerate(header) if h.startswith("# row") and i > starts[0]]
            header = header[:starts[0]] + header[ends[0] if ends else len(header):]
        while header and not header[-1].strip():
            header.pop()
        # The note goes just above the column heading ('# row ...'), which stays the last line.
        columns = [header.pop()] if header and header[-1].startswith("# row") else []
        with open(a.budgets + ".tmp", "w") as f:
            f.write("\n".join(header + [note] + columns) + "\n")
            for b in rows:
                f.write(f"{b['row']:<21} {b['floor']:<12} {b['ref']:<9} {b['budget']:<12} {b['kind']:<9} {b['measured']}".rstrip() + "\n")
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
