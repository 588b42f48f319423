//! The feature stages: n-grams ([`ngrams`]), TF-IDF weighting with a stored vocabulary
//! ([`tfidf`]) and the sparse matrices they produce ([`sparse`]).

pub mod index;
mod memo;
pub mod ngrams;
pub mod sparse;
pub mod tfidf;

pub use ngrams::{NgramKind, NgramRange};
pub use sparse::{CsrMatrix, SparseRow};
pub use tfidf::{
    BlockParams, CharSource, DfBound, Scratch, Tfidf, TfidfParams, TfidfValidParams, Vocabulary,
};
