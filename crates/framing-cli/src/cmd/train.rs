//! `framing train`: labeled data → featurizer + heads → model file.

use std::io::Write;
use std::time::Instant;

use anyhow::{Context, Result};
use framing::eval::select_c;
use framing::{LogisticParams, Model};

use crate::args::TrainArgs;
use crate::{config, Outcome};

/// Runs `framing train`.
pub fn run(a: TrainArgs) -> Result<Outcome> {
    let start = Instant::now();
    let (data, features, classifier) = config::training_inputs(
        &a.data,
        &a.labels,
        a.group_field.as_deref(),
        &a.features,
        &a.classifier,
    )?;
    let grid = &a.classifier.c.0;
    let per_head: Vec<LogisticParams> = if grid.len() > 1 {
        let picks = select_c(
            &data,
            &features,
            &classifier,
            grid,
            a.classifier.select_folds,
            a.seed,
        )?;
        for p in &picks {
            let scores: Vec<String> = p
                .scores
                .iter()
                .map(|s| format!("C={} macro-F1 {:.4}", s.c, s.macro_f1))
                .collect();
            writeln!(
                std::io::stdout(),
                "head {}: chose C={} by {}-fold CV ({})",
                p.head,
                p.best,
                a.classifier.select_folds,
                scores.join(", ")
            )?;
        }
        picks.iter().map(|p| classifier.clone().c(p.best)).collect()
    } else {
        vec![classifier; data.heads.len()]
    };
    let model =
        Model::fit_heads(&data, &features, &per_head)?.with_meta(&a.data.text_field, a.seed);
    let fit_secs = start.elapsed().as_secs_f64();
    model
        .save(&a.out)
        .with_context(|| format!("writing the model to {}", a.out.display()))?;
    let size = std::fs::metadata(&a.out).map(|m| m.len()).unwrap_or(0);
    let blocks: Vec<String> = model
        .featurizer()
        .blocks()
        .iter()
        .map(|b| format!("{} {:?}", b.len(), b.kind()).to_lowercase())
        .collect();
    let vocab = if data.vocab_texts.is_empty() {
        String::new()
    } else {
        format!(" (vocabulary also from {} texts)", data.vocab_texts.len())
    };
    writeln!(
        std::io::stdout(),
        "trained on {} rows{vocab} in {:.2} s; features: {}",
        data.len(),
        fit_secs,
        blocks.join(" + ")
    )?;
    for h in model.heads() {
        let info = h.model.fit_info();
        writeln!(
            std::io::stdout(),
            "  head {}: {} classes ({}); C={}{}{}",
            h.field,
            h.model.classes().len(),
            h.model.classes().join(", "),
            h.params.c,
            info.iterations
                .map(|n| format!("; {n} iterations"))
                .unwrap_or_default(),
            if info.converged == Some(false) {
                " (iteration limit reached)"
            } else {
                ""
            }
        )?;
    }
    writeln!(
        std::io::stdout(),
        "wrote {} ({:.1} KiB)",
        a.out.display(),
        size as f64 / 1024.0
    )?;
    Ok(Outcome::Ok)
}
