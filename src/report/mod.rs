//! Reports: pure functions from result rows to bytes (CSV) or text (tables).
//! Only the command layer writes files.

pub mod csv;
pub mod table;
pub mod validation;
