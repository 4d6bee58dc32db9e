#!/usr/bin/env python3
"""Generates a larger synthetic edition from the sample by multiplying its sub kegiatan: every
sub kegiatan row (a code with six parts, `2.07.01.2.01.0001`) of every data file gets FACTOR - 1
copies whose last code part is raised by 100 per copy (`.0101`, `.0201`, ...), placed after the
run of sub kegiatan rows it belongs to (a code written with a 3-digit last part, as Tabel
2.1 of the sample has them, keeps its width while it can), so each kegiatan keeps its rows in ascending code order.
Names, indicators, targets and amounts are copied as they are; the parents' declared sums no
longer match (warnings, as on the sample), everything else is untouched. The copies appear in
every table the sample's rows appear in (nomenklatur, Tabel 2.1, 3.2, 3.4).

Usage: python3 bench/gen-edition.py FACTOR OUT_DIR [SOURCE_EDITION]   (default source: content/)
FACTOR 1 copies the edition unchanged; at most 99.
"""
import os
import re
import shutil
import sys

SUB = re.compile(r'^(kode\s*=\s*")(\d+\.\d+\.\d+\.\d+\.\d+)\.(\d{3,4})(")', re.M)


def blocks(text):
    """Splits a TOML file into its preamble and array-of-tables blocks: a block is a `[[name]]`
    header with its body and its sub-tables (`[name.x]`), up to the next `[[...]]` or other
    table header."""
    lines = text.splitlines(keepends=True)
    pre, out, cur, name = [], [], None, None
    for line in lines:
        s = line.strip()
        m = re.match(r"^\[\[([^\]]+)\]\]", s)
        if m:
            if cur is not None:
                out.append("".join(cur))
            cur, name = [line], m.group(1)
            continue
        if s.startswith("[") and cur is not None and not s.startswith("[" + name + "."):
            out.append("".join(cur))
            cur, name = None, None
            # A plain table after the blocks: keep it as an opaque block.
            out.append(line)
            continue
        if cur is None:
            if out:
                out[-1] += line
            else:
                pre.append(line)
        else:
            cur.append(line)
    if cur is not None:
        out.append("".join(cur))
    return "".join(pre), out


def multiply(text, factor):
    pre, bs = blocks(text)
    result, run = [pre], []

    def flush():
        result.extend(run)
        for k in range(1, factor):
            for b in run:
                result.append(SUB.sub(lambda m: f"{m.group(1)}{m.group(2)}.{int(m.group(3)) + 100 * k:0{len(m.group(3))}d}{m.group(4)}", b, count=1))
        run.clear()

    for b in bs:
        if b.lstrip().startswith("[[") and SUB.search(b):
            run.append(b)
        else:
            flush()
            result.append(b)
    flush()
    return "".join(result)


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    factor, out = int(sys.argv[1]), sys.argv[2]
    src = sys.argv[3] if len(sys.argv) > 3 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "content")
    if not 1 <= factor <= 99:
        sys.exit("FACTOR must be 1..99")
    if os.path.exists(out):
        shutil.rmtree(out)
    shutil.copytree(src, out)
    data = os.path.join(out, "data")
    rows = 0
    for name in sorted(os.listdir(data)):
        if not name.endswith(".toml"):
            continue
        p = os.path.join(data, name)
        text = open(p, encoding="utf-8").read()
        new = multiply(text, factor)
        if new != text:
            open(p, "w", encoding="utf-8").write(new)
            rows = max(rows, len(SUB.findall(new)))
    print(f"{out}: ×{factor}, {rows} sub kegiatan rows in the largest table")


if __name__ == "__main__":
    main()
