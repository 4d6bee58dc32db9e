//! `renja archive` (not yet implemented).

#[derive(clap::Args)]
pub struct Args {}

pub fn run(_args: Args) -> i32 {
    eprintln!("error: perintah `archive` belum tersedia");
    2
}
