//! # framing
//!
//! Labels paragraphs of news and opinion articles with the **frame** they look through and
//! their **stance** toward a target, with TF-IDF n-gram features and multinomial logistic
//! regression. Any labeled paragraphs train it; label names come from the data.
//!
//! The data flow, in the order the modules implement it:
//!
//! 1. **normalize** ([`text::Normalizer`]): NFKC, lowercase, typographic quotes and dashes
//!    folded, invisible characters dropped.
//! 2. **tokenize** ([`text::Tokenizer`]): Unicode word boundaries, numbers kept, optional
//!    stop words.
//! 3. **stem** ([`text::Stemmer`]): optional Snowball stemming.
//! 4. **n-grams** ([`features::ngrams`]): word n-grams and character n-grams inside words.
//! 5. **weigh** ([`features::Tfidf`]): vocabulary and IDF learned at fit time and stored;
//!    sublinear TF; L2 normalization; sparse rows ([`features::CsrMatrix`]).
//! 6. **score** ([`classify::LogisticModel`]): one multinomial logistic head per label field,
//!    fitted by a sparse L-BFGS solver or by linfa-logistic.
//! 7. **label** ([`Model`]): the featurizer and its heads together, saved as one
//!    self-describing, checksummed file ([`model_file`]).
//!
//! Evaluation lives in [`eval`] (metrics and cross-validation); labeled input files in
//! [`data`].
//!
//! ```
//! use framing::{LabeledData, LogisticParams, Model, TfidfParams};
//! use framing::features::{BlockParams, DfBound};
//!
//! let texts = ["Moscow eyes wheat and fuel deals", "Girls are barred from school",
//!              "A rail corridor promises trade", "Women activists decry the ban"];
//! let frames = ["economic", "rights", "economic", "rights"];
//! let data = LabeledData {
//!     texts: texts.iter().map(|s| s.to_string()).collect(),
//!     heads: vec!["frame".into()],
//!     labels: vec![frames.iter().map(|s| s.to_string()).collect()],
//!     positions: (1..=4).map(|line| framing::Position { path: None, line }).collect(),
//!     ..Default::default()
//! };
//! let mut words = BlockParams::word_default();
//! words.min_df = DfBound::Count(1);
//! let features = TfidfParams::new().word(Some(words)).char(None);
//! let model = Model::fit(&data, &features, &LogisticParams::new())?;
//! let p = model.predict_one("New fuel and wheat contracts");
//! assert_eq!(model.label(0, &p), "economic");
//! # Ok::<(), framing::Error>(())
//! ```
#![warn(missing_docs)]

pub mod article;
pub mod classify;
pub mod data;
mod error;
pub mod eval;
pub mod features;
mod hint;
pub mod model_file;
mod pipeline;
mod store;
pub mod summary;
pub mod text;

pub use classify::{ClassWeight, LogisticModel, LogisticParams, Solver};
pub use data::{DataSpec, LabeledData};
pub use error::{Error, Position, Result};
pub use features::{Tfidf, TfidfParams};
pub use pipeline::{Head, HeadPrediction, Model, Prediction, TrainingMeta, WeightedFeature};
