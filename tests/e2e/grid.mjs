// End-to-end test of the workspace's table grid in real headless chromium (started by tests/web.rs
// against `renja serve --contoh`). Usage: node grid.mjs BASE_URL EDITION_ID SHOTS_DIR; accounts in
// $WEB_AKUN (JSON: login -> password).
//
// 1. data/rencana.toml (Tabel 3.4) as a grid: a sub kegiatan's pagu changed with the keyboard →
//    the computed cells of the row, its kegiatan, program, bidang, urusan and the TOTAL change by
//    exactly that amount, and the new TOTAL appears in the preview; saved, the file (from the API)
//    differs from the original in that one line only: every comment kept.
// 2. data/landasan-hukum.toml: 40 tab-separated rows pasted (as from Excel) → 40 more tables in
//    the file, the save's check has no error. A row moved with Alt+↑ moves in the file with its
//    comment.
import { akun, assert, step, shooter, launch, timeout } from "./bersama.mjs";

const [base, idArg, shots] = process.argv.slice(2);
const id = Number(idArg);
const TIMEOUT = timeout(90000);
const shot = shooter(shots);
const rupiah = (s) => Number(String(s).replace(/\./g, ""));
const titik = (n) => n.toLocaleString("id-ID");

const browser = await launch();
let failed = false;
try {
  const ctx = await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: "id-ID", bypassCSP: true });
  const tab = await ctx.newPage();
  tab.setDefaultTimeout(TIMEOUT);
  tab.on("pageerror", (e) => console.log("# page error: " + e.message));
  await tab.goto(base + "/masuk");
  await tab.getByLabel("Nama pengguna").fill("penyusun");
  await tab.getByLabel("Kata sandi").fill(akun.penyusun);
  await tab.getByRole("button", { name: "Masuk" }).click();
  await tab.waitForURL(/\/dasbor$/);
  await tab.goto(`${base}/edisi/${id}`);
  await tab.waitForFunction(() => window.__ruang && window.__ruang.ready);
  await tab.waitForFunction(() => window.__ruang.pratinjau.log.some((m) => m.parts - 1 === m.part && m.pages.length > 0 && m.errors === 0));
  const api = (p) => tab.evaluate(async (p) => { const r = await fetch("/api/v1" + p); return r.headers.get("content-type").includes("json") ? r.json() : r.text(); }, p);
  const head = async () => (await api(`/edisi/${id}`)).kepala;

  // --- 1. Tabel 3.4: change a pagu --------------------------------------------------------------
  const DATA = "data/rencana.toml";
  const original = await api(`/edisi/${id}/revisi/${await head()}/berkas/${DATA}`);
  await tab.locator(`button.berkas-item[data-path="${DATA}"]`).click();
  await tab.locator("#mode-tabel").click();
  await tab.locator("table.grid td.dihitung").first().waitFor();
  await tab.waitForFunction(() => document.querySelector("#grid-total td.dihitung") && document.querySelector("#grid-total td.dihitung").textContent !== "");
  const rows = await tab.locator("table.grid tbody tr").count();
  assert(rows === (original.match(/^\[\[baris\]\]/gm) || []).length, `one grid row per [[baris]] (${rows})`);
  const LEAF = "2.07.01.2.01.0001";
  const chain = [LEAF, "2.07.01.2.01", "2.07.01", "2.07", "2"];
  const computed = () => tab.evaluate((chain) => {
    const of = (tr) => tr.querySelector('td[data-hitung="pagu_sesudah"]').textContent;
    const out = {};
    for (const k of chain) out[k] = of(document.querySelector(`table.grid tbody tr[data-kode="${k}"]`));
    out.TOTAL = of(document.getElementById("grid-total"));
    return out;
  }, chain);
  const before = await computed();
  for (const [k, v] of Object.entries(before)) assert(/^[\d.]+$/.test(v) && rupiah(v) > 0, `computed pagu_sesudah of ${k}: ${v}`);
  assert(await tab.locator(`tr[data-kode="2.07.01.2.01"]`).evaluate((tr) => tr.classList.contains("induk")), "a kegiatan row is a parent row");
  // The parent rows' and the total's computed cells are not editable.
  assert(await tab.locator("#grid-total td.dihitung").first().evaluate((td) => td.getAttribute("aria-readonly") === "true"), "computed cells are read-only");
  const cell = tab.locator(`tr[data-kode="${LEAF}"] td[data-kolom="pagu_sesudah"]`);
  const old = rupiah(await cell.textContent());
  const DELTA = 1234000;
  // Keyboard: click the row's code, then arrows to the pagu column, Enter, type, Enter.
  await tab.locator(`tr[data-kode="${LEAF}"] td[data-kolom="kode"]`).click();
  const kolom = await tab.locator("table.grid thead th").allTextContents();
  const steps = kolom.indexOf("pagu_sesudah") - kolom.indexOf("kode");
  for (let i = 0; i < steps; i++) await tab.keyboard.press("ArrowRight");
  assert(await tab.evaluate(() => document.activeElement.dataset.kolom === "pagu_sesudah"), "arrow keys reach the pagu cell");
  await tab.keyboard.press("Enter");
  await tab.keyboard.press("Control+a");
  await tab.keyboard.type(String(old + DELTA));
  const tEnter = Date.now();
  await tab.keyboard.press("Enter");
  await tab.waitForFunction((t) => document.querySelector('#grid-total td[data-hitung="pagu_sesudah"]').textContent !== t, before.TOTAL, { polling: 10 });
  const msGrid = Date.now() - tEnter;
  const after = await computed();
  for (const k of Object.keys(before)) {
    assert(rupiah(after[k]) - rupiah(before[k]) === DELTA, `${k}: ${before[k]} -> ${after[k]} (+${DELTA})`);
  }
  assert(await tab.evaluate(() => document.activeElement.closest("td") && document.activeElement.closest("tr").dataset.kode), "the focus stays in the grid");
  await tab.waitForFunction((w) => [...document.querySelectorAll("#halaman .teks")].some((t) => t.textContent.includes(w)), after.TOTAL, { polling: 10 });
  const msPreview = Date.now() - tEnter;
  console.log(`# grid: Enter → computed cells updated ${msGrid} ms (includes the 250 ms pause), → new TOTAL in the preview ${msPreview} ms`);
  step(`grid: pagu of ${LEAF} +${titik(DELTA)} → the row, ${chain.length - 1} parents and the TOTAL (${before.TOTAL} → ${after.TOTAL}) in the grid's computed cells and in the preview`);
  // The screenshot shows the pagu and the computed columns.
  await tab.evaluate(() => { const g = document.querySelector(".grid-gulir"); g.scrollLeft = document.querySelector('table.grid thead th.dihitung').offsetLeft - 420; });
  await shot(tab, "20-tabel-grid");
  await tab.getByLabel("Pesan penyimpanan").fill("Ubah pagu lewat tabel");
  await tab.locator("#simpan").click();
  await tab.waitForFunction(() => document.getElementById("info").textContent.startsWith("Tersimpan"));
  const saved = await api(`/edisi/${id}/revisi/${await head()}/berkas/${DATA}`);
  const a = original.split("\n"), b = saved.split("\n");
  const changed = a.map((l, i) => [l, b[i]]).filter(([x, y]) => x !== y);
  assert(a.length === b.length && changed.length === 1, `exactly one line changed (${changed.length}; ${a.length} vs ${b.length} lines)`);
  assert(changed[0][1] === `pagu_sesudah = ${old + DELTA}`, `the pagu line: ${JSON.stringify(changed[0])}`);
  const comments = a.filter((l) => l.startsWith("#"));
  assert(comments.length > 50 && comments.every((c) => b.includes(c)), `all ${comments.length} comment lines kept`);
  // An invalid number: the cell is marked with the server's located message; the text is not
  // changed; correcting the cell clears it.
  const cellNow = tab.locator(`tr[data-kode="${LEAF}"] td[data-kolom="pagu_sesudah"]`);
  await cellNow.click();
  await tab.keyboard.press("Enter");
  await tab.keyboard.press("Control+a");
  await tab.keyboard.type("98 juta");
  await tab.keyboard.press("Enter");
  await tab.locator("#grid-galat").waitFor();
  const galat = await tab.locator("#grid-galat").textContent();
  const row = await tab.evaluate((k) => [...document.querySelectorAll("table.grid tbody tr")].findIndex((tr) => tr.dataset.kode === k) + 1, LEAF);
  assert(galat.includes(`data/rencana.toml: baris ${row}, kolom pagu_sesudah: '98 juta' bukan angka`), `located message: ${galat}`);
  assert(await tab.locator(`tr[data-kode="${LEAF}"] td[data-kolom="pagu_sesudah"]`).evaluate((td) => td.classList.contains("salah") && td.getAttribute("aria-invalid") === "true"), "the cell is marked invalid");
  assert((await tab.evaluate(() => window.__ruang.view.state.doc.toString())) === saved, "the text is unchanged");
  await shot(tab, "22-tabel-galat");
  await tab.locator(`tr[data-kode="${LEAF}"] td[data-kolom="pagu_sesudah"]`).click();
  await tab.keyboard.press("Enter");
  await tab.keyboard.press("Control+a");
  await tab.keyboard.type(String(old + DELTA));
  await tab.keyboard.press("Enter");
  await tab.locator("#grid-galat").waitFor({ state: "detached" });
  await tab.waitForFunction(() => !document.querySelector("table.grid td.salah"));
  step(`saved: the file from the API differs from the original in one line (${changed[0][1]}); all ${comments.length} comment lines kept`);

  // --- 1b. a value the grid accepts but check rejects (a negative pagu): check's error on the
  // cell it points to (row and column from the file's line), in the grid's list and the
  // workspace's list; the preview keeps its last good pages; clicking the list entry selects the
  // cell; correcting it clears everything.
  await tab.waitForFunction(() => window.__ruang.pratinjau.log.length && window.__ruang.pratinjau.log[window.__ruang.pratinjau.log.length - 1].errors === 0);
  await tab.waitForFunction(() => !document.getElementById("overlay") || document.getElementById("overlay").hidden);
  const pagesBefore = await tab.evaluate(() => [...document.querySelectorAll("#halaman .halaman")].map((p) => p.dataset.hash));
  assert(pagesBefore.length > 0, "the preview shows pages");
  await tab.locator(`tr[data-kode="${LEAF}"] td[data-kolom="pagu_sesudah"]`).click();
  await tab.keyboard.press("Enter");
  await tab.keyboard.press("Control+a");
  await tab.keyboard.type("-5000");
  await tab.keyboard.press("Enter");
  await tab.locator(`tr[data-kode="${LEAF}"] td.diag-galat[data-kolom="pagu_sesudah"]`).waitFor();
  const textNeg = await tab.evaluate(() => window.__ruang.view.state.doc.toString());
  const negLine = textNeg.split("\n").indexOf("pagu_sesudah = -5000") + 1;
  assert(negLine > 0, "the negative pagu is in the editor's text");
  const marked = await tab.evaluate(() => [...document.querySelectorAll("table.grid td.diag-galat")].map((td) => `${td.closest("tr").dataset.kode}/${td.dataset.kolom}`));
  assert(marked.length === 1 && marked[0] === `${LEAF}/pagu_sesudah`, `only the pagu cell of ${LEAF} is marked: ${marked.join(", ")}`);
  const cellDiag = await tab.locator(`tr[data-kode="${LEAF}"] td[data-kolom="pagu_sesudah"]`).evaluate((td) => ({ title: td.title, invalid: td.getAttribute("aria-invalid") }));
  assert(cellDiag.invalid === "true" && cellDiag.title.includes(`baris ${negLine}`) && /negatif/.test(cellDiag.title), `the cell carries check's message at line ${negLine}: ${JSON.stringify(cellDiag)}`);
  const gridList = await tab.locator("#grid-periksa").textContent();
  assert(gridList.includes(`Baris ${row}, kolom pagu_sesudah`) && /negatif/.test(gridList), `the grid's list names row ${row} and the column: ${gridList}`);
  // The workspace's list (from the preview) has it at the same line; the preview keeps its pages.
  await tab.waitForFunction((l) => (window.__ruang.diags || []).some((d) => d.severity === "error" && d.file === "data/rencana.toml" && d.line === l), negLine);
  await tab.locator("#overlay").waitFor({ state: "visible" });
  const pagesDuring = await tab.evaluate(() => [...document.querySelectorAll("#halaman .halaman")].map((p) => p.dataset.hash));
  assert(JSON.stringify(pagesDuring) === JSON.stringify(pagesBefore), "the preview keeps its last good pages");
  // The workspace's list entry selects the cell in the grid (not the text view).
  await tab.locator(`tr[data-kode="${LEAF}"] td[data-kolom="kode"]`).click();
  await tab.locator("#diagnostik .diag-error button").first().click();
  assert(await tab.locator("#grid").isVisible(), "the grid stays open");
  assert(await tab.evaluate((k) => document.activeElement.dataset.kolom === "pagu_sesudah" && document.activeElement.closest("tr").dataset.kode === k, LEAF), "clicking the finding selects its cell");
  await shot(tab, "23-tabel-periksa");
  await tab.keyboard.press("Enter");
  await tab.keyboard.press("Control+a");
  await tab.keyboard.type(String(old + DELTA));
  await tab.keyboard.press("Enter");
  await tab.waitForFunction(() => !document.querySelector("table.grid .diag-galat") && !document.querySelector("#grid-periksa .diag-error"));
  await tab.locator("#overlay").waitFor({ state: "hidden" });
  step(`check's error (negative pagu) on the cell ${LEAF}/pagu_sesudah (text line ${negLine}), in both lists; the preview kept its last good pages; corrected`);

  // --- 2. paste 40 rows; move a row -------------------------------------------------------------
  const HUKUM = "data/landasan-hukum.toml";
  const hukum0 = await api(`/edisi/${id}/revisi/${await head()}/berkas/${HUKUM}`);
  const n0 = (hukum0.match(/^\[\[peraturan\]\]/gm) || []).length;
  await tab.locator(`button.berkas-item[data-path="${HUKUM}"]`).click();
  await tab.waitForFunction((n) => document.querySelectorAll("table.grid tbody tr").length === n, n0);
  const heads = await tab.locator("table.grid thead th").allTextContents();
  assert(heads[1] === "jenis" && heads[2] === "nomor" && heads[3] === "tahun" && heads[4] === "tentang", `columns: ${heads.join(", ")}`);
  // Move the last law up one place with Alt+↑ (its comment goes with it).
  await tab.locator(`table.grid tbody tr:last-child td[data-kolom="tentang"]`).click();
  const lastName = await tab.locator(`table.grid tbody tr:last-child td[data-kolom="tentang"]`).textContent();
  await tab.keyboard.press("Alt+ArrowUp");
  await tab.waitForFunction((t) => { const r = document.querySelectorAll("table.grid tbody tr"); return r[r.length - 2].querySelector('td[data-kolom="tentang"]').textContent === t; }, lastName);
  // Add a row at the end and paste 40 rows from a tab-separated clipboard at its first cell.
  await tab.locator(`table.grid tbody tr:last-child td[data-kolom="jenis"]`).click();
  await tab.locator("#grid-tambah").click();
  await tab.waitForFunction((n) => document.querySelectorAll("table.grid tbody tr").length === n + 1, n0);
  assert(await tab.evaluate(() => document.activeElement.dataset.kolom === "jenis" && document.activeElement.closest("tr").matches(":last-child")), "the new row's first cell has the focus");
  const tPaste = Date.now();
  const block = Array.from({ length: 40 }, (_, i) => `Peraturan Bupati Paser\t${i + 1}\t2021\tUji Tempel Nomor ${i + 1}`).join("\r\n") + "\r\n";
  await tab.evaluate((block) => {
    const dt = new DataTransfer();
    dt.setData("text/plain", block);
    document.activeElement.dispatchEvent(new ClipboardEvent("paste", { clipboardData: dt, bubbles: true, cancelable: true }));
  }, block);
  await tab.waitForFunction((n) => document.querySelectorAll("table.grid tbody tr").length === n + 40, n0);
  await tab.waitForFunction((n) => (window.__ruang.view.state.doc.toString().match(/^\[\[peraturan\]\]/gm) || []).length === n + 40, n0, { polling: 10 });
  console.log(`# grid: paste of 40 rows → their text in the editor ${Date.now() - tPaste} ms`);
  await shot(tab, "21-tabel-tempel");
  await tab.getByLabel("Pesan penyimpanan").fill("Tempel 40 peraturan");
  await tab.locator("#simpan").click();
  await tab.waitForFunction(() => document.getElementById("info").textContent.startsWith("Tersimpan"));
  const info = await tab.locator("#info").textContent();
  assert(/\(0 kesalahan/.test(info), `the save's check passes: ${info}`);
  const hukum1 = await api(`/edisi/${id}/revisi/${await head()}/berkas/${HUKUM}`);
  assert((hukum1.match(/^\[\[peraturan\]\]/gm) || []).length === n0 + 40, "40 more [[peraturan]] in the file");
  for (const i of [1, 20, 40]) assert(hukum1.includes(`tentang = "Uji Tempel Nomor ${i}"`) && hukum1.includes(`nomor = "${i}"`), `pasted row ${i} in the file`);
  assert(/tahun = 2021\ntentang = "Uji Tempel Nomor 40"/.test(hukum1), "the year as a number");
  // The moved law and its comment: the comment block right before it, before the law that was
  // above it.
  const comments0 = hukum0.split("\n").filter((l) => l.startsWith("#"));
  assert(comments0.every((c) => hukum1.includes(c)), "every comment of the file kept");
  assert(hukum1.indexOf(`tentang = "${lastName}"`) < hukum1.indexOf(`tentang = "${await tab.evaluate(() => document.querySelectorAll("table.grid tbody tr")[document.querySelectorAll("table.grid tbody tr").length - 41].querySelector('td[data-kolom="tentang"]').textContent)}"`), "the moved row is before its old predecessor in the file");
  step(`paste: 40 tab-separated rows → ${n0} + 40 [[peraturan]] in the saved file, check passes; Alt+↑ moved a row with its comment`);
  await ctx.close();
} catch (e) {
  failed = true;
  console.error(e.stack || e.message || e);
} finally {
  await browser.close();
}
process.exit(failed ? 1 : 0);
