// Latency of `renja preview`, measured in the real browser (headless chromium through
// playwright-core from tests/e2e): N mixed edits in random order (a fixed seed), each saved as
// editors do (temporary file + rename), timed from just before the save to the page's WebSocket
// receiving the last part of the update that carries the changed pages ("received") and to
// that part being applied to the DOM ("applied").
//
// Edit kinds (each changes one file, starting from its current state):
//   word    one narrative word in chapter I (bab/01-pendahuluan.md)
//   pagu    the pagu_sebelum of one sub kegiatan (data/rencana.toml)
//   target  the target keluaran (sesudah) of one sub kegiatan
//   new     a new sub kegiatan row (a copy of one, with a code registered in the nomenclature
//           by bench/preview.sh beforehand)
//   delete  deletes a row added by an earlier `new` (when there is none, a `new` instead)
//
// Usage: node preview-latency.mjs URL EDITION_DIR N OUT_JSON [SEED]
// Writes {edits: [{kind, received, applied, pages, parts}], seed} to OUT_JSON.
import { createRequire } from "node:module";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.join(here, "..", "tests", "e2e", "package.json"));
const { chromium } = require("playwright-core");

const [url, edition, nArg, outJson, seedArg] = process.argv.slice(2);
const N = Number(nArg || 120);
const SEED = Number(seedArg || 20261201);
const now = () => performance.timeOrigin + performance.now();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
function save(file, text) {
  const tmp = path.join(path.dirname(file), "." + path.basename(file) + ".tmp-bench");
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, file);
}
// mulberry32: a small seeded generator, so every run makes the same edits in the same order.
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const chapter = path.join(edition, "bab", "01-pendahuluan.md");
const rencana = path.join(edition, "data", "rencana.toml");
const files = { [chapter]: fs.readFileSync(chapter, "utf8"), [rencana]: fs.readFileSync(rencana, "utf8") };
const originals = { ...files };
let word = "Adapun dokumen";
let pagu = "pagu_sebelum = 97020000";
let target = 'target_keluaran = { sebelum = "4 Dokumen", sesudah = "4 Dokumen" }';
for (const [f, s] of [[chapter, word], [rencana, pagu], [rencana, target]]) {
  if (!files[f].includes(s)) throw new Error(`${f} does not contain ${s}`);
}
// The block of one sub kegiatan to copy for `new`, and where new rows go: after the last sub
// kegiatan of the same kegiatan (2.07.01.2.01), so codes stay in ascending order.
const KEGIATAN = "2.07.01.2.01";
const template = files[rencana].match(/\[\[baris\]\]\nkode = "2\.07\.01\.2\.01\.0006"\n[\s\S]*?\n\n/)[0];
const added = [];
let nextCode = 9001;

function blockEnd(text, kodeIndex) {
  const end = text.indexOf("\n\n", kodeIndex);
  return end < 0 ? text.length : end + 2;
}

const kinds = ["word", "pagu", "target", "new", "delete"];
const random = rng(SEED);
let k = 0;
function plan() {
  let kind = kinds[Math.floor(random() * kinds.length)];
  if (kind === "delete" && added.length === 0) kind = "new";
  k++;
  switch (kind) {
    case "word": {
      const next = `${["Maka", "Oleh", "Kini", "Jadi", "Pun"][k % 5]}${k} dokumen`;
      const text = files[chapter].replace(word, next);
      word = next;
      return { kind, file: chapter, text };
    }
    case "pagu": {
      const next = `pagu_sebelum = ${97020000 + 1000 * k}`;
      const text = files[rencana].replace(pagu, next);
      pagu = next;
      return { kind, file: rencana, text };
    }
    case "target": {
      const next = `target_keluaran = { sebelum = "4 Dokumen", sesudah = "${5 + k} Dokumen" }`;
      const text = files[rencana].replace(target, next);
      target = next;
      return { kind, file: rencana, text };
    }
    case "new": {
      const code = `${KEGIATAN}.${nextCode++}`;
      const text0 = files[rencana];
      const re = new RegExp(`kode = "${KEGIATAN.replaceAll(".", "\\.")}\\.\\d{4}"`, "g");
      let last = -1;
      for (const m of text0.matchAll(re)) last = m.index;
      const at = blockEnd(text0, last);
      const block = template.replace(`${KEGIATAN}.0006`, code).replace("pagu_sebelum = 5470000", `pagu_sebelum = ${1000000 + k}`);
      added.push(code);
      return { kind, file: rencana, text: text0.slice(0, at) + block + text0.slice(at) };
    }
    case "delete": {
      const code = added.splice(Math.floor(random() * added.length), 1)[0];
      const text0 = files[rencana];
      const i = text0.indexOf(`[[baris]]\nkode = "${code}"`);
      if (i < 0) throw new Error(`row ${code} not found`);
      return { kind, file: rencana, text: text0.slice(0, i) + text0.slice(blockEnd(text0, i)) };
    }
  }
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
tab.setDefaultTimeout(120000);
await tab.goto(url);
// Wait for the first good render's last part: the tab may connect before the first compile
// ends (an empty snapshot of version 0, then the first render as an update), and timing the
// first edit against that render counted a whole first render (every page) as one edit.
await tab.waitForFunction(() => window.__renja && window.__renja.log.some((e) => e.version >= 1 && e.errors === 0 && e.part === e.parts - 1 && e.pages.length > 0), null, { timeout: 600000 });
await sleep(1000);

// Each edit: save, then wait for the last part of the first good update that changed pages.
async function edit({ file, text }) {
  const v0 = await tab.evaluate(() => window.__renja.version);
  const t0 = now();
  save(file, text);
  files[file] = text;
  const handle = await tab.waitForFunction((v) => {
    const log = window.__renja.log;
    const last = log.find((x) => x.version > v && x.errors === 0 && x.part === x.parts - 1);
    if (!last) return false;
    const mine = log.filter((x) => x.version === last.version);
    const pages = mine.reduce((n, x) => n + x.pages.length, 0);
    if (pages === 0) return false;
    return { received: last.received, applied: last.applied, pages, parts: last.parts, first: mine[0].received };
  }, v0, { polling: 5, timeout: 120000 });
  const m = await handle.jsonValue();
  return { received: m.received - t0, applied: m.applied - t0, first: m.first - t0, pages: m.pages, parts: m.parts };
}

const edits = [];
for (let i = 0; i < N; i++) {
  const e = plan();
  const r = await edit(e);
  edits.push({ kind: e.kind, ...r });
  await sleep(250);
}
// Back to the original sources.
save(chapter, originals[chapter]);
save(rencana, originals[rencana]);
await sleep(500);
fs.writeFileSync(outJson, JSON.stringify({ seed: SEED, edits }));
await context.close();
fs.rmSync(userDataDir, { recursive: true, force: true });
