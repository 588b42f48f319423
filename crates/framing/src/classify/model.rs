//! The fitted multinomial logistic classifier: classes, weights and intercepts, scoring of
//! sparse rows, and linfa's `Fit` / `PredictInplace` traits.

use linfa::dataset::{AsSingleTargets, DatasetBase};
use linfa::traits::{Fit, PredictInplace};
use ndarray::Array1;
use serde::{Deserialize, Serialize};

use super::linfa_solver;
use super::params::{ClassWeight, LogisticParams, LogisticValidParams, Solver};
use super::sparse_lbfgs::{self, FitInfo, Objective};
use crate::error::{Error, Result};
use crate::features::{CsrMatrix, SparseRow};
use crate::store::Table;
use std::sync::OnceLock;

/// A fitted classifier. Weights are `f32`, `n_features × n_classes` row-major.
#[derive(Debug, Clone)]
pub struct LogisticModel {
    classes: Vec<String>,
    n_features: usize,
    weights: Weights,
    intercepts: Vec<f32>,
    info: FitInfo,
}

impl PartialEq for LogisticModel {
    fn eq(&self, other: &Self) -> bool {
        self.classes == other.classes
            && self.n_features == other.n_features
            && self.weights() == other.weights()
            && self.intercepts == other.intercepts
            && self.info == other.info
    }
}

/// Where a classifier's weights live.
#[derive(Debug, Clone)]
enum Weights {
    /// `n_features × n_classes`, row-major.
    Dense(Vec<f32>),
    /// Values `offset..offset + n_classes` of each of `n_features` rows of `stride` values:
    /// a model file's fused rows, read in place. Gathered into the dense layout the first
    /// time [`LogisticModel::weights`] is called (prediction through [`crate::Model`] reads
    /// the fused rows themselves and never needs it).
    Strided {
        rows: Table<f32>,
        stride: usize,
        offset: usize,
        dense: OnceLock<Vec<f32>>,
    },
}

/// Serialized header of a [`LogisticModel`] (weights travel as binary sections).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogisticHeader {
    /// Class labels in column order (sorted).
    pub classes: Vec<String>,
    /// Number of input features.
    pub n_features: usize,
    /// Optimizer report.
    pub fit_info: FitInfo,
}

impl LogisticModel {
    /// Reassembles a model from its parts, checking every shape and value.
    pub fn from_parts(
        classes: Vec<String>,
        n_features: usize,
        weights: Vec<f32>,
        intercepts: Vec<f32>,
        info: FitInfo,
    ) -> Result<Self> {
        let k = classes.len();
        if k < 2 {
            return Err(Error::Shape {
                what: "classes",
                expected: 2,
                found: k,
            });
        }
        let mut sorted = classes.clone();
        sorted.sort();
        sorted.dedup();
        if sorted != classes {
            return Err(Error::InvalidParam {
                name: "classes",
                problem: "class labels must be sorted and unique".into(),
            });
        }
        let expected = n_features.checked_mul(k).ok_or(Error::Shape {
            what: "weights",
            expected: usize::MAX,
            found: weights.len(),
        })?;
        if weights.len() != expected {
            return Err(Error::Shape {
                what: "weights",
                expected,
                found: weights.len(),
            });
        }
        if intercepts.len() != k {
            return Err(Error::Shape {
                what: "intercepts",
                expected: k,
                found: intercepts.len(),
            });
        }
        if weights.iter().chain(&intercepts).any(|v| !v.is_finite()) {
            return Err(Error::InvalidParam {
                name: "weights",
                problem: "non-finite weight".into(),
            });
        }
        Ok(LogisticModel {
            classes,
            n_features,
            weights: Weights::Dense(weights),
            intercepts,
            info,
        })
    }

    /// A model whose weights for feature `j` are `rows[j * stride + offset..][..k]` (a
    /// model file's fused rows, read in place). Checks the shapes; the caller has checked
    /// that every value is finite.
    pub(crate) fn from_rows(
        classes: Vec<String>,
        n_features: usize,
        (rows, stride, offset): (Table<f32>, usize, usize),
        intercepts: Vec<f32>,
        info: FitInfo,
    ) -> Result<Self> {
        let k = classes.len();
        let needed = n_features
            .checked_mul(stride)
            .filter(|_| offset.checked_add(k).is_some_and(|end| end <= stride))
            .ok_or(Error::Shape {
                what: "weight rows",
                expected: stride,
                found: offset.saturating_add(k),
            })?;
        if rows.len() < needed {
            return Err(Error::Shape {
                what: "weight rows",
                expected: needed,
                found: rows.len(),
            });
        }
        let mut model = LogisticModel::from_parts(classes, 0, Vec::new(), intercepts, info)?;
        model.n_features = n_features;
        model.weights = Weights::Strided {
            rows,
            stride,
            offset,
            dense: OnceLock::new(),
        };
        Ok(model)
    }

    /// Class labels, sorted; column `c` of the scores is `classes()[c]`.
    pub fn classes(&self) -> &[String] {
        &self.classes
    }

    /// Number of input features.
    pub fn n_features(&self) -> usize {
        self.n_features
    }

    /// Weights, `n_features × n_classes` row-major.
    pub fn weights(&self) -> &[f32] {
        match &self.weights {
            Weights::Dense(w) => w,
            Weights::Strided {
                rows,
                stride,
                offset,
                dense,
            } => dense.get_or_init(|| {
                let k = self.classes.len();
                (0..self.n_features)
                    .flat_map(|j| &rows[j * stride + offset..][..k])
                    .copied()
                    .collect()
            }),
        }
    }

    /// Intercepts, one per class.
    pub fn intercepts(&self) -> &[f32] {
        &self.intercepts
    }

    /// The optimizer's report.
    pub fn fit_info(&self) -> &FitInfo {
        &self.info
    }

    /// The serializable header.
    pub fn header(&self) -> LogisticHeader {
        LogisticHeader {
            classes: self.classes.clone(),
            n_features: self.n_features,
            fit_info: self.info.clone(),
        }
    }

    /// Writes the class probabilities of one row into `probs` (length = number of classes).
    /// Features beyond `n_features` are ignored.
    pub fn predict_proba_row(&self, row: SparseRow<'_>, probs: &mut [f64]) {
        let k = self.classes.len();
        let weights = self.weights();
        debug_assert_eq!(probs.len(), k);
        for (p, b) in probs.iter_mut().zip(&self.intercepts) {
            *p = *b as f64;
        }
        for (&j, &v) in row.indices.iter().zip(row.values) {
            let j = j as usize;
            if j >= self.n_features {
                continue;
            }
            let wj = &weights[j * k..(j + 1) * k];
            for (p, w) in probs.iter_mut().zip(wj) {
                *p += v as f64 * *w as f64;
            }
        }
        softmax(probs);
    }

    /// Class probabilities for every row: `n_rows × n_classes`, row-major.
    pub fn predict_proba(&self, x: &CsrMatrix) -> Vec<f64> {
        let k = self.classes.len();
        let mut out = vec![0.0; x.n_rows() * k];
        for (row, probs) in x.rows().zip(out.chunks_mut(k)) {
            self.predict_proba_row(row, probs);
        }
        out
    }

    /// The most probable class index per row (ties go to the first class).
    pub fn predict_indices(&self, x: &CsrMatrix) -> Vec<usize> {
        let k = self.classes.len();
        self.predict_proba(x).chunks(k).map(argmax).collect()
    }
}

/// Turns scores into probabilities in place (numerically stable softmax).
pub fn softmax(v: &mut [f64]) {
    let m = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let mut sum = 0.0;
    for p in v.iter_mut() {
        *p = (*p - m).exp();
        sum += *p;
    }
    for p in v.iter_mut() {
        *p /= sum;
    }
}

/// Index of the largest value (first on ties); 0 for an empty slice.
pub fn argmax(v: &[f64]) -> usize {
    let mut best = 0;
    for (i, &x) in v.iter().enumerate() {
        if x > v[best] {
            best = i;
        }
    }
    best
}

impl LogisticValidParams {
    /// Fits on sparse rows `x` with string labels `y` (one per row).
    pub fn fit_sparse<S: AsRef<str>>(&self, x: &CsrMatrix, y: &[S]) -> Result<LogisticModel> {
        if x.n_rows() != y.len() {
            return Err(Error::Shape {
                what: "labels",
                expected: x.n_rows(),
                found: y.len(),
            });
        }
        let mut classes: Vec<String> = y.iter().map(|s| s.as_ref().to_string()).collect();
        classes.sort();
        classes.dedup();
        if classes.len() < 2 {
            return Err(Error::Training {
                head: String::new(),
                problem: format!(
                    "need at least two classes, found {}",
                    classes
                        .first()
                        .map(|c| format!("only `{c}`"))
                        .unwrap_or_else(|| "none".into())
                ),
            });
        }
        let yi: Vec<u32> = y
            .iter()
            .map(|s| {
                classes
                    .binary_search_by(|c| c.as_str().cmp(s.as_ref()))
                    .unwrap_or(0) as u32
            })
            .collect();
        let k = classes.len();
        let sample_weight = match self.class_weight {
            ClassWeight::None => vec![1.0; yi.len()],
            ClassWeight::Balanced => {
                let mut counts = vec![0usize; k];
                yi.iter().for_each(|&c| counts[c as usize] += 1);
                let n = yi.len() as f64;
                yi.iter()
                    .map(|&c| n / (k as f64 * counts[c as usize] as f64))
                    .collect()
            }
        };
        let (flat, info) = match self.solver {
            // A column no row uses has no loss gradient, so its weights stay at zero (the
            // penalty's minimum): the optimizer works on the used columns only. Vocabulary
            // from unlabeled texts (`--vocab-data`) can leave most columns unused.
            Solver::Sparse => match x.used_columns() {
                None => sparse_lbfgs::minimize(
                    Objective::new(x, &yi, &sample_weight, k, self.c),
                    self.max_iter,
                    self.tol,
                )?,
                Some((used, compact)) => {
                    let (small, info) = sparse_lbfgs::minimize(
                        Objective::new(&compact, &yi, &sample_weight, k, self.c),
                        self.max_iter,
                        self.tol,
                    )?;
                    let d = x.n_cols();
                    let mut flat = vec![0.0; d * k + k];
                    for (j, &col) in used.iter().enumerate() {
                        let col = col as usize;
                        flat[col * k..(col + 1) * k].copy_from_slice(&small[j * k..(j + 1) * k]);
                    }
                    flat[d * k..].copy_from_slice(&small[used.len() * k..]);
                    (flat, info)
                }
            },
            Solver::Linfa => linfa_solver::fit(self, x, &yi, k)?,
        };
        let d = x.n_cols();
        let weights = flat[..d * k].iter().map(|&v| v as f32).collect();
        let intercepts = flat[d * k..].iter().map(|&v| v as f32).collect();
        LogisticModel::from_parts(classes, d, weights, intercepts, info)
    }
}

impl LogisticParams {
    /// Checks the parameters, then fits (see [`LogisticValidParams::fit_sparse`]).
    pub fn fit_sparse<S: AsRef<str>>(&self, x: &CsrMatrix, y: &[S]) -> Result<LogisticModel> {
        use linfa::ParamGuard;
        self.check_ref()?.fit_sparse(x, y)
    }
}

/// linfa's `Fit`: `params.fit(&Dataset::new(csr, labels))`. Through linfa's blanket impl,
/// unchecked [`LogisticParams`] fit too, checking themselves first.
impl<T> Fit<CsrMatrix, T, Error> for LogisticValidParams
where
    T: AsSingleTargets<Elem = String>,
{
    type Object = LogisticModel;

    fn fit(&self, dataset: &DatasetBase<CsrMatrix, T>) -> Result<LogisticModel> {
        let y = dataset.targets().as_single_targets();
        let labels: Vec<&str> = y.iter().map(String::as_str).collect();
        self.fit_sparse(dataset.records(), &labels)
    }
}

/// linfa's `Predict`: `model.predict(&csr)` gives the most probable label per row.
impl PredictInplace<CsrMatrix, Array1<String>> for LogisticModel {
    fn predict_inplace(&self, x: &CsrMatrix, y: &mut Array1<String>) {
        let pred = self.predict_indices(x);
        for (slot, c) in y.iter_mut().zip(pred) {
            *slot = self.classes[c].clone();
        }
    }

    fn default_target(&self, x: &CsrMatrix) -> Array1<String> {
        Array1::from_elem(x.n_rows(), String::new())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Error;
    use linfa::traits::Predict;

    /// A small separable-ish problem built from 2-D points, via a fixed pseudo-random walk.
    fn problem(n: usize, d: usize, k: usize) -> (CsrMatrix, Vec<String>) {
        let mut x = CsrMatrix::new(d);
        let mut y = Vec::new();
        let mut state: u64 = 12345;
        let mut next = || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((state >> 33) as f64) / (1u64 << 31) as f64
        };
        for i in 0..n {
            let class = i % k;
            let mut idx = vec![];
            let mut val = vec![];
            for j in 0..d {
                let signal = if j % k == class { 1.0 } else { 0.0 };
                let v = signal + 0.8 * next();
                if v > 0.5 {
                    idx.push(j as u32);
                    val.push(v as f32);
                }
            }
            x.push_row(&idx, &val);
            y.push(format!("c{class}"));
        }
        (x, y)
    }

    /// Columns no row uses get zero weights, and the used columns the weights they get
    /// when the unused ones are not there at all (the solver drops them).
    #[test]
    fn unused_columns_get_zero_weights() {
        let (x, y) = problem(60, 6, 3);
        // The same rows with columns 0, 3, 4 and 9 unused (x's columns go to 1, 2, 5-8).
        let at = [1u32, 2, 5, 6, 7, 8];
        let mut wide = CsrMatrix::new(10);
        for r in x.rows() {
            let idx: Vec<u32> = r.indices.iter().map(|&i| at[i as usize]).collect();
            wide.push_row(&idx, r.values);
        }
        let params = LogisticParams::new().c(1.0);
        let (narrow, spread) = (
            params.fit_sparse(&x, &y).unwrap(),
            params.fit_sparse(&wide, &y).unwrap(),
        );
        let k = 3;
        assert_eq!(spread.weights().len(), 10 * k);
        for col in 0..10 {
            let w = &spread.weights()[col * k..(col + 1) * k];
            match at.iter().position(|&c| c as usize == col) {
                None => assert_eq!(w, [0.0; 3], "column {col}"),
                Some(j) => {
                    let v = &narrow.weights()[j * k..(j + 1) * k];
                    for (a, b) in w.iter().zip(v) {
                        assert!((a - b).abs() < 1e-5, "column {col}: {w:?} vs {v:?}");
                    }
                }
            }
        }
        assert_eq!(spread.fit_info(), narrow.fit_info());
    }

    #[test]
    fn sparse_solver_agrees_with_linfa() {
        let (x, y) = problem(90, 12, 3);
        let base = LogisticParams::new().c(1.0).tol(1e-8).max_iter(500);
        let ours = base.clone().fit_sparse(&x, &y).unwrap();
        let theirs = base.solver(Solver::Linfa).fit_sparse(&x, &y).unwrap();
        assert_eq!(ours.classes(), theirs.classes());
        assert_eq!(ours.predict_indices(&x), theirs.predict_indices(&x));
        let (p, q) = (ours.predict_proba(&x), theirs.predict_proba(&x));
        let max_diff = p
            .iter()
            .zip(&q)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f64::max);
        assert!(max_diff < 1e-3, "probabilities differ by {max_diff}");
    }

    #[test]
    fn binary_problem_agrees_with_linfa() {
        let (x, y) = problem(60, 8, 2);
        let base = LogisticParams::new().c(5.0).tol(1e-8).max_iter(500);
        let ours = base.clone().fit_sparse(&x, &y).unwrap();
        let theirs = base.solver(Solver::Linfa).fit_sparse(&x, &y).unwrap();
        let (p, q) = (ours.predict_proba(&x), theirs.predict_proba(&x));
        let max_diff = p
            .iter()
            .zip(&q)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f64::max);
        assert!(max_diff < 1e-3, "probabilities differ by {max_diff}");
    }

    #[test]
    fn linfa_traits_fit_and_predict() {
        let (x, y) = problem(60, 9, 3);
        let ds = DatasetBase::new(x, Array1::from(y.clone()));
        let model = LogisticParams::new().fit(&ds).unwrap();
        let pred: Array1<String> = model.predict(&ds);
        let acc = pred.iter().zip(&y).filter(|(a, b)| a == b).count() as f64 / y.len() as f64;
        assert!(acc > 0.9, "training accuracy {acc}");
    }

    #[test]
    fn label_order_does_not_matter() {
        let (x, y) = problem(60, 9, 3);
        let a = LogisticParams::new().fit_sparse(&x, &y).unwrap();
        let rev: Vec<usize> = (0..y.len()).rev().collect();
        let xr = x.select_rows(&rev);
        let yr: Vec<&String> = rev.iter().map(|&i| &y[i]).collect();
        let b = LogisticParams::new().fit_sparse(&xr, &yr).unwrap();
        assert_eq!(a.classes(), b.classes());
        assert_eq!(a.predict_indices(&x), b.predict_indices(&x));
    }

    #[test]
    fn deterministic() {
        let (x, y) = problem(2000, 20, 3);
        let a = LogisticParams::new().fit_sparse(&x, &y).unwrap();
        let b = LogisticParams::new().fit_sparse(&x, &y).unwrap();
        assert_eq!(a, b);
    }

    #[test]
    fn one_class_is_an_error() {
        let (x, _) = problem(4, 3, 1);
        let y = vec!["a"; 4];
        assert!(matches!(
            LogisticParams::new().fit_sparse(&x, &y),
            Err(Error::Training { .. })
        ));
    }

    #[test]
    fn shapes_are_checked_on_load() {
        let info = FitInfo {
            iterations: None,
            converged: None,
            objective: None,
        };
        let cls = vec!["a".to_string(), "b".to_string()];
        assert!(LogisticModel::from_parts(
            cls.clone(),
            3,
            vec![0.0; 5],
            vec![0.0; 2],
            info.clone()
        )
        .is_err());
        assert!(LogisticModel::from_parts(
            cls.clone(),
            3,
            vec![0.0; 6],
            vec![0.0; 1],
            info.clone()
        )
        .is_err());
        assert!(LogisticModel::from_parts(
            vec!["b".into(), "a".into()],
            3,
            vec![0.0; 6],
            vec![0.0; 2],
            info.clone()
        )
        .is_err());
        assert!(LogisticModel::from_parts(cls, 3, vec![f32::NAN; 6], vec![0.0; 2], info).is_err());
    }

    #[test]
    fn autotraits() {
        fn is_send_sync<T: Send + Sync>() {}
        is_send_sync::<LogisticModel>();
        is_send_sync::<LogisticValidParams>();
    }
}
