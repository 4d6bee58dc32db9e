//! Reading a workbook (xlsx, xls, ods) with calamine into plain sheets: cell values with their
//! absolute positions, merged regions and visibility. Every failure is one Indonesian sentence.

use calamine::{Data, Dimensions, Reader, SheetType, SheetVisible, Sheets};
use std::io::Cursor;
use std::path::Path;

/// One worksheet.
pub struct Lembar {
    pub nama: String,
    pub tersembunyi: bool,
    pub sel: calamine::Range<Data>,
    /// Merged regions (xlsx and xls; none known for other formats).
    pub gabung: Vec<Dimensions>,
}

impl Lembar {
    /// The value at an absolute (row, column), 0-based.
    pub fn nilai(&self, r: u32, c: u32) -> &Data {
        static EMPTY: Data = Data::Empty;
        self.sel.get_value((r, c)).unwrap_or(&EMPTY)
    }

    /// Last used row and column (0-based), if the sheet has any cell.
    pub fn akhir(&self) -> Option<(u32, u32)> {
        self.sel.end()
    }

    /// `Lembar!B17`, quoting the sheet name when it needs quotes.
    pub fn sel_ref(&self, r: u32, c: u32) -> String {
        sel_ref(&self.nama, r, c)
    }
}

pub fn sel_ref(sheet: &str, r: u32, c: u32) -> String {
    let plain = sheet.chars().all(|ch| ch.is_alphanumeric() || ch == '_');
    let name = if plain { sheet.to_string() } else { format!("'{}'", sheet.replace('\'', "''")) };
    format!("{name}!{}{}", kolom_huruf(c), r + 1)
}

/// Column letters of a 0-based column: 0 → A, 27 → AB.
pub fn kolom_huruf(mut c: u32) -> String {
    let mut s = Vec::new();
    loop {
        s.push(b'A' + (c % 26) as u8);
        if c < 26 {
            break;
        }
        c = c / 26 - 1;
    }
    s.reverse();
    String::from_utf8(s).unwrap_or_default()
}

/// Column letters → 0-based column ("A" → 0, "AB" → 27).
pub fn huruf_kolom(s: &str) -> Option<u32> {
    if s.is_empty() || s.len() > 3 || !s.bytes().all(|b| b.is_ascii_uppercase()) {
        return None;
    }
    let mut n: u32 = 0;
    for b in s.bytes() {
        n = n * 26 + u32::from(b - b'A' + 1);
    }
    Some(n - 1)
}

/// Reads every worksheet of the workbook at `path`.
pub fn baca(path: &Path) -> Result<Vec<Lembar>, String> {
    let shown = path.display();
    let bytes = std::fs::read(path).map_err(|e| format!("{shown}: berkas tidak dapat dibaca: {e}"))?;
    if bytes.is_empty() {
        return Err(format!("{shown}: berkas kosong (0 byte); yang diharapkan buku kerja .xlsx, .xls atau .ods"));
    }
    let zip = bytes.starts_with(b"PK\x03\x04");
    let cfb = bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]);
    if !zip && !cfb {
        let head: String = bytes.iter().take(8).map(|b| format!("{b:02X}")).collect::<Vec<_>>().join(" ");
        return Err(format!(
            "{shown}: bukan buku kerja: berkas .xlsx/.ods adalah arsip zip dan .xls berkas OLE, tetapi berkas ini diawali byte {head}"
        ));
    }
    if cfb {
        // An encrypted xlsx is an OLE file holding an EncryptedPackage.
        if let Err(calamine::XlsxError::Password) = calamine::Xlsx::new(Cursor::new(bytes.clone())) {
            return Err(password(&shown.to_string()));
        }
    }
    let mut wb: Sheets<Cursor<Vec<u8>>> = match calamine::open_workbook_auto_from_rs(Cursor::new(bytes)) {
        Ok(wb) => wb,
        Err(e) => {
            let msg = e.to_string();
            if msg.to_lowercase().contains("password") {
                return Err(password(&shown.to_string()));
            }
            return Err(format!("{shown}: buku kerja tidak dapat dibaca (rusak atau bukan .xlsx/.xls/.ods): {msg}"));
        }
    };
    let meta: Vec<calamine::Sheet> = wb.sheets_metadata().to_vec();
    let mut out = Vec::new();
    for s in meta {
        if s.typ != SheetType::WorkSheet {
            continue;
        }
        let sel = wb.worksheet_range(&s.name).map_err(|e| {
            let m = e.to_string();
            if m.to_lowercase().contains("password") { password(&shown.to_string()) } else { format!("{shown}: lembar '{}' tidak dapat dibaca: {m}", s.name) }
        })?;
        let gabung = match &mut wb {
            Sheets::Xlsx(x) => x.merge_cells_by_sheet_name(&s.name).unwrap_or_default(),
            Sheets::Xls(x) => x.merge_cells_by_sheet_name(&s.name).unwrap_or_default(),
            _ => Vec::new(),
        };
        out.push(Lembar { nama: s.name, tersembunyi: s.visible != SheetVisible::Visible, sel, gabung });
    }
    if out.is_empty() {
        return Err(format!("{shown}: buku kerja tidak memiliki lembar kerja"));
    }
    Ok(out)
}

fn password(shown: &str) -> String {
    format!("{shown}: buku kerja dilindungi kata sandi (terenkripsi) dan tidak dapat dibaca; simpan salinan tanpa kata sandi lalu impor salinan itu")
}

/// The text of a cell as a header label or code (numbers without grouping).
pub fn teks(d: &Data) -> String {
    match d {
        Data::Empty => String::new(),
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) => f.to_string(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(d) => d.as_f64().to_string(),
        Data::Error(e) => format!("#{e:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_letters() {
        assert_eq!(kolom_huruf(0), "A");
        assert_eq!(kolom_huruf(25), "Z");
        assert_eq!(kolom_huruf(26), "AA");
        assert_eq!(kolom_huruf(27), "AB");
        for c in [0, 5, 25, 26, 27, 701, 702] {
            assert_eq!(huruf_kolom(&kolom_huruf(c)), Some(c));
        }
        assert_eq!(sel_ref("Renja", 16, 1), "Renja!B17");
        assert_eq!(sel_ref("Tabel 3.4", 0, 0), "'Tabel 3.4'!A1");
    }
}
