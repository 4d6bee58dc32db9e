//! `renja new DIR --from ID`: a new edition folder derived from an archived one — next year's
//! murni (default) or the Perubahan of the same year. Narrative, legal bases, organisation and
//! program tree are carried over as they are; `edisi.toml` gets the new year, jenis, revision,
//! advanced dates and `dasar = "ID"`; every realisasi and every declared (`dinyatakan`) value is
//! removed from the data files. Between kinds the data changes form: a Perubahan gets Sebelum =
//! Sesudah = its base's final values and (from a T-C.29 base) a quarterly Tabel 2.1 seeded from
//! the base's plan; next year's murni gets one value per cell (the base's final values), a new
//! T-C.29 whose column 9 is the base's final plan, and table-title years moved on by one. Edits are made on the text, line by line, so comments and layout
//! of the sources survive.

use super::JenisEdisi;

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

/// The table header of a line (`[a.b]` or `[[a]]`), if it is one.
fn header(line: &str) -> Option<String> {
    let t = line.trim();
    if !t.starts_with('[') {
        return None;
    }
    let inner = t.trim_start_matches('[');
    let end = inner.find(']')?;
    Some(inner[..end].trim().to_string())
}

/// The key of a `key = value` line.
fn key(line: &str) -> Option<&str> {
    let t = line.trim_start();
    if t.starts_with('#') || t.starts_with('[') {
        return None;
    }
    let eq = t.find('=')?;
    Some(t[..eq].trim())
}

/// Open brackets minus closed ones outside strings and comments (for multi-line values).
fn depth(line: &str) -> i32 {
    let mut d = 0;
    let mut in_str: Option<char> = None;
    let mut prev = ' ';
    for c in line.chars() {
        match in_str {
            Some(q) => {
                if c == q && prev != '\\' {
                    in_str = None;
                }
            }
            None => match c {
                '"' | '\'' => in_str = Some(c),
                '#' => break,
                '[' | '{' => d += 1,
                ']' | '}' => d -= 1,
                _ => {}
            },
        }
        prev = c;
    }
    d
}

fn realisasi_key(k: &str) -> bool {
    k == "realisasi" || k.starts_with("realisasi_")
}

/// Removes `dinyatakan` tables and keys and every realisasi key from a data file's text.
pub fn clear_data(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut skipping_table = false;
    let mut skip_depth = 0;
    for line in text.split_inclusive('\n') {
        if skip_depth > 0 {
            skip_depth += depth(line);
            continue;
        }
        if let Some(h) = header(line) {
            skipping_table = h == "dinyatakan" || h.ends_with(".dinyatakan");
            if skipping_table {
                continue;
            }
        }
        // In a removed table only its keys go; comments and blank lines stay (they usually
        // describe what follows).
        if let Some(k) = key(line)
            && (skipping_table || k == "dinyatakan" || realisasi_key(k))
        {
            skip_depth = depth(line).max(0);
            continue;
        }
        out.push_str(line);
    }
    out
}

/// Rewrites `edisi.toml` for the plan: tahun, jenis and tahap in `[edisi]`; `revisi` written
/// for a Perubahan and removed for a murni (which has none), as is `triwulan` (a murni's T-C.29
/// evaluates a whole year; a new Perubahan evaluates up to quarter II); `dasar` recorded, dates
/// moved by `geser_tahun` years.
pub fn edit_edisi(text: &str, p: &Plan, dasar: &str) -> String {
    let perubahan = p.jenis == JenisEdisi::Perubahan;
    let mut out = String::with_capacity(text.len() + 64);
    let mut section = String::new();
    let mut wrote_dasar = false;
    let mut wrote_revisi = false;
    let mut wrote_triwulan = false;
    let shift_date = |v: &str| -> String {
        // A TOML date or datetime starting with YYYY-: move the year.
        let v = v.trim();
        match v.get(..4).and_then(|y| y.parse::<i32>().ok()) {
            Some(y) if v.as_bytes().get(4) == Some(&b'-') => format!("{}{}", y + p.geser_tahun, &v[4..]),
            _ => v.to_string(),
        }
    };
    let close_edisi = |out: &mut String, wrote_dasar: &mut bool, wrote_revisi: &mut bool, wrote_triwulan: &mut bool| {
        if !out.ends_with('\n') && !out.is_empty() {
            out.push('\n');
        }
        if perubahan && !*wrote_revisi {
            out.push_str(&format!("revisi = {}\n", p.revisi));
            *wrote_revisi = true;
        }
        if perubahan && !*wrote_triwulan {
            out.push_str("triwulan = 2\n");
            *wrote_triwulan = true;
        }
        if !*wrote_dasar {
            out.push_str(&format!("dasar = \"{dasar}\"\n"));
            *wrote_dasar = true;
        }
    };
    for line in text.split_inclusive('\n') {
        let nl = if line.ends_with('\n') { "\n" } else { "" };
        if let Some(h) = header(line) {
            if section == "edisi" {
                // Before the blank lines and comments that precede the next table.
                let trimmed_len = out.trim_end().len();
                let tail = out[trimmed_len..].to_string();
                out.truncate(trimmed_len);
                out.push('\n');
                close_edisi(&mut out, &mut wrote_dasar, &mut wrote_revisi, &mut wrote_triwulan);
                out.push_str(tail.trim_start_matches('\n'));
                if tail.contains('\n') {
                    out.push('\n');
                }
            }
            section = h;
            out.push_str(line);
            continue;
        }
        let value = line.find('=').map(|i| line[i + 1..].trim_end_matches('\n').to_string());
        let new = match (section.as_str(), key(line), value) {
            ("edisi", Some("tahun"), _) => Some(format!("tahun = {}", p.tahun)),
            ("edisi", Some("jenis"), _) => Some(format!("jenis = \"{}\"", p.jenis)),
            ("edisi", Some("revisi"), _) if perubahan => {
                wrote_revisi = true;
                Some(format!("revisi = {}", p.revisi))
            }
            ("edisi", Some("revisi"), _) => Some(String::new()),
            ("edisi", Some("triwulan"), _) if perubahan => {
                wrote_triwulan = true;
                None
            }
            ("edisi", Some("triwulan"), _) => Some(String::new()),
            ("edisi", Some("tahap"), _) => Some("tahap = \"Rancangan Awal\"".to_string()),
            ("edisi", Some("dasar"), _) => Some(String::new()),
            ("edisi", Some("waktu_terbit"), Some(v)) => Some(format!("waktu_terbit = {}", shift_date(v.split('#').next().unwrap_or("")))),
            ("pengesahan", Some("tanggal"), Some(v)) => Some(format!("tanggal = {}", shift_date(v.split('#').next().unwrap_or("")))),
            _ => None,
        };
        match new {
            Some(n) if n.is_empty() => {}
            Some(n) => {
                let indent = &line[..line.len() - line.trim_start().len()];
                out.push_str(&format!("{indent}{n}{nl}"));
                if n.starts_with("revisi =") && !wrote_dasar {
                    out.push_str(&format!("{indent}dasar = \"{dasar}\"\n"));
                    wrote_dasar = true;
                }
            }
            None => out.push_str(line),
        }
    }
    if section == "edisi" {
        close_edisi(&mut out, &mut wrote_dasar, &mut wrote_revisi, &mut wrote_triwulan);
    }
    out
}

/// Moves every year in `judul = "…"` lines and the `tahun_maju` value by `by` years (next
/// year's edition: its tables are about the following years).
pub fn shift_years(text: &str, by: i32) -> String {
    if by == 0 {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        match key(line) {
            Some("judul" | "tahun_maju") => {
                let mut l = String::new();
                let b = line.as_bytes();
                let mut i = 0;
                while i < b.len() {
                    let is_year = i + 4 <= b.len()
                        && b[i..i + 4].iter().all(u8::is_ascii_digit)
                        && (i == 0 || !b[i - 1].is_ascii_digit())
                        && (i + 4 == b.len() || !b[i + 4].is_ascii_digit())
                        && (b[i] == b'1' || b[i] == b'2');
                    if is_year {
                        let y: i32 = line[i..i + 4].parse().unwrap_or(0);
                        l.push_str(&(y + by).to_string());
                        i += 4;
                    } else {
                        let c = line[i..].chars().next().unwrap_or(' ');
                        l.push(c);
                        i += c.len_utf8();
                    }
                }
                out.push_str(&l);
            }
            _ => out.push_str(line),
        }
    }
    out
}

/// Removes the given keys (with multi-line values) from the tables whose header ends with
/// `table_suffix`.
pub fn drop_keys(text: &str, table_suffix: &str, keys: &[&str]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut inside = false;
    let mut skip_depth = 0;
    for line in text.split_inclusive('\n') {
        if skip_depth > 0 {
            skip_depth += depth(line);
            continue;
        }
        if let Some(h) = header(line) {
            inside = h.ends_with(table_suffix);
            out.push_str(line);
            continue;
        }
        if inside && key(line).is_some_and(|k| keys.contains(&k)) {
            skip_depth = depth(line).max(0);
            continue;
        }
        out.push_str(line);
    }
    out
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

/// The string value of a `key = "…"` line, parsed as TOML.
fn string_value(line: &str) -> Option<String> {
    let v: toml::Table = toml::from_str(line.trim()).ok()?;
    v.values().next()?.as_str().map(str::to_string)
}

/// Final values per row code (every level; pagu only on sub kegiatan) from the base edition's
/// computed JSON, as a Perubahan's Sebelum (and starting Sesudah) values or next year's starting
/// values: see [`crate::archive::dasar`] for which column is final.
pub fn finals_rencana(json: &serde_json::Value, murni: bool) -> std::collections::BTreeMap<String, RowFinal> {
    use serde_json::Value;
    let pick = |row: &Value, after: &str, before: &str| -> Option<Value> {
        // A murni model (T-C.33) holds one value: the field itself, or `pagu`.
        if after == "sesudah" && row.get("teks").is_some() {
            return Some(row.clone());
        }
        if after == "pagu_sesudah" && row.get("pagu").is_some_and(|v| !v.is_null()) {
            return row.get("pagu").cloned();
        }
        let a = row.get(after).filter(|v| !v.is_null());
        let empty = |v: &Value| {
            v.get("teks").and_then(Value::as_str).is_some_and(|t| t.trim().is_empty())
                || v.get("nilai").and_then(Value::as_str).is_some_and(|n| n.trim_start_matches('-').chars().all(|c| c == '0' || c == '.'))
        };
        if !murni {
            return a.cloned();
        }
        a.filter(|v| !empty(v)).or_else(|| row.get(before).filter(|v| !v.is_null())).or(a).cloned()
    };
    let mut out = std::collections::BTreeMap::new();
    for r in json.pointer("/data/rencana/baris").and_then(Value::as_array).into_iter().flatten() {
        let leaf = r.get("tingkat").and_then(Value::as_str) == Some("sub_kegiatan");
        let Some(kode) = r.get("kode").and_then(Value::as_str) else { continue };
        let pagu = pick(r, "pagu_sesudah", "pagu_sebelum")
            .filter(|_| leaf)
            .and_then(|v| v.get("nilai").and_then(Value::as_str).map(str::to_string))
            .filter(|n| n.chars().all(|c| c.is_ascii_digit()));
        let mut targets: [Option<String>; 3] = Default::default();
        for (i, k) in ["target_program", "target_keluaran", "target_hasil"].iter().enumerate() {
            targets[i] = r
                .get(*k)
                .filter(|t| !t.is_null())
                .and_then(|t| pick(t, "sesudah", "sebelum"))
                .map(|v| v.get("teks").and_then(Value::as_str).unwrap_or("").to_string());
        }
        out.insert(kode.to_string(), RowFinal { pagu, targets });
    }
    out
}

/// Fills a Perubahan's Tabel 3.4 from its base: for every sub kegiatan row the base knows, the
/// pagu sebelum and sesudah become the base's final pagu, and each target's sebelum and sesudah
/// the base's final target (single-line inline tables only). A murni base's `pagu = …` becomes
/// both pagu lines.
pub fn fill_rencana(text: &str, finals: &std::collections::BTreeMap<String, RowFinal>) -> String {
    fill_rencana_as(text, finals, false)
}

/// Next year's murni T-C.33 from a base: `pagu = final` (the `pagu_sesudah` line dropped) and
/// each target one value, the base's final.
pub fn fill_rencana_murni(text: &str, finals: &std::collections::BTreeMap<String, RowFinal>) -> String {
    fill_rencana_as(text, finals, true)
}

fn fill_rencana_as(text: &str, finals: &std::collections::BTreeMap<String, RowFinal>, murni: bool) -> String {
    // Rows that write a pagu_sesudah (a murni base's file may have none: then one is added).
    let mut with_sesudah = std::collections::BTreeSet::new();
    let mut code: Option<String> = None;
    for line in text.lines() {
        if header(line).is_some() {
            code = None;
        } else if key(line) == Some("kode") {
            code = string_value(line);
        } else if key(line) == Some("pagu_sesudah")
            && let Some(c) = &code
        {
            with_sesudah.insert(c.clone());
        }
    }
    let mut out = String::with_capacity(text.len());
    let mut current: Option<&RowFinal> = None;
    let mut current_code = String::new();
    for line in text.split_inclusive('\n') {
        let nl = if line.ends_with('\n') { "\n" } else { "" };
        if header(line).is_some() {
            // A new row, or a sub-table (`[baris.dinyatakan]`, …) whose keys are not the row's.
            current = None;
            out.push_str(line);
            continue;
        }
        let k = key(line);
        if k == Some("kode") {
            current_code = string_value(line).unwrap_or_default();
            current = finals.get(&current_code);
            out.push_str(line);
            continue;
        }
        if murni && k == Some("pagu_sesudah") {
            continue;
        }
        let replaced = match (current, k) {
            (Some(f), Some("pagu_sebelum" | "pagu")) if murni => f.pagu.as_ref().map(|p| format!("pagu = {p}")),
            (Some(f), Some("pagu")) => f.pagu.as_ref().map(|p| format!("pagu_sebelum = {p}")),
            (Some(f), Some("pagu_sebelum" | "pagu_sesudah")) => f.pagu.as_ref().map(|p| format!("{} = {p}", k.unwrap_or(""))),
            (Some(f), Some(name @ ("target_program" | "target_keluaran" | "target_hasil"))) if depth(line) == 0 => {
                let i = ["target_program", "target_keluaran", "target_hasil"].iter().position(|x| *x == name).unwrap_or(0);
                f.targets[i].as_ref().map(|t| if murni { format!("{name} = {}", toml_str(t)) } else { format!("{name} = {{ sebelum = {}, sesudah = {} }}", toml_str(t), toml_str(t)) })
            }
            _ => None,
        };
        match replaced {
            Some(r) => {
                out.push_str(&format!("{r}{nl}"));
                if !murni && matches!(k, Some("pagu_sebelum" | "pagu")) && !with_sesudah.contains(&current_code) {
                    out.push_str(&format!("{}{nl}", r.replacen("pagu_sebelum", "pagu_sesudah", 1)));
                }
            }
            None => out.push_str(line),
        }
    }
    out
}

/// Final Tabel 3.1 targets per indicator text from the base's JSON (a repeated text: in order).
pub fn finals_tujuan(json: &serde_json::Value, murni: bool) -> std::collections::BTreeMap<String, Vec<String>> {
    use serde_json::Value;
    let mut out: std::collections::BTreeMap<String, Vec<String>> = std::collections::BTreeMap::new();
    for r in json.pointer("/data/tujuan_sasaran/baris").and_then(Value::as_array).into_iter().flatten() {
        let Some(ind) = r.get("indikator").and_then(Value::as_str) else { continue };
        let after = r.get("target_perubahan").filter(|v| !v.is_null());
        let teks = |v: &Value| v.get("teks").and_then(Value::as_str).unwrap_or("").to_string();
        let v = match (after, murni) {
            (Some(a), false) => teks(a),
            (Some(a), true) if !teks(a).trim().is_empty() => teks(a),
            _ => r.get("target_renja").filter(|v| !v.is_null()).map(teks).unwrap_or_default(),
        };
        out.entry(ind.trim().to_string()).or_default().push(v);
    }
    out
}

/// Fills a Perubahan's Tabel 3.1: each indicator's target_renja and target_perubahan become the
/// base's final target.
pub fn fill_tujuan(text: &str, finals: &std::collections::BTreeMap<String, Vec<String>>) -> String {
    let mut finals = finals.clone();
    let mut out = String::with_capacity(text.len());
    let mut current: Option<String> = None;
    let mut in_indikator = false;
    for line in text.split_inclusive('\n') {
        let nl = if line.ends_with('\n') { "\n" } else { "" };
        if let Some(h) = header(line) {
            in_indikator = h.ends_with("indikator");
            if !h.ends_with("dinyatakan") {
                current = None;
            }
            out.push_str(line);
            continue;
        }
        let k = key(line);
        if in_indikator && k == Some("uraian") {
            current = string_value(line).and_then(|u| finals.get_mut(u.trim()).and_then(|l| (!l.is_empty()).then(|| l.remove(0))));
            out.push_str(line);
            continue;
        }
        match (&current, k) {
            (Some(_), Some("target_perubahan")) if in_indikator => {}
            (Some(t), Some("target_renja")) if in_indikator => {
                out.push_str(&format!("target_renja = {}{nl}", toml_str(t)));
                out.push_str(&format!("target_perubahan = {}\n", toml_str(t)));
            }
            _ => out.push_str(line),
        }
    }
    out
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

fn eval_seeds(json: &serde_json::Value, murni: bool) -> Vec<EvalSeed> {
    use serde_json::Value;
    let finals = finals_rencana(json, murni);
    let tc29 = json.pointer("/data/evaluasi/bentuk").and_then(Value::as_str) == Some("T-C.29");
    let mut before: std::collections::BTreeMap<String, (Option<String>, Option<String>)> = std::collections::BTreeMap::new();
    for r in json.pointer("/data/evaluasi/baris").and_then(Value::as_array).into_iter().flatten() {
        let Some(kode) = r.get("kode").and_then(Value::as_str) else { continue };
        let leaf = r.get("tingkat").and_then(Value::as_str) == Some("sub_kegiatan");
        let (t, p) = if tc29 { (r.pointer("/tc29/target_berjalan"), r.pointer("/tc29/pagu_berjalan")) } else { (r.get("target_lalu"), r.get("pagu_lalu")) };
        let t = t.and_then(|v| v.get("teks")).and_then(Value::as_str).filter(|s| !s.trim().is_empty()).map(str::to_string);
        let p = p.and_then(|v| v.get("nilai")).and_then(Value::as_str).filter(|n| leaf && n.chars().all(|c| c.is_ascii_digit())).map(str::to_string);
        before.insert(kode.to_string(), (t, p));
    }
    let mut out = Vec::new();
    for r in json.pointer("/data/rencana/baris").and_then(Value::as_array).into_iter().flatten() {
        let Some(kode) = r.get("kode").and_then(Value::as_str) else { continue };
        let (ind_key, ti) = match r.get("tingkat").and_then(Value::as_str) {
            Some("program") => ("capaian_program", 0),
            Some("kegiatan") => ("hasil", 2),
            Some("sub_kegiatan") => ("keluaran", 1),
            _ => continue,
        };
        let f = finals.get(kode);
        let (target_lalu, pagu_lalu) = before.get(kode).cloned().unwrap_or_default();
        out.push(EvalSeed {
            kode: kode.to_string(),
            leaf: ti == 1,
            indikator: r.get(ind_key).and_then(Value::as_str).unwrap_or("").to_string(),
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
pub fn evaluasi_triwulan(json: &serde_json::Value, murni: bool, tahun: i32, nomor: &str) -> String {
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
    for s in eval_seeds(json, murni) {
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
pub fn evaluasi_tc29(json: &serde_json::Value, murni: bool, tahun: i32, nomor: &str) -> String {
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
    for s in eval_seeds(json, murni) {
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

    #[test]
    fn fills_from_base() {
        let json = serde_json::json!({"data": {"rencana": {"baris": [
            {"kode": "1.01.01.2.01.0001", "tingkat": "sub_kegiatan",
             "pagu_sebelum": {"nilai": "5"}, "pagu_sesudah": {"nilai": "7"},
             "target_keluaran": {"sebelum": {"teks": "1 Dok"}, "sesudah": {"teks": "2 Dok"}}}]},
            "tujuan_sasaran": {"baris": [{"indikator": "IKU", "target_renja": {"teks": "1"}, "target_perubahan": {"teks": "2"}}]}}});
        let src = "[[baris]]\nkode = \"1.01.01.2.01.0001\"\ntarget_keluaran = { sebelum = \"x\", sesudah = \"y\" }\npagu_sebelum = 1\npagu_sesudah = 2\n[[baris]]\nkode = \"9\"\npagu_sebelum = 3\n";
        let out = fill_rencana(src, &finals_rencana(&json, false));
        assert_eq!(out, "[[baris]]\nkode = \"1.01.01.2.01.0001\"\ntarget_keluaran = { sebelum = \"2 Dok\", sesudah = \"2 Dok\" }\npagu_sebelum = 7\npagu_sesudah = 7\n[[baris]]\nkode = \"9\"\npagu_sebelum = 3\n");
        let lone = "[[baris]]\nkode = \"1.01.01.2.01.0001\"\npagu_sebelum = 1\n";
        assert_eq!(fill_rencana(lone, &finals_rencana(&json, false)), "[[baris]]\nkode = \"1.01.01.2.01.0001\"\npagu_sebelum = 7\npagu_sesudah = 7\n");
        let ts = "[[tujuan.indikator]]\nuraian = \"IKU\"\ntarget_renja = \"0\"\ntarget_perubahan = \"0\"\n";
        assert_eq!(fill_tujuan(ts, &finals_tujuan(&json, false)), "[[tujuan.indikator]]\nuraian = \"IKU\"\ntarget_renja = \"2\"\ntarget_perubahan = \"2\"\n");
    }

    #[test]
    fn plans() {
        assert_eq!(plan(2022, JenisEdisi::Murni, 0, Target::TahunBerikut), Plan { tahun: 2023, jenis: JenisEdisi::Murni, revisi: 0, geser_tahun: 1 });
        assert_eq!(plan(2022, JenisEdisi::Murni, 0, Target::Perubahan).revisi, 1);
        assert_eq!(plan(2022, JenisEdisi::Perubahan, 1, Target::Perubahan).revisi, 2);
    }

    #[test]
    fn clears_declared_and_realisasi() {
        let src = "[dinyatakan]\npagu = 5\n\n[[baris]]\nkode = \"1\"\nrealisasi_k = 3\nrealisasi_triwulan_rp = [\n  1,\n  2,\n]\ntarget = 4\ndinyatakan = { pagu = 1 }\n[baris.dinyatakan]\npagu = 7\n[[baris]]\nkode = \"2\" # [x]\n";
        let out = clear_data(src);
        assert_eq!(out, "\n[[baris]]\nkode = \"1\"\ntarget = 4\n[[baris]]\nkode = \"2\" # [x]\n");
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
}
