//! Integration tests: one binary, a module per topic.

mod cli;
mod configs;
mod contention;
mod determinism;
mod equivalence;
mod exact;
mod herd;
mod properties;
mod rate_limit;
mod support;
mod tune;
