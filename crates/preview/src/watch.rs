//! Watching the edition folder and `layouts/` (notify) with a small debounce: a burst of
//! changes (an editor writing a temporary file and renaming it over the original, several files
//! saved at once) becomes one notification to the compiler thread, which coalesces further.
//! The wait is 8 ms after data is written, 2 ms after a change that ends a save (a rename into
//! place, a close after writing), so a finished save starts compiling almost at once.
//! Reads are not changes (the compile itself opens the files), and editors' temporary and
//! backup files and the `--write` output folder are ignored; a save through "write a temporary
//! file, rename it over the original" is seen as a change of the original.
//!
//! notify-debouncer-mini is not used: it drops the event kind, so the compile's own file opens
//! (inotify `IN_OPEN`) would trigger endless recompiles.

use notify::event::{AccessKind, AccessMode};
use notify::{Event, EventKind, RecommendedWatcher, RecursiveMode, Watcher};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::time::{Duration, Instant};

/// How long the watcher waits for a burst of writes to settle.
pub const DEBOUNCE: Duration = Duration::from_millis(8);
/// The shorter wait after a change that ends a save (a file renamed into place, closed after
/// writing, or removed): only for the rest of the same operation's events.
pub const SETTLE: Duration = Duration::from_millis(2);
/// A steady stream of changes still gets compiled at least this often.
pub const MAX_DELAY: Duration = Duration::from_millis(200);

/// Whether an event kind is a change (not a read: opening, reading or closing without writing).
pub fn is_change(kind: &EventKind) -> bool {
    match kind {
        EventKind::Access(AccessKind::Close(AccessMode::Write)) => true,
        EventKind::Access(_) => false,
        _ => true,
    }
}

/// Whether a change ends a save: the file is complete now (renamed into place, closed after
/// writing) or gone. Other changes (data written, a file created) may be followed by more.
pub fn ends_a_save(kind: &EventKind) -> bool {
    use notify::event::ModifyKind;
    matches!(kind, EventKind::Access(AccessKind::Close(AccessMode::Write)) | EventKind::Modify(ModifyKind::Name(_)) | EventKind::Remove(_))
}

/// Whether a changed path should trigger a compile.
pub fn relevant(path: &Path, ignore: &[PathBuf]) -> bool {
    if ignore.iter().any(|dir| path.starts_with(dir)) {
        return false;
    }
    let Some(name) = path.file_name().and_then(|n| n.to_str()) else { return true };
    let temp = name.starts_with('.')
        || name.starts_with('#')
        || name.ends_with('~')
        || name == "4913"
        || [".swp", ".swx", ".swo", ".tmp", ".bak", ".part", ".crswap"].iter().any(|s| name.ends_with(s));
    !temp
}

/// Starts watching; the returned watcher must be kept alive. Each notification carries the
/// time of the first change of its burst (for the timing line).
pub fn start(edition: &Path, layouts: &Path, out: Option<&Path>, tx: Sender<Instant>) -> Result<RecommendedWatcher, crate::Error> {
    let mut ignore = Vec::new();
    if let Some(out) = out {
        ignore.push(out.to_path_buf());
        if let Ok(a) = std::path::absolute(out) {
            ignore.push(a);
        }
        if let Ok(c) = out.canonicalize() {
            ignore.push(c);
        }
    }
    // (when, whether it ended a save)
    let (etx, erx) = mpsc::channel::<(Instant, bool)>();
    let mut watcher = notify::recommended_watcher(move |res: notify::Result<Event>| match res {
        Ok(ev) => {
            if is_change(&ev.kind) && ev.paths.iter().any(|p| relevant(p, &ignore)) {
                let _ = etx.send((Instant::now(), ends_a_save(&ev.kind)));
            }
        }
        Err(e) => eprintln!("peringatan: pemantauan berkas: {e}"),
    })
    .map_err(crate::Error::Pantau)?;
    // Debounce: after a change, wait until DEBOUNCE (SETTLE after a change that ends a save)
    // passes without another one.
    std::thread::Builder::new()
        .name("renja-watch".into())
        .spawn(move || {
            while let Ok((first, mut ended)) = erx.recv() {
                loop {
                    match erx.recv_timeout(if ended { SETTLE } else { DEBOUNCE }) {
                        Ok((_, e)) if first.elapsed() < MAX_DELAY => ended = e,
                        Ok(_) | Err(RecvTimeoutError::Timeout) => break,
                        Err(RecvTimeoutError::Disconnected) => return,
                    }
                }
                if tx.send(first).is_err() {
                    return;
                }
            }
        })
        .map_err(crate::Error::PantauUtas)?;
    let edition = edition.canonicalize().unwrap_or_else(|_| edition.to_path_buf());
    watcher
        .watch(&edition, RecursiveMode::Recursive)
        .map_err(|source| crate::Error::Dipantau { folder: edition.clone(), source })?;
    let layouts = layouts.canonicalize().unwrap_or_else(|_| layouts.to_path_buf());
    if !layouts.starts_with(&edition) {
        watcher
            .watch(&layouts, RecursiveMode::Recursive)
            .map_err(|source| crate::Error::Dipantau { folder: layouts.clone(), source })?;
    }
    Ok(watcher)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_are_not_changes() {
        use notify::event::{CreateKind, ModifyKind, RenameMode};
        assert!(!is_change(&EventKind::Access(AccessKind::Open(AccessMode::Any))));
        assert!(!is_change(&EventKind::Access(AccessKind::Close(AccessMode::Read))));
        assert!(is_change(&EventKind::Access(AccessKind::Close(AccessMode::Write))));
        assert!(is_change(&EventKind::Modify(ModifyKind::Name(RenameMode::To))));
        assert!(is_change(&EventKind::Create(CreateKind::File)));
    }

    #[test]
    fn a_rename_or_close_after_writing_ends_a_save() {
        use notify::event::{CreateKind, DataChange, ModifyKind, RemoveKind, RenameMode};
        assert!(ends_a_save(&EventKind::Modify(ModifyKind::Name(RenameMode::To))));
        assert!(ends_a_save(&EventKind::Modify(ModifyKind::Name(RenameMode::Both))));
        assert!(ends_a_save(&EventKind::Access(AccessKind::Close(AccessMode::Write))));
        assert!(ends_a_save(&EventKind::Remove(RemoveKind::File)));
        assert!(!ends_a_save(&EventKind::Modify(ModifyKind::Data(DataChange::Any))));
        assert!(!ends_a_save(&EventKind::Create(CreateKind::File)));
    }

    #[test]
    fn ignores_editor_temporaries_and_the_output_folder() {
        let out = vec![PathBuf::from("/e/out")];
        assert!(relevant(Path::new("/e/bab/01.md"), &out));
        assert!(relevant(Path::new("/e/data/rencana.toml"), &out));
        assert!(relevant(Path::new("/e/bab"), &out));
        for p in ["/e/bab/.01.md.swp", "/e/bab/01.md~", "/e/bab/4913", "/e/out/x.pdf", "/e/data/.rencana.toml.tmp-12", "/e/bab/#01.md#"] {
            assert!(!relevant(Path::new(p), &out), "{p}");
        }
    }
}
