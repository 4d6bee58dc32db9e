// End-to-end test of the `renja serve` interface in real headless chromium (Debian's
// /usr/bin/chromium over CDP, playwright-core). Started by tests/web.rs against a real
// `renja serve --contoh` with a second OPD and its author.
// Usage: node web.mjs BASE_URL EDITION_ID SHOTS_DIR; accounts in $WEB_AKUN (JSON: login -> password).
//
// 1. The author logs in, opens the sample edition from the dashboard, types a word in a chapter:
//    it appears in the preview without a reload. Measured over N edits (latency = last keystroke
//    to the preview message carrying the page with the word; includes the typing pause).
// 2. Save; an unsaved edit survives a reload (local draft).
// 3. A stale save (a second browser context saved meanwhile) shows the conflict view with both
//    texts; nothing is lost (the editor and the draft keep the author's text; reload keeps a copy).
// 4. Invalid TOML: an inline diagnostic at its line, the list entry jumps there, the preview keeps
//    its last good pages behind an overlay; undo removes it.
// 5. An author of another OPD: the dashboard lists nothing; the edition page and the preview socket
//    answer 404.
// Screenshots of every page at 1366x768 go to SHOTS_DIR. One line per step; exit 0 when all passed.
import { akun, assert, step, shooter, launch, timeout } from "./bersama.mjs";

const [base, idArg, shots] = process.argv.slice(2);
const id = Number(idArg);
const EDITS = Number(process.env.WEB_EDITS || 30);
const TIMEOUT = timeout(90000);
const shot = shooter(shots);
const pct = (xs, p) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]; };

const browser = await launch();
const viewport = { width: 1366, height: 768 };
async function newTab() {
  // bypassCSP: playwright's waitForFunction evaluates strings, which the pages' CSP forbids.
  const ctx = await browser.newContext({ viewport, locale: "id-ID", bypassCSP: true });
  const tab = await ctx.newPage();
  tab.setDefaultTimeout(TIMEOUT);
  tab.on("pageerror", (e) => console.log("# page error: " + e.message));
  return tab;
}
async function login(tab, user) {
  await tab.goto(base + "/");
  await tab.waitForURL(/\/masuk/);
  await tab.getByLabel("Nama pengguna").fill(user);
  await tab.getByLabel("Kata sandi").fill(akun[user]);
  await tab.getByRole("button", { name: "Masuk" }).click();
  await tab.waitForURL(/\/dasbor$/);
  await tab.locator("main.halaman-dasbor").waitFor();
}
async function openEdition(tab) {
  await tab.goto(`${base}/edisi/${id}`);
  await tab.waitForFunction(() => window.__ruang && window.__ruang.ready);
  await tab.waitForFunction(() => window.__ruang.pratinjau.log.some((m) => m.parts - 1 === m.part && m.pages.length > 0 && m.errors === 0));
}
async function openFile(tab, p) {
  await tab.locator(`button.berkas-item[data-path="${p}"]`).click();
  await tab.waitForFunction((p) => document.getElementById("nama-berkas").textContent === p, p);
}
// Selects `text` (its first occurrence) in the editor.
async function select(tab, text) {
  const ok = await tab.evaluate((text) => {
    const v = window.__ruang.view;
    const i = v.state.doc.toString().indexOf(text);
    if (i < 0) return false;
    v.focus();
    v.dispatch({ selection: { anchor: i, head: i + text.length }, scrollIntoView: true });
    return true;
  }, text);
  assert(ok, `"${text}" is in the editor`);
}
const editorText = (tab) => tab.evaluate(() => window.__ruang.view.state.doc.toString());
const previewHas = (tab, w) => tab.evaluate((w) => [...document.querySelectorAll("#halaman .teks")].some((t) => t.textContent.includes(w)), w);

let failed = false;
try {
  // --- 1. log in, dashboard, workspace, type a word -------------------------------------------
  const tab = await newTab();
  await tab.goto(base + "/masuk");
  await shot(tab, "01-masuk");
  await login(tab, "penyusun");
  const rows = await tab.locator("table.daftar tbody tr").count();
  assert(rows >= 1, "the dashboard lists the sample editions");
  const dash = await tab.locator("table.daftar").textContent();
  assert(dash.includes("2022") && /Draf/.test(dash), `dashboard shows year and status: ${dash}`);
  assert(dash.includes("penyusun"), "dashboard shows who changed it last");
  // The last check result of each edition's head: the numbers of GET …/periksa.
  for (const e of await tab.evaluate(async () => (await fetch("/api/v1/edisi")).json())) {
    if (!e.kepala) continue;
    const pk = await tab.evaluate(async (u) => (await fetch(u)).json(), `/api/v1/edisi/${e.id}/revisi/${e.kepala}/periksa`);
    const cell = (await tab.locator(`tr:has(a[href="/edisi/${e.id}"]) td.periksa`).textContent()).trim();
    assert(cell === `${pk.kesalahan} kesalahan, ${pk.peringatan} peringatan`, `edition ${e.id}: the check column says "${cell}", the API ${pk.kesalahan}/${pk.peringatan}`);
  }
  assert((await tab.locator("thead th").allTextContents()).includes("Pemeriksaan terakhir"), "the check column is labelled");
  await shot(tab, "02-dasbor");
  await tab.locator(`a[href="/edisi/${id}"]`).click();
  await tab.waitForURL(new RegExp(`/edisi/${id}$`));
  await tab.waitForFunction(() => window.__ruang && window.__ruang.ready);
  await tab.waitForFunction(() => window.__ruang.pratinjau.log.some((m) => m.parts - 1 === m.part && m.pages.length > 0 && m.errors === 0));
  const pageCount = await tab.locator("#halaman .halaman").count();
  assert(pageCount > 10, `the sample's pages in the preview (${pageCount})`);
  assert(await tab.locator("#overlay").isHidden(), "no overlay on the valid sample");
  const CH = "bab/01-pendahuluan.md";
  await openFile(tab, CH);
  assert(await tab.getByRole("button", { name: "Ajukan" }).isVisible(), "the author has the Ajukan button");
  // Line numbers, and search (Ctrl-F) with Indonesian labels.
  assert((await tab.locator(".cm-lineNumbers .cm-gutterElement").count()) > 5, "line numbers");
  await tab.locator(".cm-content").click();
  await tab.keyboard.press("Control+f");
  const cari = tab.locator(".cm-search input[name=search]");
  await cari.waitFor();
  assert((await cari.getAttribute("placeholder")) === "Cari", "the search field is in Bahasa Indonesia");
  await cari.pressSequentially("Latar Belakang");
  await cari.press("Enter");
  const found = await tab.evaluate(() => { const v = window.__ruang.view; const r = v.state.selection.main; return v.state.sliceDoc(r.from, r.to); });
  assert(found === "Latar Belakang", `search selects the match (${found})`);
  await tab.keyboard.press("Escape");
  // Downloads of the saved revision: the computed JSON (fast; PDF and DOCX are the same route).
  const json = await tab.evaluate(async () => {
    const a = document.getElementById("unduh-json");
    const r = await fetch(a.href);
    return { status: r.status, pdf: document.getElementById("unduh-pdf").href, keys: Object.keys(await r.json()) };
  });
  assert(json.status === 200 && json.keys.length > 3, `the JSON download works: ${JSON.stringify(json)}`);
  assert(/\/susun\/pdf$/.test(json.pdf), "a PDF download link");
  await shot(tab, "03-ruang-kerja");
  const pause = await tab.evaluate(() => window.__ruang.jeda);
  await tab.evaluate(() => {
    window.__noReload = "still here";
    document.getElementById("editor").addEventListener("keydown", () => { window.__lastKey = performance.now(); }, true);
  });
  let prev = "Adapun";
  // Scroll the preview to the page holding the word; updates must keep that position.
  const scrollBefore = await tab.evaluate((w) => {
    const pane = document.querySelector(".pratinjau");
    const page = [...document.querySelectorAll("#halaman .halaman")].find((p) => p.querySelector(".teks").textContent.includes(w));
    pane.scrollTop = page.offsetTop - 40;
    return pane.scrollTop;
  }, prev);
  assert(scrollBefore > 200, `the preview pane scrolled to the page (${scrollBefore})`);
  const lat = [];
  for (let i = 0; i < EDITS; i++) {
    const word = "Ujikata" + String.fromCharCode(97 + (i % 26)) + String.fromCharCode(97 + Math.floor(i / 26));
    await select(tab, prev);
    await tab.keyboard.type(word);
    await tab.waitForFunction((w) => [...document.querySelectorAll("#halaman .teks")].some((t) => t.textContent.includes(w)), word);
    const ms = await tab.evaluate((w) => {
      const pages = [...document.querySelectorAll("#halaman .halaman")];
      const at = pages.findIndex((p) => p.querySelector(".teks").textContent.includes(w));
      const m = window.__ruang.pratinjau.log.find((m) => m.received > window.__lastKey && m.pages.includes(at) && m.errors === 0);
      return m ? m.received - window.__lastKey : null;
    }, word);
    assert(ms !== null, `edit ${i}: the update message carried the page`);
    lat.push(ms);
    prev = word;
  }
  assert((await tab.evaluate(() => window.__noReload)) === "still here", "no reload while typing");
  const scrollAfter = await tab.evaluate(() => document.querySelector(".pratinjau").scrollTop);
  assert(Math.abs(scrollAfter - scrollBefore) <= 1, `the preview kept its scroll position (${scrollBefore} -> ${scrollAfter})`);
  // Keyboard: Tab leaves the editor (no trap) and reaches the next control.
  await tab.keyboard.press("Tab");
  assert(await tab.evaluate(() => !document.activeElement.closest(".cm-editor")), "Tab moves the focus out of the editor");
  const f = (x) => x.toFixed(0);
  console.log(`# preview latency over ${EDITS} edits (last keystroke -> page message, includes the ${pause} ms typing pause): p50 ${f(pct(lat, 50))} ms, p95 ${f(pct(lat, 95))} ms, min ${f(Math.min(...lat))} ms, max ${f(Math.max(...lat))} ms`);
  console.log(`# without the pause: p50 ${f(pct(lat, 50) - pause)} ms, p95 ${f(pct(lat, 95) - pause)} ms`);
  step(`typing: "${prev}" appeared in the preview without reload (${EDITS} edits), scroll kept`);
  await shot(tab, "04-ruang-kerja-diketik");

  // --- 2. save; a draft survives a reload -------------------------------------------------------
  await tab.getByLabel("Pesan penyimpanan").fill("Uji penyimpanan dari peramban");
  await tab.locator("#simpan").click();
  await tab.waitForFunction(() => document.getElementById("info").textContent.startsWith("Tersimpan"));
  const A = "Kataditulisa";
  await select(tab, prev);
  await tab.keyboard.type(A);
  await tab.waitForFunction((k) => (localStorage.getItem(k) || "").includes("Kataditulisa"), `renja:draf:${id}:penyusun`);
  await tab.reload();
  await tab.waitForFunction(() => window.__ruang && window.__ruang.ready);
  await openFile(tab, CH);
  assert((await editorText(tab)).includes(A), "the unsaved word is back after a reload");
  assert(/dipulihkan/.test(await tab.locator("#info").textContent()), "the page says the draft was restored");
  await tab.waitForFunction((w) => [...document.querySelectorAll("#halaman .teks")].some((t) => t.textContent.includes(w)), A);
  step("save, then an unsaved edit survived a reload (local draft) and reached the preview");

  // --- 3. a stale save: conflict view, nothing lost ---------------------------------------------
  const tab2 = await newTab();
  await login(tab2, "penyusun");
  await openEdition(tab2);
  await openFile(tab2, CH);
  const B = "Kataorangb";
  await select(tab2, prev);
  await tab2.keyboard.type(B);
  await tab2.locator("#simpan").click();
  await tab2.waitForFunction(() => document.getElementById("info").textContent.startsWith("Tersimpan"));
  await tab.locator("#simpan").click();
  await tab.locator("#konflik").waitFor({ state: "visible" });
  const conflict = await tab.locator("#konflik").textContent();
  assert(conflict.includes(CH), "the conflict names the file");
  assert((await tab.locator("#konflik .teks-mereka").textContent()).includes(B), "the other author's text is shown");
  assert((await tab.locator("#konflik .teks-saya").textContent()).includes(A), "the author's own text is shown");
  assert((await tab.locator("#konflik .beda .tambah").allTextContents()).some((l) => l.includes(B)), "the diff of what changed meanwhile shows the other author's line");
  assert((await editorText(tab)).includes(A), "the editor still holds the author's text");
  assert((await tab.evaluate((k) => localStorage.getItem(k), `renja:draf:${id}:penyusun`)).includes(A), "the draft still holds it");
  await shot(tab, "05-konflik");
  await tab.locator("#konflik-muat-ulang").click();
  await tab.locator("#konflik").waitFor({ state: "hidden" });
  assert((await editorText(tab)).includes(B), "after reload the editor shows the newest revision");
  const copies = await tab.evaluate((id) => Object.keys(localStorage).filter((k) => k.startsWith(`renja:salinan:${id}:penyusun:`)).map((k) => localStorage.getItem(k)), id);
  assert(copies.some((c) => c.includes(A)), "a copy of the author's text is kept in the browser");
  step("stale save: conflict view with both texts; reload kept a copy of the author's text");
  // Saving one's own version on top of the newest revision keeps what the other author changed
  // in other files (the editor takes them from the new revision).
  const C = "Katasayac", D = "Kataorangd", PENGANTAR = "bab/00-kata-pengantar.md";
  await select(tab, B);
  await tab.keyboard.type(C);
  await openFile(tab2, PENGANTAR);
  await select(tab2, "Puji");
  await tab2.keyboard.type(D);
  await tab2.locator("#simpan").click();
  await tab2.waitForFunction(() => document.getElementById("info").textContent.startsWith("Tersimpan"));
  await tab.locator("#simpan").click();
  await tab.locator("#konflik").waitFor({ state: "visible" });
  assert((await tab.locator("#konflik").textContent()).includes(PENGANTAR), "the conflict names the other file");
  await tab.locator("#konflik-pakai-saya").click();
  await tab.waitForFunction(() => document.getElementById("info").textContent.startsWith("Tersimpan"));
  assert((await editorText(tab)).includes(C), "the author's text is saved");
  await openFile(tab, PENGANTAR);
  assert((await editorText(tab)).includes(D), "the other author's change to another file is in the editor after saving on top");
  await openFile(tab, CH);
  step("saving one's own version on top of the newest revision kept the other author's change to another file");
  // Both change the same chapter: the other author a word on line 10 and a heading further down,
  // the author another word on line 10 and a heading at the end. The merge (three-way) already
  // holds the other's heading (lines the author did not touch) and the author's own changes; the
  // clashing line 10 keeps the author's version, and its chunk's button takes the other's.
  // Saved: both headings and the chosen line 10; nothing silently dropped.
  await openEdition(tab2);
  await openFile(tab2, CH);
  const E = "Kataorange", H = "Kataorangh", G = "Katasayag", F = "Katasayaf";
  await select(tab2, "Berdasarkan");
  await tab2.keyboard.type(E);
  await select(tab2, "Maksud");
  await tab2.keyboard.type(H);
  await tab2.locator("#simpan").click();
  await tab2.waitForFunction(() => document.getElementById("info").textContent.startsWith("Tersimpan"));
  await select(tab, "Menteri");
  await tab.keyboard.type(G);
  await select(tab, "Sistematika");
  await tab.keyboard.type(F);
  await tab.locator("#simpan").click();
  await tab.locator("#konflik").waitFor({ state: "visible" });
  await tab.locator("#konflik .gabung .cm-mergeView").waitFor();
  const sides = await tab.evaluate((p) => { const m = window.__ruang.gabung.get(p); return { a: m.a.state.doc.toString(), b: m.b.state.doc.toString() }; }, CH);
  assert(sides.a.includes(E) && sides.a.includes(H) && !sides.a.includes(F) && !sides.a.includes(G), "the left side is the newest saved text");
  assert(sides.b.includes(H) && sides.b.includes(F) && sides.b.includes(G) && !sides.b.includes(E), "the right side: the other's untouched-line change merged in, the author's changes kept, the clash in the author's version");
  const ringkas = await tab.locator("#konflik .gabung-ringkas").textContent();
  assert(ringkas.startsWith("1 perubahan orang lain sudah digabungkan otomatis") && ringkas.includes("1 bagian diubah kedua pihak"), `the merge summary: ${ringkas}`);
  const chunks = await tab.evaluate((p) => window.__ruang.gabung.get(p).chunks.length, CH);
  assert(chunks === 2, `two chunks left between the sides: the clash and the author's heading (${chunks})`);
  // The first chunk is the clash on line 10; its button takes the saved version (buttons are
  // drawn for the chunks in view).
  const takers = tab.locator("#konflik .gabung .ambil-server");
  await takers.first().waitFor();
  await takers.first().click();
  await tab.waitForFunction(({ p, e }) => window.__ruang.gabung.get(p).b.state.doc.toString().includes(e), { p: CH, e: E });
  await shot(tab, "05b-konflik-gabung");
  await tab.locator("#konflik-gabung").click();
  await tab.waitForFunction(() => document.getElementById("info").textContent.startsWith("Tersimpan"));
  await tab.locator("#konflik").waitFor({ state: "hidden" });
  const merged = await tab.evaluate(async ({ id, p }) => {
    const e = await (await fetch(`/api/v1/edisi/${id}`)).json();
    return (await fetch(`/api/v1/edisi/${id}/revisi/${e.kepala}/berkas/${p}`)).text();
  }, { id, p: CH });
  assert(merged.includes(E) && merged.includes(H) && merged.includes(F) && !merged.includes(G), "the saved merge: the other's two changes, the author's heading; the clash as chosen");
  assert(merged.includes(C), "the earlier saved word stays");
  assert((await editorText(tab)) === merged, "the editor holds the saved merge");
  step("merge: three-way (the other's change to untouched lines merged in), the clash taken with its chunk's button, the merge saved");
  await tab2.context().close();

  // --- 4. invalid TOML: inline diagnostic, last good pages stay -------------------------------
  // The preview shows the saved revision (both authors' words) before the next step measures it.
  for (const w of [C, D, E, F, H]) await tab.waitForFunction((w) => [...document.querySelectorAll("#halaman .teks")].some((t) => t.textContent.includes(w)), w);
  const DATA = "data/rencana.toml";
  await openFile(tab, DATA);
  const text = await editorText(tab);
  const m = /^pagu_sebelum = (\d+)$/m.exec(text);
  assert(m, "a pagu value to break");
  const line = text.slice(0, m.index).split("\n").length;
  const hashesBefore = await tab.evaluate(() => [...document.querySelectorAll("#halaman .halaman")].map((p) => p.dataset.hash));
  await tab.evaluate(({ at }) => {
    const v = window.__ruang.view;
    v.focus();
    v.dispatch({ selection: { anchor: at } });
  }, { at: m.index + m[0].length });
  await tab.keyboard.type("x");
  await tab.locator("#overlay").waitFor({ state: "visible" });
  await tab.locator(".cm-lintRange-error").first().waitFor();
  const diag = await tab.evaluate(() => window.__ruang.diags.find((d) => d.severity === "error"));
  assert(diag && diag.file === DATA && diag.line === line, `the error is located at ${DATA}:${line}: ${JSON.stringify(diag)}`);
  assert(/tidak sah|salah|tidak dapat|diharapkan/.test(diag.message), `Indonesian message: ${diag.message}`);
  const overlay = await tab.locator("#overlay").textContent();
  assert(overlay.includes(`${DATA}:${line}:`), `the overlay lists file:line:col: ${overlay}`);
  const kept = await tab.evaluate(() => [...document.querySelectorAll("#halaman .halaman")].map((p) => p.dataset.hash));
  assert(JSON.stringify(kept) === JSON.stringify(hashesBefore), "the preview keeps its last good pages");
  // The list entry jumps to the place.
  await tab.evaluate(() => { const v = window.__ruang.view; v.dispatch({ selection: { anchor: 0 } }); });
  await tab.locator("#diagnostik .diag-error button").first().click();
  const cursorLine = await tab.evaluate(() => { const v = window.__ruang.view; return v.state.doc.lineAt(v.state.selection.main.head).number; });
  assert(cursorLine === line, `clicking the diagnostic moved the cursor to line ${line} (at ${cursorLine})`);
  await shot(tab, "06-galat-toml");
  await tab.keyboard.press("Control+z");
  await tab.locator("#overlay").waitFor({ state: "hidden" });
  assert((await tab.locator(".cm-lintRange-error").count()) === 0, "undo removed the inline error");
  step(`invalid TOML: inline error at ${DATA}:${line}, list entry jumps there, last good pages kept; undo fixed it`);

  // --- 4b. completion from the server's vocabulary ----------------------------------------------
  // Types `prefix` at the end of the open file (on a new line), waits for the completion list to
  // offer `label`, accepts it with Enter; returns the text after.
  async function complete(prefix, label, shotName) {
    await tab.evaluate(() => { const v = window.__ruang.view; v.focus(); v.dispatch({ selection: { anchor: v.state.doc.length }, scrollIntoView: true }); });
    await tab.keyboard.press("Enter");
    await tab.keyboard.type(prefix, { delay: 20 });
    // The list for the whole prefix (it follows the typing asynchronously): the exact label.
    const exact = new RegExp("^" + label.replace(/[.*+?^${}()|[\]\\]/g, "\\$&") + "$");
    await tab.locator(".cm-tooltip-autocomplete li .cm-completionLabel", { hasText: exact }).first().waitFor();
    const labels = await tab.locator(".cm-tooltip-autocomplete li .cm-completionLabel").allTextContents();
    // Select that option, then accept it.
    console.log(`# completion of ${JSON.stringify(prefix)}: ${labels.slice(0, 6).join(", ")}${labels.length > 6 ? ", …" : ""}`);
    const at = labels.indexOf(label);
    assert(at >= 0 && at < 20, `${label} is offered near the top for ${JSON.stringify(prefix)}: ${labels.slice(0, 20).join(", ")}`);
    // CodeMirror ignores the list's keys for 75 ms after it changed (its interactionDelay, against
    // accepting while typing fast): a person pauses to read the list.
    await tab.waitForTimeout(300);
    for (let i = 0; i < at; i++) await tab.keyboard.press("ArrowDown");
    if (shotName) await shot(tab, shotName);
    await tab.keyboard.press("Enter");
    return { text: await editorText(tab), labels };
  }
  const restore = (text) => tab.evaluate((t) => { const v = window.__ruang.view; v.dispatch({ changes: { from: 0, to: v.state.doc.length, insert: t } }); }, text);
  const vocab = await tab.evaluate(() => window.__ruang.kosakata);
  assert(vocab && vocab.variabel.some(([p]) => p === "edisi.tahun") && vocab.kode.length > 10, "the vocabulary came from the server");
  // Data file: a code (with its name from the nomenclature) and a field of the rows.
  const dataText = await editorText(tab);
  let lr = await complete('kode = "2.07.01.2.0', "2.07.01.2.01", "08-lengkapi-kode");
  assert(lr.text.endsWith('kode = "2.07.01.2.01'), `accepting the code inserts it: ${JSON.stringify(lr.text.slice(-40))}`);
  lr = await complete("pagu_seb", "pagu_sebelum");
  assert(lr.text.endsWith("pagu_sebelum = "), `accepting the field inserts it: ${JSON.stringify(lr.text.slice(-30))}`);
  await tab.keyboard.type("1");
  await restore(dataText);
  // Chapter: a template variable, a filter and a table name.
  await openFile(tab, CH);
  const chText = await editorText(tab);
  lr = await complete("Tahun {{ edisi.ta", "edisi.tahun", "09-lengkapi-variabel");
  assert(lr.text.endsWith("Tahun {{ edisi.tahun"), `accepting the variable inserts it: ${JSON.stringify(lr.text.slice(-30))}`);
  await tab.keyboard.type(" | rom");
  await tab.locator(".cm-tooltip-autocomplete li", { hasText: "romawi" }).first().waitFor();
  await tab.waitForTimeout(300);
  await tab.keyboard.press("Enter");
  await tab.keyboard.type(" }}");
  assert((await editorText(tab)).endsWith("Tahun {{ edisi.tahun | romawi }}"), "the filter completed");
  // The completed template renders: "Tahun MMXXII" in the preview.
  await tab.waitForFunction(() => [...document.querySelectorAll("#halaman .teks")].some((t) => t.textContent.includes("Tahun MMXXII")));
  await shot(tab, "10-lengkapi-hasil");
  lr = await complete('{{ tabel("ren', "rencana");
  assert(lr.text.endsWith('{{ tabel("rencana'), `accepting the table name inserts it: ${JSON.stringify(lr.text.slice(-30))}`);
  await restore(chText);
  await tab.waitForFunction(() => window.__ruang.dirty.size === 0);
  step("completion: a code and a field in a data file, a variable, a filter and a table name in a chapter, from the server's vocabulary");

  // --- 5. workflow: the author submits, the verifikator returns it with a note -----------------
  await tab.getByRole("button", { name: "Ajukan" }).click();
  await tab.waitForFunction(() => document.getElementById("status-edisi").textContent === "Diajukan");
  assert(await tab.locator("#simpan").isDisabled(), "no saving once submitted");
  const tab4 = await newTab();
  await login(tab4, "verifikator");
  await openEdition(tab4);
  assert(await tab4.getByRole("button", { name: "Setujui" }).isVisible(), "the verifikator may approve");
  assert((await tab4.getByRole("button", { name: "Ajukan" }).count()) === 0, "but not submit");
  await tab4.getByRole("button", { name: "Kembalikan…" }).click();
  await tab4.getByLabel("Catatan untuk penyusun (wajib)").fill("Lengkapi latar belakang bab I.");
  await shot(tab4, "09-kembalikan-catatan");
  await tab4.locator("#dialog-catatan button[type=submit]").click();
  await tab4.waitForFunction(() => document.getElementById("status-edisi").textContent === "Dikembalikan");
  await tab4.context().close();
  await tab.reload();
  await tab.waitForFunction(() => window.__ruang && window.__ruang.ready);
  assert((await tab.locator("#status-edisi").textContent()) === "Dikembalikan", "the author sees the edition returned");
  assert(await tab.getByRole("button", { name: "Perbaiki" }).isVisible(), "and may take it back into draft");
  step("workflow: ajukan by the author, kembalikan with a note by the verifikator, buttons by role");

  // --- 6. an author of another OPD ----------------------------------------------------------------
  const tab3 = await newTab();
  await login(tab3, "lain");
  assert((await tab3.locator("table.daftar").count()) === 0, "the other OPD's author sees no edition");
  await shot(tab3, "07-dasbor-opd-lain");
  const r = await tab3.goto(`${base}/edisi/${id}`);
  assert(r.status() === 404, `the edition page answers 404 (got ${r.status()})`);
  assert(/tidak ditemukan/.test(await tab3.locator("body").textContent()), "the 404 page says not found");
  await shot(tab3, "08-tidak-ditemukan");
  const sock = await tab3.evaluate(async (id) => {
    const plain = (await fetch(`/api/v1/edisi/${id}/pratinjau`)).status;
    const opened = await new Promise((resolve) => {
      const ws = new WebSocket(`ws://${location.host}/api/v1/edisi/${id}/pratinjau`);
      ws.onopen = () => resolve(true);
      ws.onerror = () => resolve(false);
      ws.onclose = () => resolve(false);
    });
    return { plain, opened };
  }, id);
  assert(sock.plain === 404 && sock.opened === false, `the preview socket is refused: ${JSON.stringify(sock)}`);
  const api = await tab3.evaluate(async (id) => (await fetch(`/api/v1/edisi/${id}`)).status, id);
  assert(api === 404, "the API answers 404 too");
  step("another OPD's author: empty dashboard, 404 for the edition page, the socket and the API");
  await tab3.context().close();
} catch (e) {
  failed = true;
  console.error(e.stack || e.message || e);
} finally {
  await browser.close();
}
process.exit(failed ? 1 : 0);
