// Entry point of the renja serve interface: the server names the page in <body data-halaman>.
import { masuk } from "./masuk.js";
import { dasbor } from "./dasbor.js";
import { ruang } from "./ruang.js";
import { riwayat, arsip } from "./riwayat.js";
import { h } from "./api.js";

const root = document.getElementById("app");
const pages = { masuk, dasbor, edisi: ruang, riwayat, arsip };
const page = pages[document.body.dataset.halaman];
if (page) {
  Promise.resolve(page(root, document.body.dataset)).catch((e) => {
    if (e && e.status === 401) return;
    root.replaceChildren(h("main", { class: "tengah" }, h("div", { class: "kartu", role: "alert" },
      h("h1", {}, "Halaman tidak dapat dimuat"), h("p", {}, e && e.message ? e.message : String(e)), h("a", { href: "/dasbor" }, "Kembali ke dasbor"))));
  });
}
