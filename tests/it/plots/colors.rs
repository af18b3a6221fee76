//! One policy, one color, in every plot of a run: `simulate` (with tuning) and
//! `validate` on the same config, and `validate` of its `tuned.toml`.
//!
//! The config lists its policies in another order than its tuning grids, so a
//! color taken from a list position (the config's, the grid's) would differ
//! between `delay_cdf.png` and `tradeoff.png`; the test reads the pixels.

use super::{Image, is};
use crate::support::{load, pollsim};
use pollsim::report::plot::{Palette, style};
use std::path::Path;

const CONFIG: &str = r#"
seed = 11
jobs = 3000
[workload.distribution]
kind = "uniform"
base = 3.0
spread = 1.0
[[policies]]
name = "every-1s"
kind = "constant"
interval = 1.0
[[policies]]
name = "fibonacci"
kind = "fibonacci"
unit = 0.5
cap = 3.0
[[policies]]
name = "exponential"
kind = "exponential"
initial = 0.5
factor = 2.0
cap = 1.5
[tune]
jobs = 2000
[tune.constant]
interval = { geometric = [0.5, 4.0, 6] }
[tune.exponential]
initial = [0.5, 1.0]
factor = [1.5, 2.0]
cap = [2.0, 4.0]
[tune.fibonacci]
unit = [0.25, 0.5, 1.0]
cap = [2.0, 4.0]
"#;

fn image(dir: &Path, file: &str) -> Image {
    let bytes = std::fs::read(dir.join(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
    Image::decode(&bytes)
}

fn run(args: &[&str]) {
    let (code, out, err) = pollsim(args, None);
    // validate exits 1 when a policy fails its criteria; its files are written first.
    assert!(code == 0 || code == 1, "{args:?}: {code}\n{out}\n{err}");
}

#[test]
fn a_policy_has_one_color_in_every_plot_of_a_run() {
    let dir = tempfile::tempdir().unwrap();
    let config_file = dir.path().join("colors.toml");
    std::fs::write(&config_file, CONFIG).unwrap();
    let config = config_file.to_str().unwrap();
    let sim = dir.path().join("sim");
    run(&[
        "simulate",
        "--config",
        config,
        "--out",
        sim.to_str().unwrap(),
    ]);
    let validation = dir.path().join("validation");
    let tuned_validation = dir.path().join("tuned-validation");
    let tuned = sim.join("tuned.toml");
    for (out, policies) in [(&validation, None), (&tuned_validation, Some(&tuned))] {
        let mut args = vec![
            "validate",
            "--config",
            config,
            "--jobs",
            "20",
            "--time-scale",
            "0.2",
            "--out",
            out.to_str().unwrap(),
        ];
        if let Some(file) = policies {
            args.extend(["--policies", file.to_str().unwrap()]);
        }
        run(&args);
    }

    // Grids first, then the policies: fibonacci and exponential keep their
    // grids' slots (2 and 1) although the config lists them second and third;
    // every-1s takes the first slot no name holds.
    let palette = Palette::for_run(&load(&config_file));
    let (fib, exp, every) = (2, 1, 3);
    assert_eq!(palette.slot("fibonacci"), fib);
    assert_eq!(palette.slot("fibonacci-tuned"), fib);
    assert_eq!(palette.slot("exponential"), exp);
    assert_eq!(palette.slot("exponential-tuned"), exp);
    assert_eq!(palette.slot("every-1s"), every);
    assert_eq!(palette.slot("optimal-schedule"), style::OPTIMAL_SLOT);

    // Each plot draws fibonacci's and exponential's data in those colors, and
    // no data in a slot none of its policies holds. Data only: left of the
    // legend column where there is one. A tick row of the schedule has a few
    // short ticks, so fewer pixels than a line or a bar; validation.png's
    // scatter of few jobs on a discrete schedule piles one policy's points on
    // another's, so there its legend counts too.
    let data = (0, style::WIDTH - style::LEGEND_WIDTH);
    let whole = (0, style::WIDTH);
    type Plot<'a> = (
        &'a Path,
        &'a str,
        (u32, u32),
        &'a [usize],
        &'a [usize],
        usize,
    );
    let plots: [Plot; 8] = [
        (
            &sim,
            "delay_cdf.png",
            data,
            &[fib, exp, every],
            &[0, 4],
            300,
        ),
        (&sim, "calls.png", whole, &[fib, exp, every], &[0, 4], 300),
        (&sim, "tradeoff.png", data, &[fib, exp, 0], &[every, 4], 150),
        (&sim, "schedule.png", whole, &[fib, exp, 0], &[every, 4], 50),
        (
            &validation,
            "validation.png",
            whole,
            &[fib, exp, every],
            &[0, 4],
            150,
        ),
        (
            &validation,
            "validation_load.png",
            whole,
            &[fib, exp, every],
            &[0, 4],
            300,
        ),
        (
            &tuned_validation,
            "validation.png",
            whole,
            &[fib, exp, 0],
            &[every, 4],
            150,
        ),
        (
            &tuned_validation,
            "validation_load.png",
            whole,
            &[fib, exp, 0],
            &[every, 4],
            300,
        ),
    ];
    for (dir, file, columns, present, absent, least) in plots {
        let img = image(dir, file);
        let count = |slot: usize| img.count(columns, (0, img.height), is(slot));
        for &slot in present {
            let n = count(slot);
            assert!(n >= least, "{file} in {dir:?}: {n} pixels of slot {slot}");
        }
        for &slot in absent {
            let n = count(slot);
            assert_eq!(n, 0, "{file} in {dir:?}: slot {slot} is nobody's here");
        }
    }
    // The optimal schedule (here one check, at the last duration) in ink, in
    // the schedule and the tuned validation alike.
    let ink = |p: [u8; 3]| p == [style::INK.0, style::INK.1, style::INK.2];
    assert!(image(&sim, "schedule.png").all(ink) > 40);
    assert!(image(&tuned_validation, "validation.png").all(ink) > 100);
}
