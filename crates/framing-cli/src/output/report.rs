//! Text renderings of evaluation, cross-validation and model reports.

use std::fmt::Write;

use framing::eval::{CvHeadReport, HeadReport};

/// A head's metrics as aligned tables: summary line, per-class table, confusion matrix.
pub fn head_report(name: &str, r: &HeadReport) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "head {name}: n={}  accuracy={:.4}  macro-F1={:.4}",
        r.n, r.accuracy, r.macro_f1
    );
    let w = r.classes.keys().map(|k| k.len()).max().unwrap_or(5).max(5);
    let _ = writeln!(
        s,
        "  {:<w$}  {:>9}  {:>6}  {:>6}  {:>7}",
        "class", "precision", "recall", "f1", "support"
    );
    for (label, m) in &r.classes {
        let _ = writeln!(
            s,
            "  {:<w$}  {:>9.4}  {:>6.4}  {:>6.4}  {:>7}",
            label, m.precision, m.recall, m.f1, m.support
        );
    }
    let _ = writeln!(
        s,
        "  confusion (rows = gold, columns = predicted, in the order above):"
    );
    let cw = r
        .confusion
        .matrix
        .iter()
        .flatten()
        .map(|v| v.to_string().len())
        .max()
        .unwrap_or(1)
        .max(4);
    for (label, row) in r.confusion.labels.iter().zip(&r.confusion.matrix) {
        let cells: Vec<String> = row.iter().map(|v| format!("{v:>cw$}")).collect();
        let _ = writeln!(s, "  {:<w$}  {}", label, cells.join(" "));
    }
    s
}

/// A head's cross-validation results: fold scores, mean ± std, then the pooled report.
pub fn cv_head_report(name: &str, r: &CvHeadReport) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "head {name}: over {} folds accuracy {:.4} ± {:.4}, macro-F1 {:.4} ± {:.4}",
        r.folds.len(),
        r.mean.accuracy,
        r.std.accuracy,
        r.mean.macro_f1,
        r.std.macro_f1
    );
    for (i, f) in r.folds.iter().enumerate() {
        let _ = writeln!(
            s,
            "  fold {i}: n={:<6} accuracy={:.4}  macro-F1={:.4}",
            f.n, f.accuracy, f.macro_f1
        );
    }
    let _ = writeln!(s, "  pooled over all folds:");
    for line in head_report(name, &r.pooled).lines() {
        let _ = writeln!(s, "  {line}");
    }
    s
}
