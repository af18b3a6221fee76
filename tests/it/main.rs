//! Integration tests: one binary, a module per topic.

mod cli;
mod configs;
mod contention;
mod determinism;
mod equivalence;
mod exact;
mod herd;
mod http_cli;
mod http_client;
mod http_poll;
mod http_server;
mod http_server_api;
mod http_server_bad_input;
mod http_wire;
mod outputs;
mod plots;
mod properties;
mod rate_limit;
mod report;
mod service;
mod service_cli;
mod service_dialects;
mod service_mocks;
mod support;
mod tune;
mod validate_contention;
