//! Integration tests: one binary, a module per topic.

mod cli;
mod configs;
mod determinism;
mod equivalence;
mod exact;
mod properties;
mod support;
mod tune;
