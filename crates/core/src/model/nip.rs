//! NIP (Nomor Induk Pegawai) validation: 18 digits — birth date YYYYMMDD, CPNS start YYYYMM,
//! sex 1/2, serial 3 digits.

/// Returns the 18 digits of a valid NIP (spaces removed) or an Indonesian message.
pub fn validate(text: &str) -> Result<String, String> {
    let d: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    if !d.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("NIP '{text}' mengandung karakter selain angka"));
    }
    if d.len() != 18 {
        return Err(format!("NIP '{text}' terdiri atas {} digit; yang diharapkan 18 digit", d.len()));
    }
    let num = |r: std::ops::Range<usize>| d[r].parse::<u32>().unwrap_or(0);
    let (y, m, day) = (num(0..4), num(4..6), num(6..8));
    if !(1900..=2100).contains(&y) || !(1..=12).contains(&m) || day < 1 || day > days_in_month(y, m) {
        return Err(format!("NIP '{text}': tanggal lahir '{}' bukan tanggal yang sah (YYYYMMDD)", &d[0..8]));
    }
    let (cy, cm) = (num(8..12), num(12..14));
    if !(1900..=2100).contains(&cy) || !(1..=12).contains(&cm) {
        return Err(format!("NIP '{text}': TMT CPNS '{}' bukan bulan yang sah (YYYYMM)", &d[8..14]));
    }
    if cy < y + 15 {
        return Err(format!("NIP '{text}': TMT CPNS {cy} kurang dari 15 tahun setelah tahun lahir {y}"));
    }
    let sex = &d[14..15];
    if sex != "1" && sex != "2" {
        return Err(format!("NIP '{text}': digit jenis kelamin '{sex}' tidak sah; yang diharapkan 1 atau 2"));
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
        assert!(validate("19640731199003100").is_err()); // 17 digits
        assert!(validate("196413311990031007").is_err()); // month 13
        assert!(validate("196402301990031007").is_err()); // 30 February
        assert!(validate("196407311990033007").is_err()); // sex 3
        assert!(validate("196407311990131007").is_err()); // CPNS month 13
        assert!(validate("19640731199003100X").is_err());
    }
}
