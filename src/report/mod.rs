//! Reports: pure functions from result rows to bytes (CSV, PNG) or text (tables,
//! `report.md`). Only the command layer writes files.

pub mod csv;
pub mod page;
pub mod plot;
pub mod table;
pub mod tune;
pub mod validation;
