// Latency of `renja preview`, measured in the real browser (headless chromium through
// playwright-core from tests/e2e): for each edit, the time from just before the file is saved
// (temporary file + rename, as editors do) to the page's WebSocket `onmessage` receiving the
// update that carries the changed pages (and to that update being applied to the DOM).
// Usage: node preview-latency.mjs URL EDITION_DIR N OUT_JSON
// Writes {narrative: {received: [...ms], applied: [...]}, data: {...}} to OUT_JSON.
import { createRequire } from "node:module";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.join(here, "..", "tests", "e2e", "package.json"));
const { chromium } = require("playwright-core");

const [url, edition, nArg, outJson] = process.argv.slice(2);
const N = Number(nArg || 30);
const now = () => performance.timeOrigin + performance.now();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
function save(file, text) {
  const tmp = path.join(path.dirname(file), "." + path.basename(file) + ".tmp-bench");
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, file);
}

const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), "renja-bench-chromium-"));
const context = await chromium.launchPersistentContext(userDataDir, {
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  headless: true,
  viewport: { width: 1400, height: 900 },
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
const tab = context.pages()[0] || (await context.newPage());
tab.setDefaultTimeout(60000);
await tab.goto(url);
await tab.waitForFunction(() => document.querySelectorAll("#halaman .halaman").length > 0);

// Each edit: save, then wait for the first update with changed pages and no errors.
async function edit(file, text) {
  const v0 = await tab.evaluate(() => window.__renja.version);
  const t0 = now();
  save(file, text);
  const handle = await tab.waitForFunction((v) => {
    const m = window.__renja.log.find((x) => x.version > v && x.pages.length > 0 && x.errors === 0);
    return m || false;
  }, v0, { polling: 5 });
  const m = await handle.jsonValue();
  return { received: m.received - t0, applied: m.applied - t0, pages: m.pages.length };
}

async function series(file, from, make) {
  const original = fs.readFileSync(file, "utf8");
  if (!original.includes(from)) throw new Error(`${file} does not contain ${from}`);
  const out = { received: [], applied: [], pages: [] };
  for (let k = 0; k < N; k++) {
    const r = await edit(file, original.replace(from, make(k)));
    out.received.push(r.received);
    out.applied.push(r.applied);
    out.pages.push(r.pages);
    await sleep(250);
  }
  save(file, original);
  await sleep(1500);
  return out;
}

const results = {};
// One narrative word in chapter I, a different word each time.
results.narrative = await series(path.join(edition, "bab", "01-pendahuluan.md"), "Adapun dokumen",
  (k) => `${["Maka", "Oleh", "Kini", "Jadi", "Pun"][k % 5]}${k} dokumen`);
// One pagu value in the rencana data (changes table cells, totals and the terbilang text).
results.data = await series(path.join(edition, "data", "rencana.toml"), "pagu_sebelum = 97020000",
  (k) => `pagu_sebelum = ${97020000 + 1000 * (k + 1)}`);
fs.writeFileSync(outJson, JSON.stringify(results));
await context.close();
fs.rmSync(userDataDir, { recursive: true, force: true });
