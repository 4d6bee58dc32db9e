// End-to-end test of `renja preview` in real headless chromium (Debian's /usr/bin/chromium,
// driven over CDP by playwright-core). Usage: node preview.mjs URL EDITION_DIR
// The edition folder must be a throwaway copy of the sample: this script edits it.
//
// 1. A word changed in a chapter appears on the page without a reload, on a page that was
//    re-rendered by the update, and the scroll position stays.
// 2. A broken TOML value shows the overlay (file:line:col, Indonesian) and keeps the old pages.
// 3. Fixing it removes the overlay.
// 4. A second tab gets the current state; a tab whose socket drops reconnects and catches up.
// Prints one line per step; exit 0 when every step passed, 1 otherwise.
import { chromium } from "playwright-core";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

const [url, edition] = process.argv.slice(2);
if (!url || !edition) {
  console.error("usage: node preview.mjs URL EDITION_DIR");
  process.exit(2);
}
const executablePath = process.env.CHROMIUM || "/usr/bin/chromium";
const TIMEOUT = Number(process.env.E2E_TIMEOUT_MS || 60000);

function assert(cond, msg) {
  if (!cond) throw new Error("GAGAL: " + msg);
}
// Saves the way editors do: write a temporary file, then rename it over the original.
function save(file, text) {
  const tmp = path.join(path.dirname(file), "." + path.basename(file) + ".tmp-e2e");
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, file);
}
const t0 = Date.now();
const step = (s) => console.log(`ok - ${s} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);

const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), "renja-e2e-chromium-"));
// A fresh profile (--user-data-dir) through playwright's persistent context.
const context = await chromium.launchPersistentContext(userDataDir, {
  executablePath,
  headless: true,
  viewport: { width: 1400, height: 900 },
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
let failed = false;
try {
  const tab = context.pages()[0] || (await context.newPage());
  tab.setDefaultTimeout(TIMEOUT);
  await tab.goto(url);
  // The first snapshot may come in several parts (0-based `part` of `parts`): wait for its last.
  await tab.waitForFunction(() => window.__renja && window.__renja.log.some((e) => e.type === "snapshot" && e.part === e.parts - 1));
  const pageCount = await tab.locator("#halaman .halaman").count();
  assert(pageCount > 10, `expected the sample's pages, got ${pageCount}`);
  assert(await tab.locator("#overlay").isHidden(), "no overlay on the valid sample");
  const warnings = Number(await tab.locator("#jumlah-peringatan").textContent());
  assert(warnings > 0, "the sample's check warnings are listed in the side panel");
  assert(/^Diperbarui \d\d:\d\d:\d\d · \d+ ms$/.test(await tab.locator("#status").textContent()), "status line");
  step(`first view: ${pageCount} pages, ${warnings} warnings in the side panel`);

  // --- 1. change a word in a chapter --------------------------------------------------------
  const chapter = path.join(edition, "bab", "01-pendahuluan.md");
  const original = fs.readFileSync(chapter, "utf8");
  const OLD = "Adapun dokumen", NEW = "Sesungguhnyapun dokumen";
  assert(original.includes(OLD), "the chapter holds the word to change");
  const target = await tab.evaluate((old) => {
    const pages = [...document.querySelectorAll("#halaman .halaman")];
    const i = pages.findIndex((p) => p.querySelector(".teks").textContent.includes(old));
    if (i < 0) return null;
    const el = pages[i];
    window.scrollTo(0, el.offsetTop - 60);
    window.__noReload = "still here";
    return { i, version: Number(el.dataset.version), hash: el.dataset.hash, src: el.querySelector("img").src };
  }, OLD);
  assert(target, `"${OLD}" is on a page before the edit`);
  assert(!(await tab.evaluate((w) => document.body.textContent.includes(w), NEW.split(" ")[0])), "the new word is not there yet");
  await tab.waitForTimeout(200);
  const scrollBefore = await tab.evaluate(() => window.scrollY);
  save(chapter, original.replace(OLD, NEW));
  await tab.waitForFunction((w) => [...document.querySelectorAll("#halaman .teks")].some((t) => t.textContent.includes(w)), NEW);
  // The new SVG image of that page is decoded and drawn.
  await tab.waitForFunction((i) => {
    const img = document.querySelectorAll("#halaman .halaman")[i].querySelector("img");
    return img.complete && img.naturalWidth > 0;
  }, target.i);
  const after = await tab.evaluate(({ i, neu }) => {
    const el = document.querySelectorAll("#halaman .halaman")[i];
    const withWord = [...document.querySelectorAll("#halaman .halaman")].findIndex((p) => p.querySelector(".teks").textContent.includes(neu));
    return {
      withWord,
      version: Number(el.dataset.version),
      hash: el.dataset.hash,
      src: el.querySelector("img").src,
      noReload: window.__noReload,
      scrollY: window.scrollY,
      lastUpdate: window.__renja.log.filter((m) => m.type === "update").at(-1),
    };
  }, { i: target.i, neu: NEW });
  assert(after.noReload === "still here", "the page was not reloaded");
  assert(after.withWord === target.i, `the new word is on the edited page (${after.withWord} vs ${target.i})`);
  assert(after.version > target.version, "that page was re-rendered by a newer update");
  assert(after.hash !== target.hash && after.src !== target.src, "that page's SVG image changed");
  assert(after.lastUpdate && after.lastUpdate.pages.includes(target.i), "the update carried that page");
  assert(after.lastUpdate.pages.length < pageCount, `only changed pages were sent (${after.lastUpdate.pages.length} of ${pageCount})`);
  assert(Math.abs(after.scrollY - scrollBefore) <= 1, `scroll position kept (${scrollBefore} → ${after.scrollY})`);
  assert(!(await tab.evaluate((o) => [...document.querySelectorAll("#halaman .teks")].some((t) => t.textContent.includes(o)), OLD)), "the old word is gone");
  // The word changed no warning: the update did not repeat them, and the side panel keeps them.
  assert(after.lastUpdate.warningsUnchanged && after.lastUpdate.warnings === 0, `the update repeated unchanged warnings: ${JSON.stringify(after.lastUpdate)}`);
  assert(Number(await tab.locator("#jumlah-peringatan").textContent()) === warnings, "the side panel keeps the warnings after an update without them");
  assert(await tab.locator("#daftar-peringatan li").count() === warnings, "the warning list is still whole");
  step(`word change: page ${target.i + 1} re-rendered in place, ${after.lastUpdate.pages.length} page(s) sent, scroll kept, warnings not sent again`);

  // --- 2. break a TOML value --------------------------------------------------------------
  const data = path.join(edition, "data", "rencana.toml");
  const goodToml = fs.readFileSync(data, "utf8");
  const badToml = goodToml.replace(/^pagu_sebelum = (\d+)$/m, "pagu_sebelum = $1x");
  assert(badToml !== goodToml, "found a pagu value to break");
  const hashesBefore = await tab.evaluate(() => [...document.querySelectorAll("#halaman .halaman")].map((p) => p.dataset.hash));
  save(data, badToml);
  await tab.locator("#overlay").waitFor({ state: "visible" });
  const overlay = await tab.locator("#overlay").textContent();
  assert(overlay.includes("Sumber belum valid"), "overlay title");
  assert(/data\/rencana\.toml:\d+:\d+/.test(overlay), `overlay lists file:line:col: ${overlay}`);
  assert(/tidak sah|salah|tidak dapat/.test(overlay), `overlay message is Indonesian: ${overlay}`);
  const kept = await tab.evaluate(() => ({
    hashes: [...document.querySelectorAll("#halaman .halaman")].map((p) => p.dataset.hash),
    svgs: [...document.querySelectorAll("#halaman .halaman img")].filter((i) => i.src.startsWith("blob:")).length,
    noReload: window.__noReload,
  }));
  assert(JSON.stringify(kept.hashes) === JSON.stringify(hashesBefore), "the last good pages stay");
  assert(kept.svgs === hashesBefore.length, "every page still has its SVG");
  assert(await tab.evaluate((w) => [...document.querySelectorAll("#halaman .teks")].some((t) => t.textContent.includes(w)), NEW), "the edited word is still shown");
  assert(kept.noReload === "still here", "no reload on error");
  step("broken TOML: overlay with file:line:col, old pages kept");

  // --- 3. fix it ----------------------------------------------------------------------------
  save(data, goodToml);
  await tab.locator("#overlay").waitFor({ state: "hidden" });
  assert((await tab.locator("#halaman .halaman").count()) === pageCount, "all pages after the fix");
  step("fixed TOML: overlay gone");

  // --- 4. a second tab, and a tab that reconnects -----------------------------------------
  const tab2 = await context.newPage();
  tab2.setDefaultTimeout(TIMEOUT);
  await tab2.goto(url);
  await tab2.waitForFunction((n) => document.querySelectorAll("#halaman .halaman").length === n, pageCount);
  const h1 = await tab.evaluate(() => [...document.querySelectorAll("#halaman .halaman")].map((p) => p.dataset.hash).join());
  const h2 = await tab2.evaluate(() => [...document.querySelectorAll("#halaman .halaman")].map((p) => p.dataset.hash).join());
  assert(h1 === h2, "a new tab gets the same pages");
  assert(await tab2.evaluate((w) => document.body.textContent.includes(w), NEW), "a new tab gets the current text");
  // Drop tab 1's socket, change the text while it is away, and let it reconnect.
  await tab.evaluate(() => window.__renja.socket.close());
  const THIRD = "Akhirulkalampun dokumen";
  save(chapter, original.replace(OLD, THIRD));
  for (const t of [tab, tab2]) {
    await t.waitForFunction((w) => [...document.querySelectorAll("#halaman .teks")].some((x) => x.textContent.includes(w)), THIRD);
  }
  assert((await tab.evaluate(() => window.__noReload)) === "still here", "reconnect without reload");
  step("two tabs in step; a dropped tab reconnected and caught up");
} catch (e) {
  failed = true;
  console.error(e.message || e);
} finally {
  await context.close();
  fs.rmSync(userDataDir, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
