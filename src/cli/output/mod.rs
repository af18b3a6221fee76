//! Results folders that change whole or not at all, and never lose a file.
//!
//! A run writes every file into a hidden staging folder beside the target
//! (`.NAME.tmp-ID`) and, when all of them are written, swaps it into place:
//! the old folder is renamed aside (`.NAME.old-ID`), the staging folder takes
//! its name, and every entry of the old folder that this run did not write
//! (a `validation/` folder, a user's notes, an earlier run's `jobs.csv`) is
//! moved back in. Only then is the old folder, which holds nothing but this
//! run's replaced files, deleted. So:
//!
//! - a run replaces only the files it writes and deletes nothing else;
//! - readers see the old results or the new ones, never a mix of half-written
//!   files;
//! - pollsim writes only into a new folder, an empty one, or one it made
//!   itself (it holds a [`MARKER`] file, or only such folders): a user's own
//!   folder is refused, never renamed or mixed with results;
//! - a run never overwrites one of its own inputs (`--policies
//!   results/long/tuned.toml` into `results/long`): it is refused before any
//!   work is done;
//! - a run killed by the OS leaves its staging folder behind: the next run for
//!   the same folder removes it (it holds only pollsim's files) and, if the
//!   kill came in the middle of a swap, moves the old folder's entries back.
//!   A leftover whose run may still be alive is left alone and reported.
//!
//! A run's `ID` is its pid and a nonce, and while it runs it holds an
//! advisory lock on `.NAME.lock-ID`: that lock, not the pid, tells whether a
//! leftover's run is alive. Pids say nothing across containers sharing a
//! volume (every pod's first process is pid 1, and another PID namespace's
//! processes are invisible in `/proc`), while the kernel, or an NFS server,
//! knows who holds a lock wherever the holder runs.

mod recover;

use anyhow::{Context, Result};
use recover::{RunLock, recover_leftovers};
use std::cell::RefCell;
use std::collections::BTreeSet;
use std::ffi::OsString;
use std::fs;
use std::path::{Path, PathBuf};

/// The file that marks a folder as pollsim's own results folder.
pub(super) const MARKER: &str = ".pollsim";

pub(super) const MARKER_TEXT: &str = "This folder holds results written by pollsim.\n\
pollsim replaces only the files it writes here and keeps everything else.\n";

/// A results folder pollsim may not write, or may not write that way: bad
/// input (exit code 2), found before any work is done.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    /// The folder exists, holds files and has no pollsim marker.
    #[error(
        "{0}: the folder exists and was not made by pollsim (it has no {MARKER} file): pollsim writes results only into a new folder, an empty one, or one it made; give another --out, or move its files away"
    )]
    NotOurs(PathBuf),
    /// The path exists and is not a folder.
    #[error("{0}: is not a folder: give --out a folder name")]
    NotAFolder(PathBuf),
    /// The path names no folder of its own (`.`, `..`, `/`).
    #[error(
        "{0}: names no folder of its own (the results are swapped into place by name): give --out a new folder, e.g. results/run1"
    )]
    NoName(PathBuf),
    /// The path is a symbolic link.
    #[error(
        "{0}: is a symbolic link: pollsim swaps results folders into place and would replace the link; give --out the folder it points to"
    )]
    Link(PathBuf),
    /// The run would replace one of its own input files.
    #[error(
        "{input}: this run would overwrite its own input ({name} in the results folder {target}); copy the input elsewhere first, or give another --out"
    )]
    OwnInput {
        /// The input file.
        input: PathBuf,
        /// Its name in the results folder.
        name: String,
        /// The results folder.
        target: PathBuf,
    },
}

/// A results folder being written: files go to the staging folder until
/// [`OutputDir::commit`] swaps it into place.
pub struct OutputDir {
    target: PathBuf,
    staging: PathBuf,
    /// Names written so far (the files this run replaces). A cell, so that
    /// writers can share the folder by `&` reference.
    written: RefCell<BTreeSet<OsString>>,
    committed: bool,
    /// This run's id (`PID-NONCE`), in its staging and old folders' names.
    id: String,
    /// Held until the run's folders are all in place or gone.
    lock: Option<RunLock>,
}

impl OutputDir {
    /// Prepares to write `target`. `may_write` lists every file name the run
    /// may write there and `inputs` every file it reads: an input that would be
    /// replaced is refused now, before any work.
    pub fn create(target: &Path, may_write: &[&str], inputs: &[&Path]) -> Result<Self> {
        let (parent, name) = split(target)?;
        fs::create_dir_all(&parent)
            .with_context(|| format!("cannot create {}", parent.display()))?;
        // The lock first: from the moment this run's folders can exist, a
        // run recovering leftovers sees it alive.
        let id = recover::run_id();
        let lock = RunLock::hold(&parent, &name, &id)?;
        recover_leftovers(&parent, &name, target, &id);
        check_target(target)?;
        check_inputs(target, may_write, inputs)?;
        let staging = parent.join(format!(".{name}.tmp-{id}"));
        fs::create_dir(&staging).with_context(|| format!("cannot create {}", staging.display()))?;
        Ok(Self {
            target: target.to_path_buf(),
            staging,
            written: RefCell::default(),
            committed: false,
            id,
            lock,
        })
    }

    /// Path of `name` inside the staging folder, for writers that stream.
    /// The name counts as written.
    pub fn path(&self, name: &str) -> PathBuf {
        self.written.borrow_mut().insert(OsString::from(name));
        self.staging.join(name)
    }

    /// The results folder this run replaces.
    pub fn target(&self) -> &Path {
        &self.target
    }

    /// The entries of the folder being replaced that `ours` recognises as
    /// pollsim's outputs and this run has not written (so far): what the swap
    /// will keep from an earlier run. Sorted.
    pub fn stale(&self, ours: impl Fn(&str) -> bool) -> Vec<String> {
        let Ok(entries) = fs::read_dir(&self.target) else {
            return Vec::new();
        };
        let written = self.written.borrow();
        let mut stale: Vec<String> = entries
            .filter_map(|e| e.ok())
            .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
            .map(|e| e.file_name())
            .filter(|name| !written.contains(name))
            .filter_map(|name| name.into_string().ok())
            .filter(|name| ours(name))
            .collect();
        stale.sort();
        stale
    }

    /// Writes `bytes` as the file `name` in the staging folder.
    pub fn write(&self, name: &str, bytes: &[u8]) -> Result<()> {
        let path = self.path(name);
        fs::write(&path, bytes).with_context(|| format!("cannot write {}", path.display()))
    }

    /// Swaps the finished folder into place, keeping every entry of an older
    /// folder that this run did not write.
    pub fn commit(mut self) -> Result<PathBuf> {
        // The target was checked when the run began; during a long run it may
        // have become a link or another program's folder: checked again, so a
        // swap never moves files out of a folder pollsim did not make.
        check_target(&self.target)?;
        let marker = self.staging.join(MARKER);
        fs::write(&marker, MARKER_TEXT)
            .with_context(|| format!("cannot write {}", marker.display()))?;
        self.written.borrow_mut().insert(OsString::from(MARKER));
        let exists = fs::symlink_metadata(&self.target).is_ok();
        if !exists {
            fs::rename(&self.staging, &self.target)
                .with_context(|| format!("cannot move results into {}", self.target.display()))?;
            self.committed = true;
            return Ok(self.target.clone());
        }
        let (parent, name) = split(&self.target)?;
        let old = parent.join(format!(".{name}.old-{}", self.id));
        fs::rename(&self.target, &old)
            .with_context(|| format!("cannot move the old {} aside", self.target.display()))?;
        if let Err(e) = fs::rename(&self.staging, &self.target) {
            // Put the old folder back: nothing changed.
            let _ = fs::rename(&old, &self.target);
            return Err(e)
                .with_context(|| format!("cannot move results into {}", self.target.display()));
        }
        self.committed = true;
        move_back(&old, &self.target)?;
        discard_replaced(&old, &self.written.borrow());
        Ok(self.target.clone())
    }
}

impl Drop for OutputDir {
    fn drop(&mut self) {
        if !self.committed {
            fs::remove_dir_all(&self.staging).ok();
        }
        // Last: until now the folders above were this live run's.
        self.lock.take();
    }
}

/// The folder's parent (`.` for a bare name) and its name.
fn split(target: &Path) -> Result<(PathBuf, String)> {
    let parent = match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = target
        .file_name()
        .ok_or_else(|| OutputError::NoName(target.to_path_buf()))?
        .to_string_lossy()
        .into_owned();
    Ok((parent, name))
}

pub(super) fn check_target(target: &Path) -> Result<(), OutputError> {
    let Ok(meta) = fs::symlink_metadata(target) else {
        return Ok(());
    };
    if meta.file_type().is_symlink() {
        return Err(OutputError::Link(target.to_path_buf()));
    }
    if !meta.is_dir() {
        return Err(OutputError::NotAFolder(target.to_path_buf()));
    }
    if owned(target) {
        Ok(())
    } else {
        Err(OutputError::NotOurs(target.to_path_buf()))
    }
}

/// Whether pollsim may swap `dir`: it is marked, empty, or holds only folders
/// that are (a config's results folder holding only `validation/`).
fn owned(dir: &Path) -> bool {
    if dir.join(MARKER).is_file() {
        return true;
    }
    let Ok(entries) = fs::read_dir(dir) else {
        return false;
    };
    entries.into_iter().all(|entry| {
        entry.is_ok_and(|e| {
            e.file_type().is_ok_and(|t| t.is_dir() && !t.is_symlink()) && owned(&e.path())
        })
    })
}

fn check_inputs(target: &Path, may_write: &[&str], inputs: &[&Path]) -> Result<(), OutputError> {
    let Ok(target_dir) = fs::canonicalize(target) else {
        return Ok(()); // A new folder holds no inputs.
    };
    for input in inputs {
        let Ok(input_path) = fs::canonicalize(input) else {
            continue;
        };
        let inside = input_path.parent() == Some(target_dir.as_path());
        let name = input_path.file_name().map(|n| n.to_string_lossy());
        if let (true, Some(name)) = (inside, name)
            && (may_write.contains(&name.as_ref()) || name.ends_with(".png") || name == MARKER)
        {
            return Err(OutputError::OwnInput {
                input: input.to_path_buf(),
                name: name.into_owned(),
                target: target.to_path_buf(),
            });
        }
    }
    Ok(())
}

/// Moves every entry of `old` that `target` lacks into `target`.
pub(super) fn move_back(old: &Path, target: &Path) -> Result<()> {
    for entry in fs::read_dir(old).with_context(|| format!("cannot read {}", old.display()))? {
        let entry = entry?;
        let to = target.join(entry.file_name());
        if fs::symlink_metadata(&to).is_err() {
            fs::rename(entry.path(), &to).with_context(|| {
                format!(
                    "cannot move {} back into {} (it is kept in {})",
                    entry.file_name().to_string_lossy(),
                    target.display(),
                    old.display()
                )
            })?;
        }
    }
    Ok(())
}

/// Deletes the old folder if it holds nothing but files this run replaced;
/// otherwise keeps it and says so.
fn discard_replaced(old: &Path, written: &BTreeSet<OsString>) {
    let only_replaced = fs::read_dir(old).is_ok_and(|entries| {
        entries
            .into_iter()
            .all(|e| e.is_ok_and(|e| written.contains(&e.file_name())))
    });
    if only_replaced {
        fs::remove_dir_all(old).ok();
    } else {
        eprintln!(
            "note: kept {}: it holds files this run did not replace",
            old.display()
        );
    }
}

#[cfg(test)]
mod tests;
