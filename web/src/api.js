// Calls to the service's JSON API (/api/v1). Errors carry the server's message (`galat`, in
// Bahasa Indonesia), the status and the body (a 409 conflict names `kepala` and `berubah`).
export class ApiError extends Error {
  constructor(status, body) {
    super((body && body.galat) || `galat ${status}`);
    this.status = status;
    this.body = body || {};
  }
}

export async function api(method, path, body) {
  const opts = { method, headers: {}, credentials: "same-origin" };
  if (body !== undefined) {
    opts.headers["Content-Type"] = "application/json";
    opts.body = JSON.stringify(body);
  }
  let r;
  try {
    r = await fetch("/api/v1" + path, opts);
  } catch (e) {
    throw new ApiError(0, { galat: "server tidak dapat dihubungi; periksa jaringan lalu coba lagi" });
  }
  if (r.status === 204) return null;
  const type = r.headers.get("content-type") || "";
  const data = type.includes("application/json") ? await r.json() : await r.text();
  if (!r.ok) {
    if (r.status === 401 && !location.pathname.startsWith("/masuk")) {
      location.href = "/masuk?lanjut=" + encodeURIComponent(location.pathname);
    }
    throw new ApiError(r.status, typeof data === "object" ? data : { galat: String(data) });
  }
  return data;
}

// A small DOM builder: h("button", {type: "button", onclick}, "Simpan").
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (k === "class") el.className = v;
    else if (k === "dataset") Object.assign(el.dataset, v);
    else el.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : String(c));
  }
  return el;
}

export const STATUS = {
  draf: "Draf",
  diajukan: "Diajukan",
  dikembalikan: "Dikembalikan",
  disetujui: "Disetujui",
  final: "Final",
  ditandatangani: "Ditandatangani",
  diarsipkan: "Diarsipkan",
};
export const JENIS = { murni: "Renja", perubahan: "Perubahan Renja" };

export function waktu(iso) {
  if (!iso) return "";
  const d = new Date(iso);
  if (isNaN(d)) return iso;
  return d.toLocaleString("id-ID", { dateStyle: "medium", timeStyle: "short" });
}

// Whether the user holds `peran` (for `opd`, when given).
export function hasRole(user, peran, opd) {
  return (user.peran || []).some((g) => g.peran === peran && (opd === undefined || g.opd === undefined || g.opd === null || g.opd === opd));
}

export function header(user, title) {
  const keluar = async () => {
    try { await api("DELETE", "/sesi"); } catch (_) { /* the session may be gone already */ }
    location.href = "/masuk";
  };
  return h("header", { class: "bilah" },
    h("a", { href: "/dasbor", class: "merek" }, "renja"),
    h("span", { class: "judul" }, title || ""),
    h("span", { class: "isi" }),
    user ? h("span", { class: "pengguna" }, `${user.nama} (${user.login})`) : null,
    user ? h("button", { type: "button", onclick: keluar }, "Keluar") : null,
  );
}
