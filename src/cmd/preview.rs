//! `renja preview [DIR] [--port N] [--host ADDR] [--open] [--write [-o OUT]]`: the live preview
//! in the browser (see `crate::preview`). Exit 0 on Ctrl-C, 2 when it cannot start.

use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    /// Folder edisi
    #[arg(default_value = "content")]
    pub dir: PathBuf,
    /// Port HTTP (0 = pilih port bebas; URL dicetak ke stdout)
    #[arg(long, default_value_t = 8765)]
    pub port: u16,
    /// Alamat (IP atau nama) yang didengarkan (bawaan hanya komputer ini: 127.0.0.1)
    #[arg(long, default_value = "127.0.0.1")]
    pub host: String,
    /// Buka peramban sistem (xdg-open)
    #[arg(long)]
    pub open: bool,
    /// Tulis juga PDF dan DOCX ke folder keluaran setelah setiap penyusunan yang berhasil
    #[arg(long)]
    pub write: bool,
    /// Folder keluaran untuk --write
    #[arg(short = 'o', long = "out", default_value = "out")]
    pub out: PathBuf,
}

pub fn run(args: Args) -> i32 {
    let (host, names) = match crate::preview::resolve_host(&args.host) {
        Ok(x) => x,
        Err(msg) => {
            eprintln!("error: {msg}");
            return 2;
        }
    };
    let opts = crate::preview::Options {
        dir: args.dir,
        host,
        names,
        port: args.port,
        write: args.write.then_some(args.out),
        open: args.open,
    };
    match crate::preview::serve(opts) {
        Ok(()) => 0,
        Err(msg) => {
            eprintln!("error: {msg}");
            2
        }
    }
}
