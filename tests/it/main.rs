//! Integration tests: one binary, a module per topic.

mod cli;
mod configs;
mod determinism;
mod exact;
mod http_cli;
mod http_client;
mod http_server;
mod plots;
mod properties;
mod report;
mod support;
mod tune;
