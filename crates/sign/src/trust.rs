//! Whether a signer's certificate is trusted (`renja verify --ca`): a path from the signer's
//! certificate, through the intermediate certificates carried in the signature, to one of the
//! certificates the user trusts (a root such as BSrE's, or an intermediate), each certificate
//! signed by the next, every issuer a CA, every certificate below the trusted one valid at the
//! time that is checked. The trusted certificates themselves are taken as given (trust anchors,
//! as in RFC 5280). Revocation (CRL, OCSP) is not checked: renja works offline.

use super::cms::{rsa_pkcs1_verifies, KeyProblem, RsaHash, SHA256_WITH_RSA};
use const_oid::ObjectIdentifier;
use der::{Decode, Encode};
use std::path::Path;
use std::time::SystemTime;
use x509_cert::ext::pkix::BasicConstraints;
use x509_cert::Certificate;

const SHA384_WITH_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.12");
const SHA512_WITH_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.13");
/// Longest path tried (signer, intermediates, anchor).
const MAX_DEPTH: usize = 8;

/// Why trusted certificates could not be read, or why a signer's certificate is not trusted.
/// The Display text is the Indonesian message shown to users.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TrustError {
    #[error("'{path}' tidak dapat dibaca: {reason}")]
    Unreadable { path: String, reason: String },
    #[error("'{path}' bukan sertifikat X.509 (PEM atau DER): {reason}")]
    NotCertificate { path: String, reason: String },
    #[error("rantai sertifikat lebih panjang dari {max}")]
    TooLong { max: usize },
    #[error("rantai berujung pada akar '{root}', yang bukan sertifikat tepercaya (--ca)")]
    UntrustedRoot { root: String },
    #[error("'{issuer}' menerbitkan '{subject}' tetapi bukan CA")]
    IssuerNotCa { issuer: String, subject: String },
    #[error("penerbit '{issuer}' dari sertifikat '{subject}' tidak ada di antara sertifikat tepercaya (--ca) maupun sertifikat dalam tanda tangan")]
    UnknownIssuer { issuer: String, subject: String },
    #[error("sertifikat '{name}' belum berlaku pada waktu yang diperiksa (berlaku mulai {from})")]
    NotYetValid { name: String, from: String },
    #[error("sertifikat '{name}' sudah kedaluwarsa pada waktu yang diperiksa (berlaku sampai {until})")]
    Expired { name: String, until: String },
    #[error("algoritma tanda tangan sertifikat {oid} belum didukung (hanya RSA dengan SHA-256/384/512)")]
    UnsupportedAlgorithm { oid: String },
    #[error("kunci penerbit '{issuer}' bukan RSA (belum didukung)")]
    IssuerKeyNotRsa { issuer: String },
    /// A certificate that could not be re-encoded (DER).
    #[error("{0}")]
    Encoding(String),
}

impl From<TrustError> for String {
    fn from(e: TrustError) -> String {
        e.to_string()
    }
}

/// Reads trusted certificates from a PEM file (one or more `CERTIFICATE` blocks) or a DER file.
pub fn load_anchors(path: &Path) -> Result<Vec<Certificate>, TrustError> {
    let bytes = std::fs::read(path).map_err(|e| TrustError::Unreadable { path: path.display().to_string(), reason: e.to_string() })?;
    let invalid = |e: String| TrustError::NotCertificate { path: path.display().to_string(), reason: e };
    if bytes.windows(11).any(|w| w == b"-----BEGIN ") {
        // At least one CERTIFICATE block, so the chain below is never empty.
        if !bytes.windows(27).any(|w| w == b"-----BEGIN CERTIFICATE-----") {
            return Err(invalid("tidak ada blok 'BEGIN CERTIFICATE' (berkas kunci?)".into()));
        }
        Certificate::load_pem_chain(&bytes).map_err(|e| invalid(e.to_string()))
    } else {
        Ok(vec![Certificate::from_der(&bytes).map_err(|e| invalid(e.to_string()))?])
    }
}

/// The path from `signer` to a trusted certificate, as the certificates' common names (signer
/// first, the trusted one last); or why there is none, in Bahasa Indonesia. `pool` holds the
/// certificates carried in the signature; `at` is the time the certificates must be valid at.
pub fn judge(signer: &Certificate, pool: &[Certificate], anchors: &[Certificate], at: SystemTime) -> Result<Vec<String>, TrustError> {
    let name = super::credentials::common_name;
    let mut path = vec![signer];
    loop {
        let cert = *path.last().expect("path starts with the signer");
        if anchors.contains(cert) {
            return Ok(path.iter().map(|c| name(c)).collect());
        }
        valid_at(cert, at)?;
        if path.len() >= MAX_DEPTH {
            return Err(TrustError::TooLong { max: MAX_DEPTH });
        }
        let issuer = &cert.tbs_certificate.issuer;
        if issuer == &cert.tbs_certificate.subject && signed_by(cert, cert).unwrap_or(false) {
            return Err(TrustError::UntrustedRoot { root: name(cert) });
        }
        // A trusted certificate that issued this one ends the path.
        if let Some(anchor) = anchors.iter().find(|a| &a.tbs_certificate.subject == issuer && signed_by(cert, a).unwrap_or(false)) {
            path.push(anchor);
            return Ok(path.iter().map(|c| name(c)).collect());
        }
        // Otherwise an intermediate CA carried in the signature.
        let next = pool
            .iter()
            .filter(|c| !path.contains(c))
            .find(|c| &c.tbs_certificate.subject == issuer && signed_by(cert, c).unwrap_or(false));
        match next {
            Some(c) if is_ca(c) => path.push(c),
            Some(c) => return Err(TrustError::IssuerNotCa { issuer: name(c), subject: name(cert) }),
            None => {
                // Say why: an unknown issuer, or a known name whose signature does not match.
                if let Some(e) = anchors.iter().chain(pool).filter(|c| &c.tbs_certificate.subject == issuer).find_map(|c| signed_by(cert, c).err()) {
                    return Err(e);
                }
                return Err(TrustError::UnknownIssuer { issuer: issuer.to_string(), subject: name(cert) });
            }
        }
    }
}

fn valid_at(cert: &Certificate, at: SystemTime) -> Result<(), TrustError> {
    let v = &cert.tbs_certificate.validity;
    let (from, until) = (v.not_before.to_system_time(), v.not_after.to_system_time());
    let name = super::credentials::common_name(cert);
    if at < from {
        return Err(TrustError::NotYetValid { name, from: super::time::display_utc(from) });
    }
    if at > until {
        return Err(TrustError::Expired { name, until: super::time::display_utc(until) });
    }
    Ok(())
}

fn is_ca(cert: &Certificate) -> bool {
    cert.tbs_certificate
        .get::<BasicConstraints>()
        .ok()
        .flatten()
        .is_some_and(|(_, bc)| bc.ca)
}

/// Whether `issuer`'s key made `cert`'s signature. An error when the algorithm is not supported.
fn signed_by(cert: &Certificate, issuer: &Certificate) -> Result<bool, TrustError> {
    let oid = cert.signature_algorithm.oid;
    let hash = if oid == SHA256_WITH_RSA {
        RsaHash::Sha256
    } else if oid == SHA384_WITH_RSA {
        RsaHash::Sha384
    } else if oid == SHA512_WITH_RSA {
        RsaHash::Sha512
    } else {
        return Err(TrustError::UnsupportedAlgorithm { oid: oid.to_string() });
    };
    let tbs = cert.tbs_certificate.to_der().map_err(|e| TrustError::Encoding(e.to_string()))?;
    let Some(sig) = cert.signature.as_bytes() else { return Ok(false) };
    match rsa_pkcs1_verifies(&issuer.tbs_certificate.subject_public_key_info, hash, &tbs, sig) {
        Ok(ok) => Ok(ok),
        Err(KeyProblem::Malformed) => Ok(false),
        Err(KeyProblem::NotRsa) => Err(TrustError::IssuerKeyNotRsa { issuer: super::credentials::common_name(issuer) }),
    }
}
