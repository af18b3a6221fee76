//! # pollsim
//!
//! Clients learn that a slow job (a video translation, say) is done by polling
//! `GET /status`. Poll too often and the server drowns in useless calls; too
//! rarely and users wait after the job has finished. pollsim measures the
//! trade-off instead of guessing: a deterministic simulator replays job-duration
//! distributions against polling policies on a virtual clock, exact formulas give
//! the expected calls and delay of every deterministic schedule, and the same
//! policy code later runs against a real server.
//!
//! ## The drive contract
//! A policy ([`policy`]) is a pure state machine: observation in, next delay out.
//! The simulator ([`sim`]) drives it on a virtual clock; the HTTP client drives
//! it on real time. See [`policy`] for the contract.
//!
//! ## Where the code departs from `shared/DESIGN.md`, and why
//! - **Time is `f64` seconds**, not `Duration`: the engine takes tens of millions
//!   of steps per second and `Duration` arithmetic and conversions cost more than
//!   the step itself. The HTTP driver converts at its edge.
//! - **The driver supplies randomness** ([`rng::JobRng`], keyed by seed, policy
//!   name and job) instead of `start(hint, seed)`: job `j`'s first 24 draws are
//!   words `[24j, 24j + 24)` of one ChaCha stream, read in bulk by the simulator
//!   (one block refill serves several jobs) and seeked to by the HTTP client, so
//!   both give a job the same jitter.
//! - **One state machine per job, [`policy::JobPoll`]**, owns a check's timing
//!   for every driver; [`policy::send_time`] is the one rule for when a check
//!   goes out and the one place `Retry-After` is applied. Its `replay` (the
//!   engine's inner loop, against an ideal server) picks the family once per
//!   job and shares the machine's counting and send rule (a property test
//!   checks it against stepping the machine answer by answer).
//! - **A client's protections are held by the driver, not the policy**: its
//!   [`policy::Guards`] (retry quota, adaptive throttle, circuit breaker) span
//!   that client's jobs, so the simulator keeps one per client and the HTTP
//!   client one per client key and policy, each on its own clock (the HTTP
//!   client's time 0 is where `validate` puts the simulator's t = 0). Every
//!   driver hands them to the same entries: [`policy::JobPoll::consult`]
//!   before a send, [`policy::JobPoll::on_reply`] and
//!   [`policy::JobPoll::on_final`] for answers (`None`, and no
//!   `retry_delay`: only the family's wait and the send rule run, the path
//!   the simulator's replay and most runs take).
//! - **Families see the last observation**: a family's step takes the last
//!   [`policy::Observation`] (so `retry_after`, `eta_hint` and `long_poll` can
//!   read the server's hints); long polling is asked of the driver through
//!   [`policy::JobPoller::hold`] rather than a field of the observation.
//! - **Two simulators, one model**: [`sim::des`] (many clients, one server, on
//!   the event queue) and the single-job replay, kept as the fast path for the
//!   ideal server; a test checks job by job that they agree there.
//! - **A family is one file and one registry line** (`policy/registry.rs`, a
//!   macro that generates the `Family` enum and the per-job step dispatch):
//!   DESIGN.md's trait objects would cost a virtual call per step in the hot
//!   loop. `RawPolicy` stays one flat struct of every family's parameters, so
//!   that serde reports a bad field on its own line and `tuned.toml` keeps its
//!   key order; a family with a parameter name no family used before adds that
//!   field there too.
//! - **A described service is a dialect of the one client**: a `[service]`
//!   table ([`config::Service`]) changes only how a request is built and an
//!   answer read (`http::client`'s dialect module) into the same
//!   [`http::client::Answer`], so the same [`policy::JobPoll`] and driver loop
//!   poll the bundled server and the user's own service.
//! - **Deterministic policies** (no jitter, learning or per-job hint) are
//!   evaluated from their check times: one binary search per simulated job, and
//!   exact expectations from S and T for the optimizer.
//!
//! ```
//! use pollsim::policy::PolicySpec;
//! use pollsim::sim::{simulate, RunOptions, evaluate};
//! use pollsim::workload::{Distribution, JobSource, Uniform, Workload};
//!
//! let dist = Distribution::Uniform(Uniform::new(300.0, 120.0).unwrap());
//! let source = JobSource::new(Workload::new(dist.clone(), 0.0, None).unwrap(), 42);
//! let every_5s = PolicySpec::from_toml("name = 'c'\nkind = 'constant'\ninterval = 5.0").unwrap();
//! let run = simulate(&source, &[every_5s.clone()], 10_000, 42, RunOptions::default());
//! let calls = run.policies[0].accumulator.calls().mean();
//! let exact = evaluate(&every_5s, &dist).unwrap();
//! assert!((exact.calls - 60.5).abs() < 1e-9);
//! assert!((calls - exact.calls).abs() < 1.0);
//! ```

pub mod cli;
pub mod compare;
pub mod config;
pub mod http;
pub mod metrics;
pub mod optimize;
pub mod policy;
pub mod report;
pub mod rng;
pub mod sim;
pub mod workload;
