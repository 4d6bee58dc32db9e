// The CodeMirror 6 editor: Markdown and TOML highlighting, line numbers, search, undo history,
// lint markers for diagnostics. Tab is not bound: it moves the focus on, as everywhere else on
// the page (no keyboard trap). One EditorState per file (each keeps its own undo history).
import { EditorView, keymap, lineNumbers, highlightActiveLine, highlightActiveLineGutter, drawSelection } from "@codemirror/view";
import { EditorState } from "@codemirror/state";
import { defaultKeymap, history, historyKeymap } from "@codemirror/commands";
import { search, searchKeymap, highlightSelectionMatches } from "@codemirror/search";
import { syntaxHighlighting, defaultHighlightStyle, StreamLanguage, bracketMatching } from "@codemirror/language";
import { markdown } from "@codemirror/lang-markdown";
import { toml } from "@codemirror/legacy-modes/mode/toml";
import { lintGutter, setDiagnostics, lintKeymap } from "@codemirror/lint";
import { autocompletion } from "@codemirror/autocomplete";
import { MergeView, diff } from "@codemirror/merge";

const tomlLang = StreamLanguage.define(toml);

const phrases = {
  // @codemirror/search
  "Find": "Cari", "Replace": "Ganti", "next": "berikutnya", "previous": "sebelumnya", "all": "semua",
  "match case": "cocokkan huruf", "regexp": "regexp", "by word": "per kata", "replace": "ganti",
  "replace all": "ganti semua", "close": "tutup", "current match": "kecocokan sekarang",
  "on line": "pada baris", "Go to line": "Ke baris", "go": "pergi",
  // @codemirror/lint
  "Diagnostics": "Diagnostik", "No diagnostics": "Tidak ada diagnostik",
  // @codemirror/autocomplete
  "Completions": "Saran",
  // @codemirror/merge
  "Accept": "Terima", "Reject": "Tolak", "Revert this chunk": "Ambil bagian ini dari versi tersimpan terbaru", "$ unchanged lines": "$ baris tidak berubah (klik untuk menampilkan)",
};

// The completion vocabulary of the edition (GET …/revisi/{rev}/kosakata, computed by the server
// from the sources): set by the workspace, read by the completion sources below.
export const kosakata = { v: null };

const IDENT = /^[\w.]*$/;

// Chapters: inside `{{ … }}`, template variables and functions, filters after `|`, table names
// in `tabel("…`.
function completeChapter(ctx) {
  const v = kosakata.v;
  if (!v) return null;
  const line = ctx.state.doc.lineAt(ctx.pos);
  const before = line.text.slice(0, ctx.pos - line.from);
  const open = before.lastIndexOf("{{");
  if (open < 0 || before.lastIndexOf("}}") > open) return null;
  const inside = before.slice(open + 2);
  let m = /tabel\(\s*"([\w-]*)$/.exec(inside);
  if (m) return { from: ctx.pos - m[1].length, options: v.tabel.map((t) => ({ label: t, type: "constant", detail: "tabel" })), validFor: /^[\w-]*$/ };
  m = /\|\s*(\w*)$/.exec(inside);
  if (m) return { from: ctx.pos - m[1].length, options: v.filter.map((f) => ({ label: f, type: "function", detail: "filter" })), validFor: /^\w*$/ };
  m = /([\w.]*)$/.exec(inside);
  if (!m[1] && !ctx.explicit && !/\{\{\s*$/.test(inside)) return null;
  return {
    from: ctx.pos - m[1].length,
    options: [
      ...v.variabel.map(([p, d]) => ({ label: p, type: "variable", detail: d.length > 40 ? d.slice(0, 40) + "…" : d })),
      ...v.fungsi.map((f) => ({ label: f + "()", apply: f === "tabel" ? 'tabel("' : f + "()", type: "function", detail: "blok" })),
    ],
    validFor: IDENT,
  };
}

// Data files: codes in `kode = "…` (with their names), the rows' field names at a line's start.
function completeData(path) {
  return (ctx) => {
    const v = kosakata.v;
    if (!v) return null;
    const line = ctx.state.doc.lineAt(ctx.pos);
    const before = line.text.slice(0, ctx.pos - line.from);
    let m = /^\s*[\w]*kode\s*=\s*"([\d.]*)$/.exec(before);
    if (m) return { from: ctx.pos - m[1].length, options: v.kode.map(([k, n]) => ({ label: k, detail: n.length > 50 ? n.slice(0, 50) + "…" : n, type: "constant" })), validFor: /^[\d.]*$/ };
    m = /^\s*(\w*)$/.exec(before);
    const file = v.berkas[path];
    if (m && file && (m[1] || ctx.explicit)) {
      return { from: ctx.pos - m[1].length, options: file.kolom.map((k) => ({ label: k, apply: k + " = ", type: "property", detail: "[[" + file.larik + "]]" })), validFor: /^\w*$/ };
    }
    return null;
  };
}

export function newState(path, text, onChange, readOnly) {
  return EditorState.create({
    doc: text,
    extensions: [
      lineNumbers(), highlightActiveLineGutter(), highlightActiveLine(), drawSelection(), bracketMatching(),
      history(), search({ top: true }), highlightSelectionMatches(),
      syntaxHighlighting(defaultHighlightStyle, { fallback: true }),
      path.endsWith(".toml") ? tomlLang : markdown(),
      EditorView.lineWrapping, lintGutter(),
      EditorState.phrases.of(phrases),
      EditorState.readOnly.of(!!readOnly),
      EditorView.contentAttributes.of({ "aria-label": "Isi berkas " + path }),
      autocompletion({ override: [path.endsWith(".md") ? completeChapter : completeData(path)], icons: false }),
      keymap.of([...defaultKeymap, ...historyKeymap, ...searchKeymap, ...lintKeymap]),
      EditorView.updateListener.of((u) => { if (u.docChanged) onChange(path, u.state); }),
    ],
  });
}

export function newView(parent) {
  return new EditorView({ parent });
}

// Diagnostics `[{line, col, message, severity}]` (1-based line and column) as lint markers.
export function showDiagnostics(view, list) {
  const doc = view.state.doc;
  const out = [];
  for (const d of list) {
    const line = doc.line(Math.min(Math.max(d.line || 1, 1), doc.lines));
    const from = Math.min(line.from + Math.max((d.col || 1) - 1, 0), line.to);
    const to = from < line.to ? line.to : Math.min(from + 1, doc.length);
    out.push({ from, to: Math.max(to, from), severity: d.severity === "error" ? "error" : d.severity === "info" ? "info" : "warning", message: d.message + (d.hint ? ` (saran: ${d.hint})` : "") });
  }
  view.dispatch(setDiagnostics(view.state, out));
}

export function goTo(view, line, col) {
  const doc = view.state.doc;
  const l = doc.line(Math.min(Math.max(line || 1, 1), doc.lines));
  const pos = Math.min(l.from + Math.max((col || 1) - 1, 0), l.to);
  view.dispatch({ selection: { anchor: pos }, effects: EditorView.scrollIntoView(pos, { y: "center" }) });
  view.focus();
}

// The conflict view's merge (@codemirror/merge): `theirs` (the newest saved text, read-only) on
// the left, `mine` (editable) on the right; each changed chunk gets a button that takes the saved
// version of that chunk into the right side. Returns the MergeView (`.b.state` is the result).
export function newMerge(parent, path, theirs, mine) {
  const common = [
    lineNumbers(), EditorView.lineWrapping, drawSelection(), history(),
    syntaxHighlighting(defaultHighlightStyle, { fallback: true }),
    path.endsWith(".toml") ? tomlLang : markdown(),
    EditorState.phrases.of(phrases),
    keymap.of([...defaultKeymap, ...historyKeymap]),
  ];
  return new MergeView({
    parent,
    a: { doc: theirs, extensions: [...common, EditorState.readOnly.of(true), EditorView.editable.of(false), EditorView.contentAttributes.of({ "aria-label": "Versi tersimpan terbaru " + path })] },
    b: { doc: mine, extensions: [...common, EditorView.contentAttributes.of({ "aria-label": "Versi Anda (gabungan) " + path })] },
    revertControls: "a-to-b",
    renderRevertControl: () => {
      const b = document.createElement("button");
      b.type = "button";
      b.className = "ambil-server";
      b.title = "Ambil bagian ini dari versi tersimpan terbaru";
      b.setAttribute("aria-label", "Ambil bagian ini dari versi tersimpan terbaru");
      b.textContent = "⇨";
      return b;
    },
    collapseUnchanged: { margin: 2, minSize: 4 },
  });
}

// A three-way merge for the conflict view: the changes from `base` to `theirs` that touch no line
// the author changed (base → `mine`) are applied to the author's text; the others ("bertabrakan")
// are left to the author, chunk by chunk. Returns {text, diambil, bertabrakan}.
export function gabungTigaArah(base, theirs, mine) {
  const T = diff(base, theirs), M = diff(base, mine);
  const lineStart = (p) => base.lastIndexOf("\n", p - 1) + 1;
  const lineEnd = (p) => { const i = base.indexOf("\n", p); return i < 0 ? base.length : i; };
  const lines = (c) => [lineStart(c.fromA), lineEnd(Math.max(c.toA - 1, c.fromA))];
  const mine0 = M.map(lines);
  // The others' changes grouped by the lines they touch (a character diff splits one edited word
  // into several changes): a group is taken whole or left whole.
  const groups = [];
  for (const c of T) {
    const [a, b] = lines(c);
    const g = groups[groups.length - 1];
    if (g && a <= g.b) { g.changes.push(c); g.b = Math.max(g.b, b); } else groups.push({ a, b, changes: [c] });
  }
  const diambil = [];
  let bertabrakan = 0, diambilN = 0;
  for (const g of groups) {
    if (mine0.some(([x, y]) => g.a <= y && x <= g.b)) bertabrakan++; else { diambil.push(...g.changes); diambilN++; }
  }
  // A position of `base` outside the author's changes, in the author's text.
  const map = (p) => M.reduce((d, c) => (c.toA <= p ? d + (c.toB - c.fromB) - (c.toA - c.fromA) : d), p);
  let text = mine;
  for (const c of diambil.sort((x, y) => y.fromA - x.fromA)) {
    const from = map(c.fromA);
    text = text.slice(0, from) + theirs.slice(c.fromB, c.toB) + text.slice(from + (c.toA - c.fromA));
  }
  return { text, diambil: diambilN, bertabrakan };
}
