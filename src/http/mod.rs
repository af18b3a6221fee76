//! Polling on the wire: the bundled status server (in pollsim's own dialect
//! or the seeds', [`server::Dialect`]) and the thin client, which speaks it or
//! any JSON status API a `[service]` describes ([`crate::config::Service`]).
//!
//! These are the only modules that import tokio, axum and reqwest; the policy,
//! workload and simulator modules stay runtime-free. The client drives the very
//! [`crate::policy::JobSchedule`] the simulator replays, so what was tuned is what
//! runs, and [`validate`] compares the two job by job.
//!
//! ## Time
//! Every time on the wire (`duration_s`, `eta_s`, `hint_s`, `?wait=`,
//! `Retry-After`, rate limits, TTL) is in *job seconds*, the simulator's unit.
//! Server and client share a time scale: at `time_scale = 0.01` a 300 s job
//! finishes after 3 s of real time and a 5 s poll interval sleeps 50 ms, so long
//! workloads can be checked quickly, and the server's injected latency
//! (`--latency-ms`, job milliseconds) scales too. Only the client's network
//! settings are in real time: per-request timeouts and overall deadlines.

pub mod client;
pub mod server;
pub mod validate;

pub mod wire;

pub use client::{Client, ClientOptions, JobEnd, JobHandle, JobReport};
pub use server::{ServerConfig, app, spawn};

/// Installs the ring crypto provider for rustls once per process. reqwest is built
/// without a default provider (the aws-lc-rs one is a slow C build) and panics when
/// a client is built without one.
pub fn install_crypto_provider() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // An error means another provider is installed already: that one is used.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}
