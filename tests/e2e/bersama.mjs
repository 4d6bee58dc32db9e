// What the e2e scripts of the web interface share: assertions, the step log, screenshots,
// Debian's headless chromium, and signing in to open an edition's workspace.
import { chromium } from "playwright-core";
import fs from "node:fs";
import path from "node:path";

export const akun = JSON.parse(process.env.WEB_AKUN || "{}");
export const timeout = (fallback) => Number(process.env.E2E_TIMEOUT_MS || fallback);

export function assert(cond, msg) {
  if (!cond) throw new Error("GAGAL: " + msg);
}

const t0 = Date.now();
export const step = (s) => console.log(`ok - ${s} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);

/// A screenshot function writing NAME.png into `shots` (made if missing).
export function shooter(shots) {
  fs.mkdirSync(shots, { recursive: true });
  return (tab, name) => tab.screenshot({ path: path.join(shots, name + ".png") });
}

export const launch = () =>
  chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });

/// A new browser context signed in as `user`, on the workspace of edition `id` once it is ready.
export async function workspaceAs(browser, base, id, user, ms) {
  const ctx = await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: "id-ID", bypassCSP: true });
  const tab = await ctx.newPage();
  tab.setDefaultTimeout(ms);
  tab.on("pageerror", (e) => console.log("# page error: " + e.message));
  await tab.goto(base + "/masuk");
  await tab.getByLabel("Nama pengguna").fill(user);
  await tab.getByLabel("Kata sandi").fill(akun[user]);
  await tab.getByRole("button", { name: "Masuk" }).click();
  await tab.waitForURL(/\/dasbor$/);
  await tab.goto(`${base}/edisi/${id}`);
  await tab.waitForFunction(() => window.__ruang && window.__ruang.ready);
  return tab;
}
