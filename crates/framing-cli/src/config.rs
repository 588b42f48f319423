//! High-level configuration: turns parsed arguments into library parameters, loads models
//! (the embedded default when `--model` is absent), and reads labeled data.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use framing::features::{BlockParams, CharSource};
use framing::text::{Language, StopWords};
use framing::{ClassWeight, DataSpec, LabeledData, LogisticParams, Model, Solver, TfidfParams};

use crate::args::{
    CharSourceArg, ClassWeightArg, ClassifierArgs, DataArgs, FeatureArgs, SolverArg, StopWordsArg,
};

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/embedded.rs"));
}

/// Name under which the embedded model is reported.
pub const EMBEDDED_NAME: &str = "<embedded recognition-debate model>";

/// The embedded default model's bytes, if this build has one.
pub fn embedded_model_bytes() -> Option<&'static [u8]> {
    embedded::DEFAULT_MODEL
}

/// Loads `--model`, or the embedded default.
pub fn load_model(path: Option<&Path>) -> Result<(Model, String)> {
    match path {
        Some(p) => Ok((Model::load(p)?, p.display().to_string())),
        None => match embedded_model_bytes() {
            Some(bytes) => Ok((
                Model::from_static(bytes, Some(Path::new(EMBEDDED_NAME)))?,
                EMBEDDED_NAME.to_string(),
            )),
            None => bail!(
                "no --model given, and this build has no embedded default model; \
                 pass --model MODEL (train one with `framing train`)"
            ),
        },
    }
}

/// Featurizer parameters from the command line.
pub fn features(a: &FeatureArgs) -> Result<TfidfParams> {
    let stem = if a.stem.eq_ignore_ascii_case("none") {
        None
    } else {
        Some(Language::from_name(&a.stem).with_context(|| {
            let names: Vec<&str> = Language::ALL.iter().map(|l| l.name()).collect();
            format!(
                "unknown stemming language `{}`; use none or one of: {}",
                a.stem,
                names.join(", ")
            )
        })?)
    };
    let block = |ngram_range, weight| BlockParams {
        ngram_range,
        weight,
        min_df: a.min_df,
        max_df: a.max_df,
        max_features: a.max_features,
        sublinear_tf: !a.no_sublinear_tf,
    };
    Ok(TfidfParams::new()
        .split_hashtags(a.split_hashtags)
        .stemmer(stem)
        .stop_words(match a.stop_words {
            StopWordsArg::None => StopWords::None,
            StopWordsArg::English => StopWords::English,
        })
        .min_token_chars(a.min_token_chars)
        .char_source(match a.char_source {
            CharSourceArg::Whitespace => CharSource::Whitespace,
            CharSourceArg::Words => CharSource::Words,
        })
        .word((!a.no_words).then(|| block(a.word_ngrams, a.word_weight)))
        .char((!a.no_chars).then(|| block(a.char_ngrams, 1.0))))
}

/// Classifier parameters from the command line, with the first C of the list.
pub fn classifier(a: &ClassifierArgs) -> LogisticParams {
    LogisticParams::new()
        .c(a.c.0[0])
        .class_weight(match a.class_weight {
            ClassWeightArg::None => ClassWeight::None,
            ClassWeightArg::Balanced => ClassWeight::Balanced,
        })
        .solver(match a.solver {
            SolverArg::Sparse => Solver::Sparse,
            SolverArg::Linfa => Solver::Linfa,
        })
        .max_iter(a.max_iter)
        .tol(a.tol)
}

/// What `train` and `cv` fit with: the labeled data (with `--vocab-data` texts), the
/// featurizer settings and the classifier settings.
pub fn training_inputs(
    d: &DataArgs,
    labels: &[String],
    group_field: Option<&str>,
    features: &FeatureArgs,
    classifier: &ClassifierArgs,
) -> Result<(LabeledData, TfidfParams, LogisticParams)> {
    let data = labeled_data(d, labels, group_field, &features.vocab_data)?;
    Ok((
        data,
        self::features(features)?,
        self::classifier(classifier),
    ))
}

/// Reads labeled data for the given heads (`labels` empty = the default heads).
pub fn labeled_data(
    d: &DataArgs,
    labels: &[String],
    group_field: Option<&str>,
    vocab: &[PathBuf],
) -> Result<LabeledData> {
    let spec = DataSpec {
        text_field: d.text_field.clone(),
        labels: (!labels.is_empty()).then(|| labels.to_vec()),
        group_field: group_field.map(str::to_string),
    };
    let mut data = framing::data::load_labeled(&d.data, &spec)?;
    data.add_vocab_files(vocab, &d.text_field)?;
    Ok(data)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The embedded model is byte-for-byte `models/recognition-debate.model` (or absent
    /// exactly when that file is absent), and it loads.
    #[test]
    fn embedded_model_is_the_shipped_file() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../models/recognition-debate.model"
        );
        match (std::fs::read(path).ok(), embedded_model_bytes()) {
            (Some(file), Some(embedded)) => {
                assert!(
                    file == embedded,
                    "embedded model differs from {path}: rebuild"
                );
                let (model, name) = load_model(None).expect("embedded model loads");
                assert_eq!(name, EMBEDDED_NAME);
                let fields: Vec<&str> = model.heads().iter().map(|h| h.field.as_str()).collect();
                assert_eq!(fields, ["frame", "stance"]);
                // `from_static` trusts the embedded bytes; every check passes on them.
                assert_eq!(
                    embedded.as_ptr() as usize % 64,
                    0,
                    "embedded model is aligned"
                );
                let checked = Model::from_bytes(embedded, None).expect("passes every check");
                let text = ["Moscow recognized the Taliban to secure its southern flank."];
                assert_eq!(checked.predict(&text), model.predict(&text));
            }
            (None, None) => {
                let err = load_model(None).unwrap_err().to_string();
                assert!(err.contains("--model"), "{err}");
            }
            (file, embedded) => panic!(
                "model file present: {}, embedded: {}",
                file.is_some(),
                embedded.is_some()
            ),
        }
    }
}
