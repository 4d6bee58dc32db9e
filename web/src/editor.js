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

const tomlLang = StreamLanguage.define(toml);

const phrases = {
  // @codemirror/search
  "Find": "Cari", "Replace": "Ganti", "next": "berikutnya", "previous": "sebelumnya", "all": "semua",
  "match case": "cocokkan huruf", "regexp": "regexp", "by word": "per kata", "replace": "ganti",
  "replace all": "ganti semua", "close": "tutup", "current match": "kecocokan sekarang",
  "on line": "pada baris", "Go to line": "Ke baris", "go": "pergi",
  // @codemirror/lint
  "Diagnostics": "Diagnostik", "No diagnostics": "Tidak ada diagnostik",
};

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
