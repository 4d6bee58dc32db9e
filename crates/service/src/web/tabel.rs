//! The server side of the workspace's table grid: a data file's rows (its top-level array of
//! tables, e.g. `[[baris]]`) as a grid of text cells, and the grid written back into the file with
//! toml_edit — the author's comments, key order and formatting of untouched values are kept, and
//! a row's comment moves with the row. The browser never edits TOML itself.
//!
//! Columns are the rows' keys in order of first appearance; an inline table's keys are columns
//! of their own (`target_program.sebelum`). Values the grid cannot show (arrays, dates) are not
//! columns and stay untouched. A column is numeric when every value in it is a number.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use toml_edit::{ArrayOfTables, DocumentMut, InlineTable, Item, Table, TableLike, Value};

#[derive(Serialize, Debug, PartialEq)]
pub struct Kolom {
    pub nama: String,
    /// Every value in the column is a number: a cell is written as a number.
    pub angka: bool,
}

/// One row: `asal` is its index in the file's array (None for a new row), `sel` its cells
/// (column → text; a missing or empty cell is an absent key).
#[derive(Serialize, Deserialize, Debug, Clone, Default, utoipa::ToSchema)]
pub struct Baris {
    #[serde(default)]
    pub asal: Option<usize>,
    #[serde(default)]
    pub sel: BTreeMap<String, String>,
}

#[derive(Serialize, Debug)]
pub struct Grid {
    /// The array's key (`baris`, `peraturan`, …).
    pub larik: String,
    pub kolom: Vec<Kolom>,
    pub baris: Vec<Baris>,
    /// Where each row stands in the text (parallel to `baris`): for placing `check`'s located
    /// diagnostics (file:line:col) on the grid's cells.
    pub letak: Vec<Letak>,
}

/// A row's place in the text: its lines (1-based, from its `[[…]]` header to its last value) and
/// each cell's key (column → [line, column], 1-based, the column counted in characters).
#[derive(Serialize, Debug, PartialEq, Default)]
pub struct Letak {
    pub mulai: usize,
    pub akhir: usize,
    pub sel: BTreeMap<String, (usize, usize)>,
}

/// 1-based line and character column of a byte offset.
fn line_col(text: &str, off: usize) -> (usize, usize) {
    let before = &text[..off.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
    (line, col)
}

/// The rows' places in `text` (the spans of a parsed, not edited, document).
fn places(text: &str, key: &str) -> Vec<Letak> {
    let Ok(doc) = toml_edit::Document::parse(text) else { return Vec::new() };
    let Some(aot) = doc.as_item().as_table().and_then(|t| t.get(key)).and_then(|i| i.as_array_of_tables()) else { return Vec::new() };
    let mut out = Vec::new();
    for t in aot.iter() {
        let mut l = Letak::default();
        let mut last = 0;
        let mut note = |span: Option<std::ops::Range<usize>>| {
            if let Some(s) = span {
                last = last.max(s.end.saturating_sub(1));
            }
        };
        let start = t.span().map(|s| s.start).unwrap_or(0);
        note(t.span());
        l.mulai = line_col(text, start).0;
        for (k, item) in t.iter() {
            let kspan = t.key(k).and_then(|x| x.span());
            note(kspan.clone());
            note(item.span());
            let at = |s: Option<std::ops::Range<usize>>| s.map(|s| line_col(text, s.start));
            if let Some(inner) = item.as_value().and_then(|v| v.as_inline_table()) {
                for (k2, _) in inner.iter() {
                    if let Some(p) = at(inner.key(k2).and_then(|x| x.span())).or_else(|| at(kspan.clone())) {
                        l.sel.insert(format!("{k}.{k2}"), p);
                    }
                }
            } else if let Some(sub) = item.as_table() {
                for (k2, v2) in sub.iter() {
                    note(v2.span());
                    if let Some(p) = at(sub.key(k2).and_then(|x| x.span())) {
                        l.sel.insert(format!("{k}.{k2}"), p);
                    }
                }
            } else if let Some(p) = at(kspan) {
                l.sel.insert(k.to_string(), p);
            }
        }
        l.akhir = line_col(text, last).0.max(l.mulai);
        out.push(l);
    }
    out
}

fn parse(text: &str) -> Result<DocumentMut, String> {
    text.parse::<DocumentMut>().map_err(|e| format!("berkas TOML tidak dapat dibaca: {}", e.to_string().trim()))
}

/// The first top-level array of tables.
fn array_key(doc: &DocumentMut) -> Option<String> {
    doc.iter().find(|(_, v)| v.is_array_of_tables()).map(|(k, _)| k.to_string())
}

fn cell(v: &Value) -> Option<(String, bool)> {
    match v {
        Value::String(s) => Some((s.value().clone(), false)),
        Value::Integer(i) => Some((i.value().to_string(), true)),
        Value::Float(f) => Some((f.value().to_string(), true)),
        Value::Boolean(b) => Some((b.value().to_string(), false)),
        _ => None,
    }
}

/// The row's cells: (column, text, numeric).
fn cells(t: &Table) -> Vec<(String, String, bool)> {
    let mut out = Vec::new();
    for (k, item) in t.iter() {
        if let Some(v) = item.as_value() {
            if let Some(inner) = v.as_inline_table() {
                for (k2, v2) in inner.iter() {
                    if let Some((s, n)) = cell(v2) {
                        out.push((format!("{k}.{k2}"), s, n));
                    }
                }
            } else if let Some((s, n)) = cell(v) {
                out.push((k.to_string(), s, n));
            }
        } else if let Some(sub) = item.as_table() {
            for (k2, v2) in sub.iter() {
                if let Some((s, n)) = v2.as_value().and_then(cell) {
                    out.push((format!("{k}.{k2}"), s, n));
                }
            }
        }
    }
    out
}

/// The file's rows as a grid.
pub fn read(text: &str) -> Result<Grid, String> {
    let doc = parse(text)?;
    let Some(key) = array_key(&doc) else {
        return Err("berkas ini tidak memiliki larik tabel (mis. [[baris]]) untuk ditampilkan sebagai tabel".into());
    };
    let aot = doc[&key].as_array_of_tables().expect("array of tables");
    let mut kolom: Vec<Kolom> = Vec::new();
    let mut baris = Vec::new();
    for (i, t) in aot.iter().enumerate() {
        let mut sel = BTreeMap::new();
        for (k, s, n) in cells(t) {
            match kolom.iter_mut().find(|c| c.nama == k) {
                Some(c) => c.angka &= n,
                None => kolom.push(Kolom { nama: k.clone(), angka: n }),
            }
            sel.insert(k, s);
        }
        baris.push(Baris { asal: Some(i), sel });
    }
    let mut letak = places(text, &key);
    letak.resize_with(baris.len(), Letak::default);
    Ok(Grid { larik: key, kolom, baris, letak })
}

/// A number as an author types or pastes it: `97020000`, `97.020.000` or `97,020,000` (grouped),
/// `Rp 1.000`, `12,5` or `12.5`.
fn number(s: &str) -> Option<Value> {
    let t: String = s.trim().trim_start_matches("Rp").chars().filter(|c| !c.is_whitespace() && *c != '\u{a0}').collect();
    let (neg, digits) = match t.strip_prefix('-') {
        Some(d) => (true, d),
        None => (false, t.as_str()),
    };
    let sign = if neg { -1 } else { 1 };
    let all_digits = |x: &str| !x.is_empty() && x.bytes().all(|b| b.is_ascii_digit());
    if all_digits(digits) {
        return digits.parse::<i64>().ok().map(|i| Value::from(sign * i));
    }
    for sep in ['.', ','] {
        let parts: Vec<&str> = digits.split(sep).collect();
        if parts.len() > 1 && (1..=3).contains(&parts[0].len()) && all_digits(parts[0]) && parts[1..].iter().all(|p| p.len() == 3 && all_digits(p)) {
            return parts.concat().parse::<i64>().ok().map(|i| Value::from(sign * i));
        }
    }
    let d = digits.replace(',', ".");
    match d.split_once('.') {
        Some((a, b)) if all_digits(a) && all_digits(b) => d.parse::<f64>().ok().map(|f| Value::from(sign as f64 * f)),
        _ => None,
    }
}

/// Sets `key` (inline table keys as `a.b`) of `t` to `text`; an empty text removes the key.
fn set(t: &mut Table, key: &str, text: &str, numeric: bool, old: Option<&Value>) -> Result<(), String> {
    let value = if text.trim().is_empty() {
        None
    } else if numeric || matches!(old, Some(Value::Integer(_) | Value::Float(_))) {
        Some(number(text).ok_or_else(|| format!("'{text}' bukan angka (contoh: 97020000 atau 97.020.000)"))?)
    } else if let Some(Value::Boolean(_)) = old {
        match text.trim() {
            "true" | "ya" => Some(Value::from(true)),
            "false" | "tidak" => Some(Value::from(false)),
            _ => return Err(format!("'{text}' bukan true/false")),
        }
    } else {
        Some(Value::from(text))
    };
    match key.split_once('.') {
        None => match value {
            Some(mut v) => {
                // Keep the spacing around the old value.
                if let Some(o) = old {
                    *v.decor_mut() = o.decor().clone();
                }
                t[key] = Item::Value(v);
            }
            None => {
                t.remove(key);
            }
        },
        Some((outer, inner)) => {
            if !t.contains_key(outer) {
                if value.is_none() {
                    return Ok(());
                }
                t.insert(outer, Item::Value(Value::InlineTable(InlineTable::new())));
            }
            let sub: &mut dyn TableLike = t[outer].as_table_like_mut().ok_or_else(|| format!("'{outer}' bukan tabel"))?;
            match value {
                Some(mut v) => {
                    if let Some(o) = old {
                        *v.decor_mut() = o.decor().clone();
                    } else {
                        v.decor_mut().set_prefix(" ");
                        v.decor_mut().set_suffix(" ");
                    }
                    sub.insert(inner, Item::Value(v));
                }
                None => {
                    sub.remove(inner);
                }
            }
            if sub.is_empty() {
                t.remove(outer);
            } else if let Some(it) = t[outer].as_inline_table_mut() {
                it.fmt();
            }
        }
    }
    Ok(())
}

fn old_value<'a>(t: &'a Table, key: &str) -> Option<&'a Value> {
    match key.split_once('.') {
        None => t.get(key)?.as_value(),
        Some((a, b)) => t.get(a)?.as_table_like()?.get(b)?.as_value(),
    }
}

/// The position of a row's table and of its sub-tables (`[baris.dinyatakan]`).
fn set_position(t: &mut Table, position: Option<isize>) {
    t.set_position(position);
    for (_, item) in t.iter_mut() {
        match item {
            Item::Table(sub) => set_position(sub, position),
            Item::ArrayOfTables(a) => a.iter_mut().for_each(|sub| set_position(sub, position)),
            _ => {}
        }
    }
}

/// Writes `rows` (the grid of [`read`] of this same `text`, edited) back: rows in the given order,
/// each based on its original table (`asal`: comments, untouched values and their formatting
/// kept), new rows appended as new tables. Only cells whose text changed are written. Errors name
/// the row (1-based) and the column.
pub fn write(text: &str, rows: &[Baris]) -> Result<String, String> {
    let mut doc = parse(text)?;
    let grid = read(text).ok();
    let key = grid.as_ref().map(|g| g.larik.clone()).unwrap_or_else(|| "baris".into());
    let numeric: BTreeMap<String, bool> = grid.as_ref().map(|g| g.kolom.iter().map(|k| (k.nama.clone(), k.angka)).collect()).unwrap_or_default();
    let old: Vec<Table> = doc.get(&key).and_then(|i| i.as_array_of_tables()).map(|a| a.iter().cloned().collect()).unwrap_or_default();
    // Every row of the array keeps the position of the array's first table, so the rows print in
    // the array's (new) order and the tables around the array stay where they were.
    let position = old.first().and_then(|t| t.position());
    let mut aot = ArrayOfTables::new();
    for (n, row) in rows.iter().enumerate() {
        let base = row.asal.map(|i| old.get(i).cloned().ok_or_else(|| format!("baris {}: asal {i} tidak ada dalam berkas", n + 1))).transpose()?;
        let is_new = base.is_none();
        let mut t = base.unwrap_or_default();
        let before: BTreeMap<String, String> = cells(&t).into_iter().map(|(k, s, _)| (k, s)).collect();
        // Known columns first (their order), then any the row brings that the file has not seen.
        let mut keys: Vec<&String> = numeric.keys().collect();
        if is_new {
            keys = grid.as_ref().map(|g| g.kolom.iter().map(|k| &k.nama).collect()).unwrap_or_default();
        }
        for k in row.sel.keys() {
            if !keys.contains(&k) {
                keys.push(k);
            }
        }
        for k in keys {
            let new = row.sel.get(k).map(String::as_str).unwrap_or("");
            if before.get(k).map(String::as_str).unwrap_or("") == new {
                continue;
            }
            if k.is_empty() || k.split('.').count() > 2 || k.split('.').any(|p| p.is_empty()) {
                return Err(format!("baris {}: nama kolom '{k}' tidak sah", n + 1));
            }
            let was = old_value(&t, k).cloned();
            set(&mut t, k, new, numeric.get(k).copied().unwrap_or(false), was.as_ref()).map_err(|m| format!("baris {}, kolom {k}: {m}", n + 1))?;
        }
        if is_new {
            t.decor_mut().set_prefix("\n");
        }
        set_position(&mut t, position);
        aot.push(t);
    }
    if aot.is_empty() {
        doc.remove(&key);
    } else {
        doc.insert(&key, Item::ArrayOfTables(aot));
    }
    Ok(doc.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: &str = "# head\n[tabel]\nnomor = \"3.4\"\n\n# first row\n[[baris]]\nkode = \"1\"\npagu = 10 # ten\nt = { a = \"x\", b = \"y\" }\n\n# second row\n[[baris]]\nkode = \"2\"\npagu = 20\n\n[akhir]\nx = 1\n";

    #[test]
    fn read_gives_columns_in_order_and_numeric_flags() {
        let g = read(T).unwrap();
        assert_eq!(g.larik, "baris");
        let names: Vec<_> = g.kolom.iter().map(|k| (k.nama.as_str(), k.angka)).collect();
        assert_eq!(names, [("kode", false), ("pagu", true), ("t.a", false), ("t.b", false)]);
        assert_eq!(g.baris[1].sel["pagu"], "20");
    }

    #[test]
    fn write_unchanged_is_identity_and_edits_keep_comments() {
        let g = read(T).unwrap();
        assert_eq!(write(T, &g.baris).unwrap(), T);
        let mut rows = g.baris.clone();
        rows[0].sel.insert("pagu".into(), "1.500".into());
        rows[0].sel.insert("t.b".into(), "z".into());
        rows.swap(0, 1);
        rows.push(Baris { asal: None, sel: [("kode".to_string(), "3".to_string()), ("pagu".to_string(), "30".to_string())].into() });
        let out = write(T, &rows).unwrap();
        assert_eq!(
            out,
            "# head\n[tabel]\nnomor = \"3.4\"\n\n# second row\n[[baris]]\nkode = \"2\"\npagu = 20\n\n# first row\n[[baris]]\nkode = \"1\"\npagu = 1500 # ten\nt = { a = \"x\", b = \"z\" }\n\n[[baris]]\nkode = \"3\"\npagu = 30\n\n[akhir]\nx = 1\n"
        );
    }

    #[test]
    fn rows_and_cells_are_placed_at_their_lines() {
        let g = read(T).unwrap();
        assert_eq!(g.letak.len(), 2);
        assert_eq!((g.letak[0].mulai, g.letak[0].akhir), (6, 9));
        assert_eq!(g.letak[0].sel["kode"], (7, 1));
        assert_eq!(g.letak[0].sel["pagu"], (8, 1));
        assert_eq!(g.letak[0].sel["t.a"], (9, 7));
        assert_eq!(g.letak[0].sel["t.b"], (9, 16));
        assert_eq!((g.letak[1].mulai, g.letak[1].akhir), (12, 14));
        assert_eq!(g.letak[1].sel["pagu"], (14, 1));
    }

    #[test]
    fn a_bad_number_names_row_and_column() {
        let mut rows = read(T).unwrap().baris;
        rows[1].sel.insert("pagu".into(), "dua puluh".into());
        let e = write(T, &rows).unwrap_err();
        assert!(e.starts_with("baris 2, kolom pagu: 'dua puluh' bukan angka"), "{e}");
    }

    #[test]
    fn nested_arrays_move_with_their_row() {
        let t = "[[unit]]\nnama = \"A\"\n[[unit.sub]]\nx = 1\n\n# b\n[[unit]]\nnama = \"B\"\n[[unit.sub]]\nx = 2\n";
        let mut rows = read(t).unwrap().baris;
        assert_eq!(write(t, &rows).unwrap(), t);
        rows.swap(0, 1);
        assert_eq!(write(t, &rows).unwrap(), "\n# b\n[[unit]]\nnama = \"B\"\n[[unit.sub]]\nx = 2\n[[unit]]\nnama = \"A\"\n[[unit.sub]]\nx = 1\n");
    }

    #[test]
    fn the_samples_data_files_round_trip_byte_for_byte() {
        for f in ["rencana", "rkpd", "evaluasi", "landasan-hukum", "nomenklatur", "organisasi", "tujuan-sasaran"] {
            let text = std::fs::read_to_string(renja_core::checkout_dir().join(format!("content/data/{f}.toml"))).unwrap();
            let g = read(&text).unwrap();
            assert!(!g.baris.is_empty(), "{f}");
            assert_eq!(write(&text, &g.baris).unwrap(), text, "{f}");
        }
    }
}
