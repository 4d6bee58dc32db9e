//! CMS SignedData for PAdES (ETSI.CAdES.detached): building it over a digest with the signed
//! attributes PAdES baseline B-B requires (content type, message digest, ESS
//! signing-certificate-v2; no signing-time), adding an RFC 3161 signature timestamp (B-T), and
//! checking one when verifying.

use cms::cert::{CertificateChoices, IssuerAndSerialNumber};
use cms::content_info::{CmsVersion, ContentInfo};
use cms::signed_data::{CertificateSet, EncapsulatedContentInfo, SignedData, SignerIdentifier, SignerInfo};
use const_oid::ObjectIdentifier;
use const_oid::db::rfc5911::{ID_CONTENT_TYPE, ID_DATA, ID_MESSAGE_DIGEST, ID_SIGNED_DATA};
use der::asn1::{Any, OctetString, SetOfVec};
use der::{Decode, Encode, Sequence};
use rsa::signature::{SignatureEncoding, Signer, Verifier};
use sha2::{Digest, Sha256};
use spki::AlgorithmIdentifierOwned;
use x509_cert::attr::Attribute;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::serial_number::SerialNumber;
use x509_cert::Certificate;

/// id-aa-signingCertificateV2 (RFC 5035)
pub const ID_AA_SIGNING_CERTIFICATE_V2: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.2.47");
/// id-aa-signatureTimeStampToken (RFC 3161)
pub const ID_AA_TIME_STAMP_TOKEN: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.2.14");
const ID_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.1");
pub(super) const SHA256_WITH_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.11");
const RSA_ENCRYPTION: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
const ID_CT_TST_INFO: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.1.4");

#[derive(Sequence)]
struct IssuerSerial {
    issuer: Vec<GeneralName>,
    serial_number: SerialNumber,
}

#[derive(Sequence)]
struct EssCertIdV2 {
    // hashAlgorithm DEFAULT sha256: omitted.
    cert_hash: OctetString,
    issuer_serial: IssuerSerial,
}

#[derive(Sequence)]
struct SigningCertificateV2 {
    certs: Vec<EssCertIdV2>,
}

fn sha256_alg() -> AlgorithmIdentifierOwned {
    AlgorithmIdentifierOwned { oid: ID_SHA256, parameters: None }
}

/// Why a CMS signature could not be built, timestamped or read. The Display text is the
/// Indonesian message shown to users.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CmsError {
    #[error("struktur tanda tangan (CMS) tidak dapat disusun: {0}")]
    Build(String),
    /// A signed attribute whose value set could not be built.
    #[error("{0}")]
    Attribute(String),
    #[error("penandatanganan RSA gagal")]
    RsaSigning,
    #[error("isi tanda tangan bukan CMS: {0}")]
    NotCms(String),
    #[error("isi tanda tangan bukan CMS SignedData")]
    NotSignedData,
    #[error("CMS SignedData rusak: {0}")]
    Corrupt(String),
    #[error("CMS tanpa SignerInfo")]
    NoSignerInfo,
    #[error("sertifikat penandatangan tidak ada dalam tanda tangan")]
    SignerCertMissing,
    #[error("tanda tangan tanpa atribut bertanda tangan")]
    NoSignedAttributes,
    #[error("kunci penandatangan bukan RSA (belum didukung)")]
    SignerKeyNotRsa,
    #[error("kunci publik sertifikat rusak")]
    MalformedKey,
    /// A timestamp token that is not valid for the signature (reported among the problems of
    /// [`Checked`], not as a failed verification).
    #[error("{0}")]
    Timestamp(String),
    #[error(transparent)]
    Tsa(#[from] super::tsa::TsaError),
}

impl From<CmsError> for String {
    fn from(e: CmsError) -> String {
        e.to_string()
    }
}

fn attribute(oid: ObjectIdentifier, value: Any) -> Result<Attribute, CmsError> {
    let values = SetOfVec::try_from(vec![value]).map_err(|e| CmsError::Attribute(e.to_string()))?;
    Ok(Attribute { oid, values })
}

fn der_err(e: der::Error) -> CmsError {
    CmsError::Build(e.to_string())
}

/// Builds the detached CMS SignedData (as DER ContentInfo) over `digest` (SHA-256 of the
/// signed byte ranges).
pub fn sign(creds: &super::credentials::Credentials, digest: &[u8]) -> Result<Vec<u8>, CmsError> {
    let cert_der = creds.cert.to_der().map_err(der_err)?;
    let ess = SigningCertificateV2 {
        certs: vec![EssCertIdV2 {
            cert_hash: OctetString::new(Sha256::digest(&cert_der).to_vec()).map_err(der_err)?,
            issuer_serial: IssuerSerial {
                issuer: vec![GeneralName::DirectoryName(creds.cert.tbs_certificate.issuer.clone())],
                serial_number: creds.cert.tbs_certificate.serial_number.clone(),
            },
        }],
    };
    let signed: SetOfVec<Attribute> = SetOfVec::try_from(vec![
        attribute(ID_CONTENT_TYPE, Any::encode_from(&ID_DATA).map_err(der_err)?)?,
        attribute(ID_MESSAGE_DIGEST, Any::encode_from(&OctetString::new(digest.to_vec()).map_err(der_err)?).map_err(der_err)?)?,
        attribute(ID_AA_SIGNING_CERTIFICATE_V2, Any::encode_from(&ess).map_err(der_err)?)?,
    ])
    .map_err(der_err)?;
    let to_sign = signed.to_der().map_err(der_err)?;
    let key = rsa::pkcs1v15::SigningKey::<Sha256>::new(creds.key.clone());
    let signature = key.try_sign(&to_sign).map_err(|_| CmsError::RsaSigning)?.to_vec();

    let signer_info = SignerInfo {
        version: CmsVersion::V1,
        sid: SignerIdentifier::IssuerAndSerialNumber(IssuerAndSerialNumber {
            issuer: creds.cert.tbs_certificate.issuer.clone(),
            serial_number: creds.cert.tbs_certificate.serial_number.clone(),
        }),
        digest_alg: sha256_alg(),
        signed_attrs: Some(signed),
        signature_algorithm: AlgorithmIdentifierOwned { oid: SHA256_WITH_RSA, parameters: Some(Any::null()) },
        signature: OctetString::new(signature).map_err(der_err)?,
        unsigned_attrs: None,
    };
    let mut certs = vec![CertificateChoices::Certificate(creds.cert.clone())];
    certs.extend(creds.chain.iter().cloned().map(CertificateChoices::Certificate));
    let signed_data = SignedData {
        version: CmsVersion::V1,
        digest_algorithms: SetOfVec::try_from(vec![sha256_alg()]).map_err(der_err)?,
        encap_content_info: EncapsulatedContentInfo { econtent_type: ID_DATA, econtent: None },
        certificates: Some(CertificateSet(SetOfVec::try_from(certs).map_err(der_err)?)),
        crls: None,
        signer_infos: cms::signed_data::SignerInfos(SetOfVec::try_from(vec![signer_info]).map_err(der_err)?),
    };
    wrap(&signed_data)
}

fn wrap(signed_data: &SignedData) -> Result<Vec<u8>, CmsError> {
    ContentInfo { content_type: ID_SIGNED_DATA, content: Any::encode_from(signed_data).map_err(der_err)? }
        .to_der()
        .map_err(der_err)
}

fn unwrap(cms_der: &[u8]) -> Result<SignedData, CmsError> {
    let ci = ContentInfo::from_der(cms_der).map_err(|e| CmsError::NotCms(e.to_string()))?;
    if ci.content_type != ID_SIGNED_DATA {
        return Err(CmsError::NotSignedData);
    }
    ci.content.decode_as::<SignedData>().map_err(|e| CmsError::Corrupt(e.to_string()))
}

/// Asks a TSA for a timestamp over the signature value and adds it as an unsigned attribute.
pub fn add_timestamp(cms_der: &[u8], tsa_url: &str) -> Result<Vec<u8>, CmsError> {
    let mut sd = unwrap(cms_der)?;
    let mut infos: Vec<SignerInfo> = sd.signer_infos.0.into_vec();
    let info = infos.first_mut().ok_or(CmsError::NoSignerInfo)?;
    let imprint = Sha256::digest(info.signature.as_bytes());
    let token = super::tsa::request(tsa_url, &imprint)?;
    let attr = attribute(ID_AA_TIME_STAMP_TOKEN, Any::encode_from(&token).map_err(der_err)?)?;
    info.unsigned_attrs = Some(SetOfVec::try_from(vec![attr]).map_err(der_err)?);
    sd.signer_infos = cms::signed_data::SignerInfos(SetOfVec::try_from(infos).map_err(der_err)?);
    wrap(&sd)
}

/// What verification found in one CMS signature.
#[derive(Debug, Clone)]
pub struct Checked {
    pub signer: String,
    pub issuer: String,
    pub digest_ok: bool,
    pub signature_ok: bool,
    pub ess_ok: bool,
    /// Timestamp time (RFC 3339) when a valid signature timestamp is present.
    pub timestamp: Option<String>,
    /// The same time, for checking certificates against it.
    pub timestamp_at: Option<std::time::SystemTime>,
    /// A timestamp is present but does not match the signature or its own signature is bad.
    pub timestamp_bad: bool,
    pub problems: Vec<String>,
    /// The signer's certificate and every certificate carried in the signature (for
    /// [`super::trust::judge`]).
    pub signer_cert: Certificate,
    pub certificates: Vec<Certificate>,
}

fn find_cert<'a>(certs: &'a [Certificate], sid: &SignerIdentifier) -> Option<&'a Certificate> {
    certs.iter().find(|c| match sid {
        SignerIdentifier::IssuerAndSerialNumber(ias) => {
            c.tbs_certificate.issuer == ias.issuer && c.tbs_certificate.serial_number == ias.serial_number
        }
        SignerIdentifier::SubjectKeyIdentifier(_) => false,
    })
}

fn certificates(sd: &SignedData) -> Vec<Certificate> {
    sd.certificates
        .as_ref()
        .map(|set| {
            set.0
                .iter()
                .filter_map(|c| match c {
                    CertificateChoices::Certificate(c) => Some(c.clone()),
                    _ => None,
                })
                .collect()
        })
        .unwrap_or_default()
}

fn attr_value<'a>(attrs: &'a SetOfVec<Attribute>, oid: ObjectIdentifier) -> Option<&'a Any> {
    attrs.iter().find(|a| a.oid == oid).and_then(|a| a.values.iter().next())
}

/// The hash of an RSA PKCS#1 v1.5 signature.
#[derive(Debug, Clone, Copy)]
pub(super) enum RsaHash {
    Sha256,
    Sha384,
    Sha512,
}

/// Why a certificate's key cannot check a signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum KeyProblem {
    /// Not an RSA key (not supported).
    NotRsa,
    /// An RSA key that cannot be decoded.
    Malformed,
}

/// Whether `sig` is an RSA PKCS#1 v1.5 signature over `data` by the key `spki` (a malformed
/// signature value is simply not one).
pub(super) fn rsa_pkcs1_verifies(spki: &spki::SubjectPublicKeyInfoOwned, hash: RsaHash, data: &[u8], sig: &[u8]) -> Result<bool, KeyProblem> {
    if spki.algorithm.oid != RSA_ENCRYPTION {
        return Err(KeyProblem::NotRsa);
    }
    let key_der = spki.to_der().map_err(|_| KeyProblem::Malformed)?;
    let public = <rsa::RsaPublicKey as rsa::pkcs8::DecodePublicKey>::from_public_key_der(&key_der).map_err(|_| KeyProblem::Malformed)?;
    let Ok(sig) = rsa::pkcs1v15::Signature::try_from(sig) else { return Ok(false) };
    Ok(match hash {
        RsaHash::Sha256 => rsa::pkcs1v15::VerifyingKey::<Sha256>::new(public).verify(data, &sig).is_ok(),
        RsaHash::Sha384 => rsa::pkcs1v15::VerifyingKey::<sha2::Sha384>::new(public).verify(data, &sig).is_ok(),
        RsaHash::Sha512 => rsa::pkcs1v15::VerifyingKey::<sha2::Sha512>::new(public).verify(data, &sig).is_ok(),
    })
}

/// Checks the signed-attributes signature of one SignerInfo against its certificate.
fn check_signer(info: &SignerInfo, cert: &Certificate) -> Result<bool, CmsError> {
    let Some(attrs) = &info.signed_attrs else {
        return Ok(false);
    };
    let data = attrs.to_der().map_err(der_err)?;
    rsa_pkcs1_verifies(&cert.tbs_certificate.subject_public_key_info, RsaHash::Sha256, &data, info.signature.as_bytes()).map_err(|e| match e {
        KeyProblem::NotRsa => CmsError::SignerKeyNotRsa,
        KeyProblem::Malformed => CmsError::MalformedKey,
    })
}

/// Verifies a detached CMS signature over `digest` (SHA-256 of the signed byte ranges).
pub fn verify(cms_der: &[u8], digest: &[u8]) -> Result<Checked, CmsError> {
    let sd = unwrap(cms_der)?;
    let certs = certificates(&sd);
    let info = sd.signer_infos.0.iter().next().ok_or(CmsError::NoSignerInfo)?;
    let cert = find_cert(&certs, &info.sid).ok_or(CmsError::SignerCertMissing)?;
    let mut problems = Vec::new();
    if info.digest_alg.oid != ID_SHA256 {
        problems.push("algoritma hash bukan SHA-256".to_string());
    }
    let attrs = info.signed_attrs.as_ref().ok_or(CmsError::NoSignedAttributes)?;
    let digest_ok = attr_value(attrs, ID_MESSAGE_DIGEST)
        .and_then(|v| v.decode_as::<OctetString>().ok())
        .is_some_and(|d| d.as_bytes() == digest);
    if !digest_ok {
        problems.push("hash dokumen tidak cocok: isi yang ditandatangani telah berubah".into());
    }
    let signature_ok = check_signer(info, cert)?;
    if !signature_ok {
        problems.push("nilai tanda tangan tidak sah untuk sertifikat penandatangan".into());
    }
    let cert_der = cert.to_der().map_err(der_err)?;
    let ess_ok = attr_value(attrs, ID_AA_SIGNING_CERTIFICATE_V2)
        .and_then(|v| v.decode_as::<SigningCertificateV2>().ok())
        .and_then(|s| s.certs.into_iter().next())
        .is_some_and(|c| c.cert_hash.as_bytes() == Sha256::digest(&cert_der).as_slice());
    if !ess_ok {
        problems.push("atribut signing-certificate-v2 tidak ada atau tidak cocok (bukan PAdES)".into());
    }
    let (mut timestamp_at, mut timestamp_bad) = (None, false);
    if let Some(token) = info.unsigned_attrs.as_ref().and_then(|u| attr_value(u, ID_AA_TIME_STAMP_TOKEN)) {
        match check_timestamp(token, info.signature.as_bytes()) {
            Ok(t) => timestamp_at = Some(t),
            Err(e) => {
                timestamp_bad = true;
                problems.push(format!("stempel waktu tidak sah: {e}"));
            }
        }
    }
    Ok(Checked {
        signer: super::credentials::common_name(cert),
        issuer: cert.tbs_certificate.issuer.to_string(),
        digest_ok,
        signature_ok,
        ess_ok,
        timestamp: timestamp_at.map(super::time::iso),
        timestamp_at,
        timestamp_bad,
        problems,
        signer_cert: cert.clone(),
        certificates: certs.clone(),
    })
}

/// Checks an RFC 3161 token over `signature`: the imprint matches and the TSA's signature over
/// its signed attributes is valid. Returns the token's time.
fn check_timestamp(token: &Any, signature: &[u8]) -> Result<std::time::SystemTime, CmsError> {
    let ts = |m: &str| CmsError::Timestamp(m.to_string());
    let ci: ContentInfo = token.decode_as().map_err(|e| ts(&e.to_string()))?;
    let sd = ci.content.decode_as::<SignedData>().map_err(|e| ts(&e.to_string()))?;
    if sd.encap_content_info.econtent_type != ID_CT_TST_INFO {
        return Err(ts("token bukan TSTInfo"));
    }
    let content = sd.encap_content_info.econtent.as_ref().ok_or_else(|| ts("TSTInfo kosong"))?;
    let tst_der = content.decode_as::<OctetString>().map_err(|e| ts(&e.to_string()))?;
    let tst = x509_tsp::TstInfo::from_der(tst_der.as_bytes()).map_err(|e| ts(&e.to_string()))?;
    if tst.message_imprint.hashed_message.as_bytes() != Sha256::digest(signature).as_slice() {
        return Err(ts("stempel waktu bukan untuk tanda tangan ini"));
    }
    let info = sd.signer_infos.0.iter().next().ok_or_else(|| ts("token tanpa SignerInfo"))?;
    let certs = certificates(&sd);
    let cert = find_cert(&certs, &info.sid).ok_or_else(|| ts("sertifikat TSA tidak ada dalam token"))?;
    let attrs = info.signed_attrs.as_ref().ok_or_else(|| ts("token tanpa atribut bertanda tangan"))?;
    let digest_ok = attr_value(attrs, ID_MESSAGE_DIGEST)
        .and_then(|v| v.decode_as::<OctetString>().ok())
        .is_some_and(|d| d.as_bytes() == Sha256::digest(tst_der.as_bytes()).as_slice());
    if !digest_ok || !check_signer(info, cert)? {
        return Err(ts("tanda tangan TSA tidak sah"));
    }
    Ok(tst.gen_time.to_system_time())
}
