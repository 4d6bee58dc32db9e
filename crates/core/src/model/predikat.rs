//! The rating scale of Permendagri 86/2017, Tabel T-E.1, with the configurable rule for values
//! that fall in the gaps of the scale (90–91, 75–76, 65–66, 50–51).

use crate::source::schema::PredikatCelah;
use rust_decimal::Decimal;
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Predikat {
    ST,
    T,
    S,
    R,
    SR,
}

impl Predikat {
    pub fn kode(self) -> &'static str {
        match self {
            Predikat::ST => "ST",
            Predikat::T => "T",
            Predikat::S => "S",
            Predikat::R => "R",
            Predikat::SR => "SR",
        }
    }

    /// The class name in lowercase, as running text uses it.
    pub fn nama(self) -> &'static str {
        match self {
            Predikat::ST => "sangat tinggi",
            Predikat::T => "tinggi",
            Predikat::S => "sedang",
            Predikat::R => "rendah",
            Predikat::SR => "sangat rendah",
        }
    }

    pub fn from_kode(s: &str) -> Option<Predikat> {
        let compact: String = s.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_uppercase();
        match compact.as_str() {
            "ST" => Some(Predikat::ST),
            "T" => Some(Predikat::T),
            "S" => Some(Predikat::S),
            "R" => Some(Predikat::R),
            "SR" => Some(Predikat::SR),
            _ => None,
        }
    }

    /// Rates an attainment percentage (already × 100).
    pub fn of(capaian: Decimal, rule: PredikatCelah) -> Predikat {
        let d = Decimal::from;
        match rule {
            PredikatCelah::Turun => lower_bounds(capaian),
            PredikatCelah::Bulatkan => lower_bounds(crate::format::round(capaian, 0)),
            PredikatCelah::Naik => {
                if capaian > d(90) {
                    Predikat::ST
                } else if capaian > d(75) {
                    Predikat::T
                } else if capaian > d(65) {
                    Predikat::S
                } else if capaian > d(50) {
                    Predikat::R
                } else {
                    Predikat::SR
                }
            }
        }
    }
}

fn lower_bounds(x: Decimal) -> Predikat {
    let d = Decimal::from;
    if x >= d(91) {
        Predikat::ST
    } else if x >= d(76) {
        Predikat::T
    } else if x >= d(66) {
        Predikat::S
    } else if x >= d(51) {
        Predikat::R
    } else {
        Predikat::SR
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;
    use Predikat::*;

    fn rate(x: &str, rule: PredikatCelah) -> Predikat {
        Predikat::of(Decimal::from_str(x).unwrap(), rule)
    }

    #[test]
    fn boundaries_under_each_rule() {
        // value, turun (default), naik, bulatkan
        let cases = [
            ("50", SR, SR, SR),
            ("50.52", SR, R, R),
            ("51", R, R, R),
            ("65", R, R, R),
            ("65.5", R, S, S),
            ("66", S, S, S),
            ("75", S, S, S),
            ("76", T, T, T),
            ("90", T, T, T),
            ("90.5", T, ST, ST),
            ("91", ST, ST, ST),
            ("100", ST, ST, ST),
            ("101.45", ST, ST, ST),
            ("0", SR, SR, SR),
            ("50.4", SR, R, SR),
            ("75.49", S, T, S),
        ];
        for (x, turun, naik, bulat) in cases {
            assert_eq!(rate(x, PredikatCelah::Turun), turun, "turun {x}");
            assert_eq!(rate(x, PredikatCelah::Naik), naik, "naik {x}");
            assert_eq!(rate(x, PredikatCelah::Bulatkan), bulat, "bulatkan {x}");
        }
    }

    #[test]
    fn codes() {
        assert_eq!(Predikat::from_kode("S R"), Some(SR));
        assert_eq!(Predikat::from_kode("st"), Some(ST));
        assert_eq!(Predikat::from_kode("X"), None);
        assert_eq!(SR.nama(), "sangat rendah");
    }
}
