//! `renja new DIR --from ID`: a new edition folder derived from an archived one — next year's
//! murni (default) or the Perubahan of the same year. Narrative, legal bases, organisation and
//! program tree are carried over as they are; `edisi.toml` gets the new year, jenis, revision,
//! advanced dates and `dasar = "ID"`; every realisasi and every declared (`dinyatakan`) value is
//! removed from the data files. Edits are made on the text, line by line, so comments and layout
//! of the sources survive.

use crate::compute::akhir::ModelTersimpan;

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
    pub jenis: &'static str,
    pub revisi: u32,
    /// Years to add to dates (`[pengesahan] tanggal`, `waktu_terbit`).
    pub geser_tahun: i32,
}

pub fn plan(tahun: i32, jenis: &str, revisi: u32, target: Target) -> Plan {
    match target {
        Target::TahunBerikut => Plan { tahun: tahun + 1, jenis: "murni", revisi: 0, geser_tahun: 1 },
        Target::Perubahan => Plan { tahun, jenis: "perubahan", revisi: if jenis == "perubahan" { revisi + 1 } else { 1 }, geser_tahun: 0 },
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

/// Rewrites `edisi.toml` for the plan: tahun, jenis, revisi and tahap in `[edisi]`, `dasar`
/// recorded, dates moved by `geser_tahun` years.
pub fn edit_edisi(text: &str, p: &Plan, dasar: &str) -> String {
    let mut out = String::with_capacity(text.len() + 64);
    let mut section = String::new();
    let mut wrote_dasar = false;
    let shift_date = |v: &str| -> String {
        // A TOML date or datetime starting with YYYY-: move the year.
        let v = v.trim();
        match v.get(..4).and_then(|y| y.parse::<i32>().ok()) {
            Some(y) if v.as_bytes().get(4) == Some(&b'-') => format!("{}{}", y + p.geser_tahun, &v[4..]),
            _ => v.to_string(),
        }
    };
    for line in text.split_inclusive('\n') {
        let nl = if line.ends_with('\n') { "\n" } else { "" };
        if let Some(h) = header(line) {
            if section == "edisi" && !wrote_dasar {
                out.push_str(&format!("dasar = \"{dasar}\"\n"));
                wrote_dasar = true;
            }
            section = h;
            out.push_str(line);
            continue;
        }
        let value = line.find('=').map(|i| line[i + 1..].trim_end_matches('\n').to_string());
        let new = match (section.as_str(), key(line), value) {
            ("edisi", Some("tahun"), _) => Some(format!("tahun = {}", p.tahun)),
            ("edisi", Some("jenis"), _) => Some(format!("jenis = \"{}\"", p.jenis)),
            ("edisi", Some("revisi"), _) => Some(format!("revisi = {}", p.revisi)),
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
    if section == "edisi" && !wrote_dasar {
        if !out.ends_with('\n') {
            out.push('\n');
        }
        out.push_str(&format!("dasar = \"{dasar}\"\n"));
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

/// Final values per sub kegiatan code from the base edition's stored model, as a Perubahan's
/// Sebelum (and starting Sesudah) values: the one rule of [`crate::compute::akhir`].
pub fn finals_rencana(model: &ModelTersimpan) -> std::collections::BTreeMap<String, RowFinal> {
    let jenis = model.edisi.jenis;
    let mut out = std::collections::BTreeMap::new();
    for r in model.sub_kegiatan() {
        // Whole rupiah only (amounts with cents are left as written).
        let pagu = r.pagu_akhir(jenis).and_then(|p| p.nilai).filter(|n| n.fract().is_zero() && !n.is_sign_negative()).map(|n| n.trunc().normalize().to_string());
        let targets = [&r.target_program, &r.target_keluaran, &r.target_hasil].map(|t| t.akhir(jenis).map(|v| v.teks.clone()));
        out.insert(r.kode.clone(), RowFinal { pagu, targets });
    }
    out
}

/// Fills a Perubahan's Tabel 3.4 from its base: for every sub kegiatan row the base knows, the
/// pagu sebelum and sesudah become the base's final pagu, and each target's sebelum and sesudah
/// the base's final target (single-line inline tables only).
pub fn fill_rencana(text: &str, finals: &std::collections::BTreeMap<String, RowFinal>) -> String {
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
        let replaced = match (current, k) {
            (Some(f), Some("pagu_sebelum" | "pagu_sesudah")) => f.pagu.as_ref().map(|p| format!("{} = {p}", k.unwrap_or(""))),
            (Some(f), Some(name @ ("target_program" | "target_keluaran" | "target_hasil"))) if depth(line) == 0 => {
                let i = ["target_program", "target_keluaran", "target_hasil"].iter().position(|x| *x == name).unwrap_or(0);
                f.targets[i].as_ref().map(|t| format!("{name} = {{ sebelum = {}, sesudah = {} }}", toml_str(t), toml_str(t)))
            }
            _ => None,
        };
        match replaced {
            Some(r) => {
                out.push_str(&format!("{r}{nl}"));
                if k == Some("pagu_sebelum") && !with_sesudah.contains(&current_code) {
                    out.push_str(&format!("{}{nl}", r.replacen("pagu_sebelum", "pagu_sesudah", 1)));
                }
            }
            None => out.push_str(line),
        }
    }
    out
}

/// Final Tabel 3.1 targets per indicator text from the base's stored model (a repeated text: in
/// order), by the one rule of [`crate::compute::akhir`].
pub fn finals_tujuan(model: &ModelTersimpan) -> std::collections::BTreeMap<String, Vec<String>> {
    let mut out: std::collections::BTreeMap<String, Vec<String>> = std::collections::BTreeMap::new();
    for r in model.indikator() {
        let Some(ind) = &r.indikator else { continue };
        let v = r.target_akhir(model.edisi.jenis).map(|t| t.teks.clone()).unwrap_or_default();
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
            (Some(t), Some(name @ ("target_renja" | "target_perubahan"))) if in_indikator => out.push_str(&format!("{name} = {}{nl}", toml_str(t))),
            _ => out.push_str(line),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fills_from_base() {
        let json = serde_json::json!({"edisi": {"tahun": 2022, "jenis": "perubahan"}, "data": {"rencana": {"baris": [
            {"kode": "1.01.01.2.01.0001", "tingkat": "sub_kegiatan",
             "pagu_sebelum": {"nilai": "5", "teks": "5"}, "pagu_sesudah": {"nilai": "7", "teks": "7"},
             "target_keluaran": {"sebelum": {"teks": "1 Dok"}, "sesudah": {"teks": "2 Dok"}}}]},
            "tujuan_sasaran": {"baris": [{"indikator": "IKU", "target_renja": {"teks": "1"}, "target_perubahan": {"teks": "2"}}]}}});
        let src = "[[baris]]\nkode = \"1.01.01.2.01.0001\"\ntarget_keluaran = { sebelum = \"x\", sesudah = \"y\" }\npagu_sebelum = 1\npagu_sesudah = 2\n[[baris]]\nkode = \"9\"\npagu_sebelum = 3\n";
        let model = ModelTersimpan::baca(&serde_json::to_vec(&json).unwrap()).unwrap();
        let out = fill_rencana(src, &finals_rencana(&model));
        assert_eq!(out, "[[baris]]\nkode = \"1.01.01.2.01.0001\"\ntarget_keluaran = { sebelum = \"2 Dok\", sesudah = \"2 Dok\" }\npagu_sebelum = 7\npagu_sesudah = 7\n[[baris]]\nkode = \"9\"\npagu_sebelum = 3\n");
        let lone = "[[baris]]\nkode = \"1.01.01.2.01.0001\"\npagu_sebelum = 1\n";
        assert_eq!(fill_rencana(lone, &finals_rencana(&model)), "[[baris]]\nkode = \"1.01.01.2.01.0001\"\npagu_sebelum = 7\npagu_sesudah = 7\n");
        let ts = "[[tujuan.indikator]]\nuraian = \"IKU\"\ntarget_renja = \"0\"\ntarget_perubahan = \"0\"\n";
        assert_eq!(fill_tujuan(ts, &finals_tujuan(&model)), "[[tujuan.indikator]]\nuraian = \"IKU\"\ntarget_renja = \"2\"\ntarget_perubahan = \"2\"\n");
    }

    #[test]
    fn plans() {
        assert_eq!(plan(2022, "murni", 0, Target::TahunBerikut), Plan { tahun: 2023, jenis: "murni", revisi: 0, geser_tahun: 1 });
        assert_eq!(plan(2022, "murni", 0, Target::Perubahan).revisi, 1);
        assert_eq!(plan(2022, "perubahan", 1, Target::Perubahan).revisi, 2);
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
        let p = plan(2022, "perubahan", 1, Target::TahunBerikut);
        let out = edit_edisi(src, &p, "2022-perubahan-r1-abc");
        assert_eq!(
            out,
            "[edisi]\ntahun = 2023\njenis = \"murni\"\nrevisi = 0\ndasar = \"2022-perubahan-r1-abc\"\ntahap = \"Rancangan Awal\"\n\n[pengesahan]\ntanggal = 2023-08-25\n"
        );
    }
}
