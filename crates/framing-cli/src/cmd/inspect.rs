//! `framing inspect`: metadata, classes and top-weighted n-grams of a model.

use anyhow::Result;
use framing::features::NgramKind;
use serde_json::json;
use std::io::Write;

use crate::args::{InspectArgs, ReportFormat};
use crate::{config, Outcome};

/// An n-gram as readers see it: words bare, character n-grams bracketed with `_` for the
/// word boundary.
fn show(kind: NgramKind, ngram: &str) -> String {
    match kind {
        NgramKind::Word => ngram.to_string(),
        NgramKind::Char => format!("[{}]", ngram.replace(' ', "_")),
    }
}

/// Runs `framing inspect`.
pub fn run(a: InspectArgs) -> Result<Outcome> {
    let (model, name) = config::load_model(a.model.as_deref())?;
    let f = model.featurizer();
    let meta = model.meta();
    let version = model
        .file_version()
        .unwrap_or(framing::model_file::FORMAT_VERSION);
    if a.format == ReportFormat::Json {
        let heads: Vec<_> = model
            .heads()
            .iter()
            .enumerate()
            .map(|(h, head)| {
                json!({
                    "field": head.field,
                    "classes": head.model.classes(),
                    "params": head.params,
                    "fit_info": head.model.fit_info(),
                    "top_features": model.top_features(h, a.top).into_iter()
                        .collect::<std::collections::BTreeMap<_, _>>(),
                })
            })
            .collect();
        let doc = json!({
            "model": name,
            "format_version": version,
            "training": meta,
            "featurizer": f.params(),
            "hashtag_words": f.hashtag_words().map(|t| t.words.len()),
            "n_features": f.n_features(),
            "blocks": f.blocks().iter().map(|b| json!({"kind": b.kind(), "terms": b.len()})).collect::<Vec<_>>(),
            "heads": heads,
        });
        writeln!(std::io::stdout(), "{}", serde_json::to_string_pretty(&doc)?)?;
        return Ok(Outcome::Ok);
    }
    writeln!(std::io::stdout(), "model:     {name}")?;
    writeln!(
        std::io::stdout(),
        "format:    {} v{}; trained by framing {} at {}",
        framing::model_file::FORMAT_NAME,
        version,
        meta.library_version,
        meta.trained_at
    )?;
    writeln!(
        std::io::stdout(),
        "training:  {} rows, text field `{}`",
        meta.n_rows,
        meta.text_field
    )?;
    for d in &meta.data_files {
        writeln!(
            std::io::stdout(),
            "  data     {} ({} rows, sha256 {})",
            d.path,
            d.rows,
            d.sha256
        )?;
    }
    for d in &meta.vocab_files {
        writeln!(
            std::io::stdout(),
            "  vocab    {} ({} texts, sha256 {}; vocabulary only)",
            d.path,
            d.rows,
            d.sha256
        )?;
    }
    let p = f.params();
    let hashtags = f
        .hashtag_words()
        .map(|t| format!("split hashtags ({} known words) → ", t.words.len()))
        .unwrap_or_default();
    writeln!(std::io::stdout(),
        "pipeline:  {hashtags}normalize (nfkc {}, lowercase {}, fold punctuation {}) → tokenize (stop words {:?}, min chars {}) → stem ({}) → n-grams",
        p.normalizer.nfkc,
        p.normalizer.lowercase,
        p.normalizer.fold_punctuation,
        p.tokenizer.stop_words,
        p.tokenizer.min_chars,
        p.stemmer.map(|l| l.name()).unwrap_or("none"),
    )?;
    for (b, params) in f.blocks().iter().zip(p.word.iter().chain(p.char.iter())) {
        writeln!(std::io::stdout(),
            "  {:<5}    {}-{}-grams, {} terms (min_df {:?}, max_df {:?}, max_features {:?}, sublinear tf {}, weight {})",
            format!("{:?}", b.kind()).to_lowercase(),
            params.ngram_range.min,
            params.ngram_range.max,
            b.len(),
            params.min_df,
            params.max_df,
            params.max_features,
            params.sublinear_tf,
            params.weight
        )?;
    }
    for (h, head) in model.heads().iter().enumerate() {
        let info = head.model.fit_info();
        writeln!(
            std::io::stdout(),
            "head {}: classes {}; C={} class_weight={:?} solver={:?}{}{}",
            head.field,
            head.model.classes().join(", "),
            head.params.c,
            head.params.class_weight,
            head.params.solver,
            info.iterations
                .map(|n| format!("; {n} iterations"))
                .unwrap_or_default(),
            match info.converged {
                Some(true) => ", converged",
                Some(false) => ", iteration limit reached",
                None => "",
            }
        )?;
        for (class, feats) in model.top_features(h, a.top) {
            let shown: Vec<String> = feats
                .iter()
                .map(|w| format!("{} {:+.2}", show(w.kind, &w.ngram), w.weight))
                .collect();
            writeln!(std::io::stdout(), "  {class}: {}", shown.join(", "))?;
        }
    }
    Ok(Outcome::Ok)
}
