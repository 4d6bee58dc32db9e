"""The "typst watch" baseline for bench/preview.sh: the PyPI `typst` package's Compiler (typst
0.15, keeps its World and memoisation cache between compiles, like `typst watch`) recompiling the
same layout after the same edits. For each edit the model JSON that renja would serve (exported
beforehand, not timed) is written to <work>/model.json, then compiler.compile(format="svg") is
timed: typst's recompile of every page to SVG, what a watch-mode SVG preview does.
A series named KIND:JSONDIR:pratinjau sets the model's `pratinjau` flag, so typst draws the
tables the way renja preview has them drawn (row by row); otherwise tables are drawn for print.
Usage: python3 typst-recompile.py WORK FONTS OUT_JSON KIND:JSONDIR[:pratinjau] ...
"""
import json, os, statistics, sys, time
import typst

work, fonts, out_json = sys.argv[1:4]
series = [(a.split(":") + [""])[:3] for a in sys.argv[4:]]
model = os.path.join(work, "model.json")


def put(src, pratinjau=False):
    m = json.load(open(src))
    m["sampul"]["draf"] = True  # the preview shows drafts, as `renja build` without --final
    m["pratinjau"] = pratinjau
    tmp = model + ".tmp"
    with open(tmp, "w") as f:
        json.dump(m, f, ensure_ascii=False)
    os.replace(tmp, model)


put(os.path.join(series[0][1], "base.json"))
c = typst.Compiler(os.path.join(work, "layouts", "renja.typ"), root=work, font_paths=[fonts], ignore_system_fonts=True)
t = time.perf_counter()
prev = c.compile(format="svg")
cold = (time.perf_counter() - t) * 1000
results = {"cold_ms": cold, "pages": len(prev)}
for kind, d, flag in series:
    pratinjau = flag == "pratinjau"
    put(os.path.join(d, "base.json"), pratinjau)
    prev = c.compile(format="svg")
    times = []
    for name in sorted(n for n in os.listdir(d) if n.startswith("edit-")):
        put(os.path.join(d, name), pratinjau)
        t = time.perf_counter()
        pages = c.compile(format="svg")
        times.append((time.perf_counter() - t) * 1000)
        if pages == prev:
            sys.exit(f"typst output did not change after {kind}/{name}: the comparison would be void")
        prev = pages
    results[kind] = times
json.dump(results, open(out_json, "w"))
