// The table grid of a data file (its rows, e.g. [[baris]]): a spreadsheet-like view of the
// rows with keyboard navigation, cell editing, adding, removing and moving rows and pasting a
// tab-separated block from Excel. The browser never reads or writes TOML: the server turns the
// text into rows and writes edited rows back with toml_edit, keeping the author's comments and
// order (POST /api/v1/edisi/{id}/tabel/{name}); the new text goes into the editor's unsaved
// draft like typing does. Computed cells (parent rows' sums, the TOTAL, differences) come from
// the model the server computes for the draft; nothing is computed here.
import { api, h } from "./api.js";

const JEDA_SINKRON_MS = 250;

export class Grid {
  // opts: {id, path, getText(), setText(text), base(), readOnly, say(text, kind)}
  constructor(el, opts) {
    this.el = el;
    this.o = opts;
    this.nama = opts.path.replace(/^data\//, "").replace(/\.toml$/, "");
    this.kolom = [];
    this.rows = [];          // [{asal, sel}] relative to this.teks
    this.teks = "";          // the text the rows' `asal` refer to
    this.hitung = null;
    this.aktif = { r: 0, c: 0 };
    this.edit = null;        // the open cell editor
    this.versi = 0;          // local edits made
    this.terkirim = 0;       // local edits sent
    this.timer = null;
    this.galat = null;       // {r, kolom, pesan}
    this.letak = [];         // per row of this.teks: {mulai, akhir, sel: {kolom: [line, col]}}
    this.periksa = [];       // check's diagnostics of this.teks in this file
    this.sibuk = Promise.resolve();
  }

  async load() {
    this.el.replaceChildren(h("p", { class: "info" }, "Memuat tabel…"));
    try {
      const r = await api("POST", `/edisi/${this.o.id}/tabel/${this.nama}`, { revisi: this.o.base() || undefined, teks: this.o.getText(), hitung: true });
      this.terima(r, true);
    } catch (e) {
      this.el.replaceChildren(h("p", { class: "info galat", role: "alert" }, e.message));
    }
  }

  terima(r, rowsToo) {
    if (this.edit) rowsToo = false; // a cell is being edited: keep its row; the next send follows
    if (rowsToo) {
      this.kolom = r.kolom;
      this.rows = r.baris;
      this.teks = r.teks;
      // check's diagnostics of this text, placed on the cells by the rows' lines.
      this.letak = r.letak || [];
      this.periksa = (r.diagnostik || []).filter((d) => d.file === this.o.path);
    }
    this.hitung = r.hitung;
    if (!this.edit) this.render();
  }

  // --- sending edits ------------------------------------------------------------------------
  ubah() {
    this.versi++;
    this.galat = null;
    this.render();
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.kirim(), JEDA_SINKRON_MS);
  }

  kirim() {
    this.sibuk = this.sibuk.then(async () => {
      if (this.terkirim === this.versi) return;
      const versi = this.versi;
      this.terkirim = versi;
      const rows = this.rows.map((r) => ({ asal: r.asal, sel: r.sel }));
      try {
        const r = await api("POST", `/edisi/${this.o.id}/tabel/${this.nama}`, { revisi: this.o.base() || undefined, teks: this.teks, baris: rows, hitung: true });
        this.o.setText(r.teks);
        // Later local edits still refer to the old text: keep them; they go out next.
        this.terima(r, versi === this.versi);
        if (versi !== this.versi) this.kirim();
        this.o.say(`Tabel diperbarui (${r.baris.length} baris).`, "baik");
      } catch (e) {
        const m = /baris (\d+), kolom ([^:]+):/.exec(e.message);
        this.galat = m ? { r: Number(m[1]) - 1, kolom: m[2], pesan: e.message } : { pesan: e.message };
        this.o.say("Tabel belum dapat ditulis ke berkas; lihat sel yang ditandai.", "galat");
        this.render();
      }
    });
    return this.sibuk;
  }

  // Waits until every edit has been written into the editor's text.
  async selesai() {
    clearTimeout(this.timer);
    await this.kirim();
  }

  // --- rendering ----------------------------------------------------------------------------
  dihitung() {
    // The model's money columns ({nilai, teks} values) of the table's rows, by code.
    const rows = (this.hitung && Array.isArray(this.hitung.baris)) ? this.hitung.baris : [];
    const keys = [];
    for (const r of rows) for (const [k, v] of Object.entries(r)) if (v && typeof v === "object" && "teks" in v && "nilai" in v && !keys.includes(k)) keys.push(k);
    const byKode = new Map(rows.filter((r) => r.kode).map((r) => [r.kode, r]));
    return { keys, byKode, total: this.hitung && this.hitung.total };
  }

  // check's diagnostics by cell: Map "r:kolom" (or "r:" for the row) -> [diagnostic]. A
  // diagnostic at line L belongs to the row whose lines hold L (by the row's origin in the text)
  // and to the cell whose key is on L (the last one starting before its column).
  tempatkan() {
    const out = new Map();
    for (const d of this.periksa) {
      const r = this.rows.findIndex((row) => row.asal !== null && row.asal !== undefined && this.letak[row.asal] && this.letak[row.asal].mulai <= d.line && d.line <= this.letak[row.asal].akhir);
      if (r < 0) continue;
      let kolom = "";
      let best = 0;
      for (const [k, [line, col]] of Object.entries(this.letak[this.rows[r].asal].sel)) {
        if (line === d.line && (col <= d.col || !kolom) && col >= best) { kolom = k; best = col; }
      }
      const key = `${r}:${kolom}`;
      if (!out.has(key)) out.set(key, []);
      out.get(key).push(d);
    }
    return out;
  }

  // Selects the cell a text position (line, col) of this.teks belongs to; false if none.
  keLokasi(line, col) {
    const r = this.rows.findIndex((row) => row.asal !== null && row.asal !== undefined && this.letak[row.asal] && this.letak[row.asal].mulai <= line && line <= this.letak[row.asal].akhir);
    if (r < 0) return false;
    let c = this.aktif.c;
    let best = 0;
    for (const [k, [l, kc]] of Object.entries(this.letak[this.rows[r].asal].sel)) {
      const i = this.kolom.findIndex((x) => x.nama === k);
      if (l === line && i >= 0 && (kc <= col || best === 0) && kc >= best) { c = i; best = kc; }
    }
    this.pilih(r, c);
    return true;
  }

  // The grid is no longer shown (another file or the text view): edits still on their way reach
  // the file, but nothing is drawn into the shared element any more.
  close() {
    this.closed = true;
  }

  render() {
    if (this.closed) return;
    const focused = this.el.contains(document.activeElement);
    const { keys, byKode, total } = this.dihitung();
    const kodes = this.rows.map((r) => r.sel.kode || "");
    const induk = (kode) => kode && kodes.some((k) => k !== kode && k.startsWith(kode + "."));
    const ro = this.o.readOnly;
    const periksa = this.tempatkan();
    const tanda = (list) => {
      if (!list) return {};
      const err = list.some((d) => d.severity === "error");
      return { kelas: err ? " diag-galat" : " diag-peringatan", judul: list.map((d) => `${err ? "Kesalahan" : "Peringatan"} (baris ${d.line}): ${d.message}${d.hint ? ` — saran: ${d.hint}` : ""}`).join("\n"), err };
    };
    const head = h("tr", {}, h("th", { scope: "col" }, "#"),
      this.kolom.map((k) => h("th", { scope: "col", class: k.angka ? "angka" : "" }, k.nama)),
      keys.map((k) => h("th", { scope: "col", class: "angka dihitung", title: "Dihitung oleh renja; tidak dapat diubah" }, k + " (dihitung)")));
    const body = this.rows.map((row, r) => {
      const m = byKode.get(row.sel.kode);
      return h("tr", { class: induk(row.sel.kode) ? "induk" : "", dataset: { kode: row.sel.kode || "" } },
        (() => { const t = tanda(periksa.get(`${r}:`)); return h("th", { scope: "row", class: t.kelas || null, title: t.judul || null }, String(r + 1)); })(),
        this.kolom.map((k, c) => {
          const salah = this.galat && this.galat.r === r && this.galat.kolom === k.nama;
          const t = tanda(periksa.get(`${r}:${k.nama}`));
          return h("td", {
            class: (k.angka ? "angka" : "") + (salah ? " salah" : "") + (t.kelas || ""), tabindex: "-1", role: "gridcell",
            "aria-readonly": ro ? "true" : null, "aria-invalid": salah || t.err ? "true" : null, title: salah ? this.galat.pesan : t.judul || null,
            dataset: { r, c, kolom: k.nama },
          }, row.sel[k.nama] ?? "");
        }),
        keys.map((k) => h("td", { class: "angka dihitung", "aria-readonly": "true", dataset: { hitung: k } }, m && m[k] ? m[k].teks : "")));
    });
    const foot = total ? h("tr", { class: "total", id: "grid-total" }, h("th", { scope: "row" }, ""),
      h("th", { scope: "row", colspan: String(this.kolom.length) }, "TOTAL"),
      keys.map((k) => h("td", { class: "angka dihitung", "aria-readonly": "true", dataset: { hitung: k } }, total[k] ? total[k].teks : ""))) : null;
    const table = h("table", { class: "grid", role: "grid", "aria-label": `Tabel ${this.o.path}`, "aria-rowcount": String(this.rows.length + 1) },
      h("thead", {}, head), h("tbody", {}, body), foot ? h("tfoot", {}, foot) : null);
    table.addEventListener("keydown", (ev) => this.key(ev));
    table.addEventListener("click", (ev) => {
      const td = ev.target.closest("td[data-c]");
      if (td) this.pilih(Number(td.dataset.r), Number(td.dataset.c));
    });
    table.addEventListener("dblclick", (ev) => { if (ev.target.closest("td[data-c]")) this.buka(); });
    table.addEventListener("paste", (ev) => this.tempel(ev));
    const alat = h("div", { class: "grid-alat", role: "toolbar", "aria-label": "Baris tabel" },
      h("button", { type: "button", id: "grid-tambah", disabled: ro, onclick: () => this.tambah() }, "Tambah baris"),
      h("button", { type: "button", id: "grid-hapus", disabled: ro || !this.rows.length, onclick: () => this.hapus() }, "Hapus baris"),
      h("button", { type: "button", id: "grid-naik", disabled: ro, onclick: () => this.geser(-1) }, "Naik"),
      h("button", { type: "button", id: "grid-turun", disabled: ro, onclick: () => this.geser(1) }, "Turun"),
      h("span", { class: "bantuan" }, "Panah: pindah · Enter/F2: ubah · Alt+↑/↓: pindahkan baris · Ctrl+V: tempel dari Excel"));
    const galat = this.galat ? h("p", { class: "info galat", role: "alert", id: "grid-galat" }, this.galat.pesan) : null;
    // check's findings in this file, under the toolbar: each names its row and column and selects
    // the cell.
    const temuan = [...periksa.entries()].flatMap(([key, list]) => {
      const [r, kolom] = [Number(key.split(":")[0]), key.slice(key.indexOf(":") + 1)];
      return list.map((d) => h("li", { class: "diag-" + d.severity },
        h("button", { type: "button", class: "grid-diag", onclick: () => this.pilih(r, Math.max(0, this.kolom.findIndex((x) => x.nama === kolom))) },
          `Baris ${r + 1}${kolom ? ", kolom " + kolom : ""}: `, d.severity === "error" ? "Kesalahan: " : "Peringatan: ", d.message)));
    });
    const daftar = temuan.length ? h("ul", { class: "grid-periksa", id: "grid-periksa", "aria-label": "Temuan pemeriksaan pada tabel ini" }, temuan) : null;
    this.table = table;
    this.el.replaceChildren(alat, galat || "", daftar || "", h("div", { class: "grid-gulir" }, table));
    this.tandai(focused);
  }

  sel(r, c) {
    return this.table && this.table.querySelector(`td[data-r="${r}"][data-c="${c}"]`);
  }

  tandai(focus) {
    const { r, c } = this.aktif;
    for (const td of this.table.querySelectorAll("td.aktif")) { td.classList.remove("aktif"); td.tabIndex = -1; }
    const td = this.sel(r, c) || this.sel(0, 0);
    if (!td) { this.table.tabIndex = 0; return; }
    td.classList.add("aktif");
    td.tabIndex = 0;
    if (focus) { td.focus({ preventScroll: false }); td.scrollIntoView({ block: "nearest", inline: "nearest" }); }
  }

  pilih(r, c) {
    this.aktif = { r: Math.max(0, Math.min(r, this.rows.length - 1)), c: Math.max(0, Math.min(c, this.kolom.length - 1)) };
    this.tandai(true);
  }

  // --- editing ------------------------------------------------------------------------------
  buka(awal) {
    if (this.o.readOnly || !this.rows.length) return;
    const { r, c } = this.aktif;
    const td = this.sel(r, c);
    const k = this.kolom[c].nama;
    const input = h("input", { class: "grid-input", "aria-label": `${k}, baris ${r + 1}`, value: awal ?? (this.rows[r].sel[k] ?? "") });
    td.replaceChildren(input);
    this.edit = { r, c, input };
    input.focus();
    if (awal === undefined) input.select();
    input.addEventListener("keydown", (ev) => {
      ev.stopPropagation();
      if (ev.key === "Enter") { ev.preventDefault(); this.tutup(true); this.pilih(r + 1, c); }
      else if (ev.key === "Tab") { ev.preventDefault(); this.tutup(true); this.pilih(r, c + (ev.shiftKey ? -1 : 1)); }
      else if (ev.key === "Escape") { ev.preventDefault(); this.tutup(false); this.tandai(true); }
    });
    input.addEventListener("blur", () => { if (this.edit && this.edit.input === input) this.tutup(true); });
  }

  tutup(simpan) {
    const e = this.edit;
    if (!e) return;
    this.edit = null;
    const k = this.kolom[e.c].nama;
    const lama = this.rows[e.r].sel[k] ?? "";
    if (simpan && e.input.value !== lama) {
      this.rows[e.r].sel = { ...this.rows[e.r].sel, [k]: e.input.value };
      this.ubah();
    } else {
      this.render();
    }
  }

  key(ev) {
    if (this.edit) return;
    const { r, c } = this.aktif;
    const mv = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1], PageUp: [-15, 0], PageDown: [15, 0] }[ev.key];
    if (mv && ev.altKey && (ev.key === "ArrowUp" || ev.key === "ArrowDown")) { ev.preventDefault(); this.geser(mv[0]); return; }
    if (mv) { ev.preventDefault(); this.pilih(r + mv[0], c + mv[1]); return; }
    if (ev.key === "Home") { ev.preventDefault(); this.pilih(ev.ctrlKey ? 0 : r, 0); return; }
    if (ev.key === "End") { ev.preventDefault(); this.pilih(ev.ctrlKey ? this.rows.length - 1 : r, this.kolom.length - 1); return; }
    if (this.o.readOnly) return;
    if (ev.key === "Enter" || ev.key === "F2") { ev.preventDefault(); this.buka(); return; }
    if (ev.key === "Delete" || ev.key === "Backspace") {
      ev.preventDefault();
      const k = this.kolom[c].nama;
      if ((this.rows[r].sel[k] ?? "") !== "") { this.rows[r].sel = { ...this.rows[r].sel, [k]: "" }; this.ubah(); }
      return;
    }
    if (ev.key.length === 1 && !ev.ctrlKey && !ev.metaKey && !ev.altKey) { ev.preventDefault(); this.buka(ev.key); }
  }

  tambah() {
    if (!this.kolom.length) return;
    const at = this.rows.length ? this.aktif.r + 1 : 0;
    this.rows.splice(at, 0, { asal: null, sel: {} });
    this.aktif = { r: at, c: 0 };
    this.ubah();
    this.tandai(true);
  }

  hapus() {
    if (!this.rows.length) return;
    this.rows.splice(this.aktif.r, 1);
    this.aktif.r = Math.min(this.aktif.r, this.rows.length - 1);
    this.ubah();
    this.tandai(true);
  }

  geser(d) {
    const { r, c } = this.aktif;
    const to = r + d;
    if (to < 0 || to >= this.rows.length) return;
    const [row] = this.rows.splice(r, 1);
    this.rows.splice(to, 0, row);
    this.aktif = { r: to, c };
    this.ubah();
    this.tandai(true);
  }

  // A tab-separated block (Excel's clipboard) from the active cell on: rows beyond the last are
  // added.
  tempel(ev) {
    if (this.o.readOnly || this.edit) return;
    const text = (ev.clipboardData || window.clipboardData).getData("text/plain");
    if (!text) return;
    ev.preventDefault();
    this.tempelTeks(text);
  }

  tempelTeks(text) {
    const lines = text.replace(/\r\n?/g, "\n").replace(/\n$/, "").split("\n").map((l) => l.split("\t"));
    if (!this.rows.length) this.rows.push({ asal: null, sel: {} });
    const { r, c } = this.aktif;
    lines.forEach((cells, i) => {
      if (r + i >= this.rows.length) this.rows.push({ asal: null, sel: {} });
      const row = this.rows[r + i];
      const sel = { ...row.sel };
      cells.forEach((v, j) => { if (c + j < this.kolom.length) sel[this.kolom[c + j].nama] = v.trim(); });
      row.sel = sel;
    });
    this.o.say(`${lines.length} baris ditempel.`, "baik");
    this.ubah();
  }
}
