// The live preview beside the editor: a WebSocket to /api/v1/edisi/{id}/pratinjau. The client
// sends the unsaved texts after a typing pause; the server renders the head revision overlaid
// with them and sends a snapshot, then only the pages that changed (each change possibly in
// several parts). Errors show in an overlay while the last good pages stay.
import { h } from "./api.js";

export class Pratinjau {
  constructor(el, id, onDiagnostics) {
    this.id = id;
    this.onDiagnostics = onDiagnostics;
    this.heard = false;
    this.pending = {};        // path -> text not yet sent
    this.unsaved = {};        // path -> every unsaved text sent so far (resent on reconnect)
    this.timer = null;
    this.retry = 500;
    this.log = [];            // received messages (for tests): {type, version, part, parts, pages, errors, received}
    this.sent = [];           // {at, version_before}
    this.version = -1;
    this.warnings = [];       // the last warnings received
    this.status = h("span", { id: "status-pratinjau", class: "status-pratinjau", role: "status" }, "Menghubungkan…");
    this.pages = h("div", { id: "halaman", class: "halaman-halaman" });
    this.errors = h("ul", { id: "daftar-kesalahan" });
    this.overlay = h("div", { id: "overlay", class: "overlay", role: "alert", hidden: true },
      h("h2", {}, "Sumber belum valid"),
      h("p", {}, "Halaman di bawah adalah tampilan terakhir yang benar. Perbaiki kesalahan berikut:"), this.errors);
    el.replaceChildren(h("div", { class: "kepala-pratinjau" }, h("h2", {}, "Pratinjau"), this.status), this.overlay, this.pages);
  }

  connect(base, unsaved) {
    this.base = base;
    this.unsaved = { ...unsaved };
    this.open();
  }

  open() {
    const proto = location.protocol === "https:" ? "wss:" : "ws:";
    const ws = new WebSocket(`${proto}//${location.host}/api/v1/edisi/${this.id}/pratinjau`);
    this.ws = ws;
    ws.onopen = () => {
      this.retry = 500;
      this.status.textContent = "Terhubung; menyusun…";
      ws.send(JSON.stringify({ revisi: this.base, berkas: this.unsaved }));
    };
    ws.onmessage = (ev) => {
      const received = performance.now();
      const m = JSON.parse(ev.data);
      if (m.galat) { this.status.textContent = m.galat; return; }
      this.apply(m);
      this.heard = true;
      this.log.push({ type: m.type, version: m.version, part: m.part, parts: m.parts, pages: m.pages.map((p) => p.i), errors: m.errors.length, received });
      if (this.log.length > 2000) this.log.splice(0, 1000);
      // An update whose warnings are those of the version before does not repeat them.
      if (!m.warnings_unchanged && m.part === m.parts - 1) this.warnings = m.warnings;
      if (m.part === m.parts - 1) this.onDiagnostics(m.errors, this.warnings);
    };
    ws.onclose = (ev) => {
      if (ev.code === 4401) { this.status.textContent = "Sesi berakhir; muat ulang halaman untuk masuk lagi."; return; }
      this.status.textContent = "Terputus, menyambung ulang…";
      setTimeout(() => this.open(), this.retry);
      this.retry = Math.min(this.retry * 2, 8000);
    };
  }

  // Sends `text` of `path` after `pause` ms without further typing.
  schedule(path, text, pause) {
    this.pending[path] = text;
    this.unsaved[path] = text;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.flush(), pause);
  }

  flush() {
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN || !Object.keys(this.pending).length) return;
    this.sent.push({ at: performance.now(), version: this.version });
    this.ws.send(JSON.stringify({ berkas: this.pending }));
    this.pending = {};
  }

  // After a save: the new head holds the texts.
  setBase(base) {
    this.reset(base, {});
  }

  reset(base, unsaved) {
    this.base = base;
    this.unsaved = { ...unsaved };
    this.pending = {};
    if (this.ws && this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify({ revisi: base, berkas: this.unsaved }));
  }

  apply(m) {
    const box = this.pages;
    for (const p of m.pages) {
      let el = box.children[p.i];
      if (!el) {
        el = h("div", { class: "halaman", id: "halaman-" + (p.i + 1) });
        box.append(el);
      }
      el.style.aspectRatio = p.w + " / " + p.h;
      el.dataset.hash = p.hash;
      el.dataset.version = m.version;
      let img = el.querySelector("img");
      if (!img) {
        img = h("img", { alt: "Halaman " + (p.i + 1), decoding: "async", loading: "lazy" });
        el.append(img);
      }
      const old = img.dataset.url;
      img.dataset.url = URL.createObjectURL(new Blob([p.svg], { type: "image/svg+xml" }));
      img.src = img.dataset.url;
      if (old) URL.revokeObjectURL(old);
      let t = el.querySelector(".teks");
      if (!t) { t = h("div", { class: "teks" }); el.append(t); }
      t.textContent = p.text;
    }
    while (box.children.length > m.page_count) {
      const url = box.lastElementChild.querySelector("img")?.dataset.url;
      if (url) URL.revokeObjectURL(url);
      box.lastElementChild.remove();
    }
    const bad = m.errors.length > 0;
    this.overlay.hidden = !bad;
    box.classList.toggle("usang", bad);
    this.errors.replaceChildren(...m.errors.map((e) => h("li", {}, h("span", { class: "lokasi" }, e.loc), " ", e.message)));
    const pad = (n) => String(n).padStart(2, "0");
    const jam = (ms) => { const d = new Date(ms); return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`; };
    this.status.textContent = bad ? `Gagal disusun${m.failed_ms ? " " + jam(m.failed_ms) : ""}; menampilkan versi terakhir yang benar`
      : m.updated_ms ? `${m.page_count} halaman · diperbarui ${jam(m.updated_ms)} · ${m.render_ms} ms` : "Menyusun…";
    this.version = m.version;
  }
}
