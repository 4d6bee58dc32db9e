// The dashboard: the editions the user may read.
import { api, h, header, STATUS, JENIS, waktu } from "./api.js";

export async function dasbor(root) {
  const user = await api("GET", "/sesi");
  const [edisi, opd] = await Promise.all([api("GET", "/edisi"), api("GET", "/opd")]);
  const namaOpd = new Map(opd.map((o) => [o.id, o.nama]));
  const rows = await Promise.all(edisi.map(async (e) => {
    let terakhir = null;
    let periksa = null;
    if (e.kepala) {
      // The last check result of the head revision (the server keeps it from the save).
      [terakhir, periksa] = await Promise.all([
        api("GET", `/edisi/${e.id}/revisi`).then((r) => r[0] || null, () => null),
        api("GET", `/edisi/${e.id}/revisi/${e.kepala}/periksa`).catch(() => null),
      ]);
    }
    const hasil = !e.kepala ? "—" : !periksa ? "tidak diketahui"
      : h("span", { class: periksa.kesalahan ? "periksa-galat" : periksa.peringatan ? "periksa-peringatan" : "periksa-baik", dataset: { kesalahan: periksa.kesalahan, peringatan: periksa.peringatan } },
          `${periksa.kesalahan} kesalahan, ${periksa.peringatan} peringatan`);
    return h("tr", {},
      h("td", {}, namaOpd.get(e.opd) || `OPD ${e.opd}`),
      h("td", {}, e.tahun),
      h("td", {}, JENIS[e.jenis] || e.jenis, e.revisi ? ` ke-${e.revisi}` : ""),
      h("td", {}, h("span", { class: "status status-" + e.status }, STATUS[e.status] || e.status)),
      h("td", { class: "periksa" }, hasil),
      h("td", {}, terakhir ? `${terakhir.penulis_login}, ${waktu(terakhir.waktu)}` : "belum ada revisi"),
      h("td", {}, h("a", { href: `/edisi/${e.id}`, class: "tombol" }, "Buka", h("span", { class: "sr" }, ` edisi ${e.tahun} ${namaOpd.get(e.opd) || ""}`))));
  }));
  const table = rows.length
    ? h("table", { class: "daftar" },
        h("caption", {}, "Edisi yang dapat Anda buka"),
        h("thead", {}, h("tr", {}, ["OPD", "Tahun", "Jenis", "Status", "Pemeriksaan terakhir", "Terakhir diubah", ""].map((t) => h("th", { scope: "col" }, t)))),
        h("tbody", {}, rows))
    : h("p", {}, "Belum ada edisi yang dapat Anda buka.");
  root.replaceChildren(header(user, "Dasbor"), h("main", { class: "halaman-dasbor" }, h("h1", {}, "Dasbor"), table, h("p", {}, h("a", { href: "/arsip", id: "tautan-arsip" }, "Arsip edisi bertanda tangan"))));
}
