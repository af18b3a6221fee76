pub mod policy;
pub mod rng;
pub mod workload;
