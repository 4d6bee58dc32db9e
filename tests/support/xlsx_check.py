#!/usr/bin/env python3
"""Checks renja's xlsx export (tests/excel.rs).

    xlsx_check.py strip IN.xlsx OUT.xlsx
        copies the workbook without the cached results of its formulas, so a spreadsheet that
        opens OUT must recalculate every formula itself.
    xlsx_check.py compare ORIG.xlsx RECALC.xlsx MODEL.json
        every formula cell of ORIG recalculated in RECALC equals the cached value in ORIG, and
        the amounts, capaian and selisih of the evaluation, RKPD and plan tables (Perubahan
        or murni forms) equal the computed model.
        Prints "formula: N, model: M" on success; exits 1 with every difference otherwise.
"""
import json
import re
import sys
import zipfile

import openpyxl


def strip(src, dst):
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename.startswith("xl/worksheets/sheet"):
                text = data.decode("utf-8")
                text = re.sub(r'(<c [^>]*?) t="str"', r"\1", text)
                text = re.sub(r"(</f>)<v>[^<]*</v>", r"\1", text)
                data = text.encode("utf-8")
            zout.writestr(item, data)


def close(a, b):
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return abs(a - b) <= 1e-6 * max(1.0, abs(a), abs(b))
    return (a if a is not None else "") == (b if b is not None else "")


def body_start(ws):
    """The first body row: the row after the column-number row 1, 2, 3, …"""
    for r in range(1, 15):
        # renja's own number row holds numbers; a form's header row (T-C.29) the texts "1", "2", …
        if [str(ws.cell(row=r, column=c).value) for c in (1, 2, 3)] == ["1", "2", "3"]:
            return r + 1
    raise SystemExit(f"{ws.title}: no column-number row")


def compare(orig, recalc, model_path):
    m = json.load(open(model_path))
    wf = openpyxl.load_workbook(orig)  # formulas
    wc = openpyxl.load_workbook(orig, data_only=True)  # cached values
    wr = openpyxl.load_workbook(recalc, data_only=True)  # recalculated
    errors = []
    nformula = 0
    for ws in wf.worksheets:
        rs = wr[ws.title]
        cs = wc[ws.title]
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value.startswith("="):
                    nformula += 1
                    cached = cs[cell.coordinate].value
                    got = rs[cell.coordinate].value
                    if cached is None:
                        errors.append(f"{ws.title}!{cell.coordinate}: no cached value")
                    if not close(got, cached):
                        errors.append(f"{ws.title}!{cell.coordinate}: {cell.value} recalculated {got!r}, cached {cached!r}")
    nmodel = 0

    def check(sheet, r, c, want, what):
        nonlocal nmodel
        nmodel += 1
        got = wr[sheet].cell(row=r, column=c).value
        if not close(got, want):
            errors.append(f"{sheet}!{openpyxl.utils.get_column_letter(c)}{r} ({what}): recalculated {got!r}, renja {want!r}")

    num = lambda u: float(u["nilai"])
    pct = lambda p: float(p["nilai"]) if p is not None else "-"
    d = m["data"]
    if d["evaluasi"].get("bentuk") == "T-C.29":
        compare_murni(d, wr, check, num, pct)
    else:
        compare_perubahan(d, wr, check, num, pct)
    if errors:
        print("\n".join(errors[:60]))
        print(f"{len(errors)} differences")
        sys.exit(1)
    print(f"formula: {nformula}, model: {nmodel}, sheets: {', '.join(ws.title for ws in wr.worksheets)}")


def compare_murni(d, wr, check, num, pct):
    """T-C.33 (pagu and prakiraan maju, TOTAL) and T-C.29 (amounts, tingkat realisasi and capaian)."""
    t = d["rencana"]
    sheet = "Tabel " + t["nomor"]
    r0 = body_start(wr[sheet])
    for i, b in enumerate(t["baris"]):
        if b.get("pagu") is not None:
            check(sheet, r0 + i, 10, num(b["pagu"]), f"{b['kode']} pagu")
        if b["maju_pagu"] is not None:
            check(sheet, r0 + i, 15, num(b["maju_pagu"]), f"{b['kode']} prakiraan maju")
    n = len(t["baris"])
    check(sheet, r0 + n, 10, num(t["total"]["pagu"]), "TOTAL pagu")
    check(sheet, r0 + n, 15, num(t["total"]["maju_pagu"]), "TOTAL prakiraan maju")
    e = d["evaluasi"]
    sheet = "Tabel " + e["nomor"]
    r0 = body_start(wr[sheet])
    check(sheet, r0, 7, num(e["total"]["pagu"]), "total pagu")
    check(sheet, r0, 9, num(e["total"]["realisasi_rp"]), "total realisasi")
    check(sheet, r0, 11, pct(e["total"]["capaian_rp"]), "total tingkat realisasi Rp")
    for i, b in enumerate(e["baris"]):
        r = r0 + 1 + i
        check(sheet, r, 7, num(b["pagu"]), f"{b['kode']} pagu")
        check(sheet, r, 9, num(b["realisasi_rp"]), f"{b['kode']} realisasi")
        check(sheet, r, 11, pct(b["capaian_rp"]), f"{b['kode']} tingkat realisasi Rp (8)")
        x = b.get("tc29")
        if x:
            check(sheet, r, 13, num(x["pagu_berjalan"]), f"{b['kode']} pagu n-1")
        if b["indikator"]:
            check(sheet, r, 10, pct(b["capaian_k"]), f"{b['kode']} tingkat realisasi K (8)")
            if x and x["realisasi_capaian"] is not None:
                check(sheet, r, 14, float(x["realisasi_capaian"]["angka"]), f"{b['kode']} realisasi capaian (10)")
                check(sheet, r, 15, pct(x["tingkat_capaian"]), f"{b['kode']} tingkat capaian (11)")
    s = e["statistik"]
    rl = r0 + 1 + len(e["baris"])
    check(sheet, rl, 10, pct(s["rata_rata_capaian_k"]), "rata-rata tingkat realisasi K")
    check(sheet, rl, 11, pct(s["rata_rata_capaian_rp"]), "rata-rata tingkat realisasi Rp")


def compare_perubahan(d, wr, check, num, pct):
    # Tabel 3.4
    t = d["rencana"]
    sheet = "Tabel " + t["nomor"]
    r0 = body_start(wr[sheet])
    for i, b in enumerate(t["baris"]):
        check(sheet, r0 + i, 13, num(b["pagu_sebelum"]), f"{b['kode']} pagu sebelum")
        check(sheet, r0 + i, 14, num(b["pagu_sesudah"]), f"{b['kode']} pagu sesudah")
        check(sheet, r0 + i, 15, num(b["selisih"]), f"{b['kode']} selisih")
        if b["maju_pagu"] is not None:
            check(sheet, r0 + i, 20, num(b["maju_pagu"]), f"{b['kode']} prakiraan maju")
    n = len(t["baris"])
    for c, k in [(13, "pagu_sebelum"), (14, "pagu_sesudah"), (15, "selisih"), (20, "maju_pagu")]:
        check(sheet, r0 + n, c, num(t["total"][k]), f"TOTAL {k}")
    # Tabel 3.2
    k = d["rkpd"]
    sheet = "Tabel " + k["nomor"]
    r0 = body_start(wr[sheet])
    for i, b in enumerate(k["baris"]):
        check(sheet, r0 + i, 5, num(b["rancangan"]["pagu"]), f"{b['kode']} pagu rancangan")
        check(sheet, r0 + i, 10, num(b["analisis"]["pagu"]), f"{b['kode']} pagu analisis")
    check(sheet, r0 + len(k["baris"]), 5, num(k["total"]["rancangan_pagu"]), "TOTAL rancangan")
    check(sheet, r0 + len(k["baris"]), 10, num(k["total"]["analisis_pagu"]), "TOTAL analisis")
    # Tabel 2.1: OPD row, then the rows, then the average.
    e = d["evaluasi"]
    sheet = "Tabel " + e["nomor"]
    r0 = body_start(wr[sheet])
    ncol = wr[sheet].max_column
    nq = ncol - 14
    pred = lambda p: p if p is not None else "-"
    check(sheet, r0, 8, num(e["total"]["pagu"]), "total pagu")
    check(sheet, r0, 10 + nq, num(e["total"]["realisasi_rp"]), "total realisasi")
    check(sheet, r0, 12 + nq, pct(e["total"]["capaian_rp"]), "total capaian Rp")
    for i, b in enumerate(e["baris"]):
        r = r0 + 1 + i
        check(sheet, r, 6, num(b["pagu_lalu"]), f"{b['kode']} pagu lalu")
        check(sheet, r, 8, num(b["pagu"]), f"{b['kode']} pagu")
        check(sheet, r, 10 + nq, num(b["realisasi_rp"]), f"{b['kode']} realisasi")
        check(sheet, r, 12 + nq, pct(b["capaian_rp"]), f"{b['kode']} capaian Rp")
        check(sheet, r, 14 + nq, pred(b["predikat_rp"]), f"{b['kode']} predikat Rp")
        if b["indikator"]:
            check(sheet, r, 11 + nq, pct(b["capaian_k"]), f"{b['kode']} capaian K")
            check(sheet, r, 13 + nq, pred(b["predikat_k"]), f"{b['kode']} predikat K")
    s = e["statistik"]
    rl = r0 + 1 + len(e["baris"])
    check(sheet, rl, 11 + nq, pct(s["rata_rata_capaian_k"]), "rata-rata capaian K")
    check(sheet, rl, 13 + nq, pred(s["predikat_k"]), "predikat rata-rata K")


if __name__ == "__main__":
    if sys.argv[1] == "strip":
        strip(sys.argv[2], sys.argv[3])
    elif sys.argv[1] == "compare":
        compare(sys.argv[2], sys.argv[3], sys.argv[4])
    else:
        raise SystemExit("usage: xlsx_check.py strip|compare …")
