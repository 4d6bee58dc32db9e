//! `renja new DIR --from ID`: a new edition folder derived from an archived one — next year's
//! murni (default) or the Perubahan of the same year. Narrative, legal bases, organisation and
//! program tree are carried over as they are; `edisi.toml` gets the new year, jenis, revision,
//! advanced dates and `dasar = "ID"`; every realisasi and every declared (`dinyatakan`) value is
//! removed from the data files. Edits are made on the text, line by line, so comments and layout
//! of the sources survive.

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
        } else if skipping_table {
            continue;
        }
        if let Some(k) = key(line)
            && (k == "dinyatakan" || realisasi_key(k))
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

#[cfg(test)]
mod tests {
    use super::*;

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
        assert_eq!(out, "[[baris]]\nkode = \"1\"\ntarget = 4\n[[baris]]\nkode = \"2\" # [x]\n");
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
