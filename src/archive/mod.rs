//! The archive of editions: immutable, content-addressed files plus one SQLite database.
