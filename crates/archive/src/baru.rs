//! `renja new DIR --from ID`: a new edition folder derived from an archived one — next year's
//! murni (default) or the Perubahan of the same year. Narrative, legal bases, organisation and
//! program tree are carried over as they are; `edisi.toml` gets the new year, jenis, revision,
//! advanced dates and `dasar = "ID"`; every realisasi and every declared (`dinyatakan`) value is
//! removed from the data files. Between kinds the data changes form: a Perubahan gets Sebelum =
//! Sesudah = its base's final values and (from a T-C.29 base) a quarterly Tabel 2.1 seeded from
//! the base's plan; next year's murni gets one value per cell (the base's final values), a new
//! T-C.29 whose column 9 is the base's final plan, and table-title years moved on by one.
//!
//! The TOML files are edited with toml_edit, which keeps comments, blank lines and the layout of
//! everything not changed; a removed line leaves the comments above it in place. The base's values
//! are read through the archive's typed contract ([`ModelTersimpan`]) and its one final-value
//! rule ([`renja_core::compute::akhir`]), as the base check (`archive::dasar`) reads them.

use super::JenisEdisi;
use renja_core::compute::akhir::{ModelTersimpan, Tersimpan};
use renja_core::model::code::Level;
use renja_core::source::schema::BentukEvaluasi;
use std::collections::{BTreeMap, BTreeSet};
use toml_edit::{value, Decor, DocumentMut, InlineTable, Item, Key, Table, Value};

/// What the new edition is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// The murni Renja of the following year.
    TahunBerikut,
    /// The Perubahan of the same year (revision: the source's + 1, or 1 from a murni).
    Perubahan,
}

/// The new `[edisi]` values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub tahun: i32,
    pub jenis: JenisEdisi,
    pub revisi: u32,
    /// Years to add to dates (`[pengesahan] tanggal`, `waktu_terbit`).
    pub geser_tahun: i32,
}

pub fn plan(tahun: i32, jenis: JenisEdisi, revisi: u32, target: Target) -> Plan {
    match target {
        Target::TahunBerikut => Plan { tahun: tahun + 1, jenis: JenisEdisi::Murni, revisi: 0, geser_tahun: 1 },
        Target::Perubahan => {
            Plan { tahun, jenis: JenisEdisi::Perubahan, revisi: if jenis == JenisEdisi::Perubahan { revisi + 1 } else { 1 }, geser_tahun: 0 }
        }
    }
}

/// The path from a document's root to a table: each key, with the element's index for an array
/// of tables.
type TablePath = Vec<(String, Option<usize>)>;

/// A table as the document writes it: the root, or one under a `[header]` / `[[header]]`.
struct Header {
    path: TablePath,
    /// The header's keys joined with dots (`baris.dinyatakan`); empty for the root.
    name: String,
}

/// Every table of `doc` that is written with a header (and the root first), in the order of the
/// document — the order in which toml_edit writes them back (by position, a table without one
/// following the table before it).
fn headers(doc: &DocumentMut) -> Vec<Header> {
    fn visit(t: &Table, path: &mut TablePath, last: &mut isize, out: &mut Vec<(isize, Header)>) {
        if !t.is_dotted() {
            if let Some(p) = t.position() {
                *last = p;
            }
            let element = path.last().is_some_and(|s| s.1.is_some());
            if path.is_empty() || element || !t.is_implicit() || !t.get_values().is_empty() {
                let name = path.iter().map(|s| s.0.as_str()).collect::<Vec<_>>().join(".");
                out.push((*last, Header { path: path.clone(), name }));
            }
        }
        for (k, item) in t.iter() {
            match item {
                Item::Table(sub) => {
                    path.push((k.to_string(), None));
                    visit(sub, path, last, out);
                    path.pop();
                }
                Item::ArrayOfTables(a) => {
                    for (i, sub) in a.iter().enumerate() {
                        path.push((k.to_string(), Some(i)));
                        visit(sub, path, last, out);
                        path.pop();
                    }
                }
                _ => {}
            }
        }
    }
    let mut out = Vec::new();
    visit(doc.as_table(), &mut Vec::new(), &mut 0, &mut out);
    out.sort_by_key(|(pos, h)| (!h.path.is_empty(), *pos));
    out.into_iter().map(|(_, h)| h).collect()
}

fn table_at<'a>(t: &'a mut Table, path: &[(String, Option<usize>)]) -> Option<&'a mut Table> {
    let Some(((k, i), rest)) = path.split_first() else { return Some(t) };
    let item = t.get_mut(k)?;
    let sub = match i {
        Some(i) => item.as_array_of_tables_mut()?.get_mut(*i)?,
        None => item.as_table_mut()?,
    };
    table_at(sub, rest)
}

fn prefix(d: &Decor) -> &str {
    d.prefix().and_then(|r| r.as_str()).unwrap_or("")
}

/// The whole lines of a decor prefix: the comments and blank lines above a key or header, without
/// the indentation of the key's or header's own line.
fn lines_above(prefix: &str) -> &str {
    &prefix[..prefix.rfind('\n').map_or(0, |i| i + 1)]
}

/// What becomes of one `key = value` line.
enum Line {
    Keep,
    /// Removed; the comments and blank lines above it stay, above what follows.
    Drop,
    /// Replaced by these `key = value` lines (the first keeps the comments above the old one).
    Replace(Vec<(Key, Item)>),
}

/// One rewriting of a TOML file, told every table and `key = value` line in document order.
trait Edit {
    /// Whether the table written under this header goes (its header and keys; comments stay).
    fn drop_table(&mut self, _header: &str) -> bool {
        false
    }
    /// A table starts.
    fn table(&mut self, _header: &str) {}
    /// One `key = value` line of the current table (`indent`: the whitespace before the key).
    fn line(&mut self, header: &str, key: &Key, value: &Item, indent: &str) -> Line;
    /// Lines added at the end of the table's own keys.
    fn end(&mut self, _header: &str) -> Vec<(Key, Item)> {
        Vec::new()
    }
}

/// A `key = value` line as toml_edit writes a new one.
fn kv(key: &str, v: impl Into<Value>) -> (Key, Item) {
    (Key::new(key), value(v))
}

/// The same line with `indent` before its key.
fn indented((mut key, item): (Key, Item), indent: &str) -> (Key, Item) {
    key.leaf_decor_mut().set_prefix(indent);
    (key, item)
}

/// Applies `edit` to `text` with toml_edit, which keeps everything it is not asked to change —
/// comments, blank lines, layout, the form of every other value. A line that goes leaves the
/// comments above it, which move above whatever follows (the next key, or the next header). Text
/// that does not parse as TOML, or that the edit leaves alone, is returned as it is.
fn rewrite(text: &str, edit: &mut impl Edit) -> String {
    let Ok(mut doc) = text.parse::<DocumentMut>() else { return text.to_string() };
    let mut changed = false;
    // The comments above removed lines and headers, to go above the next line or header.
    let mut pending = String::new();
    // Elements of arrays of tables to remove once every table has been seen.
    let mut dropped: Vec<TablePath> = Vec::new();
    // Whether the document's last line (header or `key = value`) is one of the source's, still
    // written (kept or replaced).
    let mut last_kept = true;
    // Puts the pending comments above a line's own.
    let above = |pending: &mut String, key: &mut Key| {
        if !pending.is_empty() {
            let p = format!("{pending}{}", prefix(key.leaf_decor()));
            key.leaf_decor_mut().set_prefix(p);
            pending.clear();
        }
    };
    for h in headers(&doc) {
        let Some(t) = table_at(doc.as_table_mut(), &h.path) else { continue };
        if !h.path.is_empty() && edit.drop_table(&h.name) {
            changed = true;
            last_kept = false;
            pending.push_str(lines_above(prefix(t.decor())));
            for (key, _) in t.iter().filter_map(|(k, i)| Some((t.key(k)?, i))).filter(|(_, i)| i.is_value()) {
                pending.push_str(lines_above(prefix(key.leaf_decor())));
            }
            if h.path.last().is_some_and(|s| s.1.is_some()) {
                dropped.push(h.path.clone());
            } else {
                // Its keys go and its header is no longer written; tables under it stay, as they
                // have headers of their own.
                t.retain(|_, i| i.is_array_of_tables() || i.as_table().is_some_and(|t| !t.is_dotted()));
                t.set_implicit(true);
            }
            continue;
        }
        if !pending.is_empty() && !h.path.is_empty() {
            let p = format!("{pending}{}", prefix(t.decor()));
            t.decor_mut().set_prefix(p);
            pending.clear();
        }
        last_kept = true;
        edit.table(&h.name);
        // The table's lines are taken out and put back in order, edited.
        let keys: Vec<String> = t.iter().map(|(k, _)| k.to_string()).collect();
        let mut lines: Vec<(Key, Item)> = Vec::with_capacity(keys.len() + 2);
        for k in keys {
            let Some((mut key, item)) = t.remove_entry(&k) else { continue };
            if !item.is_value() {
                lines.push((key, item));
                continue;
            }
            let own = prefix(key.leaf_decor()).to_string();
            let indent = &own[lines_above(&own).len()..];
            match edit.line(&h.name, &key, &item, indent) {
                Line::Keep => {
                    last_kept = true;
                    above(&mut pending, &mut key);
                    lines.push((key, item));
                }
                Line::Drop => {
                    changed = true;
                    last_kept = false;
                    pending.push_str(lines_above(&own));
                }
                Line::Replace(new) => {
                    changed = true;
                    last_kept = !new.is_empty();
                    pending.push_str(lines_above(&own));
                    for (mut k, i) in new {
                        above(&mut pending, &mut k);
                        lines.push((k, i));
                    }
                }
            }
        }
        for (mut k, i) in edit.end(&h.name) {
            changed = true;
            // Added lines end with a newline, whatever the source's last line did.
            last_kept = false;
            above(&mut pending, &mut k);
            lines.push((k, i));
        }
        t.clear();
        for (k, i) in lines {
            t.insert_formatted(&k, i);
        }
    }
    if !changed {
        return text.to_string();
    }
    if !pending.is_empty() {
        let trailing = format!("{pending}{}", doc.trailing().as_str().unwrap_or(""));
        doc.set_trailing(trailing);
    }
    // Later elements first, so that the indices of earlier ones stay right.
    dropped.sort();
    for path in dropped.iter().rev() {
        let Some(((k, Some(i)), parent)) = path.split_last() else { continue };
        if let Some(aot) = table_at(doc.as_table_mut(), parent).and_then(|p| p.get_mut(k)).and_then(Item::as_array_of_tables_mut) {
            aot.remove(*i);
        }
    }
    let mut out = doc.to_string();
    // toml_edit ends every line it writes with `\n`: a last line written without one, as in the
    // source, stays so, and a file written with `\r\n` throughout keeps them.
    if !text.ends_with('\n') && last_kept && out.ends_with('\n') {
        out.pop();
    }
    if text.contains("\r\n") && !text.replace("\r\n", "").contains('\n') {
        out = out.replace("\r\n", "\n").replace('\n', "\r\n");
    }
    out
}

fn realisasi_key(k: &str) -> bool {
    k == "realisasi" || k.starts_with("realisasi_")
}

/// Clearing a data file: `[dinyatakan]` / `[….dinyatakan]` tables, `dinyatakan = …` and
/// realisasi keys go.
struct Clear;

impl Edit for Clear {
    fn drop_table(&mut self, header: &str) -> bool {
        header == "dinyatakan" || header.ends_with(".dinyatakan")
    }
    fn line(&mut self, _: &str, key: &Key, _: &Item, _: &str) -> Line {
        if key.get() == "dinyatakan" || realisasi_key(key.get()) { Line::Drop } else { Line::Keep }
    }
}

/// Removes `dinyatakan` tables and keys and every realisasi key from a data file's text. In a
/// removed table only its header and keys go; comments and blank lines stay (they usually
/// describe what follows).
pub fn clear_data(text: &str) -> String {
    rewrite(text, &mut Clear)
}

/// A value from its TOML text, to be written as `key = text`.
fn literal(text: &str) -> Option<Value> {
    let mut v: Value = text.parse().ok()?;
    v.decor_mut().clear();
    Some(v)
}

/// A TOML date or datetime written `YYYY-…` with its year moved by `by`; anything else as it is.
fn shift_date(v: &Item, by: i32) -> Item {
    let Some(mut raw) = v.as_value().cloned() else { return v.clone() };
    raw.decor_mut().clear();
    let text = raw.to_string();
    match text.get(..4).and_then(|y| y.parse::<i32>().ok()) {
        Some(y) if text.as_bytes().get(4) == Some(&b'-') => {
            literal(&format!("{}{}", y + by, &text[4..])).map(Item::Value).unwrap_or(Item::Value(raw))
        }
        _ => Item::Value(raw),
    }
}

/// Rewriting `edisi.toml` for a plan (see [`edit_edisi`]).
struct EditEdisi<'a> {
    plan: &'a Plan,
    dasar: &'a str,
    wrote_revisi: bool,
    wrote_triwulan: bool,
    wrote_dasar: bool,
}

impl EditEdisi<'_> {
    fn perubahan(&self) -> bool {
        self.plan.jenis == JenisEdisi::Perubahan
    }
}

impl Edit for EditEdisi<'_> {
    fn line(&mut self, header: &str, key: &Key, v: &Item, indent: &str) -> Line {
        let p = self.plan;
        let one = |line: (Key, Item)| Line::Replace(vec![indented(line, indent)]);
        match (header, key.get()) {
            ("edisi", "tahun") => one(kv("tahun", i64::from(p.tahun))),
            ("edisi", "jenis") => one(kv("jenis", p.jenis.as_str())),
            ("edisi", "revisi") if self.perubahan() => {
                self.wrote_revisi = true;
                let mut lines = vec![indented(kv("revisi", i64::from(p.revisi)), indent)];
                if !self.wrote_dasar {
                    self.wrote_dasar = true;
                    lines.push(indented(kv("dasar", self.dasar), indent));
                }
                Line::Replace(lines)
            }
            ("edisi", "triwulan") if self.perubahan() => {
                self.wrote_triwulan = true;
                Line::Keep
            }
            ("edisi", "revisi" | "triwulan" | "dasar") => Line::Drop,
            ("edisi", "tahap") => one(kv("tahap", "Rancangan Awal")),
            ("edisi", "waktu_terbit") | ("pengesahan", "tanggal") => Line::Replace(vec![indented((Key::new(key.get()), shift_date(v, p.geser_tahun)), indent)]),
            _ => Line::Keep,
        }
    }
    fn end(&mut self, header: &str) -> Vec<(Key, Item)> {
        let mut lines = Vec::new();
        if header != "edisi" {
            return lines;
        }
        if self.perubahan() && !self.wrote_revisi {
            self.wrote_revisi = true;
            lines.push(kv("revisi", i64::from(self.plan.revisi)));
        }
        if self.perubahan() && !self.wrote_triwulan {
            self.wrote_triwulan = true;
            lines.push(kv("triwulan", 2));
        }
        if !self.wrote_dasar {
            self.wrote_dasar = true;
            lines.push(kv("dasar", self.dasar));
        }
        lines
    }
}

/// Rewrites `edisi.toml` for the plan: tahun, jenis and tahap in `[edisi]`; `revisi` written
/// for a Perubahan and removed for a murni (which has none), as is `triwulan` (a murni's T-C.29
/// evaluates a whole year; a new Perubahan evaluates up to quarter II); `dasar` recorded (after
/// `revisi`, else at the end of `[edisi]`), dates moved by `geser_tahun` years.
pub fn edit_edisi(text: &str, p: &Plan, dasar: &str) -> String {
    rewrite(text, &mut EditEdisi { plan: p, dasar, wrote_revisi: false, wrote_triwulan: false, wrote_dasar: false })
}

/// Every year (a 4-digit number from 1000 to 2999 not part of a longer one) in `s` moved by `by`.
fn shift_years_in(s: &str, by: i32) -> String {
    let b = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < b.len() {
        let is_year = i + 4 <= b.len()
            && b[i..i + 4].iter().all(u8::is_ascii_digit)
            && (i == 0 || !b[i - 1].is_ascii_digit())
            && (i + 4 == b.len() || !b[i + 4].is_ascii_digit())
            && (b[i] == b'1' || b[i] == b'2');
        if is_year {
            let y: i32 = s[i..i + 4].parse().unwrap_or(0);
            out.push_str(&(y + by).to_string());
            i += 4;
        } else {
            let c = s[i..].chars().next().unwrap_or(' ');
            out.push(c);
            i += c.len_utf8();
        }
    }
    out
}

struct ShiftYears(i32);

impl Edit for ShiftYears {
    fn line(&mut self, _: &str, key: &Key, v: &Item, indent: &str) -> Line {
        if !matches!(key.get(), "judul" | "tahun_maju") {
            return Line::Keep;
        }
        let Some(v) = v.as_value() else { return Line::Keep };
        // The value as written and the comment after it: years move in both.
        let written = v.clone().decorated("", "").to_string();
        let suffix = v.decor().suffix().and_then(|r| r.as_str()).unwrap_or("");
        let (new, new_suffix) = (shift_years_in(&written, self.0), shift_years_in(suffix, self.0));
        if new == written && new_suffix == suffix {
            return Line::Keep;
        }
        let Ok(mut shifted) = new.parse::<Value>() else { return Line::Keep };
        shifted.decor_mut().set_prefix(v.decor().prefix().and_then(|r| r.as_str()).unwrap_or(" "));
        shifted.decor_mut().set_suffix(new_suffix);
        Line::Replace(vec![indented((key.clone(), Item::Value(shifted)), indent)])
    }
}

/// Moves every year in `judul = "…"` lines (the value and a comment after it) and the
/// `tahun_maju` value by `by` years (next year's edition: its tables are about the following
/// years).
pub fn shift_years(text: &str, by: i32) -> String {
    if by == 0 {
        return text.to_string();
    }
    rewrite(text, &mut ShiftYears(by))
}

struct DropKeys<'a> {
    table_suffix: &'a str,
    keys: &'a [&'a str],
}

impl Edit for DropKeys<'_> {
    fn line(&mut self, header: &str, key: &Key, _: &Item, _: &str) -> Line {
        if !header.is_empty() && header.ends_with(self.table_suffix) && self.keys.contains(&key.get()) { Line::Drop } else { Line::Keep }
    }
}

/// Removes the given keys from the tables whose header ends with `table_suffix`.
pub fn drop_keys(text: &str, table_suffix: &str, keys: &[&str]) -> String {
    rewrite(text, &mut DropKeys { table_suffix, keys })
}

/// The base's final values of one sub kegiatan of Tabel 3.4 (texts as they go into TOML).
#[derive(Debug, Clone, Default)]
pub struct RowFinal {
    /// The pagu as an integer literal (amounts with cents are left as written).
    pub pagu: Option<String>,
    /// target_program, target_keluaran, target_hasil.
    pub targets: [Option<String>; 3],
}

/// A TOML basic string literal.
fn toml_str(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

/// An amount as an integer literal, when it is a whole non-negative number.
fn integer(v: &Tersimpan) -> Option<String> {
    v.nilai.map(|n| n.to_string()).filter(|n| n.chars().all(|c| c.is_ascii_digit()))
}

/// Final values per row code (every level; pagu only on sub kegiatan) of a base edition's
/// stored model, as a Perubahan's Sebelum (and starting Sesudah) values or next year's starting
/// values — the one rule of [`renja_core::compute::akhir`].
pub fn finals_rencana(m: &ModelTersimpan) -> BTreeMap<String, RowFinal> {
    let jenis = m.edisi.jenis;
    m.rencana()
        .map(|r| {
            let pagu = r.pagu_akhir(jenis).filter(|_| r.tingkat == Level::SubKegiatan).and_then(integer);
            let targets = [&r.target_program, &r.target_keluaran, &r.target_hasil].map(|t| t.akhir(jenis).map(|v| v.teks.clone()));
            (r.kode.clone(), RowFinal { pagu, targets })
        })
        .collect()
}

/// Fills a Perubahan's Tabel 3.4 from its base: for every sub kegiatan row the base knows, the
/// pagu sebelum and sesudah become the base's final pagu, and each target's sebelum and sesudah
/// the base's final target (single-line values only). A murni base's `pagu = …` becomes both
/// pagu lines.
pub fn fill_rencana(text: &str, finals: &BTreeMap<String, RowFinal>) -> String {
    fill_rencana_as(text, finals, false)
}

/// Next year's murni T-C.33 from a base: `pagu = final` (the `pagu_sesudah` line dropped) and
/// each target one value, the base's final.
pub fn fill_rencana_murni(text: &str, finals: &BTreeMap<String, RowFinal>) -> String {
    fill_rencana_as(text, finals, true)
}

const TARGETS: [&str; 3] = ["target_program", "target_keluaran", "target_hasil"];

/// The codes of the rows that write a `pagu_sesudah` (after their `kode`).
struct WithSesudah {
    code: Option<String>,
    codes: BTreeSet<String>,
}

impl Edit for WithSesudah {
    fn table(&mut self, _: &str) {
        self.code = None;
    }
    fn line(&mut self, _: &str, key: &Key, v: &Item, _: &str) -> Line {
        match key.get() {
            "kode" => self.code = v.as_str().map(str::to_string),
            "pagu_sesudah" => self.codes.extend(self.code.clone()),
            _ => {}
        }
        Line::Keep
    }
}

struct FillRencana<'a> {
    finals: &'a BTreeMap<String, RowFinal>,
    murni: bool,
    with_sesudah: BTreeSet<String>,
    /// The current row's code and final values (from its `kode` line on).
    code: String,
    current: Option<&'a RowFinal>,
}

impl Edit for FillRencana<'_> {
    fn table(&mut self, _: &str) {
        // A new row, or a sub-table (`[baris.dinyatakan]`, …) whose keys are not the row's.
        self.current = None;
    }
    fn line(&mut self, _: &str, key: &Key, v: &Item, _: &str) -> Line {
        let k = key.get();
        if k == "kode" {
            self.code = v.as_str().unwrap_or_default().to_string();
            self.current = self.finals.get(&self.code);
            return Line::Keep;
        }
        if self.murni && k == "pagu_sesudah" {
            return Line::Drop;
        }
        let Some(f) = self.current else { return Line::Keep };
        let pagu = |name: &str| f.pagu.as_deref().and_then(literal).map(|p| kv(name, p));
        let lines = match k {
            "pagu_sebelum" | "pagu" if self.murni => pagu("pagu").into_iter().collect(),
            "pagu_sebelum" | "pagu" => {
                let mut l: Vec<_> = pagu("pagu_sebelum").into_iter().collect();
                if !l.is_empty() && !self.with_sesudah.contains(&self.code) {
                    l.extend(pagu("pagu_sesudah"));
                }
                l
            }
            "pagu_sesudah" => pagu("pagu_sesudah").into_iter().collect(),
            name if TARGETS.contains(&name) && v.as_value().is_some_and(|v| !v.to_string().contains('\n')) => {
                let i = TARGETS.iter().position(|x| *x == name).unwrap_or(0);
                let target = |t: &String| -> Item {
                    if self.murni {
                        value(t.as_str())
                    } else {
                        let mut pair = InlineTable::new();
                        pair.insert("sebelum", t.as_str().into());
                        pair.insert("sesudah", t.as_str().into());
                        value(pair)
                    }
                };
                f.targets[i].iter().map(|t| (Key::new(name), target(t))).collect()
            }
            _ => Vec::new(),
        };
        if lines.is_empty() { Line::Keep } else { Line::Replace(lines) }
    }
}

fn fill_rencana_as(text: &str, finals: &BTreeMap<String, RowFinal>, murni: bool) -> String {
    // Rows that write a pagu_sesudah (a murni base's file may have none: then one is added).
    let mut scan = WithSesudah { code: None, codes: BTreeSet::new() };
    rewrite(text, &mut scan);
    rewrite(text, &mut FillRencana { finals, murni, with_sesudah: scan.codes, code: String::new(), current: None })
}

/// Final Tabel 3.1 targets per indicator text of a base edition's stored model (a repeated text:
/// in order) — the one rule of [`renja_core::compute::akhir`].
pub fn finals_tujuan(m: &ModelTersimpan) -> BTreeMap<String, Vec<String>> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for r in m.indikator() {
        let Some(ind) = &r.indikator else { continue };
        let v = r.target_akhir(m.edisi.jenis).map(|t| t.teks.clone()).unwrap_or_default();
        out.entry(ind.trim().to_string()).or_default().push(v);
    }
    out
}

struct FillTujuan {
    finals: BTreeMap<String, Vec<String>>,
    in_indikator: bool,
    current: Option<String>,
}

impl Edit for FillTujuan {
    fn table(&mut self, header: &str) {
        self.in_indikator = header.ends_with("indikator");
        if !header.ends_with("dinyatakan") {
            self.current = None;
        }
    }
    fn line(&mut self, _: &str, key: &Key, v: &Item, _: &str) -> Line {
        if !self.in_indikator {
            return Line::Keep;
        }
        match (&self.current, key.get()) {
            (_, "uraian") => {
                self.current = v.as_str().and_then(|u| self.finals.get_mut(u.trim()).and_then(|l| (!l.is_empty()).then(|| l.remove(0))));
                Line::Keep
            }
            (Some(_), "target_perubahan") => Line::Drop,
            (Some(t), "target_renja") => Line::Replace(vec![kv("target_renja", t.as_str()), kv("target_perubahan", t.as_str())]),
            _ => Line::Keep,
        }
    }
}

/// Fills a Perubahan's Tabel 3.1: each indicator's target_renja and target_perubahan become the
/// base's final target.
pub fn fill_tujuan(text: &str, finals: &BTreeMap<String, Vec<String>>) -> String {
    rewrite(text, &mut FillTujuan { finals: finals.clone(), in_indikator: false, current: None })
}

/// One evaluated row carried from a base: code, indicator, and the targets/pagu it carries.
struct EvalSeed {
    kode: String,
    leaf: bool,
    indikator: String,
    /// The final target and pagu of the base's own year.
    target: Option<String>,
    pagu: Option<String>,
    /// Target and pagu of the year before the base's year, as the base recorded them.
    target_lalu: Option<String>,
    pagu_lalu: Option<String>,
}

fn eval_seeds(m: &ModelTersimpan) -> Vec<EvalSeed> {
    let finals = finals_rencana(m);
    let tc29 = m.data.evaluasi.as_ref().and_then(|e| e.bentuk) == Some(BentukEvaluasi::Tc29);
    let mut before: BTreeMap<String, (Option<String>, Option<String>)> = BTreeMap::new();
    for r in m.evaluasi() {
        let leaf = r.tingkat == Level::SubKegiatan;
        let (t, p) = match (&r.tc29, tc29) {
            (Some(c), true) => (c.target_berjalan.as_ref(), c.pagu_berjalan.as_ref()),
            (None, true) => (None, None),
            (_, false) => (r.target_lalu.as_ref(), r.pagu_lalu.as_ref()),
        };
        let t = t.map(|v| v.teks.clone()).filter(|s| !s.trim().is_empty());
        let p = p.filter(|_| leaf).and_then(integer);
        before.insert(r.kode.clone(), (t, p));
    }
    let mut out = Vec::new();
    for r in m.rencana() {
        let (indikator, ti) = match r.tingkat {
            Level::Program => (&r.capaian_program, 0),
            Level::Kegiatan => (&r.hasil, 2),
            Level::SubKegiatan => (&r.keluaran, 1),
            _ => continue,
        };
        let f = finals.get(&r.kode);
        let (target_lalu, pagu_lalu) = before.get(&r.kode).cloned().unwrap_or_default();
        out.push(EvalSeed {
            kode: r.kode.clone(),
            leaf: ti == 1,
            indikator: indikator.clone().unwrap_or_default(),
            target: f.and_then(|f| f.targets[ti].clone()).filter(|t| !t.trim().is_empty()),
            pagu: f.and_then(|f| f.pagu.clone()),
            target_lalu,
            pagu_lalu,
        });
    }
    out
}

/// The quarterly Tabel 2.1 of a new Perubahan (year `tahun`) from its base edition of the same
/// year: each row's target and pagu are the base's final plan (T-C.33 / Tabel 3.4), the previous
/// year's columns what the base recorded for year `tahun` − 1; realisasi is left to the author.
pub fn evaluasi_triwulan(m: &ModelTersimpan, tahun: i32, nomor: &str) -> String {
    triwulan(eval_seeds(m), tahun, nomor)
}

fn triwulan(seeds: Vec<EvalSeed>, tahun: i32, nomor: &str) -> String {
    let mut t = format!(
        "# Tabel {nomor} — evaluasi pelaksanaan Renja tahun {tahun} s/d triwulan II (bentuk triwulan).\n\
         # Dibuat oleh `renja new --perubahan`: target dan pagu {tahun} adalah nilai akhir edisi dasar,\n\
         # target dan pagu {} dari evaluasi edisi dasar. Isi realisasi_k dan realisasi_triwulan_rp.\n\n\
         [tabel]\nnomor = {}\njudul = {}\nbentuk = \"triwulan\"\ntahun_lalu = {}\n",
        tahun - 1,
        toml_str(nomor),
        toml_str(&format!("Evaluasi Pelaksanaan Renja Tahun {tahun} s/d Triwulan II")),
        tahun - 1
    );
    for s in seeds {
        t.push_str(&format!("\n[[baris]]\nkode = {}\nindikator = {}\n", toml_str(&s.kode), toml_str(&s.indikator)));
        if let Some(v) = &s.target_lalu {
            t.push_str(&format!("target_lalu = {}\n", toml_str(v)));
        }
        if let (true, Some(p)) = (s.leaf, &s.pagu_lalu) {
            t.push_str(&format!("pagu_lalu = {p}\n"));
        }
        if let Some(v) = &s.target {
            t.push_str(&format!("target = {}\n", toml_str(v)));
        }
        if let (true, Some(p)) = (s.leaf, &s.pagu) {
            t.push_str(&format!("pagu = {p}\n"));
        }
        t.push_str("# realisasi_k = …\n");
        if s.leaf {
            t.push_str("# realisasi_triwulan_rp = [triwulan I, triwulan II]\n");
        }
    }
    t
}

/// T-C.29 of next year's murni (year `tahun`) from a base of year `tahun` − 1: column 9 (the
/// Renja target of year n−1 and its pagu) is the base's final plan; column 6 (target and pagu of
/// the evaluated year n−2) what the base recorded for that year. Realisasi (7), the Renstra
/// columns (4, 5) and keterangan are left to the author.
pub fn evaluasi_tc29(m: &ModelTersimpan, tahun: i32, nomor: &str) -> String {
    tc29(eval_seeds(m), tahun, nomor)
}

fn tc29(seeds: Vec<EvalSeed>, tahun: i32, nomor: &str) -> String {
    let mut t = format!(
        "# Tabel {nomor} — T-C.29: evaluasi hasil pelaksanaan Renja tahun {} dan pencapaian Renstra s/d tahun {}.\n\
         # Dibuat oleh `renja new`: kolom 9 (target_berjalan, pagu_berjalan) adalah nilai akhir tahun {} dari\n\
         # edisi dasar; kolom 6 (target, pagu) adalah yang dicatat edisi dasar untuk tahun {}. Isi\n\
         # target_renstra (4), realisasi_renstra (5), realisasi_k dan realisasi_rp (7), keterangan (12).\n\n\
         [tabel]\nnomor = {}\njudul = {}\nbentuk = \"T-C.29\"\ntahun_evaluasi = {}\n",
        tahun - 2,
        tahun - 1,
        tahun - 1,
        tahun - 2,
        toml_str(nomor),
        toml_str(&format!("Rekapitulasi Evaluasi Hasil Pelaksanaan Renja dan Pencapaian Renstra s/d Tahun {}", tahun - 2)),
        tahun - 2
    );
    for s in seeds {
        t.push_str(&format!("\n[[baris]]\nkode = {}\nindikator = {}\n", toml_str(&s.kode), toml_str(&s.indikator)));
        if let Some(v) = &s.target_lalu {
            t.push_str(&format!("target = {}\n", toml_str(v)));
        }
        if let (true, Some(p)) = (s.leaf, &s.pagu_lalu) {
            t.push_str(&format!("pagu = {p}\n"));
        }
        t.push_str("# realisasi_k = …\n");
        if s.leaf {
            t.push_str("# realisasi_rp = …\n");
        }
        if let Some(v) = &s.target {
            t.push_str(&format!("target_berjalan = {}\n", toml_str(v)));
        }
        if let (true, Some(p)) = (s.leaf, &s.pagu) {
            t.push_str(&format!("pagu_berjalan = {p}\n"));
        }
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A stored model written as JSON, read through the typed contract.
    fn typed(json: serde_json::Value) -> ModelTersimpan {
        ModelTersimpan::dari_json(&json).unwrap()
    }

    #[test]
    fn fills_from_base() {
        let json = serde_json::json!({"edisi": {"tahun": 2022, "jenis": "perubahan"}, "data": {"rencana": {"baris": [
            {"kode": "1.01.01.2.01.0001", "tingkat": "sub_kegiatan",
             "pagu_sebelum": {"nilai": "5"}, "pagu_sesudah": {"nilai": "7"},
             "target_keluaran": {"sebelum": {"teks": "1 Dok"}, "sesudah": {"teks": "2 Dok"}}}]},
            "tujuan_sasaran": {"baris": [{"indikator": "IKU", "target_renja": {"teks": "1"}, "target_perubahan": {"teks": "2"}}]}}});
        let src = "[[baris]]\nkode = \"1.01.01.2.01.0001\"\ntarget_keluaran = { sebelum = \"x\", sesudah = \"y\" }\npagu_sebelum = 1\npagu_sesudah = 2\n[[baris]]\nkode = \"9\"\npagu_sebelum = 3\n";
        let out = fill_rencana(src, &finals_rencana(&typed(json.clone())));
        assert_eq!(out, "[[baris]]\nkode = \"1.01.01.2.01.0001\"\ntarget_keluaran = { sebelum = \"2 Dok\", sesudah = \"2 Dok\" }\npagu_sebelum = 7\npagu_sesudah = 7\n[[baris]]\nkode = \"9\"\npagu_sebelum = 3\n");
        let lone = "[[baris]]\nkode = \"1.01.01.2.01.0001\"\npagu_sebelum = 1\n";
        assert_eq!(fill_rencana(lone, &finals_rencana(&typed(json.clone()))), "[[baris]]\nkode = \"1.01.01.2.01.0001\"\npagu_sebelum = 7\npagu_sesudah = 7\n");
        let ts = "[[tujuan.indikator]]\nuraian = \"IKU\"\ntarget_renja = \"0\"\ntarget_perubahan = \"0\"\n";
        assert_eq!(fill_tujuan(ts, &finals_tujuan(&typed(json.clone()))), "[[tujuan.indikator]]\nuraian = \"IKU\"\ntarget_renja = \"2\"\ntarget_perubahan = \"2\"\n");
    }

    #[test]
    fn plans() {
        assert_eq!(plan(2022, JenisEdisi::Murni, 0, Target::TahunBerikut), Plan { tahun: 2023, jenis: JenisEdisi::Murni, revisi: 0, geser_tahun: 1 });
        assert_eq!(plan(2022, JenisEdisi::Murni, 0, Target::Perubahan).revisi, 1);
        assert_eq!(plan(2022, JenisEdisi::Perubahan, 1, Target::Perubahan).revisi, 2);
    }

    #[test]
    fn clears_declared_and_realisasi() {
        let src = "[dinyatakan]\npagu = 5\n\n[[baris]]\nkode = \"1\"\nrealisasi_k = 3\nrealisasi_triwulan_rp = [\n  1,\n  2,\n]\ntarget = 4\n[baris.dinyatakan]\npagu = 7\n[[baris]]\nkode = \"2\" # [x]\ndinyatakan = { pagu = 1 }\n";
        let out = clear_data(src);
        assert_eq!(out, "\n[[baris]]\nkode = \"1\"\ntarget = 4\n[[baris]]\nkode = \"2\" # [x]\n");
        // Comments above a removed header or key stay, above what follows; a trailing comment on
        // a removed line goes with it.
        let src = "# total\n[dinyatakan]\n# as printed\npagu = 5\n\n# row 1\n[[baris]]\nkode = \"1\"\n# what was done\nrealisasi_k = 3 # printed 3\n";
        assert_eq!(clear_data(src), "# total\n# as printed\n\n# row 1\n[[baris]]\nkode = \"1\"\n# what was done\n");
        // A file with nothing to remove is returned as it is, byte for byte.
        let plain = "a = 1   # x\n[t]\nb = [ 1,2 ]\n";
        assert_eq!(clear_data(plain), plain);
    }

    #[test]
    fn edits_edisi() {
        let src = "[edisi]\ntahun = 2022 # x\njenis = \"perubahan\"\nrevisi = 1\ntahap = \"Akhir\"\n\n[pengesahan]\ntanggal = 2022-08-25\n";
        let p = plan(2022, JenisEdisi::Perubahan, 1, Target::TahunBerikut);
        let out = edit_edisi(src, &p, "2022-perubahan-r1-abc");
        assert_eq!(
            out,
            "[edisi]\ntahun = 2023\njenis = \"murni\"\ntahap = \"Rancangan Awal\"\ndasar = \"2022-perubahan-r1-abc\"\n\n[pengesahan]\ntanggal = 2023-08-25\n"
        );
    }

    #[test]
    fn edits_edisi_keeping_comments_and_indentation() {
        // A murni becoming a Perubahan: revisi, triwulan and dasar added at the end of [edisi];
        // an old dasar goes (its comment stays); the indentation of a rewritten line stays; a
        // datetime keeps its form with the year moved.
        let src = "[edisi]\n  tahun = 2025   # the year\njenis = \"murni\"\ntahap = \"Akhir\"\nwaktu_terbit = 2025-09-01T10:00:00+07:00 # time\n# old base\ndasar = \"x\"\n\n[pengesahan]\ntanggal = 2024-07-15 # signed\n";
        let p = plan(2025, JenisEdisi::Murni, 0, Target::Perubahan);
        assert_eq!(
            edit_edisi(src, &p, "2025-murni-r0-abc"),
            "[edisi]\n  tahun = 2025\njenis = \"perubahan\"\ntahap = \"Rancangan Awal\"\nwaktu_terbit = 2025-09-01T10:00:00+07:00\n# old base\nrevisi = 1\ntriwulan = 2\ndasar = \"2025-murni-r0-abc\"\n\n[pengesahan]\ntanggal = 2024-07-15\n"
        );
        let p = plan(2025, JenisEdisi::Murni, 0, Target::TahunBerikut);
        assert_eq!(
            edit_edisi(src, &p, "2025-murni-r0-abc"),
            "[edisi]\n  tahun = 2026\njenis = \"murni\"\ntahap = \"Rancangan Awal\"\nwaktu_terbit = 2026-09-01T10:00:00+07:00\n# old base\ndasar = \"2025-murni-r0-abc\"\n\n[pengesahan]\ntanggal = 2025-07-15\n"
        );
        // Line endings: `\r\n` throughout stays so; a last line without a newline stays without.
        let crlf = "[edisi]\r\ntahun = 2022\r\njenis = \"perubahan\"\r\nrevisi = 1\r\n";
        assert_eq!(
            edit_edisi(crlf, &plan(2022, JenisEdisi::Perubahan, 1, Target::Perubahan), "d"),
            "[edisi]\r\ntahun = 2022\r\njenis = \"perubahan\"\r\nrevisi = 2\r\ndasar = \"d\"\r\ntriwulan = 2\r\n"
        );
        assert_eq!(clear_data("[t]\na = 1\nrealisasi = 2\nb = 3"), "[t]\na = 1\nb = 3");
        assert_eq!(clear_data("[t]\na = 1\nrealisasi = 2"), "[t]\na = 1\n");
    }

    #[test]
    fn fills_rows_keeping_what_is_not_theirs() {
        let json = serde_json::json!({"edisi": {"tahun": 2025, "jenis": "murni"}, "data": {"rencana": {"baris": [
            {"kode": "1.01.01.2.01.0001", "tingkat": "sub_kegiatan", "pagu": {"nilai": "12", "teks": "12"},
             "target_keluaran": {"teks": "4 Dok", "angka": "4"}, "target_hasil": {"teks": "a \"q\"", "angka": null}}]}}});
        let finals = finals_rencana(&typed(json));
        let src = "[[baris]]\nkode = \"1.01.01.2.01.0001\"\n  # indented comment\n  pagu_sebelum = 5  # five\npagu_sesudah = 6\ntarget_keluaran = { sebelum = \"1 Dok\", sesudah = \"2 Dok\" } # t\ntarget_hasil = { sebelum = \"x\", sesudah = 'y' }\ntarget_program = [\n  \"multi-line\",\n]\n[baris.dinyatakan]\npagu_sebelum = 3\n";
        // A Perubahan from a murni base: both pagu lines and both sides of each target take the
        // base's final value; a replaced line loses its indentation and trailing comment (the
        // comment lines above it stay); a multi-line value and a sub-table's keys are left alone.
        assert_eq!(
            fill_rencana(src, &finals),
            "[[baris]]\nkode = \"1.01.01.2.01.0001\"\n  # indented comment\npagu_sebelum = 12\npagu_sesudah = 12\ntarget_keluaran = { sebelum = \"4 Dok\", sesudah = \"4 Dok\" }\ntarget_hasil = { sebelum = 'a \"q\"', sesudah = 'a \"q\"' }\ntarget_program = [\n  \"multi-line\",\n]\n[baris.dinyatakan]\npagu_sebelum = 3\n"
        );
        // Next year's murni: one pagu, one value per target, no pagu_sesudah anywhere.
        assert_eq!(
            fill_rencana_murni(src, &finals),
            "[[baris]]\nkode = \"1.01.01.2.01.0001\"\n  # indented comment\npagu = 12\ntarget_keluaran = \"4 Dok\"\ntarget_hasil = 'a \"q\"'\ntarget_program = [\n  \"multi-line\",\n]\n[baris.dinyatakan]\npagu_sebelum = 3\n"
        );
    }

}
