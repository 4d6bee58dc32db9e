//! Signing time: the clock read once per signature, written as a PDF date (UTC) and shown in
//! the appearance in Indonesian local time (WIB, WITA or WIT).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Civil date and time (UTC) from a system time.
pub fn civil(t: SystemTime) -> (i64, u32, u32, u32, u32, u32) {
    let secs = t.duration_since(UNIX_EPOCH).unwrap_or(Duration::ZERO).as_secs() as i64;
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Howard Hinnant's days-to-civil algorithm.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d, (rem / 3600) as u32, (rem % 3600 / 60) as u32, (rem % 60) as u32)
}

/// `D:20261128114507+00'00'`
pub fn pdf_date(t: SystemTime) -> String {
    let (y, mo, d, h, mi, s) = civil(t);
    format!("D:{y:04}{mo:02}{d:02}{h:02}{mi:02}{s:02}+00'00'")
}

/// `2026-11-28T11:45:07Z`
pub fn iso(t: SystemTime) -> String {
    let (y, mo, d, h, mi, s) = civil(t);
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z")
}

/// "28 November 2026 11:45:07 UTC"
pub fn display_utc(t: SystemTime) -> String {
    let (y, mo, d, h, mi, s) = civil(t);
    format!("{} {h:02}:{mi:02}:{s:02} UTC", renja_core::format::tanggal(y as i32, mo as u8, d as u8))
}

/// Indonesian time zones.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Zona {
    /// Waktu Indonesia Barat (UTC+7)
    Wib,
    /// Waktu Indonesia Tengah (UTC+8)
    Wita,
    /// Waktu Indonesia Timur (UTC+9)
    Wit,
}

impl Zona {
    /// The time zone of a province (Undang-Undang/Keppres 41/1987 zones; WIB when unknown).
    pub fn of_province(provinsi: Option<&str>) -> Zona {
        let p = provinsi.unwrap_or("").to_lowercase();
        let p = p.trim();
        if p.starts_with("maluku") || p.starts_with("papua") {
            Zona::Wit
        } else if p == "bali"
            || p.starts_with("nusa tenggara")
            || p.starts_with("sulawesi")
            || p == "gorontalo"
            || ["kalimantan selatan", "kalimantan timur", "kalimantan utara"].contains(&p)
        {
            Zona::Wita
        } else {
            Zona::Wib
        }
    }

    /// Parses "WIB", "WITA" or "WIT".
    pub fn from_label(s: &str) -> Option<Zona> {
        match s {
            "WIB" => Some(Zona::Wib),
            "WITA" => Some(Zona::Wita),
            "WIT" => Some(Zona::Wit),
            _ => None,
        }
    }

    fn offset_hours(self) -> u64 {
        match self {
            Zona::Wib => 7,
            Zona::Wita => 8,
            Zona::Wit => 9,
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Zona::Wib => "WIB",
            Zona::Wita => "WITA",
            Zona::Wit => "WIT",
        }
    }
}

/// "28 November 2026 19:45:07 WITA"
pub fn display_local(t: SystemTime, zona: Zona) -> String {
    let (y, mo, d, h, mi, s) = civil(t + Duration::from_secs(zona.offset_hours() * 3600));
    format!("{} {h:02}:{mi:02}:{s:02} {}", renja_core::format::tanggal(y as i32, mo as u8, d as u8), zona.label())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates() {
        assert_eq!(civil(UNIX_EPOCH), (1970, 1, 1, 0, 0, 0));
        // 2024-02-29T23:59:59Z
        assert_eq!(civil(UNIX_EPOCH + Duration::from_secs(1_709_251_199)), (2024, 2, 29, 23, 59, 59));
        assert_eq!(pdf_date(UNIX_EPOCH + Duration::from_secs(1_709_251_199)), "D:20240229235959+00'00'");
        assert_eq!(Zona::of_province(Some("Kalimantan Timur")), Zona::Wita);
        assert_eq!(Zona::of_province(Some("Papua Barat Daya")), Zona::Wit);
        assert_eq!(Zona::of_province(Some("Jawa Barat")), Zona::Wib);
        assert_eq!(Zona::of_province(None), Zona::Wib);
        assert_eq!(display_local(UNIX_EPOCH + Duration::from_secs(1_709_251_199), Zona::Wita), "1 Maret 2024 07:59:59 WITA");
    }
}
