//! The `renja` binary: a thin wrapper over [`renja::cmd`].

fn main() {
    std::process::exit(renja::cmd::run());
}
