// The history page of an edition (revisions with author, message and time; a readable diff of
// any two) and the archive page (signed editions: compare two, download, verify). Both only
// read the API (GET …/revisi, …/beda, /arsip, /arsip/{id}, /arsip/beda, /arsip/{id}/verifikasi).
import { api, h, header, JENIS, waktu } from "./api.js";

// A unified diff (the server's) as lines coloured by kind (+ added, - removed, @@ places); in a
// removed line directly followed by an added one, the part that differs is marked, so a changed
// word in a long paragraph line is easy to find.
export function bedaPre(text) {
  const lines = text.split("\n");
  const kind = (l) => (l.startsWith("+") && !l.startsWith("+++") ? "tambah" : l.startsWith("-") && !l.startsWith("---") ? "hapus" : l.startsWith("@@") ? "tempat" : "");
  const out = [];
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i], next = lines[i + 1];
    if (kind(l) === "hapus" && next !== undefined && kind(next) === "tambah" && kind(lines[i + 2] || "") !== "tambah" && kind(lines[i - 1] || "") !== "hapus") {
      const a = l.slice(1), b = next.slice(1);
      let p = 0;
      while (p < a.length && p < b.length && a[p] === b[p]) p++;
      let s = 0;
      while (s < a.length - p && s < b.length - p && a[a.length - 1 - s] === b[b.length - 1 - s]) s++;
      const part = (x, cls) => h("span", { class: cls }, x[0], x.slice(1, 1 + p), h("mark", {}, x.slice(1 + p, x.length - s)), x.slice(x.length - s), "\n");
      out.push(part(l, "hapus"), part(next, "tambah"));
      i++;
      continue;
    }
    out.push(h("span", { class: kind(l) }, l + "\n"));
  }
  return h("pre", { class: "beda", tabindex: "0" }, out);
}

const STATUS_BERKAS = { baru: "baru", dihapus: "dihapus", diubah: "diubah" };

export async function riwayat(root, data) {
  const id = Number(data.edisi);
  const [user, edisi, revisi] = await Promise.all([api("GET", "/sesi"), api("GET", `/edisi/${id}`), api("GET", `/edisi/${id}/revisi`)]);
  const judul = `Riwayat — ${JENIS[edisi.jenis] || edisi.jenis} ${edisi.tahun}${edisi.revisi ? " ke-" + edisi.revisi : ""}`;
  const hasil = h("section", { id: "hasil-beda", class: "hasil-beda", "aria-live": "polite" });
  const pilih = (name, rev, checked) => h("input", { type: "radio", name, value: rev.id, checked, "aria-label": `${name === "dari" ? "Dari" : "Ke"} revisi ${rev.id.slice(0, 12)}` });
  const rows = revisi.map((r, i) => h("tr", {},
    h("td", {}, pilih("dari", r, i === 1 || (revisi.length === 1 && i === 0))), h("td", {}, pilih("ke", r, i === 0)),
    h("td", {}, waktu(r.waktu)), h("td", {}, r.penulis_login), h("td", {}, r.pesan),
    h("td", { class: "kecil" }, (r.berubah || []).join(", ")),
    h("td", {}, h("code", { title: r.id }, r.id.slice(0, 12)))));
  async function banding() {
    const dari = root.querySelector('input[name="dari"]:checked')?.value;
    const ke = root.querySelector('input[name="ke"]:checked')?.value;
    if (!dari || !ke) return;
    hasil.replaceChildren(h("p", {}, "Membandingkan…"));
    try {
      const b = await api("GET", `/edisi/${id}/beda?dari=${encodeURIComponent(dari)}&ke=${encodeURIComponent(ke)}`);
      hasil.replaceChildren(
        h("h2", {}, `Perbedaan ${dari.slice(0, 12)} → ${ke.slice(0, 12)}`),
        ...(b.berkas.length ? [] : [h("p", {}, "Tidak ada perbedaan.")]),
        ...b.berkas.map((f) => h("details", { open: true, class: "beda-berkas" },
          h("summary", {}, h("code", {}, f.path), ` (${STATUS_BERKAS[f.status] || f.status})`),
          f.beda ? bedaPre(f.beda) : h("p", {}, "Berkas biner: tidak ditampilkan."))));
    } catch (e) { hasil.replaceChildren(h("p", { class: "info galat", role: "alert" }, e.message)); }
  }
  root.replaceChildren(header(user, judul), h("main", { class: "halaman-dasbor" },
    h("p", {}, h("a", { href: `/edisi/${id}` }, "← Kembali ke ruang kerja")),
    h("h1", {}, judul),
    revisi.length ? h("table", { class: "daftar", id: "daftar-revisi" },
      h("caption", {}, `${revisi.length} revisi, terbaru di atas. Pilih dua lalu bandingkan.`),
      h("thead", {}, h("tr", {}, ["Dari", "Ke", "Waktu", "Penulis", "Pesan", "Berkas diubah", "Revisi"].map((t) => h("th", { scope: "col" }, t)))),
      h("tbody", {}, rows)) : h("p", {}, "Belum ada revisi."),
    revisi.length > 1 ? h("p", {}, h("button", { type: "button", id: "bandingkan", onclick: banding }, "Bandingkan")) : null,
    hasil));
  window.__riwayat = { banding };
  if (revisi.length > 1) await banding();
}

export async function arsip(root) {
  const user = await api("GET", "/sesi");
  const list = await api("GET", "/arsip");
  const hasil = h("section", { id: "hasil-arsip", class: "hasil-beda", "aria-live": "polite" });
  const opsi = (sel) => list.map((e, i) => h("option", { value: e.id, selected: i === sel }, `${e.id} — ${e.opd_nama}`));
  const dari = h("select", { id: "arsip-dari" }, opsi(Math.min(1, list.length - 1)));
  const ke = h("select", { id: "arsip-ke" }, opsi(0));
  async function verifikasi(e) {
    hasil.replaceChildren(h("p", {}, `Memverifikasi ${e.id}…`));
    try {
      const v = await api("GET", `/arsip/${encodeURIComponent(e.id)}/verifikasi`);
      const ya = (b) => (b ? "ya" : "TIDAK");
      hasil.replaceChildren(h("div", { class: "verifikasi " + (v.sah ? "sah" : "tidak-sah"), id: "hasil-verifikasi", role: "status" },
        h("h2", {}, `Verifikasi ${v.id}: ${v.sah ? "SAH" : "TIDAK SAH"}`),
        h("ul", {},
          h("li", {}, `Berkas arsip utuh: ${ya(v.utuh)}`),
          h("li", {}, `PDF bertanda tangan memperpanjang PDF final: ${ya(v.pdf_final_cocok)}`),
          h("li", {}, v.kepercayaan_diperiksa ? "Kepercayaan sertifikat diperiksa terhadap akar tepercaya server." : "Kepercayaan sertifikat tidak diperiksa (server tanpa akar tepercaya, --ca)."),
          ...v.tanda_tangan.map((t, i) => h("li", {}, `Tanda tangan ${i + 1}: ${t.penandatangan || "?"}, ${t.waktu || "tanpa waktu"} — sah: ${ya(t.sah)}, mencakup seluruh berkas: ${ya(t.mencakup_seluruh_berkas)}${t.dipercaya === null || t.dipercaya === undefined ? "" : ", dipercaya: " + ya(t.dipercaya)}`))),
        v.masalah.length ? h("ul", { class: "masalah" }, v.masalah.map((m) => h("li", {}, m))) : null));
    } catch (err) { hasil.replaceChildren(h("p", { class: "info galat", role: "alert" }, err.message)); }
  }
  async function banding() {
    hasil.replaceChildren(h("p", {}, "Membandingkan…"));
    try {
      const b = await api("GET", `/arsip/beda?dari=${encodeURIComponent(dari.value)}&ke=${encodeURIComponent(ke.value)}`);
      hasil.replaceChildren(h("div", { id: "hasil-banding" },
        h("h2", {}, `${b.dari} → ${b.ke}: ${b.berubah} berubah, ${b.ditambah} ditambah, ${b.dihapus} dihapus`),
        h("pre", { class: "beda", tabindex: "0" }, b.teks)));
    } catch (err) { hasil.replaceChildren(h("p", { class: "info galat", role: "alert" }, err.message)); }
  }
  const rows = await Promise.all(list.map(async (e) => {
    let unduh = [];
    try {
      const d = await api("GET", `/arsip/${encodeURIComponent(e.id)}`);
      const label = { pdf_ttd: "PDF bertanda tangan", pdf: "PDF final", docx: "DOCX", json: "JSON" };
      const urut = Object.keys(label);
      unduh = d.berkas.filter((f) => label[f.jenis]).sort((a, b) => urut.indexOf(a.jenis) - urut.indexOf(b.jenis)).map((f) => h("a", { href: `/api/v1/arsip/${encodeURIComponent(e.id)}/berkas/${f.path}`, download: "", class: "unduh-arsip", dataset: { jenis: f.jenis } }, label[f.jenis]));
    } catch (_) { /* listed without downloads */ }
    return h("tr", { id: "arsip-" + e.id },
      h("td", {}, h("code", {}, e.id)), h("td", {}, e.opd_nama), h("td", {}, e.tahun),
      h("td", {}, JENIS[e.jenis] || e.jenis, e.revisi ? ` ke-${e.revisi}` : ""),
      h("td", {}, e.penandatangan_nama, e.waktu_ttd ? h("div", { class: "kecil" }, waktu(e.waktu_ttd)) : null),
      h("td", {}, unduh.flatMap((a, i) => (i ? [" · ", a] : [a]))),
      h("td", {}, h("button", { type: "button", class: "verifikasi-tombol", onclick: () => verifikasi(e) }, "Verifikasi", h("span", { class: "sr" }, " " + e.id))));
  }));
  root.replaceChildren(header(user, "Arsip"), h("main", { class: "halaman-dasbor" },
    h("p", {}, h("a", { href: "/dasbor" }, "← Dasbor")),
    h("h1", {}, "Arsip edisi bertanda tangan"),
    list.length ? [
      h("table", { class: "daftar", id: "daftar-arsip" },
        h("caption", {}, "Edisi yang telah ditandatangani dan diarsipkan"),
        h("thead", {}, h("tr", {}, ["Id arsip", "OPD", "Tahun", "Jenis", "Penandatangan", "Unduh", ""].map((t) => h("th", { scope: "col" }, t)))),
        h("tbody", {}, rows)),
      h("div", { class: "banding-arsip" },
        h("label", { for: "arsip-dari" }, "Bandingkan"), dari, h("label", { for: "arsip-ke" }, "dengan"), ke,
        h("button", { type: "button", id: "arsip-bandingkan", onclick: banding }, "Bandingkan")),
    ] : h("p", {}, "Belum ada edisi di arsip."),
    hasil));
  window.__arsip = { verifikasi: (aid) => verifikasi(list.find((e) => e.id === aid)), banding };
  const target = decodeURIComponent(location.hash.slice(1));
  if (target) document.getElementById("arsip-" + target)?.classList.add("sorot");
}
