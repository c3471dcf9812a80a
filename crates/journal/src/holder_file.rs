//! SQLite's holders: each writable journal handle holds an OS lock on a file of its own,
//! `<journal>.holders/<name>.lock`, for as long as it lives. The OS releases the lock when
//! the process dies, however it dies, so a lock that can be taken means its holder is gone.
//! Every process sharing the file runs on one host (SQLite's own rule), so every one sees
//! the same locks.

use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};

use crate::entry::JournalFailure;

/// This handle's holder file, locked while it lives; removed when it is dropped.
#[derive(Debug)]
pub(crate) struct HolderFile {
    name: String,
    path: PathBuf,
    /// Holds the lock; closed (and so unlocked) after the file is removed.
    _file: File,
}

/// The folder of `journal`'s holder files.
pub(crate) fn holders_dir(journal: &Path) -> PathBuf {
    let mut name = journal.file_name().unwrap_or_default().to_os_string();
    name.push(".holders");
    journal.with_file_name(name)
}

fn unavailable(what: &str, path: &Path, error: &std::io::Error) -> JournalFailure {
    JournalFailure::Unavailable(format!("cannot {what} {}: {error}", path.display()))
}

/// A holder's name: 32 lowercase hex digits (nothing that could name another path).
fn is_holder_name(name: &str) -> bool {
    name.len() == 32
        && name
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
}

impl HolderFile {
    /// Creates and locks a new holder file in `dir`.
    pub(crate) fn take(dir: &Path) -> Result<HolderFile, JournalFailure> {
        crate::private_dir(dir)?;
        let mut bytes = [0u8; 16];
        getrandom::fill(&mut bytes).map_err(|e| {
            JournalFailure::Unavailable(format!("no randomness for a holder name: {e}"))
        })?;
        let name = paygate_core::signing::to_hex(&bytes);
        let path = dir.join(format!("{name}.lock"));
        let mut options = OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let file = options
            .open(&path)
            .map_err(|e| unavailable("create", &path, &e))?;
        file.try_lock().map_err(|e| {
            JournalFailure::Unavailable(format!("cannot lock {}: {e}", path.display()))
        })?;
        Ok(HolderFile {
            name,
            path,
            _file: file,
        })
    }

    /// Its name, as entries record it.
    pub(crate) fn name(&self) -> &str {
        &self.name
    }
}

impl Drop for HolderFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// True when holder `name` of `dir` is certainly gone: its file is missing (removed when its
/// handle was dropped) or its lock can be taken (its process died). A name that is not a
/// holder's, or a file that cannot be tried, says nothing: false.
pub(crate) fn gone(dir: &Path, name: &str) -> bool {
    if !is_holder_name(name) {
        return false;
    }
    let path = dir.join(format!("{name}.lock"));
    let file = match File::options().write(true).open(&path) {
        Ok(file) => file,
        Err(e) => return e.kind() == std::io::ErrorKind::NotFound,
    };
    match file.try_lock() {
        Ok(()) => {
            // Dead: tidy its file (the name is never used again).
            let _ = std::fs::remove_file(&path);
            true
        }
        Err(_) => false,
    }
}
