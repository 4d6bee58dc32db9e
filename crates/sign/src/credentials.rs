//! The signer's credentials: an RSA private key and its certificate chain, from a PKCS#12 file
//! or PEM files, checked before anything is signed (password, validity period, key matches the
//! certificate). Messages never contain the password or key material.

use der::{Decode, Encode};
use rsa::RsaPrivateKey;
use rsa::pkcs1::DecodeRsaPrivateKey;
use rsa::pkcs8::DecodePrivateKey;
use std::path::Path;
use std::time::SystemTime;
use x509_cert::Certificate;

/// A private key with the signer certificate first, then its chain.
pub struct Credentials {
    pub key: RsaPrivateKey,
    pub cert: Certificate,
    pub chain: Vec<Certificate>,
}

/// Where the key comes from.
pub enum KeySource<'a> {
    Pkcs12(&'a Path),
    Pem { key: &'a Path, cert: &'a Path, chain: &'a [std::path::PathBuf] },
}

/// Why credentials could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// A key or certificate file could not be read (exit 2).
    #[error("{what} '{}' tidak dapat dibaca: {source}", .path.display())]
    Io { what: &'static str, path: std::path::PathBuf, source: std::io::Error },
    /// The password could not be asked for: the caller's own message (no terminal, empty input).
    #[error("{0}")]
    Password(String),
    /// A wrong password, a bad or expired certificate, a mismatched key (exit 1).
    #[error(transparent)]
    Invalid(#[from] CredentialError),
}

/// Why a key and certificate are not usable: a key or certificate file that does not parse, a
/// PKCS#12 file that does not open, or a
/// certificate that is not valid now or does not match the key. The Display text is the
/// Indonesian message shown to users; it becomes [`LoadError::Invalid`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CredentialError {
    #[error("kunci privat '{path}' bukan berkas PEM")]
    KeyNotPem { path: String },
    #[error("kata sandi kunci privat '{path}' salah, atau kunci bukan RSA")]
    WrongKeyPassword { path: String },
    #[error("kunci privat '{path}' tidak dapat dibaca")]
    UnreadablePkcs1Key { path: String },
    #[error("kunci privat '{path}' tidak dapat dibaca (diharapkan kunci RSA dalam PEM PKCS#8 atau PKCS#1)")]
    UnreadableKey { path: String },
    #[error("sertifikat '{path}' bukan sertifikat X.509 dalam PEM")]
    CertificateNotPem { path: String },
    #[error("sertifikat '{path}' kosong")]
    EmptyCertificate { path: String },
    #[error("rantai sertifikat '{path}' bukan sertifikat X.509 dalam PEM")]
    ChainNotPem { path: String },
    #[error("kata sandi {label} salah")]
    WrongPassword { label: String },
    #[error("{label} tidak dapat dibuka (kata sandi salah atau berkas rusak)")]
    Unopenable { label: String },
    #[error("{label} tidak berisi kunci privat dengan sertifikatnya")]
    NoKey { label: String },
    #[error("kunci privat dalam {label} bukan kunci RSA yang didukung")]
    UnsupportedKey { label: String },
    #[error("sertifikat dalam {label} tidak dapat dibaca")]
    UnreadableCertificate { label: String },
    #[error("{label} tidak berisi sertifikat penandatangan")]
    NoCertificate { label: String },
    #[error("sertifikat '{cn}' sudah kedaluwarsa sejak {until}; minta sertifikat baru, tidak ada berkas yang ditulis")]
    Expired { cn: String, until: String },
    #[error("sertifikat '{cn}' baru berlaku mulai {from}; tidak ada berkas yang ditulis")]
    NotYetValid { cn: String, from: String },
    #[error("kunci publik tidak dapat disusun")]
    PublicKey,
    #[error("sertifikat rusak")]
    BrokenCertificate,
    #[error("kunci privat tidak cocok dengan sertifikat '{cn}'; tidak ada berkas yang ditulis")]
    KeyMismatch { cn: String },
}

fn read(path: &Path, what: &'static str) -> Result<Vec<u8>, LoadError> {
    std::fs::read(path).map_err(|source| LoadError::Io { what, path: path.to_path_buf(), source })
}

/// Loads and checks the credentials. `password` is asked for only when needed (PKCS#12, or an
/// encrypted PEM key).
pub fn load(source: &KeySource, password: &mut dyn FnMut() -> Result<String, String>, now: SystemTime) -> Result<Credentials, LoadError> {
    let creds = match source {
        KeySource::Pkcs12(path) => {
            let data = read(path, "berkas PKCS#12")?;
            let pw = password().map_err(LoadError::Password)?;
            pkcs12(&data, &pw, &format!("berkas PKCS#12 '{}'", path.display()))?
        }
        KeySource::Pem { key, cert, chain } => {
            let key_text =
                String::from_utf8(read(key, "kunci privat")?).map_err(|_| CredentialError::KeyNotPem { path: key.display().to_string() })?;
            let private = if key_text.contains("ENCRYPTED PRIVATE KEY") {
                let pw = password().map_err(LoadError::Password)?;
                RsaPrivateKey::from_pkcs8_encrypted_pem(&key_text, pw.as_bytes())
                    .map_err(|_| CredentialError::WrongKeyPassword { path: key.display().to_string() })?
            } else if key_text.contains("BEGIN RSA PRIVATE KEY") {
                RsaPrivateKey::from_pkcs1_pem(&key_text).map_err(|_| CredentialError::UnreadablePkcs1Key { path: key.display().to_string() })?
            } else {
                RsaPrivateKey::from_pkcs8_pem(&key_text)
                    .map_err(|_| CredentialError::UnreadableKey { path: key.display().to_string() })?
            };
            let cert_pem = read(cert, "sertifikat")?;
            let mut certs = Certificate::load_pem_chain(&cert_pem).map_err(|_| CredentialError::CertificateNotPem { path: cert.display().to_string() })?;
            if certs.is_empty() {
                return Err(CredentialError::EmptyCertificate { path: cert.display().to_string() }.into());
            }
            let signer = certs.remove(0);
            for c in chain.iter() {
                let pem = read(c, "rantai sertifikat")?;
                certs.extend(Certificate::load_pem_chain(&pem).map_err(|_| CredentialError::ChainNotPem { path: c.display().to_string() })?);
            }
            Credentials { key: private, cert: signer, chain: certs }
        }
    };
    check(&creds, now)?;
    Ok(creds)
}

/// Loads and checks credentials from the bytes of a PKCS#12 file (e.g. one sent to the service
/// for one request, never written to disk). `label` names the file in messages.
pub fn from_pkcs12(data: &[u8], password: &str, label: &str, now: SystemTime) -> Result<Credentials, LoadError> {
    let creds = pkcs12(data, password, label)?;
    check(&creds, now)?;
    Ok(creds)
}

fn pkcs12(data: &[u8], pw: &str, label: &str) -> Result<Credentials, CredentialError> {
    let label = || label.to_string();
    let store = p12_keystore::KeyStore::from_pkcs12(data, pw).map_err(|e| match e {
        p12_keystore::error::Error::MacError(_) => CredentialError::WrongPassword { label: label() },
        _ => CredentialError::Unopenable { label: label() },
    })?;
    let (_, chain) = store.private_key_chain().ok_or_else(|| CredentialError::NoKey { label: label() })?;
    let key = RsaPrivateKey::from_pkcs8_der(chain.key()).map_err(|_| CredentialError::UnsupportedKey { label: label() })?;
    let mut certs = Vec::new();
    for c in chain.chain() {
        certs.push(Certificate::from_der(c.as_der()).map_err(|_| CredentialError::UnreadableCertificate { label: label() })?);
    }
    if certs.is_empty() {
        return Err(CredentialError::NoCertificate { label: label() });
    }
    let cert = certs.remove(0);
    Ok(Credentials { key, cert, chain: certs })
}

/// The certificate's common name (or the whole subject when there is none).
pub fn common_name(cert: &Certificate) -> String {
    for rdn in cert.tbs_certificate.subject.0.iter() {
        for atv in rdn.0.iter() {
            if atv.oid == const_oid::db::rfc4519::CN {
                if let Ok(s) = der::asn1::Utf8StringRef::try_from(&atv.value) {
                    return s.as_str().to_string();
                }
                if let Ok(s) = der::asn1::PrintableStringRef::try_from(&atv.value) {
                    return s.as_str().to_string();
                }
            }
        }
    }
    cert.tbs_certificate.subject.to_string()
}

/// Validity period and key/certificate match.
fn check(creds: &Credentials, now: SystemTime) -> Result<(), CredentialError> {
    let validity = &creds.cert.tbs_certificate.validity;
    let not_before = validity.not_before.to_system_time();
    let not_after = validity.not_after.to_system_time();
    let cn = common_name(&creds.cert);
    if now > not_after {
        return Err(CredentialError::Expired { cn, until: super::time::display_utc(not_after) });
    }
    if now < not_before {
        return Err(CredentialError::NotYetValid { cn, from: super::time::display_utc(not_before) });
    }
    let public = rsa::RsaPublicKey::from(&creds.key);
    let spki = rsa::pkcs8::EncodePublicKey::to_public_key_der(&public).map_err(|_| CredentialError::PublicKey)?;
    let cert_spki = creds.cert.tbs_certificate.subject_public_key_info.to_der().map_err(|_| CredentialError::BrokenCertificate)?;
    if spki.as_bytes() != cert_spki.as_slice() {
        return Err(CredentialError::KeyMismatch { cn });
    }
    Ok(())
}
