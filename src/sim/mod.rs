//! The virtual-clock simulator: replays a job set against policies.
//!
//! Two drivers share one model: [`engine`] replays each job alone against an
//! ideal server (the fast path, tens of millions of jobs per second), and
//! [`des`] runs many clients against one server with latency, faults, rate
//! limits, hints and long polling on the [`queue::EventQueue`]. With the ideal
//! server the second gives every job exactly the first's checks (tested on every
//! bundled config), so the engine is the DES's special case, kept for speed.
//!
//! Each job is driven through the same [`crate::policy::JobSchedule`] the HTTP
//! client uses; the clock is just a number. A job is seen complete at the first
//! check at or after its completion time: both drivers evaluate the job's state
//! as `elapsed >= duration` when a check reaches the server, rather than
//! scheduling a completion event, so a check at exactly the completion time
//! sees the job done in both.

pub mod arrivals;
pub mod des;
pub mod engine;
mod error;
pub mod exact;
pub mod load;
pub mod queue;
mod record;
pub mod server;
pub mod shard;

pub use arrivals::Arrivals;
pub use des::{ContendedRun, Contention, simulate_contention, simulate_contention_with_progress};
pub use engine::{simulate, simulate_with_progress};
pub use error::ModelError;
pub use exact::evaluate;
pub use load::LoadTimeline;
pub use record::{JobRecord, MAX_CALLS_PER_JOB, PolicyRun, Run, RunOptions};
pub use server::ServerModel;
