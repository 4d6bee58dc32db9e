#!/usr/bin/env python3
"""Workbooks for tests/excel.rs, made with openpyxl from the sample's computed model.

    xlsx_gen.py sipd MODEL.json OUT.xlsx   SIPD-style workbook of Tabel 3.4, 2.1 and 3.2
    xlsx_gen.py rows N MODEL.json OUT.xlsx Tabel 3.4 layout with N sub kegiatan rows (benchmark)
    xlsx_gen.py bad MODEL.json DIR         the malformed workbooks, one file per case

The layouts follow SIPD's Renja prints: multi-row merged headers (with line breaks and capitals),
the column-number row, an OPD row and a TOTAL row; Tabel 3.2 carries its code split over the
five urusan/bidang/program/kegiatan/sub kegiatan columns. Amounts are numbers, or Indonesian text
("Rp 1.234.567,00") on every third sub kegiatan, as pasted from other sheets.
"""
import json
import os
import sys

import openpyxl
from openpyxl.utils import get_column_letter


def nilai(v):
    """A performance value as a planner types it: a bare integer as a number, else text."""
    if v is None:
        return None
    t = v["teks"]
    if t.isdigit():
        return int(t)
    return t


def rp_text(n):
    s = f"{n:,}".replace(",", ".")
    return f"Rp {s},00"


def header(ws, top, spec):
    """spec: list of (row offset, col, text, rowspan, colspan)."""
    for (r, c, text, rs, cs) in spec:
        ws.cell(row=top + r, column=c, value=text)
        if rs > 1 or cs > 1:
            ws.merge_cells(start_row=top + r, start_column=c, end_row=top + r + rs - 1, end_column=c + cs - 1)


def numbers_row(ws, row, n):
    for c in range(1, n + 1):
        ws.cell(row=row, column=c, value=c)


# ------------------------------------------------------------------------------------------
# Tabel 3.4

RENCANA_HEAD = [
    (0, 1, "KODE", 3, 1),
    (0, 2, "Urusan/Bidang Urusan/\nProgram/Kegiatan/\nSub Kegiatan", 3, 1),
    (0, 3, "Indikator\nKinerja", 2, 3),
    (2, 3, "Capaian Program", 1, 1),
    (2, 4, "Keluaran Sub Kegiatan", 1, 1),
    (2, 5, "Hasil Kegiatan", 1, 1),
    (0, 6, "Lokasi", 3, 1),
    (0, 7, "Target Capaian Kinerja {tahun}", 1, 6),
    (1, 7, "Program", 1, 2),
    (1, 9, "Keluaran Sub\nKegiatan", 1, 2),
    (1, 11, "Hasil  Kegiatan", 1, 2),
    (2, 7, "Sebelum", 1, 1), (2, 8, "Sesudah", 1, 1),
    (2, 9, "SEBELUM", 1, 1), (2, 10, "SESUDAH", 1, 1),
    (2, 11, "Sebelum", 1, 1), (2, 12, "Sesudah", 1, 1),
    (0, 13, "PAGU INDIKATIF\n{tahun} (Rp)", 2, 3),
    (2, 13, "Sebelum", 1, 1), (2, 14, "Sesudah", 1, 1), (2, 15, "Bertambah/\n(Berkurang)", 1, 1),
    (0, 16, "Sumber Dana", 3, 1),
    (0, 17, "Catatan Penting", 3, 1),
    (0, 18, "Prakiraan Maju {maju}", 2, 3),
    (2, 18, "Tolok Ukur", 1, 1), (2, 19, "Target", 1, 1), (2, 20, "Kebutuhan Dana (Rp)", 1, 1),
]


def rencana_sheet(wb, m, rows=None, title="Renja", drop=None, dup=None):
    t = m["data"]["rencana"]
    ws = wb.create_sheet(title)
    ws["A1"] = "Tabel 3.4 " + t["judul"]
    ws["A2"] = "Perangkat Daerah: " + m["edisi"]["opd"]["nama"]
    spec = [(r, c, s.format(tahun=t["tahun"], maju=t["tahun_maju"]), rs, cs) for (r, c, s, rs, cs) in RENCANA_HEAD]
    header(ws, 4, spec)
    numbers_row(ws, 7, 20)
    r = 8
    leaf_no = 0
    for b in rows if rows is not None else t["baris"]:
        leaf = b["tingkat"] == "sub_kegiatan"
        ws.cell(row=r, column=1, value=b["kode"])
        ws.cell(row=r, column=2, value=b["nama"])
        for c, k in [(3, "capaian_program"), (4, "keluaran"), (5, "hasil"), (6, "lokasi"), (16, "sumber_dana"), (17, "catatan"), (18, "maju_tolok_ukur")]:
            if b[k]:
                ws.cell(row=r, column=c, value=b[k])
        for c, k in [(7, "target_program"), (9, "target_keluaran"), (11, "target_hasil")]:
            ws.cell(row=r, column=c, value=nilai(b[k]["sebelum"]))
            ws.cell(row=r, column=c + 1, value=nilai(b[k]["sesudah"]))
        ws.cell(row=r, column=19, value=nilai(b["maju_target"]))
        sb, ss = int(b["pagu_sebelum"]["nilai"]), int(b["pagu_sesudah"]["nilai"])
        if leaf:
            leaf_no += 1
        text = leaf and leaf_no % 3 == 0
        ws.cell(row=r, column=13, value=rp_text(sb) if text else sb)
        ws.cell(row=r, column=14, value=rp_text(ss) if text else ss)
        ws.cell(row=r, column=15, value=int(b["selisih"]["nilai"]))
        if b["maju_pagu"] is not None:
            ws.cell(row=r, column=20, value=int(b["maju_pagu"]["nilai"]))
        r += 1
    ws.cell(row=r, column=1, value="TOTAL")
    ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=12)
    ws.cell(row=r, column=13, value=int(t["total"]["pagu_sebelum"]["nilai"]))
    ws.cell(row=r, column=14, value=int(t["total"]["pagu_sesudah"]["nilai"]))
    return ws


# ------------------------------------------------------------------------------------------
# Tabel 2.1

def evaluasi_sheet(wb, m, title="Evaluasi"):
    e = m["data"]["evaluasi"]
    tw = e["triwulan"]
    ws = wb.create_sheet(title)
    ws["A1"] = "Tabel 2.1 " + e["judul"]
    q = tw  # quarters I..tw
    spec = [
        (0, 1, "Kode", 3, 1),
        (0, 2, "Perangkat Daerah/Program/Kegiatan/Sub Kegiatan", 3, 1),
        (0, 3, "Indikator Kinerja", 3, 1),
        (0, 4, "Sifat", 3, 1),
        (0, 5, "Satuan", 3, 1),
        (0, 6, f"Target Kinerja dan Pagu {e['tahun_lalu']} (Renja)", 2, 2),
        (2, 6, "K", 1, 1), (2, 7, "Rp", 1, 1),
        (0, 8, f"Target Kinerja dan Pagu\n{e['tahun']} (Renja)", 2, 2),
        (2, 8, "K", 1, 1), (2, 9, "Rp", 1, 1),
        (0, 10, f"Realisasi {e['tahun']}", 1, q + 2),
    ]
    roman = ["I", "II", "III", "IV"]
    for i in range(q):
        spec += [(1, 10 + i, f"Triwulan {roman[i]}", 1, 1), (2, 10 + i, "Rp", 1, 1)]
    c = 10 + q
    spec += [(1, c, f"s/d Triwulan {roman[tw - 1]}", 1, 2), (2, c, "K", 1, 1), (2, c + 1, "Rp", 1, 1)]
    spec += [(0, c + 2, "Tingkat Capaian (%)", 2, 2), (2, c + 2, "K", 1, 1), (2, c + 3, "Rp", 1, 1)]
    spec += [(0, c + 4, "Predikat", 2, 2), (2, c + 4, "K", 1, 1), (2, c + 5, "Rp", 1, 1)]
    header(ws, 3, spec)
    ncol = c + 5
    numbers_row(ws, 6, ncol)
    ws.cell(row=7, column=1, value=m["edisi"]["opd"]["kode"])
    ws.cell(row=7, column=2, value=m["edisi"]["opd"]["nama"])
    ws.cell(row=7, column=9, value=int(e["total"]["pagu"]["nilai"]))
    r = 8
    for b in e["baris"]:
        leaf = b["tingkat"] == "sub_kegiatan"
        ws.cell(row=r, column=1, value=b["kode"])
        ws.cell(row=r, column=2, value=b["nama"])
        if b["indikator"]:
            ws.cell(row=r, column=3, value=b["indikator"])
            ws.cell(row=r, column=4, value=b["sifat"].upper() if r % 2 else b["sifat"])
        if b["satuan"]:
            ws.cell(row=r, column=5, value=b["satuan"])
        ws.cell(row=r, column=6, value=nilai(b["target_lalu"]))
        ws.cell(row=r, column=8, value=nilai(b["target"]))
        ws.cell(row=r, column=c, value=nilai(b["realisasi_k"]))
        if leaf:
            ws.cell(row=r, column=7, value=int(b["pagu_lalu"]["nilai"]))
            ws.cell(row=r, column=9, value=rp_text(int(b["pagu"]["nilai"])) if r % 3 == 0 else int(b["pagu"]["nilai"]))
            for i, v in enumerate(b["realisasi_triwulan_rp"]):
                if v is not None:
                    ws.cell(row=r, column=10 + i, value=int(v["nilai"]))
            ws.cell(row=r, column=c + 1, value=int(b["realisasi_rp"]["nilai"]))
        else:
            # SIPD prints the sums on parent rows; renja computes them and does not import them.
            ws.cell(row=r, column=9, value=int(b["pagu"]["nilai"]))
        if b["capaian_rp"] is not None:
            ws.cell(row=r, column=c + 3, value=b["capaian_rp"]["teks"])
        r += 1
    ws.cell(row=r, column=1, value="Rata-rata capaian kinerja")
    return ws


# ------------------------------------------------------------------------------------------
# Tabel 3.2 (code split over five columns)

def rkpd_sheet(wb, m, title="RKPD"):
    k = m["data"]["rkpd"]
    ws = wb.create_sheet(title)
    ws["A1"] = "Tabel 3.2 " + k["judul"]
    spec = [(0, 1, "Kode", 1, 5), (1, 1, "Urusan", 1, 1), (1, 2, "Bidang Urusan", 1, 1), (1, 3, "Program", 1, 1), (1, 4, "Kegiatan", 1, 1), (1, 5, "Sub Kegiatan", 1, 1)]
    five = ["Program/Kegiatan", "Lokasi", "Indikator Kinerja", "Target Capaian", "Pagu Indikatif (Rp)"]
    spec.append((0, 6, k["judul_kiri"], 1, 5))
    spec.append((0, 11, k["judul_kanan"], 1, 5))
    for i, h in enumerate(five):
        spec.append((1, 6 + i, h, 1, 1))
        spec.append((1, 11 + i, h, 1, 1))
    spec.append((0, 16, "Catatan Penting", 2, 1))
    header(ws, 3, spec)
    r = 5
    for b in k["baris"]:
        parts = b["kode"].split(".")
        split = [parts[0], parts[1] if len(parts) > 1 else None, parts[2] if len(parts) > 2 else None,
                 ".".join(parts[3:5]) if len(parts) > 4 else None, parts[5] if len(parts) > 5 else None]
        for i, p in enumerate(split):
            if p is not None:
                ws.cell(row=r, column=1 + i, value=p)
        leaf = b["tingkat"] == "sub_kegiatan"
        for base, blk in [(6, b["rancangan"]), (11, b["analisis"])]:
            ws.cell(row=r, column=base, value=b["nama"])
            if blk["lokasi"]:
                ws.cell(row=r, column=base + 1, value=blk["lokasi"])
            if blk["indikator"]:
                ws.cell(row=r, column=base + 2, value=blk["indikator"])
            ws.cell(row=r, column=base + 3, value=nilai(blk["target"]))
            ws.cell(row=r, column=base + 4, value=int(blk["pagu"]["nilai"]))
        if b["catatan"]:
            ws.cell(row=r, column=16, value=b["catatan"])
        r += 1
    ws.cell(row=r, column=6, value="TOTAL")
    return ws


def sipd(model, out):
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    rencana_sheet(wb, model)
    evaluasi_sheet(wb, model)
    rkpd_sheet(wb, model)
    wb.save(out)


def rows(n, model, out):
    """Tabel 3.4 with n new sub kegiatan rows under kegiatan 2.07.01.2.01 (codes .5001 on), and
    OUT.nomenklatur.toml with their names, to append to the edition's nomenclature."""
    t = model["data"]["rencana"]
    leaves = [b for b in t["baris"] if b["tingkat"] == "sub_kegiatan"]
    out_rows = []
    names = []
    for i in range(n):
        b = dict(leaves[i % len(leaves)])
        b["kode"] = f"2.07.01.2.01.{5001 + i:04d}"
        b["nama"] = f"Sub kegiatan uji {i + 1}"
        out_rows.append(b)
        names.append(f'[[nomenklatur]]\nkode = "{b["kode"]}"\nnama = "{b["nama"]}"\n')
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    rencana_sheet(wb, model, rows=out_rows)
    wb.save(out)
    with open(out + ".nomenklatur.toml", "w") as f:
        f.write("\n" + "\n".join(names))


# ------------------------------------------------------------------------------------------
# Malformed workbooks

def first_leaf_row(ws):
    for r in range(8, ws.max_row + 1):
        v = ws.cell(row=r, column=1).value
        if isinstance(v, str) and v.count(".") == 5:
            return r
    raise SystemExit("no leaf row")


def bad(model, d):
    os.makedirs(d, exist_ok=True)

    def fresh():
        wb = openpyxl.Workbook()
        wb.remove(wb.active)
        ws = rencana_sheet(wb, model)
        return wb, ws

    # 1. A required column missing: the Pagu "Sesudah" header renamed to something else.
    wb, ws = fresh()
    ws.cell(row=6, column=14, value="Usulan")
    wb.save(f"{d}/kolom_hilang.xlsx")

    # 2. Text in an amount.
    wb, ws = fresh()
    r = first_leaf_row(ws)
    ws.cell(row=r, column=14, value="seratus ribu")
    wb.save(f"{d}/teks_di_pagu.xlsx")

    # 3. A code that does not parse.
    wb, ws = fresh()
    ws.cell(row=first_leaf_row(ws), column=1, value="2.07.x1.2.01.0001")
    wb.save(f"{d}/kode_rusak.xlsx")

    # 4. Two header rows that disagree (the header repeated after a page break, changed).
    wb, ws = fresh()
    r = ws.max_row + 1
    for rr in range(4, 7):
        for c in range(1, 21):
            ws.cell(row=r + rr - 4, column=c, value=ws.cell(row=rr, column=c).value)
    ws.cell(row=r, column=6, value="Kecamatan")
    wb.save(f"{d}/kepala_berbeda.xlsx")

    # 5. The table only on a hidden sheet.
    wb, ws = fresh()
    ws.sheet_state = "hidden"
    notes = wb.create_sheet("Catatan", 0)
    notes["A1"] = "Lembar ini hanya catatan"
    wb.active = 0
    wb.save(f"{d}/lembar_tersembunyi.xlsx")

    # 6. 20.000 rows (a whole region's export, not one table).
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    leaves = [b for b in model["data"]["rencana"]["baris"] if b["tingkat"] == "sub_kegiatan"]
    rencana_sheet(wb, model, rows=[leaves[i % len(leaves)] for i in range(20000)])
    wb.save(f"{d}/baris_20000.xlsx")

    # 7. An empty file.
    open(f"{d}/kosong.xlsx", "wb").close()

    # 8. Not a zip.
    with open(f"{d}/bukan_zip.xlsx", "w") as f:
        f.write("Kode;Program;Pagu\n2.07.01;Penunjang;100\n")

    # 9. Password-protected (encrypted with msoffcrypto-tool).
    wb, ws = fresh()
    wb.save(f"{d}/_plain.xlsx")
    import msoffcrypto.format.ooxml
    with open(f"{d}/_plain.xlsx", "rb") as src, open(f"{d}/sandi.xlsx", "wb") as dst:
        o = msoffcrypto.format.ooxml.OOXMLFile(src)
        o.encrypt("rahasia", dst)
    os.remove(f"{d}/_plain.xlsx")

    # 10. A negative amount.
    wb, ws = fresh()
    ws.cell(row=first_leaf_row(ws), column=13, value=-5000)
    wb.save(f"{d}/pagu_negatif.xlsx")

    # 11. Rupiah with cents.
    wb, ws = fresh()
    ws.cell(row=first_leaf_row(ws), column=14, value=1234.5)
    wb.save(f"{d}/pagu_bersen.xlsx")

    # 12. A code missing from the nomenclature.
    wb, ws = fresh()
    ws.cell(row=first_leaf_row(ws), column=1, value="2.07.09.2.01.0001")
    wb.save(f"{d}/kode_tak_terdaftar.xlsx")

    # 13. The same code twice.
    wb, ws = fresh()
    r = first_leaf_row(ws)
    ws.cell(row=r + 1, column=1, value=ws.cell(row=r, column=1).value)
    wb.save(f"{d}/kode_ganda.xlsx")

    # 14. Two columns that both read as Pagu Sesudah.
    wb, ws = fresh()
    ws.cell(row=6, column=15, value="Sesudah")
    wb.save(f"{d}/kolom_ganda.xlsx")

    # 15. An Excel error value in an amount.
    wb, ws = fresh()
    ws.cell(row=first_leaf_row(ws), column=14, value="#REF!")
    wb.save(f"{d}/galat_excel.xlsx")

    # 16. No recognisable header at all.
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Data"
    ws.append(["Nomor", "Nama", "Jumlah"])
    ws.append([1, "Program", 100])
    wb.save(f"{d}/tanpa_kepala.xlsx")

    # 17. A zip that is not a workbook.
    import zipfile
    with zipfile.ZipFile(f"{d}/zip_lain.xlsx", "w") as z:
        z.writestr("catatan.txt", "bukan buku kerja")

    # 18. A truncated workbook.
    wb, ws = fresh()
    wb.save(f"{d}/_full.xlsx")
    data = open(f"{d}/_full.xlsx", "rb").read()
    open(f"{d}/terpotong.xlsx", "wb").write(data[: len(data) // 2])
    os.remove(f"{d}/_full.xlsx")

    # 19. A data row without a code.
    wb, ws = fresh()
    ws.cell(row=first_leaf_row(ws), column=1).value = None
    wb.save(f"{d}/kode_kosong.xlsx")

    # 20. A malformed performance value ("62.5" is not Indonesian notation).
    wb, ws = fresh()
    ws.cell(row=first_leaf_row(ws), column=8, value="62.5 persen")
    wb.save(f"{d}/target_rusak.xlsx")

    # 21. A code typed as a number with decimals (2.10 shows as 2.1).
    wb, ws = fresh()
    ws.cell(row=first_leaf_row(ws), column=1, value=2.1)
    wb.save(f"{d}/kode_angka.xlsx")


def main():
    mode = sys.argv[1]
    if mode == "sipd":
        sipd(json.load(open(sys.argv[2])), sys.argv[3])
    elif mode == "rows":
        rows(int(sys.argv[2]), json.load(open(sys.argv[3])), sys.argv[4])
    elif mode == "bad":
        bad(json.load(open(sys.argv[2])), sys.argv[3])
    else:
        raise SystemExit(f"unknown mode {mode}")


if __name__ == "__main__":
    main()
