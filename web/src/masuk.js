// The login page.
import { api, h } from "./api.js";

export function masuk(root) {
  const pesan = h("p", { id: "pesan-masuk", class: "galat", role: "alert", hidden: true });
  const login = h("input", { id: "login", name: "login", autocomplete: "username", required: true });
  const sandi = h("input", { id: "sandi", name: "sandi", type: "password", autocomplete: "current-password", required: true });
  const tombol = h("button", { type: "submit" }, "Masuk");
  const form = h("form", { class: "kartu masuk", "aria-labelledby": "judul-masuk" },
    h("h1", { id: "judul-masuk" }, "Masuk ke renja"),
    h("p", { class: "keterangan" }, "Penyusunan Renja perangkat daerah"),
    h("label", { for: "login" }, "Nama pengguna"), login,
    h("label", { for: "sandi" }, "Kata sandi"), sandi,
    pesan, tombol);
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    tombol.disabled = true;
    pesan.hidden = true;
    try {
      await api("POST", "/sesi", { login: login.value, sandi: sandi.value });
      const lanjut = new URLSearchParams(location.search).get("lanjut");
      location.href = lanjut && lanjut.startsWith("/") && !lanjut.startsWith("//") ? lanjut : "/dasbor";
    } catch (e) {
      pesan.textContent = e.message;
      pesan.hidden = false;
      tombol.disabled = false;
      sandi.select();
    }
  });
  root.replaceChildren(h("main", { class: "tengah" }, form));
  login.focus();
}
