//! `framing eval`: a model against labeled data, per head.

use std::collections::BTreeMap;
use std::io::Write;

use anyhow::Result;
use framing::eval::HeadReport;

use crate::args::{EvalArgs, ReportFormat};
use crate::output::report;
use crate::{config, Outcome};

/// Runs `framing eval`.
pub fn run(a: EvalArgs) -> Result<Outcome> {
    let (model, _name) = config::load_model(a.model.as_deref())?;
    let fields: Vec<String> = model.heads().iter().map(|h| h.field.clone()).collect();
    let data = config::labeled_data(&a.data, &fields, None, &[])?;
    let preds = model.predict(&data.texts);
    let mut heads = BTreeMap::new();
    for (h, field) in fields.iter().enumerate() {
        let predicted: Vec<&str> = preds.iter().map(|p| model.label(h, p)).collect();
        let gold: Vec<&str> = data.labels[h].iter().map(String::as_str).collect();
        heads.insert(field.clone(), HeadReport::new(&gold, &predicted));
    }
    match a.format {
        ReportFormat::Json => writeln!(
            std::io::stdout(),
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({ "heads": heads }))?
        )?,
        ReportFormat::Text => {
            for (name, r) in &heads {
                write!(std::io::stdout(), "{}", report::head_report(name, r))?;
            }
        }
    }
    Ok(Outcome::Ok)
}
