//! The virtual-clock simulator: replays a job set against policies.
//!
//! Each job is driven through the same [`crate::policy::JobSchedule`] the HTTP
//! client uses; the clock is just a number. A job is seen complete at the first
//! check at or after its completion time. In the event-queue view
//! ([`queue::EventQueue`]) the completion is scheduled at submission, before any
//! check, so at equal times it is processed first; for one client polling one job
//! against an ideal server that rule reduces to `check_time >= duration`, which
//! is what the replay below evaluates directly.

pub mod engine;
pub mod exact;
pub mod queue;

pub use engine::{JobRecord, PolicyRun, Run, RunOptions, simulate};
pub use exact::evaluate;
