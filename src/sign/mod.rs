//! PAdES signing and verification of the final PDF: an incremental update with a signature
//! field, a visible appearance and a CMS SignedData over the whole file but the signature value.
