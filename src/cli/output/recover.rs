//! Leftovers of runs that died: a staging folder (`.NAME.tmp-PID`) holds only
//! pollsim's files and is removed; an old folder (`.NAME.old-PID`, a swap cut
//! short) goes back into place, or gives back what the new folder lacks.

use super::move_back;
use std::fs;
use std::path::{Path, PathBuf};

/// What a leftover of an earlier run is: its kind and the pid that made it.
fn leftover(file_name: &str, name: &str) -> Option<(bool, u32)> {
    let rest = file_name.strip_prefix('.')?.strip_prefix(name)?;
    let (staging, pid) = if let Some(pid) = rest.strip_prefix(".tmp-") {
        (true, pid)
    } else {
        (false, rest.strip_prefix(".old-")?)
    };
    Some((staging, pid.parse().ok()?))
}

/// Whether a process may still be running: only Linux can tell (`/proc`), so
/// elsewhere every leftover is reported rather than touched.
fn may_be_alive(pid: u32) -> bool {
    if pid == std::process::id() {
        return false;
    }
    let proc_fs = Path::new("/proc/self");
    !proc_fs.exists() || Path::new("/proc").join(pid.to_string()).exists()
}

/// Cleans up after runs for this folder that died: a staging folder holds only
/// pollsim's files and is removed; an old folder (a swap interrupted) goes
/// back into place, or gives back the entries the new folder lacks.
pub(super) fn recover_leftovers(parent: &Path, name: &str, target: &Path) {
    let Ok(entries) = fs::read_dir(parent) else {
        return;
    };
    let mut found: Vec<(bool, u32, PathBuf)> = entries
        .filter_map(|e| {
            let e = e.ok()?;
            let (staging, pid) = leftover(&e.file_name().to_string_lossy(), name)?;
            Some((staging, pid, e.path()))
        })
        .collect();
    // Old folders first: a swap cut before the new folder took the name
    // restores the old one, and only then is its staging folder removed.
    found.sort_by_key(|(staging, pid, _)| (*staging, *pid));
    for (staging, pid, path) in found {
        if may_be_alive(pid) {
            eprintln!(
                "note: left {} alone: process {pid}, which may still be writing it, is running",
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
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leftover_names_are_recognised_only_for_their_folder() {
        assert_eq!(leftover(".long.tmp-12", "long"), Some((true, 12)));
        assert_eq!(leftover(".long.old-7", "long"), Some((false, 7)));
        assert_eq!(leftover(".longer.tmp-12", "long"), None);
        assert_eq!(leftover(".long.tmp-x", "long"), None);
        assert_eq!(leftover("long", "long"), None);
    }
}
