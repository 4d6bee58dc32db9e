// End-to-end test of the workflow to the end in the workspace, in real headless chromium
// (started by tests/web.rs against `renja serve --contoh`).
// Usage: node alur.mjs BASE_URL EDITION_ID SHOTS_DIR OUT_PDF; accounts in $WEB_AKUN (JSON),
// the test PKI's PKCS#12 in $WEB_P12 and its password in $WEB_P12_SANDI.
//
// The author submits; the verifikator comments on a line (from the editor) and returns the
// edition with a note; the author sees the note and the comment (list and gutter marker), takes
// it back and submits again; the verifikator approves; the author finalises; the penandatangan
// signs in the dialog (PKCS#12 file + passphrase) and archives. The archived signed PDF is written
// to OUT_PDF for `renja verify` (run by tests/web.rs).
import fs from "node:fs";
import { akun, assert, step, shooter, launch, timeout, workspaceAs } from "./bersama.mjs";

const [base, idArg, shots, outPdf] = process.argv.slice(2);
const id = Number(idArg);
const TIMEOUT = timeout(120000);
const shot = shooter(shots);

const browser = await launch();
const as = (user) => workspaceAs(browser, base, id, user, TIMEOUT);
const status = (tab, s) => tab.waitForFunction((s) => document.getElementById("status-edisi").textContent === s, s);

let failed = false;
try {
  const CH = "bab/01-pendahuluan.md";
  const NOTE = "Lengkapi latar belakang bab I dengan data tahun 2021.";
  const KOMENTAR = "Sumber angka ini belum disebut.";
  // --- the author submits ------------------------------------------------------------------------
  const p = await as("penyusun");
  // One saved change first, for the history page.
  const WORD = "Katariwayatuji";
  await p.locator(`button.berkas-item[data-path="${CH}"]`).click();
  await p.evaluate((w) => { const v = window.__ruang.view; const i = v.state.doc.toString().indexOf("Adapun"); v.dispatch({ changes: { from: i, insert: w + " " } }); }, WORD);
  await p.getByLabel("Pesan penyimpanan").fill("Tambah kata untuk riwayat");
  await p.locator("#simpan").click();
  await p.waitForFunction(() => document.getElementById("info").textContent.startsWith("Tersimpan"));
  await p.getByRole("button", { name: "Ajukan" }).click();
  await status(p, "Diajukan");
  // --- the verifikator comments on line 5 of the chapter and returns it with a note -----------
  const v = await as("verifikator");
  await v.locator(`button.berkas-item[data-path="${CH}"]`).click();
  await v.evaluate(() => { const w = window.__ruang.view; const l = w.state.doc.line(5); w.focus(); w.dispatch({ selection: { anchor: l.from } }); });
  await v.locator("#komentar-baru").click();
  await v.getByLabel("Isi komentar").fill(KOMENTAR);
  await shot(v, "30-komentar-baru");
  await v.locator("#komentar-kirim").click();
  await v.waitForFunction(() => document.getElementById("jumlah-komentar").textContent === "1");
  await v.getByRole("button", { name: "Kembalikan…" }).click();
  await v.getByLabel("Catatan untuk penyusun (wajib)").fill(NOTE);
  await v.locator("#dialog-catatan button[type=submit]").click();
  await status(v, "Dikembalikan");
  step("verifikator: a comment on bab/01-pendahuluan.md:5 from the editor, then returned with a note");
  // --- the author sees the note and the comment ----------------------------------------------
  await p.reload();
  await p.waitForFunction(() => window.__ruang && window.__ruang.ready);
  await status(p, "Dikembalikan");
  await p.locator("#catatan-kembali").waitFor();
  const seen = await p.locator("#catatan-kembali").textContent();
  assert(seen.includes(NOTE) && seen.includes("verifikator"), `the author sees the note and who wrote it: ${seen}`);
  await p.waitForFunction(() => document.getElementById("jumlah-komentar").textContent === "1");
  const item = await p.locator("#komentar li").first().textContent();
  assert(item.includes(`${CH}:5`) && item.includes(KOMENTAR), `the comment in the list: ${item}`);
  await p.locator("#komentar li button").first().click();
  await p.waitForFunction((c) => document.getElementById("nama-berkas").textContent === c, CH);
  const line = await p.evaluate(() => { const w = window.__ruang.view; return w.state.doc.lineAt(w.state.selection.main.head).number; });
  assert(line === 5, `clicking the comment goes to its line (${line})`);
  await p.locator(".cm-lint-marker-info").first().waitFor();
  const marker = await p.evaluate(() => {
    const w = window.__ruang.view;
    const m = document.querySelector(".cm-lint-marker-info");
    const blk = w.lineBlockAtHeight(m.getBoundingClientRect().top - w.documentTop + 2);
    return w.state.doc.lineAt(blk.from).number;
  });
  assert(marker === 5, `a gutter marker at line 5 (${marker})`);
  await shot(p, "31-dikembalikan-catatan");
  step("author: the return note (with who) and the comment in the list and as a gutter marker at its line");
  await p.getByRole("button", { name: "Perbaiki" }).click();
  await status(p, "Draf");
  await p.getByRole("button", { name: "Ajukan" }).click();
  await status(p, "Diajukan");
  await v.reload();
  await v.waitForFunction(() => window.__ruang && window.__ruang.ready);
  await v.getByRole("button", { name: "Setujui" }).click();
  await status(v, "Disetujui");
  await v.context().close();
  // --- finalise, sign, archive -----------------------------------------------------------------
  await p.reload();
  await p.waitForFunction(() => window.__ruang && window.__ruang.ready);
  await p.getByRole("button", { name: "Finalkan" }).click();
  await status(p, "Final");
  await p.locator("#final-pdf").waitFor();
  step("perbaiki → ajukan → setujui → finalkan: the final downloads are listed");
  const t = await as("penandatangan");
  assert((await t.getByRole("button", { name: "Finalkan" }).count()) === 0, "the penandatangan does not finalise");
  await t.getByRole("button", { name: "Tandatangani…" }).click();
  assert((await t.locator("#cara-bsre").count()) === 0 && await t.locator("#bagian-bsre").isHidden(), "no BSrE choice when the server does not sign through BSrE");
  await t.getByLabel("Berkas kunci PKCS#12 (.p12 / .pfx)").setInputFiles(process.env.WEB_P12);
  await t.getByLabel("Sandi kunci").fill(process.env.WEB_P12_SANDI);
  await shot(t, "32-tandatangani");
  await t.locator("#tandatangani-kirim").click();
  await status(t, "Ditandatangani");
  const stored = await t.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }));
  assert(!stored.includes(process.env.WEB_P12_SANDI), "the passphrase is not kept in the browser's storage");
  assert(await t.evaluate(() => !document.getElementById("sandi-kunci")), "the key dialog is gone with its fields");
  await t.locator("#final-pdf_ttd").waitFor();
  await t.getByRole("button", { name: "Arsipkan" }).click();
  await status(t, "Diarsipkan");
  await t.locator("#final-arsip").waitFor();
  await shot(t, "33-diarsipkan");
  const aid = decodeURIComponent((await t.locator("#final-arsip").getAttribute("href")).split("#")[1]);
  const b64 = await t.evaluate(async (aid) => {
    const d = await (await fetch(`/api/v1/arsip/${encodeURIComponent(aid)}`)).json();
    const f = d.berkas.find((f) => f.jenis === "pdf_ttd");
    const buf = new Uint8Array(await (await fetch(`/api/v1/arsip/${encodeURIComponent(aid)}/berkas/${f.path}`)).arrayBuffer());
    let s = ""; for (const x of buf) s += String.fromCharCode(x);
    return btoa(s);
  }, aid);
  fs.writeFileSync(outPdf, Buffer.from(b64, "base64"));
  step(`penandatangan: signed in the dialog (PKCS#12 + passphrase, nothing kept), archived as ${aid}; the archived PDF written for renja verify`);

  // --- the history page -----------------------------------------------------------------------
  await t.locator("#tautan-riwayat").click();
  await t.waitForURL(new RegExp(`/edisi/${id}/riwayat$`));
  await t.locator("#hasil-beda .beda").first().waitFor();
  const revs = await t.evaluate(async (id) => (await (await fetch(`/api/v1/edisi/${id}/revisi`)).json()).length, id);
  assert((await t.locator("#daftar-revisi tbody tr").count()) === revs && revs >= 2, `one row per revision (${revs})`);
  const first = await t.locator("#daftar-revisi tbody tr").first().textContent();
  assert(first.includes("penyusun") && first.includes("Tambah kata untuk riwayat") && first.includes(CH), `newest revision: author, message, files: ${first}`);
  const added = await t.locator("#hasil-beda .beda .tambah").allTextContents();
  assert(added.some((l) => l.includes(WORD)), "the diff of the two newest revisions shows the added word");
  assert(await t.locator("#hasil-beda summary").first().textContent().then((s) => s.includes(CH)), "the diff names the file");
  await shot(t, "34-riwayat");
  step(`history: ${revs} revisions with author, message and files; the diff of the newest two shows the added word`);

  // --- the archive page -------------------------------------------------------------------------
  await t.goto(`${base}/arsip`);
  await t.locator("#daftar-arsip").waitFor();
  const row = t.locator(`#daftar-arsip tr[id="arsip-${aid}"]`);
  assert(await row.count() === 1, "the archived edition is listed");
  await row.getByRole("button", { name: "Verifikasi" }).click();
  await t.locator("#hasil-verifikasi").waitFor();
  const ver = await t.locator("#hasil-verifikasi").textContent();
  assert(/: SAH/.test(ver) && ver.includes("Berkas arsip utuh: ya"), `verification: ${ver}`);
  const dl = await row.locator('a[data-jenis="pdf_ttd"]').getAttribute("href");
  const head = await t.evaluate(async (u) => { const r = await fetch(u); const b = new Uint8Array(await r.arrayBuffer()); return { status: r.status, magic: String.fromCharCode(...b.slice(0, 5)), size: b.length }; }, dl);
  assert(head.status === 200 && head.magic === "%PDF-" && head.size === fs.statSync(outPdf).size, `the download is the signed PDF: ${JSON.stringify(head)}`);
  await shot(t, "35-arsip-verifikasi");
  await t.locator("#arsip-bandingkan").click();
  await t.locator("#hasil-banding").waitFor();
  const cmp = await t.locator("#hasil-banding h2").textContent();
  assert(/0 berubah, 0 ditambah, 0 dihapus/.test(cmp), `an entry compared with itself: ${cmp}`);
  step("archive page: listed, verified SAH, the signed PDF downloads, compare answers");
  await t.context().close();
  await p.context().close();
} catch (e) {
  failed = true;
  console.error(e.stack || e.message || e);
} finally {
  await browser.close();
}
process.exit(failed ? 1 : 0);
