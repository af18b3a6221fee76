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
//! check at or after its completion time. In the event-queue view
//! ([`queue::EventQueue`]) the completion is scheduled at submission, before any
//! check, so at equal times it is processed first; for one client polling one job
//! against an ideal server that rule reduces to `check_time >= duration`, which
//! is what the replay below evaluates directly.

pub mod arrivals;
pub mod des;
pub mod engine;
mod error;
pub mod exact;
pub mod load;
pub mod queue;
pub mod server;

pub use arrivals::Arrivals;
pub use des::{ContendedRun, Contention, simulate_contention};
pub use engine::{JobRecord, PolicyRun, Run, RunOptions, simulate};
pub use error::ModelError;
pub use exact::evaluate;
pub use load::LoadTimeline;
pub use server::ServerModel;
