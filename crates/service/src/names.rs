//! File names of an edition: only the known layout is accepted, never a path that could leave the
//! edition folder. `edisi.toml`; `bab/NAMA.md`; `data/NAMA.toml`; images (`.png`, `.jpg`,
//! `.jpeg`) at the top or in one folder (`gambar/logo.png`). NAMA is lower-case letters, digits,
//! `-`, `_` and `.` (not leading), at most 100 characters.

/// Checks a relative file name; the error (in Bahasa Indonesia) says what is expected.
pub fn validate(path: &str) -> Result<(), String> {
    const EXPECTED: &str = "yang diterima: edisi.toml, bab/NAMA.md, data/NAMA.toml, atau gambar PNG/JPEG (mis. gambar/logo.png); \
                            NAMA berisi huruf kecil, angka, '-', '_' atau '.'";
    let bad = |why: &str| Err(format!("nama berkas '{}' ditolak: {why}; {EXPECTED}", path.chars().take(200).collect::<String>()));
    if path.is_empty() || path.len() > 200 {
        return bad("panjang tidak sah");
    }
    let segs: Vec<&str> = path.split('/').collect();
    for s in &segs {
        if s.is_empty() || s.starts_with('.') || !s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"-_.".contains(&b)) {
            return bad("bagian nama tidak sah (mis. '..', '/' di awal, huruf besar atau karakter lain)");
        }
    }
    let ext = path.rsplit_once('.').map(|(_, e)| e).unwrap_or("");
    let image = matches!(ext, "png" | "jpg" | "jpeg");
    let ok = match segs.as_slice() {
        ["edisi.toml"] => true,
        ["bab", _] => ext == "md",
        ["data", _] => ext == "toml",
        [_] | [_, _] => image,
        _ => false,
    };
    if ok { Ok(()) } else { bad("tidak termasuk tata letak edisi") }
}

/// Whether a file is text the editor may send as a string.
pub fn is_text(path: &str) -> bool {
    path.ends_with(".md") || path.ends_with(".toml")
}

#[cfg(test)]
mod tests {
    use super::validate;

    #[test]
    fn layout_only() {
        for ok in ["edisi.toml", "bab/01-pendahuluan.md", "data/rencana.toml", "gambar/logo.png", "logo.jpg"] {
            assert!(validate(ok).is_ok(), "{ok}");
        }
        for bad in ["../edisi.toml", "/etc/passwd", "bab/../../x.md", "bab/.x.md", "data/x.md", "bab/X.md", "a/b/c.png", "x.toml", "bab//a.md", "", "bab\\a.md", "bab/a.md\0"] {
            assert!(validate(bad).is_err(), "{bad}");
        }
    }
}
