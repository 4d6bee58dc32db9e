//! `renja new DIR --from ID`: a new edition folder derived from an archived one (next year's
//! murni, or the Perubahan of the same year), its base edition recorded.
