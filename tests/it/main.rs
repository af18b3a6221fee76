//! Integration tests: one binary, a module per topic.

mod cli;
mod configs;
mod determinism;
mod exact;
mod plots;
mod properties;
mod report;
mod support;
mod tune;
