//! The results folder's rules on real folders: refusals, swaps, reruns and
//! the cleanup after killed runs.

use super::*;

fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// A folder that took the target's name during the run is neither
/// swapped nor emptied.
#[test]
fn a_foreign_folder_that_appeared_during_the_run_is_left_as_it_is() {
    let root = tempfile::tempdir().unwrap();
    let target = root.path().join("r");
    let out = OutputDir::create(&target, &["a.csv"], &[]).unwrap();
    out.write("a.csv", b"new").unwrap();
    fs::create_dir(&target).unwrap();
    fs::write(target.join("theirs.txt"), "keep").unwrap();
    let err = out.commit().unwrap_err();
    assert!(err.to_string().contains("not made by pollsim"), "{err:#}");
    assert_eq!(names(&target), ["theirs.txt"]);
    assert_eq!(
        fs::read_to_string(target.join("theirs.txt")).unwrap(),
        "keep"
    );
}

#[test]
fn a_rerun_replaces_its_files_and_keeps_the_others() {
    let root = tempfile::tempdir().unwrap();
    let target = root.path().join("r");
    let out = OutputDir::create(&target, &["a.csv"], &[]).unwrap();
    out.write("a.csv", b"1").unwrap();
    out.write("b.png", b"1").unwrap();
    out.commit().unwrap();
    fs::write(target.join("notes.txt"), "mine").unwrap();
    fs::create_dir(target.join("validation")).unwrap();
    fs::write(target.join("validation/v.csv"), "v").unwrap();

    let out = OutputDir::create(&target, &["a.csv"], &[]).unwrap();
    out.write("a.csv", b"2").unwrap();
    out.commit().unwrap();
    assert_eq!(fs::read_to_string(target.join("a.csv")).unwrap(), "2");
    // Not written this time: kept, as are the user's and validate's files.
    assert_eq!(fs::read_to_string(target.join("b.png")).unwrap(), "1");
    assert_eq!(
        fs::read_to_string(target.join("notes.txt")).unwrap(),
        "mine"
    );
    assert_eq!(
        fs::read_to_string(target.join("validation/v.csv")).unwrap(),
        "v"
    );
    assert_eq!(names(root.path()), ["r"], "nothing left beside it");
}

#[test]
fn a_users_folder_and_links_are_refused_an_empty_or_nested_one_is_not() {
    let root = tempfile::tempdir().unwrap();
    let mine = root.path().join("mine");
    fs::create_dir(&mine).unwrap();
    fs::write(mine.join("a.txt"), "keep").unwrap();
    let err = OutputDir::create(&mine, &[], &[]).err().unwrap();
    assert!(matches!(
        err.downcast_ref::<OutputError>(),
        Some(OutputError::NotOurs(_))
    ));
    assert_eq!(names(&mine), ["a.txt"]);
    assert_eq!(names(root.path()), ["mine"]);

    let empty = root.path().join("empty");
    fs::create_dir(&empty).unwrap();
    OutputDir::create(&empty, &[], &[])
        .unwrap()
        .commit()
        .unwrap();
    assert_eq!(names(&empty), [MARKER]);

    // A config folder that holds only validate's folder is pollsim's too.
    let nested = root.path().join("cfg");
    let v = OutputDir::create(&nested.join("validation"), &[], &[]).unwrap();
    v.write("v.csv", b"v").unwrap();
    v.commit().unwrap();
    OutputDir::create(&nested, &[], &[])
        .unwrap()
        .commit()
        .unwrap();
    assert_eq!(names(&nested), [MARKER, "validation"]);

    #[cfg(unix)]
    {
        let link = root.path().join("link");
        std::os::unix::fs::symlink(&empty, &link).unwrap();
        let err = OutputDir::create(&link, &[], &[]).err().unwrap();
        assert!(matches!(
            err.downcast_ref::<OutputError>(),
            Some(OutputError::Link(_))
        ));
    }
}

#[test]
fn an_input_that_would_be_replaced_is_refused_before_any_work() {
    let root = tempfile::tempdir().unwrap();
    let target = root.path().join("r");
    let out = OutputDir::create(&target, &[], &[]).unwrap();
    out.write("tuned.toml", b"[[policies]]").unwrap();
    out.commit().unwrap();
    let input = target.join("tuned.toml");
    let err = OutputDir::create(&target, &["tuned.toml"], &[&input])
        .err()
        .unwrap();
    assert!(
        matches!(err.downcast_ref::<OutputError>(), Some(OutputError::OwnInput { name, .. }) if name == "tuned.toml"),
        "{err}"
    );
    // An input the run does not write may stay where it is.
    OutputDir::create(&target, &["summary.csv"], &[&input]).unwrap();
}

/// A pid above Linux's largest (2^22) can belong to no running process.
const DEAD: u32 = 4_194_305;

#[test]
fn leftovers_of_dead_runs_are_cleaned_up_and_an_interrupted_swap_restored() {
    let root = tempfile::tempdir().unwrap();
    let target = root.path().join("r");
    // Killed while writing: only pollsim's files in its staging folder.
    let staging = root.path().join(format!(".r.tmp-{DEAD}"));
    fs::create_dir(&staging).unwrap();
    fs::write(staging.join("summary.csv"), "x").unwrap();
    // Killed in the middle of a swap: the old folder, with a user's file,
    // is aside and the new one not yet in place.
    let old = root.path().join(format!(".r.old-{DEAD}"));
    fs::create_dir(&old).unwrap();
    fs::write(old.join(MARKER), MARKER_TEXT).unwrap();
    fs::write(old.join("notes.txt"), "mine").unwrap();
    if Path::new("/proc/self").exists() {
        OutputDir::create(&target, &[], &[])
            .unwrap()
            .commit()
            .unwrap();
        assert_eq!(names(root.path()), ["r"]);
        assert_eq!(
            fs::read_to_string(target.join("notes.txt")).unwrap(),
            "mine"
        );
    }
}

/// A leftover's run is judged by its lock, not its pid: a run in another PID
/// namespace (another container on a shared volume) has a pid this machine
/// does not see, yet its folders are left alone while it holds its lock.
#[test]
fn a_leftover_whose_run_holds_its_lock_is_left_alone_whatever_its_pid() {
    let root = tempfile::tempdir().unwrap();
    let target = root.path().join("r");
    let id = format!("{DEAD}-00000000000000aa");
    let staging = root.path().join(format!(".r.tmp-{id}"));
    fs::create_dir(&staging).unwrap();
    fs::write(staging.join("summary.csv"), "being written").unwrap();
    let lock_path = root.path().join(format!(".r.lock-{id}"));
    let lock = fs::File::create(&lock_path).unwrap();
    if lock.try_lock().is_err() {
        return; // a file system without locks: the pid rule applies, tested above
    }
    drop(OutputDir::create(&target, &[], &[]).unwrap());
    assert!(
        staging.join("summary.csv").is_file(),
        "a live run's staging folder was removed"
    );
    // The run is gone (its lock released, its lock file left behind): cleaned up.
    drop(lock);
    drop(OutputDir::create(&target, &[], &[]).unwrap());
    assert!(!staging.exists());
    // Two runs of one process (one pid) for one folder keep apart.
    let first = OutputDir::create(&target, &[], &[]).unwrap();
    first.write("summary.csv", b"first").unwrap();
    let second = OutputDir::create(&target, &[], &[]).unwrap();
    second.write("summary.csv", b"second").unwrap();
    first.commit().unwrap();
    assert_eq!(
        fs::read_to_string(target.join("summary.csv")).unwrap(),
        "first"
    );
    second.commit().unwrap();
    assert_eq!(
        fs::read_to_string(target.join("summary.csv")).unwrap(),
        "second"
    );
    // Nothing is left beside the folder: no staging, old or lock files.
    assert_eq!(names(root.path()), ["r"]);
}
