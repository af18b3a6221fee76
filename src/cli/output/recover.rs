//! Leftovers of runs that died: a staging folder (`.NAME.tmp-ID`) holds only
//! pollsim's files and is removed; an old folder (`.NAME.old-ID`, a swap cut
//! short) goes back into place, or gives back what the new folder lacks.
//! Whether a leftover's run died is read from its lock (`.NAME.lock-ID`).

use super::move_back;
use std::fs::{self, File, TryLockError};
use std::path::{Path, PathBuf};

/// This run's id: its pid and a nonce, so that runs with the same pid in
/// different containers (or one process's successive runs) never share a
/// staging folder's name.
pub(super) fn run_id() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static RUNS: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    let nonce = nanos ^ RUNS.fetch_add(1, Ordering::Relaxed).rotate_right(17);
    format!("{}-{nonce:016x}", std::process::id())
}

/// An advisory lock on `.NAME.lock-ID`, held for as long as the run's
/// folders may exist; dropping it removes the file, then unlocks.
pub(crate) struct RunLock {
    path: PathBuf,
    _file: File,
}

impl RunLock {
    /// Takes the lock for run `id`, or `None` where the file system has no
    /// locks (then liveness falls back to the pid, as it did before locks).
    pub(super) fn hold(parent: &Path, name: &str, id: &str) -> anyhow::Result<Option<Self>> {
        use anyhow::Context;
        let path = parent.join(format!(".{name}.lock-{id}"));
        // Locked under a temporary name, then renamed: the lock file never
        // exists unlocked, so no one can take this live run for a dead one.
        let fresh = parent.join(format!(".{name}.lock-{id}.new"));
        let file = File::create_new(&fresh)
            .with_context(|| format!("cannot create {}", fresh.display()))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => unreachable!("a new file is locked by no one"),
            Err(TryLockError::Error(_)) => {
                fs::remove_file(&fresh).ok();
                return Ok(None);
            }
        }
        fs::rename(&fresh, &path).with_context(|| format!("cannot create {}", path.display()))?;
        Ok(Some(Self { path, _file: file }))
    }
}

impl Drop for RunLock {
    fn drop(&mut self) {
        fs::remove_file(&self.path).ok();
    }
}

/// A leftover's name: whether it is a staging folder, and its run's id.
fn leftover<'a>(file_name: &'a str, name: &str) -> Option<(bool, &'a str)> {
    let rest = file_name.strip_prefix('.')?.strip_prefix(name)?;
    let (staging, id) = if let Some(id) = rest.strip_prefix(".tmp-") {
        (true, id)
    } else {
        (false, rest.strip_prefix(".old-")?)
    };
    valid_id(id, true).then_some((staging, id))
}

/// Whether `id` is a run's id: `PID-NONCE` (hex nonce), or a bare pid where
/// `bare` allows the ids of runs from before locks.
fn valid_id(id: &str, bare: bool) -> bool {
    let (pid, nonce) = match id.split_once('-') {
        Some(parts) => parts,
        None if bare => (id, "0"),
        None => return false,
    };
    pid.parse::<u32>().is_ok() && u64::from_str_radix(nonce, 16).is_ok()
}

/// Whether the run `id` may still be running. A run of this version holds its
/// lock file while its folders exist; an id without a nonce is a run from
/// before locks, judged by its pid, which only Linux can tell (`/proc`), so
/// elsewhere such a leftover is reported rather than touched.
fn may_be_alive(parent: &Path, name: &str, id: &str) -> bool {
    let Some((pid, _)) = id.split_once('-') else {
        return pid_may_be_alive(id, true);
    };
    match File::open(parent.join(format!(".{name}.lock-{id}"))) {
        // Ours to take: its holder is gone (dropping the file unlocks it).
        Ok(file) => !matches!(file.try_lock(), Ok(())),
        // No lock file: the run ended, or ran where locks do not work, and
        // only there does its pid still say something.
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            !locks_work(parent) && pid_may_be_alive(pid, false)
        }
        Err(_) => true,
    }
}

/// Whether process `pid` may be running, as `/proc` tells on Linux; where
/// there is no `/proc`, `unknown` is the answer.
fn pid_may_be_alive(pid: &str, unknown: bool) -> bool {
    if pid == std::process::id().to_string() {
        return false;
    }
    if !Path::new("/proc/self").exists() {
        return unknown;
    }
    Path::new("/proc").join(pid).exists()
}

/// Whether this folder's file system takes advisory locks.
fn locks_work(parent: &Path) -> bool {
    let probe = parent.join(format!(".pollsim-lock-probe-{}", run_id()));
    let works = File::create_new(&probe).is_ok_and(|f| f.try_lock().is_ok());
    fs::remove_file(&probe).ok();
    works
}

/// Cleans up after runs for this folder that died: a staging folder holds only
/// pollsim's files and is removed; an old folder (a swap interrupted) goes
/// back into place, or gives back the entries the new folder lacks.
pub(super) fn recover_leftovers(parent: &Path, name: &str, target: &Path, own: &str) {
    let Ok(entries) = fs::read_dir(parent) else {
        return;
    };
    let mut found: Vec<(bool, String, PathBuf)> = entries
        .filter_map(|e| {
            let e = e.ok()?;
            let file_name = e.file_name().to_string_lossy().into_owned();
            let (staging, id) = leftover(&file_name, name)?;
            Some((staging, id.to_string(), e.path()))
        })
        .filter(|(_, id, _)| id != own)
        .collect();
    // Old folders first: a swap cut before the new folder took the name
    // restores the old one, and only then is its staging folder removed.
    found.sort();
    let dead_locks: Vec<String> = found
        .iter()
        .map(|(_, id, _)| id.clone())
        .chain(lock_files(parent, name).filter(|id| id != own))
        .collect();
    for (staging, id, path) in found {
        if may_be_alive(parent, name, &id) {
            eprintln!(
                "note: left {} alone: the run that made it ({id}: pid and nonce) may still be writing it",
                path.display()
            );
            continue;
        }
        if staging {
            if fs::remove_dir_all(&path).is_ok() {
                eprintln!(
                    "note: removed {}, left by an interrupted run",
                    path.display()
                );
            }
            continue;
        }
        let restored = if fs::symlink_metadata(target).is_err() {
            fs::rename(&path, target).map_err(anyhow::Error::from)
        } else if super::check_target(target).is_err() {
            // The name now holds a link or a folder pollsim did not make:
            // nothing of it is touched; the old folder stays for the user.
            eprintln!(
                "note: left {} alone: {} is no longer a results folder pollsim made",
                path.display(),
                target.display()
            );
            continue;
        } else {
            // What stays behind are earlier versions of files the new folder has.
            move_back(&path, target).map(|()| {
                fs::remove_dir_all(&path).ok();
            })
        };
        match restored {
            Ok(()) => eprintln!(
                "note: {} restored from {}, left by an interrupted run",
                target.display(),
                path.display()
            ),
            Err(e) => eprintln!(
                "note: could not restore {} from {}: {e:#}",
                target.display(),
                path.display()
            ),
        }
    }
    // The lock files of runs that are gone, once their folders are dealt with.
    for id in dead_locks {
        let path = parent.join(format!(".{name}.lock-{id}"));
        if valid_id(&id, false) && File::open(&path).is_ok_and(|f| f.try_lock().is_ok()) {
            fs::remove_file(&path).ok();
        }
    }
}

/// The run ids of `.NAME.lock-ID` files beside the folder.
fn lock_files(parent: &Path, name: &str) -> impl Iterator<Item = String> {
    let prefix = format!(".{name}.lock-");
    fs::read_dir(parent)
        .into_iter()
        .flatten()
        .filter_map(move |e| {
            let file_name = e.ok()?.file_name().into_string().ok()?;
            let id = file_name.strip_prefix(&prefix)?;
            valid_id(id, false).then(|| id.to_string())
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leftover_names_are_recognised_only_for_their_folder() {
        assert_eq!(leftover(".long.tmp-12", "long"), Some((true, "12")));
        assert_eq!(leftover(".long.old-7", "long"), Some((false, "7")));
        let id = ".long.tmp-12-00ff00ff00ff00ff";
        assert_eq!(leftover(id, "long"), Some((true, "12-00ff00ff00ff00ff")));
        assert_eq!(leftover(".longer.tmp-12", "long"), None);
        assert_eq!(leftover(".long.tmp-x", "long"), None);
        assert_eq!(leftover(".long.tmp-12-zz", "long"), None);
        assert_eq!(leftover(".long.lock-12-00", "long"), None);
        assert_eq!(leftover("long", "long"), None);
    }

    #[test]
    fn run_ids_differ_within_one_process() {
        let (a, b) = (run_id(), run_id());
        assert_ne!(a, b);
        assert!(a.starts_with(&format!("{}-", std::process::id())), "{a}");
    }
}
