//! Comparing values a source printed (`dinyatakan`) with the computed ones. Every difference is
//! a warning quoting both values and the difference; an unreadable printed value is reported too.

use crate::diag::{Diagnostics, SourceFile};
use crate::format;
use crate::model::predikat::Predikat;
use crate::model::value::{Persen, Rupiah, Tercetak};
use toml::Spanned;

/// Compares a printed amount with the computed one.
pub fn rupiah(file: &SourceFile, decl: Option<&Spanned<Tercetak>>, computed: Rupiah, what: &str, diags: &mut Diagnostics) {
    let Some(decl) = decl else { return };
    let loc = file.loc_of(&decl.span());
    match decl.get_ref().as_rupiah() {
        Ok(v) => {
            if v != computed.value() {
                let diff = v - computed.value();
                diags.warning(
                    loc,
                    format!(
                        "{what} tercetak {} berbeda dari hasil hitung {} (selisih {})",
                        format::angka_dp(v, 0),
                        format::angka_dp(computed.value(), 0),
                        format::angka_dp(diff, 0)
                    ),
                );
            }
        }
        Err(msg) => {
            diags
                .warning(loc, format!("{what} tercetak tidak terbaca: {msg}"))
                .with_hint(format!("hasil hitung: {}", format::angka_dp(computed.value(), 0)));
        }
    }
}

/// Compares a printed percentage, at the precision it was printed with.
pub fn persen(file: &SourceFile, decl: Option<&Spanned<Tercetak>>, computed: Option<Persen>, what: &str, diags: &mut Diagnostics) {
    let Some(decl) = decl else { return };
    let loc = file.loc_of(&decl.span());
    let printed = decl.get_ref().teks();
    let parsed = decl.get_ref().as_number();
    match (parsed, computed) {
        (Ok((v, dp)), Some(c)) => {
            let rounded = format::round(c.value(), dp);
            if rounded != v {
                let diff = v - c.value();
                diags.warning(
                    loc,
                    format!(
                        "{what} tercetak {} % berbeda dari hasil hitung {} % (selisih {} poin)",
                        printed,
                        format::persen_angka(c.value()),
                        format::persen_angka(diff)
                    ),
                );
            }
        }
        (Ok(_), None) => {
            diags.warning(
                loc,
                format!("{what} tercetak {printed} %, padahal capaian tidak terdefinisi (target atau pagu 0); dicetak '-'"),
            );
        }
        (Err(msg), c) => {
            let d = diags.warning(loc, format!("{what} tercetak tidak terbaca: {msg}"));
            if let Some(c) = c {
                d.with_hint(format!("hasil hitung: {} %", format::persen_angka(c.value())));
            }
        }
    }
}

/// Compares a printed predikat.
pub fn predikat(file: &SourceFile, decl: Option<&Spanned<Tercetak>>, computed: Option<Predikat>, what: &str, diags: &mut Diagnostics) {
    let Some(decl) = decl else { return };
    let loc = file.loc_of(&decl.span());
    let printed = decl.get_ref().teks();
    match (Predikat::from_kode(&printed), computed) {
        (Some(p), Some(c)) if p != c => {
            diags.warning(loc, format!("{what} tercetak {} berbeda dari hasil hitung {}", p.kode(), c.kode()));
        }
        (Some(_), Some(_)) => {}
        (Some(p), None) => {
            diags.warning(loc, format!("{what} tercetak {}, padahal capaian tidak terdefinisi", p.kode()));
        }
        (None, _) => {
            diags.warning(loc, format!("{what} tercetak '{printed}' bukan predikat; yang diharapkan ST, T, S, R atau SR"));
        }
    }
}
