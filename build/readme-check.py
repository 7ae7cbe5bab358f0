#!/usr/bin/env python3
"""Checks the READMEs that DocFX does not build (build/docs.sh runs this before the site).

1. Every C# block (```csharp, ```cs, ```c#) must be a snippet that has run: the line before it
   (blank lines aside) is a marker
       <!-- snippet: docs/snippets/GettingStarted.cs#first-call -->
   and the block equals that tagged region (// <first-call> ... // </first-call>) of the file,
   dedented. docs/snippets runs every region and compares its output, so a README snippet that
   drifts from the code that ran fails here.
2. Every relative link ([text](path) or [text](path#anchor)) names a file or folder that exists.

Usage: build/readme-check.py FILE... (paths relative to the repository root). Exit 1 on a failure.
"""
import os, re, sys, textwrap

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
fence = re.compile(r"^(\s*)```(\S*)\s*$")
marker = re.compile(r"<!--\s*snippet:\s*(\S+?)#(\S+)\s*-->")
link = re.compile(r"\]\(([^)\s]+)\)")
failures = []

def region(path, name):
    full = os.path.join(root, path)
    if not os.path.isfile(full):
        return None, f"{path} does not exist"
    lines = open(full, encoding="utf-8").read().splitlines()
    start = [i for i, l in enumerate(lines) if l.strip() == f"// <{name}>"]
    end = [i for i, l in enumerate(lines) if l.strip() == f"// </{name}>"]
    if len(start) != 1 or len(end) != 1 or end[0] < start[0]:
        return None, f"{path} has no single region '{name}' (// <{name}> ... // </{name}>)"
    return textwrap.dedent("\n".join(lines[start[0] + 1:end[0]])).strip("\n"), None

for readme in sys.argv[1:]:
    text = open(os.path.join(root, readme), encoding="utf-8").read()
    lines = text.splitlines()
    i = 0
    blocks = 0
    while i < len(lines):
        m = fence.match(lines[i])
        if not m:
            i += 1
            continue
        lang, start = m.group(2).lower(), i
        i += 1
        while i < len(lines) and not lines[i].strip().startswith("```"):
            i += 1
        body = textwrap.dedent("\n".join(lines[start + 1:i])).strip("\n")
        i += 1
        if lang not in ("csharp", "cs", "c#"):
            continue
        blocks += 1
        prev = start - 1
        while prev >= 0 and not lines[prev].strip():
            prev -= 1
        mk = marker.search(lines[prev]) if prev >= 0 else None
        where = f"{readme}:{start + 1}"
        if not mk:
            failures.append(f"{where}: C# block without a '<!-- snippet: docs/snippets/File.cs#region -->' "
                            "marker; every C# example must be a docs/snippets region that has run")
            continue
        expected, error = region(mk.group(1), mk.group(2))
        if error:
            failures.append(f"{where}: {error}")
        elif expected != body:
            failures.append(f"{where}: the block differs from {mk.group(1)}#{mk.group(2)}; copy the region")
    base = os.path.dirname(os.path.join(root, readme))
    links = 0
    for n, line in enumerate(lines, 1):
        for target in link.findall(line):
            if re.match(r"^[a-z][a-z0-9+.-]*:", target) or target.startswith("#"):
                continue
            links += 1
            path = target.split("#", 1)[0]
            if not os.path.exists(os.path.normpath(os.path.join(base, path))):
                failures.append(f"{readme}:{n}: link to '{target}', which does not exist")
    print(f"docs: {readme}: {blocks} C# block(s), {links} relative link(s) checked")

for f in failures:
    print("docs: error: " + f, file=sys.stderr)
sys.exit(1 if failures else 0)
