// The edition workspace: file list, editor, diagnostics, save (with conflict view), local
// draft, workflow buttons and the live preview of the unsaved texts.
import { api, h, header, hasRole, STATUS, JENIS, waktu } from "./api.js";
import { newState, newView, showDiagnostics, goTo, kosakata, newMerge, gabungTigaArah } from "./editor.js";
import { Pratinjau } from "./pratinjau.js";
import { Grid } from "./grid.js";

// How long typing must pause before the texts go to the preview (ms). 100 ms: the server lays a
// one-word edit out in ~70 ms (release) and coalesces texts sent while it renders, so a shorter
// pause costs little and the page follows the typing sooner.
export const JEDA_KETIK_MS = 100;

const KELOMPOK = [
  ["Pengaturan edisi", (p) => !p.includes("/")],
  ["Bab", (p) => p.startsWith("bab/")],
  ["Data", (p) => p.startsWith("data/")],
];

export async function ruang(root, data) {
  const id = Number(data.edisi);
  const t = window.__ruang = { id, log: [] };
  const [user, edisi] = await Promise.all([api("GET", "/sesi"), api("GET", `/edisi/${id}`)]);
  const opd = (await api("GET", "/opd")).find((o) => o.id === edisi.opd);
  const judul = `${JENIS[edisi.jenis] || edisi.jenis} ${edisi.tahun}${edisi.revisi ? " ke-" + edisi.revisi : ""} — ${opd ? opd.nama : "OPD " + edisi.opd}`;
  // Per edition and user: two people sharing a browser never get each other's drafts.
  const draftKey = `renja:draf:${id}:${user.login}`;

  // --- state ------------------------------------------------------------------------------
  let base = edisi.kepala;            // the revision the edits are based on
  let files = [];                     // [{path, sha256, size}] of `base`
  const saved = new Map();            // path -> text at `base`
  const states = new Map();           // path -> EditorState
  const dirty = new Set();            // paths whose text differs from `saved`
  let current = null;                 // the open path
  let diags = [];                     // [{file, line, col, message, severity, hint}]
  const canWrite = hasRole(user, "penyusun", edisi.opd) && edisi.status === "draf";

  // --- layout -----------------------------------------------------------------------------
  const statusEl = h("span", { class: "status status-" + edisi.status, id: "status-edisi" }, STATUS[edisi.status] || edisi.status);
  const alur = h("div", { class: "alur", role: "group", "aria-label": "Alur kerja" });
  const daftarBerkas = h("nav", { class: "berkas", "aria-label": "Berkas edisi" });
  const daftarDiag = h("ul", { id: "diagnostik", class: "diagnostik" });
  const jumlahDiag = h("span", { id: "jumlah-diagnostik" }, "0");
  const namaBerkas = h("h2", { id: "nama-berkas", class: "nama-berkas" }, "");
  const pesan = h("input", { id: "pesan-simpan", placeholder: "Apa yang Anda ubah?", "aria-label": "Pesan penyimpanan", disabled: !canWrite });
  const tombolSimpan = h("button", { type: "button", id: "simpan", disabled: true }, "Simpan");
  const info = h("p", { id: "info", class: "info", role: "status", "aria-live": "polite" });
  const editorEl = h("div", { class: "editor", id: "editor" });
  // The table grid of a data file (web/src/grid.js), shown instead of the editor.
  const gridEl = h("div", { class: "grid-wadah", id: "grid", hidden: true });
  let grid = null;
  let modeTabel = false;
  const tombolTeks = h("button", { type: "button", id: "mode-teks", "aria-pressed": "true", onclick: () => setMode(false) }, "Teks");
  const tombolTabel = h("button", { type: "button", id: "mode-tabel", "aria-pressed": "false", onclick: () => setMode(true) }, "Tabel");
  const modeEl = h("div", { class: "mode", role: "group", "aria-label": "Tampilan berkas", hidden: true }, tombolTeks, tombolTabel);
  const konflik = h("section", { id: "konflik", class: "konflik", role: "alertdialog", "aria-labelledby": "judul-konflik", hidden: true });
  const dialog = h("dialog", { id: "dialog-catatan", "aria-labelledby": "judul-catatan" });
  // Downloads of the saved revision (the draft renders of GET …/susun/{format}).
  const unduh = h("p", { class: "unduh", id: "unduh" });
  function renderUnduh() {
    unduh.replaceChildren(...(base ? [["pdf", "PDF"], ["docx", "DOCX"], ["json", "JSON"]].flatMap(([f, label], i) => [
      i ? " · " : "",
      h("a", { href: `/api/v1/edisi/${id}/revisi/${base}/susun/${f}`, id: "unduh-" + f, download: "" }, label)]) : ["Belum ada revisi."]));
  }
  const pratinjauEl = h("section", { class: "pratinjau", "aria-label": "Pratinjau dokumen" });
  // Workflow notes (a returned edition's note), reviewer comments, the final documents.
  const catatanEl = h("div", { id: "catatan-alur", class: "catatan-alur", role: "status" });
  const daftarKomentar = h("ul", { id: "komentar", class: "komentar" });
  const jumlahKomentar = h("span", { id: "jumlah-komentar" }, "0");
  const finalEl = h("p", { class: "unduh", id: "unduh-final" });
  const canComment = hasRole(user, "verifikator") || hasRole(user, "penyusun", edisi.opd) || hasRole(user, "penandatangan", edisi.opd);
  const tombolKomentar = canComment ? h("button", { type: "button", id: "komentar-baru", title: "Komentari baris kursor pada berkas ini" }, "Komentar…") : null;
  let komentar = [];
  root.replaceChildren(
    header(user, judul),
    h("div", { class: "ruang" },
      h("aside", { class: "kiri" },
        h("div", { class: "kepala-edisi" }, h("span", {}, "Status: "), statusEl),
        alur, catatanEl,
        h("h2", {}, "Berkas"), daftarBerkas,
        h("h2", {}, "Unduh revisi tersimpan"), unduh,
        canWrite ? h("p", {}, h("button", { type: "button", id: "unggah-buku", onclick: () => unggahBuku() }, "Impor buku kerja…")) : null,
        h("div", { id: "bagian-final", hidden: true }, h("h2", {}, "Dokumen final"), finalEl),
        h("p", {}, h("a", { href: `/edisi/${id}/riwayat`, id: "tautan-riwayat" }, "Riwayat revisi"), " · ", h("a", { href: "/arsip", id: "tautan-arsip" }, "Arsip")),
        h("h2", {}, "Komentar (", jumlahKomentar, ")"), daftarKomentar,
        h("h2", {}, "Diagnostik (", jumlahDiag, ")"), daftarDiag),
      h("section", { class: "tengah-ruang", "aria-label": "Penyunting" },
        h("div", { class: "alat" }, namaBerkas, modeEl,
          tombolKomentar,
          canWrite ? [pesan, tombolSimpan] : h("span", { class: "hanya-baca", id: "hanya-baca" }, "Hanya baca: edisi ini tidak dapat Anda ubah pada status sekarang")),
        info, konflik, editorEl, gridEl),
      pratinjauEl),
    dialog);
  const view = newView(editorEl);
  t.view = view;
  const pratinjau = new Pratinjau(pratinjauEl, id, (errors, warnings) => {
    // Live diagnostics of the texts as typed replace the saved revision's.
    setDiagnostics([...errors.map((m) => parseLoc(m, "error")), ...warnings.map((m) => parseLoc(m, "warning"))]);
  });
  t.pratinjau = pratinjau;

  function say(text, kind) {
    info.textContent = text;
    info.className = "info " + (kind || "");
  }

  // --- files --------------------------------------------------------------------------------
  async function loadRevision(rev) {
    base = rev;
    renderUnduh();
    saved.clear();
    files = [];
    if (!rev) return;
    const r = await api("GET", `/edisi/${id}/revisi/${rev}`);
    files = r.berkas.filter((f) => /\.(md|toml)$/.test(f.path));
    await Promise.all(files.map(async (f) => {
      saved.set(f.path, await api("GET", `/edisi/${id}/revisi/${rev}/berkas/${f.path}`));
    }));
  }

  function onChange(path, state) {
    states.set(path, state);
    const text = state.doc.toString();
    if (text === saved.get(path)) dirty.delete(path); else dirty.add(path);
    markFiles();
    writeDraft();
    pratinjau.schedule(path, text, JEDA_KETIK_MS);
  }

  function stateOf(path) {
    if (!states.has(path)) states.set(path, newState(path, saved.get(path) ?? "", onChange, !canWrite));
    return states.get(path);
  }

  function open(path, line, col) {
    if (current !== path) {
      if (grid) { grid.selesai(); grid.close(); grid = null; t.grid = null; }
      if (current) states.set(current, view.state);
      current = path;
      view.setState(stateOf(path));
      namaBerkas.textContent = path;
      markFiles();
      showInline();
      modeEl.hidden = !isTable(path);
      showMode();
    }
    if (line) {
      // In the grid a located finding selects its cell; the text view only if no row holds it.
      if (modeTabel && isTable(path) && grid && grid.keLokasi(line, col)) return;
      if (modeTabel && isTable(path)) setMode(false);
      goTo(view, line, col);
    }
  }

  // --- the table grid -----------------------------------------------------------------------
  function isTable(path) { return /^data\/[a-z0-9_-]+\.toml$/.test(path || ""); }
  async function setMode(tabel) {
    if (grid && !tabel) await grid.selesai();
    modeTabel = tabel;
    showMode();
  }
  function showMode() {
    const on = modeTabel && isTable(current);
    tombolTeks.setAttribute("aria-pressed", String(!on));
    tombolTabel.setAttribute("aria-pressed", String(on));
    editorEl.hidden = on;
    gridEl.hidden = !on;
    if (on && !grid) {
      const path = current;
      grid = new Grid(gridEl, {
        id, path, readOnly: !canWrite, say,
        base: () => base,
        getText: () => view.state.doc.toString(),
        // The server's text goes into the editor like typing: the draft, the dot, the preview.
        setText: (text) => {
          if (current === path) {
            const doc = view.state.doc.toString();
            if (doc !== text) view.dispatch({ changes: { from: 0, to: doc.length, insert: text } });
          } else {
            // The author switched files while the grid's last edit was on its way.
            const st = stateOf(path);
            if (st.doc.toString() !== text) onChange(path, st.update({ changes: { from: 0, to: st.doc.length, insert: text } }).state);
          }
        },
      });
      t.grid = grid;
      grid.load();
    } else if (!on && grid) {
      grid.close();
      grid = null;
      t.grid = null;
    }
  }

  function markFiles() {
    const groups = KELOMPOK.map(([label, test]) => {
      const items = files.filter((f) => test(f.path)).map((f) => h("li", {},
        h("button", {
          type: "button", class: "berkas-item" + (f.path === current ? " aktif" : ""), "aria-current": f.path === current ? "true" : null,
          dataset: { path: f.path }, onclick: () => open(f.path),
        }, f.path.replace(/^(bab|data)\//, ""), dirty.has(f.path) ? h("span", { class: "ubah", title: "Belum disimpan" }, " ●") : null)));
      return items.length ? [h("h3", {}, label), h("ul", {}, items)] : [];
    });
    daftarBerkas.replaceChildren(...groups.flat());
    tombolSimpan.disabled = !canWrite || dirty.size === 0;
    tombolSimpan.textContent = dirty.size ? `Simpan (${dirty.size})` : "Simpan";
  }

  // --- local draft ----------------------------------------------------------------------------
  function writeDraft() {
    if (dirty.size === 0) { localStorage.removeItem(draftKey); return; }
    const berkas = {};
    for (const p of dirty) berkas[p] = (p === current ? view.state : states.get(p)).doc.toString();
    localStorage.setItem(draftKey, JSON.stringify({ dasar: base, berkas, waktu: Date.now() }));
  }
  function readDraft() {
    try { return JSON.parse(localStorage.getItem(draftKey) || "null"); } catch (_) { return null; }
  }

  // --- diagnostics ----------------------------------------------------------------------------
  function parseLoc(m, severity) {
    const x = /^(.*):(\d+):(\d+)$/.exec(m.loc || "");
    return x ? { file: x[1], line: Number(x[2]), col: Number(x[3]), message: m.message, hint: m.hint, severity }
             : { file: m.loc || "", line: 1, col: 1, message: m.message, hint: m.hint, severity };
  }
  function setDiagnostics(list) {
    diags = list;
    t.diags = list;
    jumlahDiag.textContent = String(list.length);
    daftarDiag.replaceChildren(...list.map((d) => h("li", { class: "diag-" + d.severity },
      h("button", { type: "button", class: "diag", onclick: () => files.some((f) => f.path === d.file) && open(d.file, d.line, d.col) },
        h("span", { class: "lokasi" }, `${d.file}:${d.line}:${d.col}`),
        h("span", { class: "tingkat" }, d.severity === "error" ? "Kesalahan: " : "Peringatan: "), d.message,
        d.hint ? h("span", { class: "saran" }, ` saran: ${d.hint}`) : null))));
    showInline();
  }
  function showInline() {
    if (!current) return;
    const notes = komentar.filter((k) => k.berkas === current).map((k) => ({ line: k.baris, col: 1, severity: "info", message: `Komentar ${k.penulis_login}: ${k.isi}` }));
    showDiagnostics(view, [...diags.filter((d) => d.file === current), ...notes]);
  }
  // The completion vocabulary of the saved revision (template names, codes, field names).
  async function muatKosakata() {
    if (!base) return;
    try { kosakata.v = await api("GET", `/edisi/${id}/revisi/${base}/kosakata`); t.kosakata = kosakata.v; } catch (_) { /* completion stays as it was */ }
  }
  async function periksa() {
    if (!base) return;
    try {
      const p = await api("GET", `/edisi/${id}/revisi/${base}/periksa`);
      if (!pratinjau.heard) setDiagnostics(p.diagnostik);
    } catch (e) { say(e.message, "galat"); }
  }

  // --- save and conflicts --------------------------------------------------------------------
  async function simpan(overBase) {
    if (grid) await grid.selesai();
    if (current) states.set(current, view.state);
    const berkas = {};
    for (const p of dirty) berkas[p] = states.get(p).doc.toString();
    const message = pesan.value.trim() || `Ubah ${[...dirty].join(", ")}`;
    tombolSimpan.disabled = true;
    say("Menyimpan…");
    try {
      const r = await api("POST", `/edisi/${id}/revisi`, { dasar: overBase || base, pesan: message, berkas });
      for (const [p, text] of Object.entries(berkas)) saved.set(p, text);
      dirty.clear();
      if (overBase && overBase !== base) {
        // Saved on top of a newer revision: the files the others changed are taken from it, so
        // the next save cannot silently undo their work.
        await loadRevision(r.revisi.id);
        for (const [p, st] of [...states]) if (st.doc.toString() !== saved.get(p)) states.delete(p);
        if (current && !states.has(current)) view.setState(stateOf(current));
      }
      base = r.revisi.id;
      renderUnduh();
      konflik.hidden = true;
      localStorage.removeItem(draftKey);
      pesan.value = "";
      markFiles();
      setDiagnostics(r.periksa.diagnostik);
      pratinjau.setBase(base);
      muatKosakata();
      say(`Tersimpan sebagai revisi ${base.slice(0, 12)} (${r.periksa.kesalahan} kesalahan, ${r.periksa.peringatan} peringatan).`, "baik");
    } catch (e) {
      markFiles();
      if (e.status === 409 && e.body.kepala) await showConflict(e.body, berkas);
      else say(e.message, "galat");
    }
  }

  async function showConflict(body, mine) {
    say("Penyimpanan ditolak: edisi telah disimpan orang lain. Perubahan Anda belum hilang.", "galat");
    const kepala = body.kepala;
    const berubah = body.berubah || [];
    const clash = Object.keys(mine).filter((p) => berubah.includes(p));
    const theirs = {};
    await Promise.all(clash.map(async (p) => {
      try { theirs[p] = await api("GET", `/edisi/${id}/revisi/${kepala}/berkas/${p}`); } catch (_) { theirs[p] = null; }
    }));
    // What changed meanwhile, as unified diffs from the author's base to the newest revision.
    let diffs = {};
    try {
      const b = await api("GET", `/edisi/${id}/beda?dari=${encodeURIComponent(base)}&ke=${encodeURIComponent(kepala)}`);
      diffs = Object.fromEntries(b.berkas.map((f) => [f.path, f]));
    } catch (_) { /* the texts below still show both versions */ }
    const diffView = (p) => {
      const f = diffs[p];
      if (!f || !f.beda) return null;
      // Folded when the merge below shows the same changes side by side.
      return h("details", { open: theirs[p] === null || theirs[p] === undefined }, h("summary", {}, "Yang diubah orang lain sejak revisi dasar Anda"),
        h("pre", { class: "beda", tabindex: "0" }, f.beda.split("\n").map((l) =>
          h("span", { class: l.startsWith("+") && !l.startsWith("+++") ? "tambah" : l.startsWith("-") && !l.startsWith("---") ? "hapus" : "" }, l + "\n"))));
    };
    // The merge: for each file both changed, the newest saved text (left, read-only) beside the
    // author's (right, editable); each changed chunk has a button taking the saved version of it
    // into the author's text. "Simpan hasil gabungan" saves the right side on top of the newest
    // revision.
    if (t.gabung) t.gabung.forEach((m) => m.destroy());
    const gabung = new Map();
    t.gabung = gabung;
    // The right side starts as a three-way merge: the others' changes to lines the author did
    // not touch are already in; where both changed the same lines the author's version stands
    // and the chunk's button takes theirs.
    const mergeView = (p) => {
      if (theirs[p] === null || theirs[p] === undefined) return null;
      const el = h("div", { class: "gabung", dataset: { path: p } });
      const m = saved.has(p) ? gabungTigaArah(saved.get(p), theirs[p], mine[p]) : { text: mine[p], diambil: 0, bertabrakan: null };
      gabung.set(p, newMerge(el, p, theirs[p], m.text));
      const ringkas = m.bertabrakan === null
        ? "Berkas ini baru di kedua versi: pilih per bagian."
        : `${m.diambil} perubahan orang lain sudah digabungkan otomatis ke versi Anda; ${m.bertabrakan} bagian diubah kedua pihak${m.bertabrakan ? " — versi Anda dipertahankan, tombol ⇨ mengambil versi tersimpan" : ""}.`;
      return h("div", {},
        h("p", { class: "gabung-ringkas", dataset: { diambil: m.diambil, bertabrakan: m.bertabrakan ?? "" } }, ringkas),
        h("div", { class: "gabung-judul" }, h("span", {}, "Versi tersimpan terbaru (orang lain)"), h("span", {}, "Versi Anda — hasil gabungan, dapat diubah")),
        el);
    };
    const blocks = clash.map((p) => h("div", { class: "banding" },
      h("h3", {}, p),
      diffView(p),
      mergeView(p),
      h("details", { open: false }, h("summary", {}, "Bandingkan teks lengkap"),
        h("div", { class: "dua" },
          h("div", {}, h("h4", {}, "Versi tersimpan terbaru"), h("pre", { class: "teks-mereka", tabindex: "0" }, theirs[p] ?? "(berkas dihapus)")),
          h("div", {}, h("h4", {}, "Versi Anda (belum disimpan)"), h("pre", { class: "teks-saya", tabindex: "0" }, mine[p]))))));
    const muatUlang = async () => {
      // Keep a copy of the author's texts before loading the newest revision.
      localStorage.setItem(`renja:salinan:${id}:${user.login}:${Date.now()}`, JSON.stringify({ dasar: base, berkas: mine }));
      localStorage.removeItem(draftKey);
      states.clear(); dirty.clear();
      await loadRevision(kepala);
      const keep = current; current = null;
      open(files.some((f) => f.path === keep) ? keep : files[0]?.path);
      konflik.hidden = true;
      pratinjau.reset(base, {});
      periksa();
      muatKosakata();
      say("Revisi terbaru dimuat. Salinan teks Anda disimpan di peramban.", "baik");
    };
    const simpanGabungan = async () => {
      // The merged texts replace the author's (like typing: undo, draft), then they are saved on
      // top of the newest revision.
      for (const [p, m] of gabung) {
        const text = m.b.state.doc.toString();
        if (p === current) {
          const doc = view.state.doc.toString();
          if (doc !== text) view.dispatch({ changes: { from: 0, to: doc.length, insert: text } });
        } else {
          const st = stateOf(p);
          if (st.doc.toString() !== text) onChange(p, st.update({ changes: { from: 0, to: st.doc.length, insert: text } }).state);
        }
      }
      await simpan(kepala);
    };
    const pakaiSaya = async () => {
      // The author chose, seeing both versions, to save theirs over the newest revision.
      await simpan(kepala);
    };
    konflik.replaceChildren(
      h("h2", { id: "judul-konflik", tabindex: "-1" }, "Konflik penyimpanan"),
      h("p", {}, `Sejak Anda mulai, revisi ${kepala.slice(0, 12)} disimpan dan mengubah: ${berubah.join(", ") || "(tidak diketahui)"}. `,
        clash.length ? "Berkas berikut juga Anda ubah:" : "Berkas yang Anda ubah tidak ikut berubah."),
      ...blocks,
      h("div", { class: "tombol-tombol" },
        h("button", { type: "button", id: "konflik-muat-ulang", onclick: muatUlang }, "Muat ulang revisi terbaru"),
        gabung.size ? h("button", { type: "button", id: "konflik-gabung", class: "utama", onclick: simpanGabungan }, "Simpan hasil gabungan") : null,
        h("button", { type: "button", id: "konflik-pakai-saya", onclick: pakaiSaya }, gabung.size ? "Simpan versi saya tanpa gabungan" : "Simpan versi saya di atas revisi terbaru"),
        h("button", { type: "button", id: "konflik-tutup", onclick: () => { konflik.hidden = true; } }, "Tutup (tetap menyunting)")));
    konflik.hidden = false;
    konflik.scrollTop = 0;
    konflik.querySelector("h2").focus();
  }
  tombolSimpan.addEventListener("click", () => simpan());
  editorEl.addEventListener("keydown", (ev) => {
    if ((ev.ctrlKey || ev.metaKey) && ev.key === "s") { ev.preventDefault(); if (!tombolSimpan.disabled) simpan(); }
  });

  // --- workflow -----------------------------------------------------------------------------
  function renderAlur(e) {
    statusEl.textContent = STATUS[e.status] || e.status;
    statusEl.className = "status status-" + e.status;
    const steps = [];
    const penyusun = hasRole(user, "penyusun", e.opd);
    const verifikator = hasRole(user, "verifikator");
    if (penyusun && e.status === "draf") steps.push(["ajukan", "Ajukan"]);
    if (penyusun && e.status === "dikembalikan") steps.push(["perbaiki", "Perbaiki"]);
    if (verifikator && e.status === "diajukan") steps.push(["kembalikan", "Kembalikan…"], ["setujui", "Setujui"]);
    const penandatangan = hasRole(user, "penandatangan", e.opd);
    if (penyusun && e.status === "disetujui") steps.push(["finalkan", "Finalkan"]);
    if (penandatangan && e.status === "final") steps.push(["tandatangani", "Tandatangani…"]);
    if (penandatangan && e.status === "ditandatangani") steps.push(["arsipkan", "Arsipkan"]);
    alur.replaceChildren(...steps.map(([langkah, label]) => h("button", { type: "button", id: "langkah-" + langkah, onclick: () => step(langkah) }, label)));
  }
  async function step(langkah) {
    let catatan = "";
    if (langkah === "kembalikan") {
      catatan = await askNote();
      if (catatan === null) return;
    } else if (langkah === "ajukan" && dirty.size) {
      say("Simpan dahulu perubahan Anda sebelum mengajukan.", "galat");
      return;
    }
    if (["finalkan", "tandatangani", "arsipkan"].includes(langkah)) return langkahAkhir(langkah);
    try {
      const e = await api("POST", `/edisi/${id}/langkah`, { langkah, catatan });
      renderAlur(e);
      muatCatatan();
      say(`Langkah "${langkah}" berhasil; status sekarang ${STATUS[e.status] || e.status}.`, "baik");
      if (e.status !== "draf") { pesan.disabled = true; tombolSimpan.disabled = true; }
    } catch (err) { say(err.message, "galat"); }
  }
  // Finalkan, Tandatangani (a PKCS#12 key and its passphrase for this one signature: read into
  // memory, sent once, never stored in the browser) and Arsipkan have endpoints of their own.
  async function langkahAkhir(langkah) {
    let body = {};
    if (langkah === "tandatangani") {
      body = await askKey();
      if (!body) return;
    }
    for (const b of alur.querySelectorAll("button")) b.disabled = true;
    say({ finalkan: "Menyusun dokumen final…", tandatangani: "Menandatangani PDF final…", arsipkan: "Mengarsipkan…" }[langkah]);
    try {
      const r = await api("POST", `/edisi/${id}/${langkah}`, body);
      renderAlur(r.edisi);
      renderFinal(r);
      muatCatatan();
      say(`Langkah "${langkah}" berhasil; status sekarang ${STATUS[r.edisi.status] || r.edisi.status}.`, "baik");
    } catch (err) {
      renderAlur(await api("GET", `/edisi/${id}`).catch(() => edisi));
      say(err.message, "galat");
    } finally {
      body = null;
    }
  }
  // The key for one signature: a PKCS#12 file and its password, or — when the server signs
  // through BSrE (`renja serve --bsre`, data-bsre on the page) — the signer's NIK with the BSrE
  // passphrase or a TOTP code. Read into memory, sent once, never stored.
  const bsre = data.bsre === "1";
  function askKey() {
    return new Promise((resolve) => {
      const berkas = h("input", { type: "file", id: "kunci-p12", accept: ".p12,.pfx,application/x-pkcs12" });
      const sandi = h("input", { type: "password", id: "sandi-kunci", autocomplete: "off" });
      const nik = h("input", { type: "text", id: "nik-bsre", inputmode: "numeric", pattern: "[0-9]{16}", maxlength: "16", autocomplete: "off" });
      const frasa = h("input", { type: "password", id: "frasa-bsre", autocomplete: "off" });
      const totp = h("input", { type: "text", id: "totp-bsre", inputmode: "numeric", autocomplete: "one-time-code", maxlength: "10" });
      const caraP12 = h("input", { type: "radio", name: "cara", id: "cara-p12", value: "p12", checked: !bsre });
      const caraBsre = h("input", { type: "radio", name: "cara", id: "cara-bsre", value: "bsre", checked: bsre });
      const bagianP12 = h("fieldset", { id: "bagian-p12" }, h("legend", {}, "Kunci PKCS#12"),
        h("label", { for: "kunci-p12" }, "Berkas kunci PKCS#12 (.p12 / .pfx)"), berkas,
        h("label", { for: "sandi-kunci" }, "Sandi kunci"), sandi);
      const bagianBsre = h("fieldset", { id: "bagian-bsre" }, h("legend", {}, "BSrE (sertifikat elektronik)"),
        h("label", { for: "nik-bsre" }, "NIK penanda tangan (16 angka)"), nik,
        h("label", { for: "frasa-bsre" }, "Passphrase BSrE"), frasa,
        h("label", { for: "totp-bsre" }, "atau kode TOTP (isi salah satu)"), totp);
      const galat = h("p", { class: "info galat", role: "alert", id: "galat-kunci", hidden: true });
      const pilih = () => { bagianP12.hidden = !caraP12.checked; bagianBsre.hidden = !caraBsre.checked; galat.hidden = true; };
      caraP12.addEventListener("change", pilih);
      caraBsre.addEventListener("change", pilih);
      // novalidate: the checks below give their messages in the dialog (the browser's own bubbles
      // would speak the browser's language).
      const form = h("form", { method: "dialog", novalidate: true },
        h("h2", { id: "judul-catatan" }, "Tandatangani dokumen final"),
        h("p", { class: "saran" }, "Kunci, sandi dan passphrase hanya dipakai untuk tanda tangan ini; tidak disimpan di peramban maupun di server."),
        bsre ? h("div", { role: "radiogroup", "aria-label": "Cara tanda tangan", class: "cara" },
          h("label", {}, caraBsre, " BSrE"), h("label", {}, caraP12, " Berkas kunci PKCS#12")) : null,
        bagianBsre, bagianP12, galat,
        h("div", { class: "tombol-tombol" },
          h("button", { type: "submit", value: "ok", id: "tandatangani-kirim" }, "Tandatangani"),
          h("button", { type: "button", onclick: () => { dialog.close("batal"); } }, "Batal")));
      pilih();
      // Checked before the dialog closes: a located message in the dialog, not a failed request.
      form.addEventListener("submit", (ev) => {
        let m = "";
        if (caraBsre.checked) {
          if (!/^[0-9]{16}$/.test(nik.value)) m = "NIK harus 16 angka.";
          else if (!frasa.value === !totp.value) m = "Isi tepat satu: passphrase BSrE atau kode TOTP.";
        } else if (!(berkas.files && berkas.files[0]) || !sandi.value) m = "Pilih berkas kunci PKCS#12 dan isi sandinya.";
        if (m) { ev.preventDefault(); galat.textContent = m; galat.hidden = false; }
      });
      dialog.replaceChildren(form);
      dialog.onclose = async () => {
        const file = berkas.files && berkas.files[0];
        const key = caraBsre.checked
          ? (frasa.value ? { nik: nik.value, sandi: frasa.value } : { nik: nik.value, totp: totp.value })
          : { sandi: sandi.value };
        for (const i of [berkas, sandi, nik, frasa, totp]) i.value = "";
        dialog.replaceChildren();
        if (dialog.returnValue !== "ok") return resolve(null);
        if (key.nik) return resolve(key);
        if (!file || !key.sandi) return resolve(null);
        const bytes = new Uint8Array(await file.arrayBuffer());
        let bin = "";
        for (const b of bytes) bin += String.fromCharCode(b);
        resolve({ p12: btoa(bin), sandi: key.sandi });
      };
      dialog.returnValue = "";
      dialog.showModal();
      (bsre ? nik : berkas).focus();
    });
  }
  // --- workbook import (POST …/xlsx): first the report, then, when no row was refused, the
  // rows saved as a new revision on top of the saved one ------------------------------------
  const JENIS_BUKU = { xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ods: "application/vnd.oasis.opendocument.spreadsheet", xls: "application/vnd.ms-excel" };
  async function kirimBuku(file, q) {
    const ext = (file.name.split(".").pop() || "").toLowerCase();
    const r = await fetch(`/api/v1/edisi/${id}/xlsx?` + new URLSearchParams(q), {
      method: "POST", credentials: "same-origin", headers: { "Content-Type": JENIS_BUKU[ext] || "application/octet-stream" }, body: file,
    });
    const body = await r.json().catch(() => ({ galat: `galat ${r.status}` }));
    return { status: r.status, body };
  }
  function unggahBuku() {
    const berkas = h("input", { type: "file", id: "buku-berkas", accept: ".xlsx,.ods,.xls" });
    const lembar = h("input", { type: "text", id: "buku-lembar", placeholder: "mis. Renja (kosong: dikenali sendiri)" });
    const tabelIn = h("input", { type: "text", id: "buku-tabel", placeholder: "mis. rencana (kosong: dikenali sendiri)" });
    const pesanIn = h("input", { type: "text", id: "buku-pesan", value: "Impor buku kerja" });
    const laporan = h("div", { id: "buku-laporan", role: "status", "aria-live": "polite" });
    const periksaB = h("button", { type: "button", id: "buku-periksa" }, "Periksa");
    const simpanB = h("button", { type: "button", id: "buku-simpan", class: "utama", disabled: true }, "Simpan sebagai revisi baru");
    let siap = null;
    const q = () => {
      const o = { dasar: base };
      if (lembar.value.trim()) o.lembar = lembar.value.trim();
      if (tabelIn.value.trim()) o.tabel = tabelIn.value.trim();
      return o;
    };
    const tampil = (rep, galat) => laporan.replaceChildren(...[
      galat ? h("p", { class: "info galat", role: "alert" }, galat) : null,
      rep && rep.berkas ? h("p", { id: "buku-ringkas" }, `Ke ${rep.berkas}: ${rep.ditambahkan} ditambahkan, ${rep.diubah} diubah, ${rep.tidak_berubah} tidak berubah, ${rep.ditolak} ditolak.`) : null,
      rep && rep.laporan ? h("pre", { class: "buku-laporan", tabindex: "0" }, rep.laporan) : null].filter(Boolean));
    periksaB.addEventListener("click", async () => {
      const file = berkas.files && berkas.files[0];
      simpanB.disabled = true; siap = null;
      if (!file) return tampil(null, "Pilih berkas buku kerja (.xlsx, .ods atau .xls).");
      tampil(null, null);
      laporan.append(h("p", {}, "Memeriksa buku kerja…"));
      const r = await kirimBuku(file, q());
      if (r.status !== 200) return tampil(r.body, r.body.galat);
      const rep = r.body;
      let galat = null;
      if (rep.ditolak) galat = `${rep.ditolak} baris ditolak; perbaiki buku kerja lalu periksa lagi. Tidak ada yang disimpan.`;
      else if (dirty.has(rep.berkas)) galat = `${rep.berkas} memiliki perubahan yang belum disimpan; simpan dahulu, lalu periksa lagi.`;
      else if (!rep.ditambahkan && !rep.diubah) galat = "Tidak ada baris yang berubah; tidak ada yang perlu disimpan.";
      tampil(rep, galat);
      if (!galat) { siap = file; simpanB.disabled = false; }
    });
    simpanB.addEventListener("click", async () => {
      if (!siap) return;
      simpanB.disabled = true;
      const r = await kirimBuku(siap, { ...q(), tulis: "true", pesan: pesanIn.value.trim() || "Impor buku kerja" });
      if (r.status !== 201) return tampil(r.body, r.body.galat + (r.status === 409 ? " Muat ulang halaman untuk revisi terbaru." : ""));
      const disimpan = r.body.disimpan;
      // The new revision: the other unsaved texts stay, based on it.
      if (current) states.set(current, view.state);
      await loadRevision(disimpan.revisi.id);
      for (const [p, st] of [...states]) {
        if (!dirty.has(p) || st.doc.toString() === saved.get(p)) { states.delete(p); dirty.delete(p); }
      }
      if (current) view.setState(stateOf(current));
      markFiles();
      writeDraft();
      setDiagnostics(disimpan.periksa.diagnostik);
      const unsaved = {};
      for (const p of dirty) unsaved[p] = states.get(p).doc.toString();
      pratinjau.reset(base, unsaved);
      muatKosakata();
      dialog.close("ok");
      say(`Buku kerja diimpor ke ${r.body.berkas}: revisi ${base.slice(0, 12)} (${disimpan.periksa.kesalahan} kesalahan, ${disimpan.periksa.peringatan} peringatan).`, "baik");
    });
    dialog.replaceChildren(h("form", { method: "dialog", class: "form-buku" },
      h("h2", { id: "judul-catatan" }, "Impor buku kerja"),
      h("p", { class: "saran" }, "Baris dari lembar SIPD atau Excel ditulis ke berkas data edisi. Periksa dahulu laporannya; simpan hanya bila tidak ada baris yang ditolak."),
      h("label", { for: "buku-berkas" }, "Berkas buku kerja (.xlsx / .ods / .xls)"), berkas,
      h("label", { for: "buku-lembar" }, "Lembar (opsional)"), lembar,
      h("label", { for: "buku-tabel" }, "Tabel tujuan (opsional)"), tabelIn,
      h("label", { for: "buku-pesan" }, "Pesan revisi"), pesanIn,
      laporan,
      h("div", { class: "tombol-tombol" }, periksaB, simpanB,
        h("button", { type: "button", onclick: () => dialog.close("batal") }, "Tutup"))));
    dialog.onclose = () => { dialog.replaceChildren(); };
    dialog.showModal();
    berkas.focus();
  }
  function renderFinal(f) {
    const labels = { pdf: "PDF final", docx: "DOCX", json: "JSON", pdf_ttd: "PDF bertanda tangan" };
    const order = ["pdf", "pdf_ttd", "docx", "json"];
    const list = [...((f && f.keluaran) || [])].sort((a, b) => order.indexOf(a.jenis) - order.indexOf(b.jenis));
    document.getElementById("bagian-final").hidden = !list.length;
    finalEl.replaceChildren(...list.flatMap((o, i) => [i ? " · " : "",
      h("a", { href: `/api/v1/edisi/${id}/final/${o.jenis}`, id: "final-" + o.jenis, download: "" }, labels[o.jenis] || o.jenis)]),
      ...(f && f.arsip ? [" · ", h("a", { href: `/arsip#${encodeURIComponent(f.arsip)}`, id: "final-arsip" }, "Lihat di arsip")] : []));
  }
  async function muatCatatan() {
    try {
      const [notes, e] = await Promise.all([api("GET", `/edisi/${id}/catatan`), api("GET", `/edisi/${id}`)]);
      const kembali = notes.find((n) => n.langkah === "kembalikan");
      const items = [];
      if (e.status === "dikembalikan" && kembali) {
        items.push(h("div", { class: "catatan-kembali", id: "catatan-kembali", role: "alert" },
          h("strong", {}, `Dikembalikan oleh ${kembali.pengguna || "verifikator"} (${waktu(kembali.waktu)}):`), h("p", {}, kembali.catatan)));
      }
      const lain = notes.filter((n) => n.catatan && n !== kembali).slice(0, 3);
      if (lain.length) items.push(h("details", {}, h("summary", {}, "Catatan alur kerja lainnya"),
        h("ul", {}, lain.map((n) => h("li", {}, `${waktu(n.waktu)} · ${n.pengguna || ""} · ${n.langkah}: ${n.catatan}`)))));
      catatanEl.replaceChildren(...items);
    } catch (_) { /* notes are an extra: the page works without them */ }
  }
  async function muatKomentar() {
    try { komentar = await api("GET", `/edisi/${id}/komentar`); } catch (_) { komentar = []; }
    t.komentar = komentar;
    jumlahKomentar.textContent = String(komentar.length);
    daftarKomentar.replaceChildren(...komentar.map((k) => h("li", {},
      h("button", { type: "button", class: "diag komentar-item", onclick: () => files.some((f) => f.path === k.berkas) && open(k.berkas, k.baris, 1) },
        h("span", { class: "lokasi" }, `${k.berkas}:${k.baris} · ${k.penulis_login} · ${waktu(k.waktu)}`), k.isi))));
    showInline();
  }
  function askComment() {
    if (!current || !base) return;
    const line = view.state.doc.lineAt(view.state.selection.main.head).number;
    const path = current;
    const area = h("textarea", { id: "isi-komentar", rows: "5", required: true });
    const form = h("form", { method: "dialog" },
      h("h2", { id: "judul-catatan" }, `Komentar pada ${path} baris ${line}`),
      h("label", { for: "isi-komentar" }, "Isi komentar"), area,
      h("div", { class: "tombol-tombol" },
        h("button", { type: "submit", value: "ok", id: "komentar-kirim" }, "Kirim komentar"),
        h("button", { type: "button", onclick: () => { dialog.close("batal"); } }, "Batal")));
    dialog.replaceChildren(form);
    dialog.onclose = async () => {
      if (dialog.returnValue !== "ok" || !area.value.trim()) return;
      try {
        await api("POST", `/edisi/${id}/komentar`, { revisi: base, berkas: path, baris: line, isi: area.value.trim() });
        say(`Komentar pada ${path}:${line} terkirim.`, "baik");
        await muatKomentar();
      } catch (e) { say(e.message, "galat"); }
    };
    dialog.returnValue = "";
    dialog.showModal();
    area.focus();
  }
  if (tombolKomentar) tombolKomentar.addEventListener("click", askComment);

  function askNote() {
    return new Promise((resolve) => {
      const area = h("textarea", { id: "catatan", rows: "6", required: true });
      const form = h("form", { method: "dialog" },
        h("h2", { id: "judul-catatan" }, "Kembalikan edisi"),
        h("label", { for: "catatan" }, "Catatan untuk penyusun (wajib)"), area,
        h("div", { class: "tombol-tombol" },
          h("button", { type: "submit", value: "ok" }, "Kembalikan"),
          h("button", { type: "button", onclick: () => { dialog.close("batal"); } }, "Batal")));
      dialog.replaceChildren(form);
      dialog.onclose = () => resolve(dialog.returnValue === "ok" && area.value.trim() ? area.value.trim() : null);
      dialog.returnValue = "";
      dialog.showModal();
      area.focus();
    });
  }

  // --- start ----------------------------------------------------------------------------------
  await loadRevision(base);
  renderAlur(edisi);
  muatCatatan();
  muatKomentar();
  if (["final", "ditandatangani", "diarsipkan"].includes(edisi.status)) api("GET", `/edisi/${id}/final`).then(renderFinal).catch(() => {});
  const draft = readDraft();
  if (draft && draft.berkas && Object.keys(draft.berkas).length) {
    // Unsaved work from before a reload: restored on its own base, so a save still detects a
    // conflict with anything saved since.
    if (draft.dasar && draft.dasar !== base) await loadRevision(draft.dasar).catch(() => loadRevision(edisi.kepala));
    for (const [p, text] of Object.entries(draft.berkas)) {
      if (!saved.has(p)) continue;
      const st = newState(p, text, onChange, !canWrite);
      states.set(p, st);
      if (text !== saved.get(p)) dirty.add(p);
    }
    say(`Draf lokal yang belum disimpan dipulihkan (${dirty.size} berkas).`, "baik");
  }
  const first = files.find((f) => f.path.startsWith("bab/")) || files[0];
  markFiles();
  if (first) open(first.path);
  const unsaved = {};
  for (const p of dirty) unsaved[p] = states.get(p).doc.toString();
  pratinjau.connect(base, unsaved);
  periksa();
  muatKosakata();
  t.jeda = JEDA_KETIK_MS;
  t.ready = true;
  t.open = open;
  t.dirty = dirty;
}
