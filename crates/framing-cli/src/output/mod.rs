//! **labels → output**: record writers for `predict` (one per format, behind one trait) and
//! the text renderings of reports.

pub mod label;
pub mod records;
pub mod report;

pub use records::{writer_for, IdValue, RecordWriter};
