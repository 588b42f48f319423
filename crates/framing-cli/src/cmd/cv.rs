//! `framing cv`: K-fold cross-validation of training settings.

use anyhow::Result;
use framing::eval::{cross_validate, select_c};
use std::io::Write;

use crate::args::{CvArgs, ReportFormat};
use crate::output::report;
use crate::{config, Outcome};

/// Runs `framing cv`.
pub fn run(a: CvArgs) -> Result<Outcome> {
    let (data, features, classifier) = config::training_inputs(
        &a.data,
        &a.labels,
        a.group_field.as_deref(),
        &a.features,
        &a.classifier,
    )?;
    let grid = &a.classifier.c.0;
    if grid.len() > 1 {
        let picks = select_c(&data, &features, &classifier, grid, a.folds, a.seed)?;
        match a.format {
            ReportFormat::Json => writeln!(
                std::io::stdout(),
                "{}",
                serde_json::to_string_pretty(&picks)?
            )?,
            ReportFormat::Text => {
                for p in &picks {
                    writeln!(std::io::stdout(), "head {}: best C={}", p.head, p.best)?;
                    for s in &p.scores {
                        writeln!(
                            std::io::stdout(),
                            "  C={:<6} accuracy={:.4}  macro-F1={:.4}",
                            s.c,
                            s.accuracy,
                            s.macro_f1
                        )?;
                    }
                }
            }
        }
        return Ok(Outcome::Ok);
    }
    let r = cross_validate(&data, &features, &classifier, a.folds, a.seed)?;
    match a.format {
        ReportFormat::Json => writeln!(std::io::stdout(), "{}", serde_json::to_string_pretty(&r)?)?,
        ReportFormat::Text => {
            writeln!(
                std::io::stdout(),
                "{}-fold cross-validation on {} rows{}",
                r.k,
                data.len(),
                match &a.group_field {
                    Some(g) => format!(", grouped by `{g}`"),
                    None => ", stratified".into(),
                }
            )?;
            for (name, h) in &r.heads {
                write!(std::io::stdout(), "{}", report::cv_head_report(name, h))?;
            }
        }
    }
    Ok(Outcome::Ok)
}
