//! The text stages of the featurizer, in pipeline order: [`Normalizer`] → [`Tokenizer`] →
//! [`Stemmer`]. Each is a small serde struct saved inside the model file.

mod normalize;
mod stem;
mod tokenize;

pub use normalize::Normalizer;
pub use stem::{Language, Stemmer};
pub use tokenize::{is_english_stop_word, StopWords, Tokenizer, ENGLISH_STOP_WORDS};
