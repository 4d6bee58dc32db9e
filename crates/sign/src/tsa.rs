//! RFC 3161 time-stamp requests over HTTP (PAdES B-T): one POST of a TimeStampReq for the
//! SHA-256 of the signature value; the granted token is returned for the CMS unsigned
//! attributes. Only plain HTTP is supported (TSAs commonly serve it; the token is signed).

use der::asn1::{Any, OctetString};
use der::{Decode, Encode};
use sha2::{Digest, Sha256};
use spki::AlgorithmIdentifierOwned;
use std::time::Duration;
use x509_tsp::{MessageImprint, TimeStampReq, TimeStampResp, TspVersion};

/// Why no timestamp token was obtained. The Display text is the Indonesian message shown to
/// users.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TsaError {
    #[error("alamat TSA '{url}' tidak didukung: gunakan http:// (token TSA sendiri sudah bertanda tangan)")]
    UnsupportedUrl { url: String },
    #[error("TSA '{url}' tidak dapat dihubungi: {reason}")]
    Unreachable { url: String, reason: String },
    #[error("jawaban TSA '{url}' tidak dapat dibaca: {reason}")]
    UnreadableResponse { url: String, reason: String },
    #[error("jawaban TSA '{url}' bukan TimeStampResp: {reason}")]
    NotTimeStampResp { url: String, reason: String },
    #[error("TSA '{url}' menolak permintaan stempel waktu (status {status})")]
    Rejected { url: String, status: String },
    #[error("TSA '{url}' tidak mengirim token")]
    NoToken { url: String },
    /// The request or the token could not be encoded (DER).
    #[error("{0}")]
    Encoding(String),
}

fn enc(e: der::Error) -> TsaError {
    TsaError::Encoding(e.to_string())
}

/// Requests a timestamp token for `imprint` (a SHA-256 digest) from the TSA at `url`.
pub fn request(url: &str, imprint: &[u8]) -> Result<cms::content_info::ContentInfo, TsaError> {
    if !url.starts_with("http://") {
        return Err(TsaError::UnsupportedUrl { url: url.to_string() });
    }
    // A nonce derived from the imprint: unique per signature, no randomness needed.
    let nonce_bytes = Sha256::digest(imprint);
    let mut nonce = nonce_bytes[..8].to_vec();
    nonce[0] &= 0x7f;
    let req = TimeStampReq {
        version: TspVersion::V1,
        message_imprint: MessageImprint {
            hash_algorithm: AlgorithmIdentifierOwned { oid: const_oid::db::rfc5912::ID_SHA_256, parameters: None },
            hashed_message: OctetString::new(imprint.to_vec()).map_err(enc)?,
        },
        req_policy: None,
        nonce: Some(der::asn1::Int::new(&nonce).map_err(enc)?),
        cert_req: true,
        extensions: None,
    };
    let body = req.to_der().map_err(enc)?;
    let mut resp = ureq::post(url)
        .config()
        .timeout_global(Some(Duration::from_secs(20)))
        .build()
        .header("Content-Type", "application/timestamp-query")
        .send(&body[..])
        .map_err(|e| TsaError::Unreachable { url: url.to_string(), reason: e.to_string() })?;
    let bytes = resp.body_mut().read_to_vec().map_err(|e| TsaError::UnreadableResponse { url: url.to_string(), reason: e.to_string() })?;
    let parsed = TimeStampResp::from_der(&bytes).map_err(|e| TsaError::NotTimeStampResp { url: url.to_string(), reason: e.to_string() })?;
    let status = format!("{:?}", parsed.status.status);
    if status != "Accepted" && status != "GrantedWithMods" {
        return Err(TsaError::Rejected { url: url.to_string(), status });
    }
    let token = parsed.time_stamp_token.ok_or_else(|| TsaError::NoToken { url: url.to_string() })?;
    // Re-encode through Any so the token is kept exactly as received.
    let der = token.to_der().map_err(enc)?;
    let _ = Any::from_der(&der).map_err(enc)?;
    Ok(token)
}
