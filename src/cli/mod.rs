//! Command-line interface: clap arguments and one file per subcommand.

mod args;
mod figures;
mod learning;
mod merge;
mod observe;
mod output;
mod poll;
mod progress;
mod results;
mod runtime;
mod serve;
mod shard;
mod simulate;
mod tune;
mod validate;

pub use output::{OutputDir, OutputError};

use anyhow::Result;
use clap::{Parser, Subcommand};

/// Find the best way to poll a slow job's status, by simulation instead of guessing.
#[derive(Debug, Parser)]
#[command(name = "pollsim", version, about, long_about = None)]
pub struct Cli {
    /// The subcommand to run.
    #[command(subcommand)]
    pub command: Command,
}

/// pollsim's subcommands.
#[derive(Debug, Subcommand)]
// The variants' docs are clap's help text, where `[tune]` names the config
// section; rustdoc would read it as a link to the private module.
#[allow(rustdoc::private_intra_doc_links)]
pub enum Command {
    /// Replay simulated jobs against every policy of a config and compare them;
    /// a config with a [tune] section is tuned too (--no-tune skips it).
    Simulate(simulate::SimulateArgs),
    /// Sweep the config's [tune] grids (a constant interval when it has none),
    /// find the optimal schedule and write tuned.toml, besides everything
    /// `simulate` writes.
    Tune(simulate::SimulateArgs),
    /// Merge the parts that `simulate --shard I/N` (or `tune --shard`) wrote
    /// into the results folder the unsharded run writes, byte for byte.
    Merge(merge::MergeArgs),
    /// Run the bundled status server (POST /jobs, GET /jobs/{id}/status, GET /status;
    /// --dialect start-timer or request for the seeds' APIs).
    Serve(serve::ServeArgs),
    /// Create jobs on a server and poll them with a policy.
    Poll(poll::PollArgs),
    /// Submit real jobs, poll them densely and write their bracketed
    /// durations to observed.csv (the observed workload kind's input).
    Observe(observe::ObserveArgs),
    /// Compare the real client on the bundled server with the simulator, job by
    /// job (on a described service: with the workload's prediction, in aggregate).
    Validate(validate::ValidateArgs),
}

/// Runs the parsed command line.
pub fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Simulate(args) => simulate::run(args, false),
        Command::Tune(args) => simulate::run(args, true),
        Command::Merge(args) => merge::run(args),
        Command::Serve(args) => serve::run(args),
        Command::Poll(args) => poll::run(args),
        Command::Observe(args) => observe::run(args),
        Command::Validate(args) => validate::run(args),
    }
}

/// A command-line value that cannot be used: bad input, like a bad config
/// (exit code 2). The message names the option, the value and what to write.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

/// Fails with a [`UsageError`] unless `ok`.
pub(crate) fn usage(ok: bool, message: impl FnOnce() -> String) -> Result<()> {
    if ok {
        Ok(())
    } else {
        Err(UsageError(message()).into())
    }
}

/// Columns for the terminal tables: all with `--wide`, else the terminal's
/// width (100 when it has none, as in a pipe).
pub(crate) fn table_width(wide: bool) -> Option<usize> {
    if wide {
        return None;
    }
    let columns = std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.parse::<usize>().ok())
        .or_else(terminal_columns);
    Some(columns.unwrap_or(100).max(40))
}

/// The width of the terminal on stdout, when there is one.
fn terminal_columns() -> Option<usize> {
    let term = console::Term::stdout();
    term.is_term().then(|| term.size().1 as usize)
}

/// Prints a line to stdout. A closed pipe (`pollsim … | head`) is not an error
/// worth a panic: the output is simply no longer wanted.
pub(crate) fn say(text: impl std::fmt::Display) {
    use std::io::Write;
    let _ = writeln!(std::io::stdout().lock(), "{text}");
}

/// Runs `work` on a pool of `threads` workers (all cores when `None`).
pub(crate) fn with_threads<T: Send>(
    threads: Option<usize>,
    work: impl FnOnce() -> T + Send,
) -> Result<T> {
    match threads {
        None => Ok(work()),
        Some(n) => {
            let pool = rayon::ThreadPoolBuilder::new().num_threads(n).build()?;
            Ok(pool.install(work))
        }
    }
}
