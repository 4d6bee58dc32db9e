// End-to-end tests of the workspace's dialogs in real headless chromium (started by tests/web.rs).
// Usage: node dialog.mjs MODE BASE_URL EDITION_ID SHOTS_DIR; accounts in $WEB_AKUN (JSON).
//
// MODE bsre: the edition is final and the server signs through BSrE (a stand-in); the
//   penandatangan chooses BSrE in the sign dialog: a malformed NIK is refused in the dialog; a
//   wrong passphrase gets BSrE's refusal (the status stays final); NIK and passphrase sign it
//   ($WEB_NIK, $WEB_FRASA, $WEB_FRASA_SALAH); nothing is kept in the browser's storage.
// MODE xlsx: the author imports a workbook ($WEB_BUKU, sheet $WEB_LEMBAR) into the emptied
//   data/rencana.toml: the report first (rows added, none refused, nothing saved), then saved as
//   a new revision whose file has the rows; the editor shows it.
import { akun, assert, step, shooter, launch, timeout, workspaceAs } from "./bersama.mjs";

const [mode, base, idArg, shots] = process.argv.slice(2);
const id = Number(idArg);
const TIMEOUT = timeout(120000);
const shot = shooter(shots);

const browser = await launch();
const as = (user) => workspaceAs(browser, base, id, user, TIMEOUT);
const status = (tab, s) => tab.waitForFunction((s) => document.getElementById("status-edisi").textContent === s, s);
const api = (tab, p) => tab.evaluate(async (p) => { const r = await fetch("/api/v1" + p); return r.headers.get("content-type").includes("json") ? r.json() : r.text(); }, p);

let failed = false;
try {
  if (mode === "bsre") {
    const t = await as("penandatangan");
    await status(t, "Final");
    await t.getByRole("button", { name: "Tandatangani…" }).click();
    // BSrE is offered (and chosen) because the server signs through it.
    assert(await t.locator("#cara-bsre").isChecked(), "BSrE is the default when the server has it");
    assert(await t.locator("#bagian-p12").isHidden(), "the PKCS#12 fields are hidden");
    await t.getByLabel("NIK penanda tangan (16 angka)").fill("12345");
    await t.getByLabel("Passphrase BSrE").fill(process.env.WEB_FRASA);
    await t.locator("#tandatangani-kirim").click();
    await t.locator("#galat-kunci").waitFor();
    assert((await t.locator("#galat-kunci").textContent()).includes("NIK harus 16 angka"), "a malformed NIK is refused in the dialog");
    assert(await t.locator("dialog").evaluate((d) => d.open), "the dialog stays open");
    // A wrong passphrase: BSrE's refusal reaches the page; still final.
    await t.getByLabel("NIK penanda tangan (16 angka)").fill(process.env.WEB_NIK);
    await t.getByLabel("Passphrase BSrE").fill(process.env.WEB_FRASA_SALAH);
    await t.locator("#tandatangani-kirim").click();
    await t.waitForFunction(() => document.getElementById("info").classList.contains("galat"));
    const refused = await t.locator("#info").textContent();
    assert(/passphrase/i.test(refused), `BSrE's refusal is shown: ${refused}`);
    await status(t, "Final");
    step(`bsre: a malformed NIK refused in the dialog; a wrong passphrase refused by BSrE (${refused.trim()})`);
    await t.getByRole("button", { name: "Tandatangani…" }).click();
    await t.getByLabel("NIK penanda tangan (16 angka)").fill(process.env.WEB_NIK);
    await t.getByLabel("Passphrase BSrE").fill(process.env.WEB_FRASA);
    await shot(t, "34-tandatangani-bsre");
    await t.locator("#tandatangani-kirim").click();
    await status(t, "Ditandatangani");
    await t.locator("#final-pdf_ttd").waitFor();
    const stored = await t.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }));
    assert(!stored.includes(process.env.WEB_FRASA) && !stored.includes(process.env.WEB_NIK), "neither NIK nor passphrase kept in the browser's storage");
    assert(await t.evaluate(() => !document.getElementById("frasa-bsre")), "the dialog is gone with its fields");
    step("bsre: signed through BSrE from the dialog (NIK + passphrase); nothing kept in the browser");
  } else if (mode === "xlsx") {
    const p = await as("penyusun");
    const DATA = "data/rencana.toml";
    const before = await api(p, `/edisi/${id}/revisi/${(await api(p, `/edisi/${id}`)).kepala}/berkas/${DATA}`);
    assert(!before.includes("[[baris]]"), "the table starts empty");
    await p.locator("#unggah-buku").click();
    await p.getByLabel("Berkas buku kerja (.xlsx / .ods / .xls)").setInputFiles(process.env.WEB_BUKU);
    await p.getByLabel("Lembar (opsional)").fill(process.env.WEB_LEMBAR);
    await p.getByLabel("Pesan revisi").fill("Impor Renja dari SIPD");
    await p.locator("#buku-periksa").click();
    await p.locator("#buku-ringkas").waitFor();
    const ringkas = await p.locator("#buku-ringkas").textContent();
    const m = /Ke data\/rencana\.toml: (\d+) ditambahkan, (\d+) diubah, (\d+) tidak berubah, 0 ditolak\./.exec(ringkas);
    assert(m && Number(m[1]) > 10, `the report: ${ringkas}`);
    assert((await p.locator(".buku-laporan").textContent()).includes("Renja!"), "the report locates rows by sheet and cell");
    assert(!/\bnull\b|undefined/.test(await p.locator("#buku-laporan").textContent()), "no stray null/undefined in the report");
    const headBefore = (await api(p, `/edisi/${id}`)).kepala;
    assert(await p.locator("#buku-simpan").isEnabled(), "saving is offered when nothing was refused");
    await shot(p, "35-impor-buku");
    step(`xlsx: the report (${ringkas.trim()}) and nothing saved yet`);
    await p.locator("#buku-simpan").click();
    await p.waitForFunction(() => document.getElementById("info").textContent.startsWith("Buku kerja diimpor"));
    const head = (await api(p, `/edisi/${id}`)).kepala;
    assert(head !== headBefore, "a new revision");
    const after = await api(p, `/edisi/${id}/revisi/${head}/berkas/${DATA}`);
    const rows = (after.match(/^\[\[baris\]\]/gm) || []).length;
    assert(rows === Number(m[1]), `the saved file has the ${m[1]} rows (${rows})`);
    const revs = await api(p, `/edisi/${id}/revisi`);
    assert(revs[0].pesan === "Impor Renja dari SIPD", `the revision's message: ${revs[0].pesan}`);
    await p.locator(`button.berkas-item[data-path="${DATA}"]`).click();
    assert((await p.evaluate(() => window.__ruang.view.state.doc.toString())) === after, "the editor shows the imported file");
    assert(await p.evaluate(() => window.__ruang.dirty.size === 0), "nothing unsaved");
    step(`xlsx: saved as a new revision with ${rows} rows in ${DATA}; the editor shows it`);
  } else {
    throw new Error("unknown mode " + mode);
  }
} catch (e) {
  failed = true;
  console.error(e.stack || e.message || e);
} finally {
  await browser.close();
}
process.exit(failed ? 1 : 0);
