//! Classification metrics: confusion matrix, per-class precision / recall / F1 / support,
//! accuracy and macro-F1 (averaged over the union of gold and predicted labels, as
//! scikit-learn's `f1_score(average="macro")`).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Precision, recall, F1 and support of one class.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClassMetrics {
    /// Correct predictions of the class / all predictions of it (0 when never predicted).
    pub precision: f64,
    /// Correct predictions of the class / its gold rows (0 when it has none).
    pub recall: f64,
    /// Harmonic mean of precision and recall (0 when both are 0).
    pub f1: f64,
    /// Gold rows of the class.
    pub support: u64,
}

/// A confusion matrix: `matrix[gold][predicted]`, labels sorted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConfusionMatrix {
    /// Row and column labels.
    pub labels: Vec<String>,
    /// Counts, rows = gold, columns = predicted.
    pub matrix: Vec<Vec<u64>>,
}

impl ConfusionMatrix {
    /// Counts gold/predicted pairs.
    pub fn new<S: AsRef<str>>(gold: &[S], predicted: &[S]) -> Self {
        let mut labels: Vec<String> = gold
            .iter()
            .chain(predicted)
            .map(|s| s.as_ref().to_string())
            .collect();
        labels.sort();
        labels.dedup();
        let ix = |s: &str| labels.binary_search_by(|l| l.as_str().cmp(s)).unwrap_or(0);
        let mut matrix = vec![vec![0u64; labels.len()]; labels.len()];
        for (g, p) in gold.iter().zip(predicted) {
            matrix[ix(g.as_ref())][ix(p.as_ref())] += 1;
        }
        ConfusionMatrix { labels, matrix }
    }

    /// Metrics of class `c` (an index into `labels`).
    pub fn class_metrics(&self, c: usize) -> ClassMetrics {
        let tp = self.matrix[c][c] as f64;
        let support: u64 = self.matrix[c].iter().sum();
        let predicted: u64 = self.matrix.iter().map(|r| r[c]).sum();
        let precision = if predicted > 0 {
            tp / predicted as f64
        } else {
            0.0
        };
        let recall = if support > 0 {
            tp / support as f64
        } else {
            0.0
        };
        let f1 = if precision + recall > 0.0 {
            2.0 * precision * recall / (precision + recall)
        } else {
            0.0
        };
        ClassMetrics {
            precision,
            recall,
            f1,
            support,
        }
    }

    /// Total count.
    pub fn total(&self) -> u64 {
        self.matrix.iter().flatten().sum()
    }

    /// Fraction on the diagonal.
    pub fn accuracy(&self) -> f64 {
        let n = self.total();
        if n == 0 {
            return 0.0;
        }
        (0..self.labels.len())
            .map(|c| self.matrix[c][c])
            .sum::<u64>() as f64
            / n as f64
    }
}

/// Everything `framing eval` reports for one head.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HeadReport {
    /// Rows evaluated.
    pub n: u64,
    /// Fraction correct.
    pub accuracy: f64,
    /// Unweighted mean of per-class F1.
    pub macro_f1: f64,
    /// Per-class metrics, by label.
    pub classes: BTreeMap<String, ClassMetrics>,
    /// The confusion matrix.
    pub confusion: ConfusionMatrix,
}

impl HeadReport {
    /// Scores `predicted` against `gold`.
    pub fn new<S: AsRef<str>>(gold: &[S], predicted: &[S]) -> Self {
        let confusion = ConfusionMatrix::new(gold, predicted);
        let classes: BTreeMap<String, ClassMetrics> = confusion
            .labels
            .iter()
            .enumerate()
            .map(|(c, l)| (l.clone(), confusion.class_metrics(c)))
            .collect();
        let macro_f1 = if classes.is_empty() {
            0.0
        } else {
            classes.values().map(|m| m.f1).sum::<f64>() / classes.len() as f64
        };
        HeadReport {
            n: confusion.total(),
            accuracy: confusion.accuracy(),
            macro_f1,
            classes,
            confusion,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_hand_computed_values() {
        // gold:  a a a b b c ; pred: a a b b c c
        let g = ["a", "a", "a", "b", "b", "c"];
        let p = ["a", "a", "b", "b", "c", "c"];
        let r = HeadReport::new(&g, &p);
        assert_eq!(r.n, 6);
        assert!((r.accuracy - 4.0 / 6.0).abs() < 1e-12);
        let a = &r.classes["a"];
        assert_eq!((a.precision, a.recall, a.support), (1.0, 2.0 / 3.0, 3));
        let b = &r.classes["b"];
        assert_eq!((b.precision, b.recall), (0.5, 0.5));
        let c = &r.classes["c"];
        assert_eq!((c.precision, c.recall), (0.5, 1.0));
        let f1a = 2.0 * (2.0 / 3.0) / (1.0 + 2.0 / 3.0);
        let want = (f1a + 0.5 + 2.0 * 0.5 / 1.5) / 3.0;
        assert!((r.macro_f1 - want).abs() < 1e-12);
        assert_eq!(
            r.confusion.matrix,
            vec![vec![2, 1, 0], vec![0, 1, 1], vec![0, 0, 1]]
        );
    }

    #[test]
    fn unseen_predicted_label_counts_in_macro() {
        let r = HeadReport::new(&["a", "a"], &["a", "z"]);
        assert_eq!(r.classes.len(), 2);
        assert_eq!(r.classes["z"].f1, 0.0);
    }
}
