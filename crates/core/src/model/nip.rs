//! NIP (Nomor Induk Pegawai) validation: 18 digits — birth date YYYYMMDD, CPNS start YYYYMM,
//! sex 1/2, serial 3 digits.

/// Why a NIP is not valid; each message names the NIP as written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NipError {
    #[error("NIP '{0}' mengandung karakter selain angka")]
    BukanAngka(String),
    #[error("NIP '{teks}' terdiri atas {digit} digit; yang diharapkan 18 digit")]
    Panjang { teks: String, digit: usize },
    #[error("NIP '{teks}': tanggal lahir '{lahir}' bukan tanggal yang sah (YYYYMMDD)")]
    TanggalLahir { teks: String, lahir: String },
    #[error("NIP '{teks}': TMT CPNS '{tmt}' bukan bulan yang sah (YYYYMM)")]
    TmtCpns { teks: String, tmt: String },
    #[error("NIP '{teks}': TMT CPNS {tmt} kurang dari 15 tahun setelah tahun lahir {lahir}")]
    TmtTerlaluDini { teks: String, tmt: u32, lahir: u32 },
    #[error("NIP '{teks}': digit jenis kelamin '{digit}' tidak sah; yang diharapkan 1 atau 2")]
    JenisKelamin { teks: String, digit: String },
}

/// Returns the 18 digits of a valid NIP (spaces removed).
pub fn validate(text: &str) -> Result<String, NipError> {
    let d: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    if !d.bytes().all(|b| b.is_ascii_digit()) {
        return Err(NipError::BukanAngka(text.to_string()));
    }
    if d.len() != 18 {
        return Err(NipError::Panjang { teks: text.to_string(), digit: d.len() });
    }
    let num = |r: std::ops::Range<usize>| d[r].parse::<u32>().unwrap_or(0);
    let (y, m, day) = (num(0..4), num(4..6), num(6..8));
    if !(1900..=2100).contains(&y) || !(1..=12).contains(&m) || day < 1 || day > days_in_month(y, m) {
        return Err(NipError::TanggalLahir { teks: text.to_string(), lahir: d[0..8].to_string() });
    }
    let (cy, cm) = (num(8..12), num(12..14));
    if !(1900..=2100).contains(&cy) || !(1..=12).contains(&cm) {
        return Err(NipError::TmtCpns { teks: text.to_string(), tmt: d[8..14].to_string() });
    }
    if cy < y + 15 {
        return Err(NipError::TmtTerlaluDini { teks: text.to_string(), tmt: cy, lahir: y });
    }
    let sex = &d[14..15];
    if sex != "1" && sex != "2" {
        return Err(NipError::JenisKelamin { teks: text.to_string(), digit: sex.to_string() });
    }
    Ok(d)
}

fn days_in_month(y: u32, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nip() {
        assert_eq!(validate("196407311990031007").unwrap(), "196407311990031007");
        assert_eq!(validate("19640731 199003 1 007").unwrap(), "196407311990031007");
        assert_eq!(validate("19640731199003100"), Err(NipError::Panjang { teks: "19640731199003100".into(), digit: 17 }));
        assert_eq!(
            validate("196407311990033007").unwrap_err().to_string(),
            "NIP '196407311990033007': digit jenis kelamin '3' tidak sah; yang diharapkan 1 atau 2"
        );
        assert!(validate("196413311990031007").is_err()); // month 13
        assert!(validate("196402301990031007").is_err()); // 30 February
        assert!(validate("196407311990033007").is_err()); // sex 3
        assert!(validate("196407311990131007").is_err()); // CPNS month 13
        assert!(validate("19640731199003100X").is_err());
    }
}
