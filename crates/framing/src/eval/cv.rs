//! K-fold cross-validation: stratified folds, or grouped folds that keep every group (an
//! article) on one side, balanced by label as well as they can be. Seeded and deterministic.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use xxhash_rust::xxh3::xxh3_64_with_seed;

use super::metrics::HeadReport;
use crate::classify::LogisticParams;
use crate::data::LabeledData;
use crate::error::{Error, Result};
use crate::features::TfidfParams;
use crate::pipeline::Model;

/// A seeded pseudo-random key for shuffling item `i` (a stable permutation per seed).
fn shuffle_key(seed: u64, i: usize) -> u64 {
    xxh3_64_with_seed(&(i as u64).to_le_bytes(), seed)
}

fn check_k(k: usize, units: usize, what: &str) -> Result<()> {
    if k < 2 {
        return Err(Error::InvalidParam {
            name: "folds",
            problem: format!("need at least 2 folds, got {k}"),
        });
    }
    if k > units {
        return Err(Error::InvalidParam {
            name: "folds",
            problem: format!("{k} folds but only {units} {what}"),
        });
    }
    Ok(())
}

/// Fold number of every row: each class's rows, shuffled, dealt round-robin.
pub fn stratified_folds<S: AsRef<str>>(labels: &[S], k: usize, seed: u64) -> Result<Vec<usize>> {
    check_k(k, labels.len(), "rows")?;
    let mut by_class: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, l) in labels.iter().enumerate() {
        by_class.entry(l.as_ref()).or_default().push(i);
    }
    let mut fold = vec![0; labels.len()];
    let mut next = 0;
    for rows in by_class.values_mut() {
        rows.sort_by_key(|&i| shuffle_key(seed, i));
        for &i in rows.iter() {
            fold[i] = next % k;
            next += 1;
        }
    }
    Ok(fold)
}

/// Fold number of every row such that rows sharing a group share a fold. Groups are taken
/// largest first (ties in seeded random order) and each goes to the fold where it best
/// evens out the label proportions, then the smallest fold.
pub fn grouped_folds<S: AsRef<str>, G: AsRef<str>>(
    labels: &[S],
    groups: &[G],
    k: usize,
    seed: u64,
) -> Result<Vec<usize>> {
    let mut classes: Vec<&str> = labels.iter().map(|l| l.as_ref()).collect();
    classes.sort_unstable();
    classes.dedup();
    let class_ix = |l: &str| classes.binary_search(&l).unwrap_or(0);
    let mut members: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, g) in groups.iter().enumerate() {
        members.entry(g.as_ref()).or_default().push(i);
    }
    check_k(k, members.len(), "groups")?;
    let mut order: Vec<(&str, Vec<usize>)> = members.into_iter().collect();
    order.sort_by_key(|(_, rows)| shuffle_key(seed, rows[0]));
    order.sort_by_key(|(_, rows)| std::cmp::Reverse(rows.len()));
    let nc = classes.len();
    let mut totals = vec![0usize; nc];
    labels
        .iter()
        .for_each(|l| totals[class_ix(l.as_ref())] += 1);
    let mut fold_counts = vec![vec![0usize; nc]; k];
    let mut fold_sizes = vec![0usize; k];
    let mut fold = vec![0; labels.len()];
    for (_, rows) in order {
        let mut add = vec![0usize; nc];
        rows.iter()
            .for_each(|&i| add[class_ix(labels[i].as_ref())] += 1);
        let score = |f: usize| -> f64 {
            // Mean over classes of the spread of that class's share across folds.
            (0..nc)
                .map(|c| {
                    let shares: Vec<f64> = (0..k)
                        .map(|g| {
                            let n = fold_counts[g][c] + if g == f { add[c] } else { 0 };
                            n as f64 / totals[c].max(1) as f64
                        })
                        .collect();
                    let mean = shares.iter().sum::<f64>() / k as f64;
                    (shares.iter().map(|s| (s - mean).powi(2)).sum::<f64>() / k as f64).sqrt()
                })
                .sum::<f64>()
                / nc.max(1) as f64
        };
        let best = (0..k)
            .min_by(|&a, &b| {
                score(a)
                    .partial_cmp(&score(b))
                    .unwrap_or(std::cmp::Ordering::Equal)
                    .then(fold_sizes[a].cmp(&fold_sizes[b]))
            })
            .unwrap_or(0);
        for &i in &rows {
            fold[i] = best;
        }
        for c in 0..nc {
            fold_counts[best][c] += add[c];
        }
        fold_sizes[best] += rows.len();
    }
    Ok(fold)
}

/// The (train rows, test rows) of each non-empty fold: grouped when the data carry groups,
/// else stratified by the first head's labels.
fn splits(data: &LabeledData, k: usize, seed: u64) -> Result<Vec<(Vec<usize>, Vec<usize>)>> {
    let strat = &data.labels[0];
    let fold = match &data.groups {
        Some(g) => grouped_folds(strat, g, k, seed)?,
        None => stratified_folds(strat, k, seed)?,
    };
    Ok((0..k)
        .map(|f| {
            let (test, train): (Vec<usize>, Vec<usize>) =
                (0..data.len()).partition(|&i| fold[i] == f);
            (train, test)
        })
        .filter(|(_, test)| !test.is_empty())
        .collect())
}

/// One fold's headline numbers for one head.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FoldScore {
    /// Test rows in the fold.
    pub n: u64,
    /// Accuracy on the fold.
    pub accuracy: f64,
    /// Macro-F1 on the fold.
    pub macro_f1: f64,
}

/// Mean and standard deviation of fold scores.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Spread {
    /// Mean accuracy over folds.
    pub accuracy: f64,
    /// Mean (or standard deviation of) macro-F1 over folds.
    pub macro_f1: f64,
}

/// Cross-validation results for one head: pooled metrics over all out-of-fold predictions,
/// plus each fold's scores and their mean and standard deviation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CvHeadReport {
    /// Metrics over the pooled out-of-fold predictions.
    #[serde(flatten)]
    pub pooled: HeadReport,
    /// Per-fold scores.
    pub folds: Vec<FoldScore>,
    /// Mean over folds.
    pub mean: Spread,
    /// Standard deviation over folds.
    pub std: Spread,
}

/// Results of [`cross_validate`], per head.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CvReport {
    /// Number of folds.
    pub k: usize,
    /// Whether folds were grouped.
    pub grouped: bool,
    /// Per-head results.
    pub heads: BTreeMap<String, CvHeadReport>,
    /// The out-of-fold predicted label of every row, per head (in `heads` order of the data).
    #[serde(skip)]
    pub predictions: Vec<Vec<String>>,
}

/// Runs K-fold cross-validation: each fold fits the featurizer and every head on the other
/// folds, then predicts its own rows. Stratified by the first head; grouped when the data
/// carry groups.
pub fn cross_validate(
    data: &LabeledData,
    features: &TfidfParams,
    classifier: &LogisticParams,
    k: usize,
    seed: u64,
) -> Result<CvReport> {
    data.check_trainable()?;
    let n_heads = data.heads.len();
    let mut predictions = vec![vec![String::new(); data.len()]; n_heads];
    let mut fold_scores: Vec<Vec<FoldScore>> = vec![Vec::new(); n_heads];
    for (train, test) in splits(data, k, seed)? {
        let model = Model::fit(&data.subset(&train), features, classifier)?;
        let texts: Vec<&str> = test.iter().map(|&i| data.texts[i].as_str()).collect();
        let preds = model.predict(&texts);
        for h in 0..n_heads {
            let gold: Vec<&str> = test.iter().map(|&i| data.labels[h][i].as_str()).collect();
            let pred: Vec<&str> = preds.iter().map(|p| model.label(h, p)).collect();
            let r = HeadReport::new(&gold, &pred);
            fold_scores[h].push(FoldScore {
                n: r.n,
                accuracy: r.accuracy,
                macro_f1: r.macro_f1,
            });
            for (&i, p) in test.iter().zip(pred) {
                predictions[h][i] = p.to_string();
            }
        }
    }
    let mut heads = BTreeMap::new();
    for (h, name) in data.heads.iter().enumerate() {
        let pooled = HeadReport::new(&data.labels[h], &predictions[h]);
        let scores = &fold_scores[h];
        let m = scores.len().max(1) as f64;
        let mean = Spread {
            accuracy: scores.iter().map(|s| s.accuracy).sum::<f64>() / m,
            macro_f1: scores.iter().map(|s| s.macro_f1).sum::<f64>() / m,
        };
        let sd = |get: fn(&FoldScore) -> f64, mu: f64| {
            (scores.iter().map(|s| (get(s) - mu).powi(2)).sum::<f64>() / m).sqrt()
        };
        let std = Spread {
            accuracy: sd(|s| s.accuracy, mean.accuracy),
            macro_f1: sd(|s| s.macro_f1, mean.macro_f1),
        };
        heads.insert(
            name.clone(),
            CvHeadReport {
                pooled,
                folds: scores.clone(),
                mean,
                std,
            },
        );
    }
    Ok(CvReport {
        k,
        grouped: data.groups.is_some(),
        heads,
        predictions,
    })
}

/// The cross-validated score of one `C` for one head.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CScore {
    /// The inverse regularization strength tried.
    pub c: f64,
    /// Pooled out-of-fold macro-F1.
    pub macro_f1: f64,
    /// Pooled out-of-fold accuracy.
    pub accuracy: f64,
}

/// The `C` chosen for one head, and every candidate's score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CSelection {
    /// The head.
    pub head: String,
    /// The chosen `C`: best pooled macro-F1; on a tie, the smaller (simpler) `C`.
    pub best: f64,
    /// Every candidate, in grid order.
    pub scores: Vec<CScore>,
}

/// Chooses `C` per head by K-fold cross-validation over `grid` (grouped when the data carry
/// groups, else stratified by the first head). The featurizer is fitted once per fold and
/// shared by every head and every candidate.
pub fn select_c(
    data: &LabeledData,
    features: &TfidfParams,
    classifier: &LogisticParams,
    grid: &[f64],
    k: usize,
    seed: u64,
) -> Result<Vec<CSelection>> {
    use linfa::ParamGuard;
    data.check_trainable()?;
    if grid.is_empty() {
        return Err(Error::InvalidParam {
            name: "C",
            problem: "empty grid".into(),
        });
    }
    let n_heads = data.heads.len();
    // predictions[h][g][i]
    let mut predictions = vec![vec![String::new(); data.len()]; n_heads * grid.len()];
    for (train, test) in splits(data, k, seed)? {
        let train_texts: Vec<&str> = train.iter().map(|&i| data.texts[i].as_str()).collect();
        let test_texts: Vec<&str> = test.iter().map(|&i| data.texts[i].as_str()).collect();
        let tfidf = features.fit(&data.fit_texts_of(&train))?;
        let xtr = tfidf.transform(&train_texts);
        let xte = tfidf.transform(&test_texts);
        for h in 0..n_heads {
            let y: Vec<&str> = train.iter().map(|&i| data.labels[h][i].as_str()).collect();
            for (g, &c) in grid.iter().enumerate() {
                let model = classifier.clone().c(c).check()?.fit_sparse(&xtr, &y)?;
                for (&i, p) in test.iter().zip(model.predict_indices(&xte)) {
                    predictions[h * grid.len() + g][i] = model.classes()[p].clone();
                }
            }
        }
    }
    Ok(data
        .heads
        .iter()
        .enumerate()
        .map(|(h, head)| {
            let scores: Vec<CScore> = grid
                .iter()
                .enumerate()
                .map(|(g, &c)| {
                    let r = HeadReport::new(&data.labels[h], &predictions[h * grid.len() + g]);
                    CScore {
                        c,
                        macro_f1: r.macro_f1,
                        accuracy: r.accuracy,
                    }
                })
                .collect();
            let best = scores
                .iter()
                .fold(None::<&CScore>, |best, s| match best {
                    Some(b)
                        if b.macro_f1 > s.macro_f1 || (b.macro_f1 == s.macro_f1 && b.c <= s.c) =>
                    {
                        Some(b)
                    }
                    _ => Some(s),
                })
                .map_or(grid[0], |s| s.c);
            CSelection {
                head: head.clone(),
                best,
                scores,
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stratified_is_balanced_and_seeded() {
        let labels: Vec<&str> = (0..100)
            .map(|i| if i % 4 == 0 { "a" } else { "b" })
            .collect();
        let f = stratified_folds(&labels, 5, 7).unwrap();
        for k in 0..5 {
            let a = (0..100).filter(|&i| f[i] == k && labels[i] == "a").count();
            let n = f.iter().filter(|&&x| x == k).count();
            assert_eq!((a, n), (5, 20));
        }
        assert_eq!(f, stratified_folds(&labels, 5, 7).unwrap());
        assert_ne!(f, stratified_folds(&labels, 5, 8).unwrap());
    }

    #[test]
    fn groups_never_straddle_folds() {
        let labels: Vec<String> = (0..60).map(|i| format!("c{}", i % 3)).collect();
        let groups: Vec<String> = (0..60).map(|i| format!("doc{}", i / 6)).collect();
        let f = grouped_folds(&labels, &groups, 5, 1).unwrap();
        for g in 0..10 {
            let folds: Vec<usize> = (0..60).filter(|i| i / 6 == g).map(|i| f[i]).collect();
            assert!(folds.windows(2).all(|w| w[0] == w[1]));
        }
        for k in 0..5 {
            assert_eq!(f.iter().filter(|&&x| x == k).count(), 12);
        }
    }

    #[test]
    fn too_many_folds_is_an_error() {
        let labels = ["a", "b", "a", "b"];
        let groups = ["x", "x", "y", "y"];
        assert!(grouped_folds(&labels, &groups, 3, 0).is_err());
        assert!(stratified_folds(&labels, 1, 0).is_err());
    }
}
