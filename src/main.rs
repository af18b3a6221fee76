//! The `pollsim` binary: parses arguments, runs a subcommand, maps errors to exit codes.

use clap::Parser;
use pollsim::cli::{Cli, OutputError, UsageError, run};
use pollsim::config::ConfigError;
use pollsim::http::server::ServerConfigError;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("Error: {error:#}");
            // Bad input (a config the user can fix) exits 2, like a usage error.
            if error.chain().any(|cause| {
                cause.is::<ConfigError>()
                    || cause.is::<ServerConfigError>()
                    || cause.is::<OutputError>()
                    || cause.is::<UsageError>()
            }) {
                ExitCode::from(2)
            } else {
                ExitCode::FAILURE
            }
        }
    }
}
