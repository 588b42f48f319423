//! Evaluation: metrics ([`metrics`]) and cross-validation ([`cv`]).

pub mod cv;
pub mod metrics;

pub use cv::{
    cross_validate, grouped_folds, select_c, stratified_folds, CScore, CSelection, CvHeadReport,
    CvReport, FoldScore,
};
pub use metrics::{ClassMetrics, ConfusionMatrix, HeadReport};
