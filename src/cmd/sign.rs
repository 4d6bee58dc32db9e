//! `renja sign` (not yet implemented).

#[derive(clap::Args)]
pub struct Args {}

pub fn run(_args: Args) -> i32 {
    eprintln!("error: perintah `sign` belum tersedia");
    2
}
