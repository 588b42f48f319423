//! The sparse multinomial logistic objective (loss and gradient over CSR rows) and its
//! minimization with argmin's L-BFGS.
//!
//! Parameters are one flat vector: `W` as `n_features × n_classes` row-major (so a row's
//! non-zeros touch contiguous class slices), then the `n_classes` intercepts.
//!
//! One evaluation streams `X` once: per row, the scores (a gather of weight rows), the loss
//! and the residual, then the residual scattered into the gradient over the same non-zeros
//! while they are in cache. No transposed copy of `X` is built, so a fit holds the features
//! once (at 1M paragraphs of word and character n-grams, a transpose would be ~8 GB more).
//!
//! Determinism: rows are split into a fixed number of ranges, each with its own loss and
//! gradient buffer, summed in range order; within a range rows go in order. No sum depends
//! on the thread count or on scheduling, so a fit is bit-for-bit reproducible.

use std::sync::Mutex;

use argmin::core::{
    CostFunction, Executor, Gradient, IterState, Problem, Solver, State, TerminationReason,
    TerminationStatus, KV,
};
use argmin::solver::linesearch::MoreThuenteLineSearch;
use argmin::solver::quasinewton::LBFGS;
use ndarray::Array1;
use rayon::prelude::*;

use crate::error::{Error, Result};
use crate::features::CsrMatrix;
use crate::hint::prefetch;

/// What the optimizer reports besides the weights (`None` where a solver does not say).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FitInfo {
    /// L-BFGS iterations run.
    pub iterations: Option<u64>,
    /// Whether a tolerance was met before the iteration limit.
    pub converged: Option<bool>,
    /// Final value of the (scaled) objective; always finite when present.
    pub objective: Option<f64>,
}

/// Features per task when gradient buffers are summed and scaled.
const FEATURE_BLOCK: usize = 1024;

/// Fixed row ranges of one evaluation, each with its own gradient buffer (summed in range
/// order, so results do not depend on the thread count).
const PARTS: usize = 8;

/// How many non-zeros ahead the passes prefetch the weight or residual slice they will
/// gather. Both gathers are random over arrays larger than L2, so each is a cache miss the
/// prefetch overlaps with the work in between.
const PREFETCH: usize = 32;

/// The objective `(1/S) Σ sᵢ NLLᵢ + ‖W‖² / (2·C·S)`, with `S = Σ sᵢ`.
///
/// One evaluation is one row-parallel pass over `X` (CSR): each row's loss and residual
/// `rᵢ = sᵢ (pᵢ − yᵢ)`, and its share `xᵢ rᵢᵀ` of the gradient.
pub(crate) struct Objective<'a> {
    x: &'a CsrMatrix,
    y: &'a [u32],
    sample_weight: &'a [f64],
    k: usize,
    d: usize,
    scale: f64,
    penalty: f64,
    cache: Mutex<Option<Evaluation>>,
}

/// A memoized evaluation: parameters, loss, gradient (argmin asks for the cost and the
/// gradient at the same point separately; both come from one pass).
type Evaluation = (Array1<f64>, f64, Array1<f64>);

impl<'a> Objective<'a> {
    pub(crate) fn new(
        x: &'a CsrMatrix,
        y: &'a [u32],
        sample_weight: &'a [f64],
        n_classes: usize,
        c: f64,
    ) -> Self {
        let s: f64 = sample_weight.iter().sum();
        Objective {
            x,
            y,
            sample_weight,
            k: n_classes,
            d: x.n_cols(),
            scale: 1.0 / s,
            penalty: 1.0 / (c * s),
            cache: Mutex::new(None),
        }
    }

    /// Number of parameters: `d·k + k`.
    pub(crate) fn n_params(&self) -> usize {
        self.d * self.k + self.k
    }

    /// Loss and gradient at `theta`.
    pub(crate) fn eval(&self, theta: &Array1<f64>) -> (f64, Array1<f64>) {
        match self.k {
            2 => self.eval_k::<2>(theta),
            3 => self.eval_k::<3>(theta),
            4 => self.eval_k::<4>(theta),
            5 => self.eval_k::<5>(theta),
            6 => self.eval_k::<6>(theta),
            7 => self.eval_k::<7>(theta),
            8 => self.eval_k::<8>(theta),
            9 => self.eval_k::<9>(theta),
            10 => self.eval_k::<10>(theta),
            _ => self.eval_k::<0>(theta),
        }
    }

    /// [`Objective::eval`] with the class count `K` known at compile time (so the loops
    /// over classes unroll), or `K = 0` to read it at run time.
    fn eval_k<const K: usize>(&self, theta: &Array1<f64>) -> (f64, Array1<f64>) {
        let k = if K == 0 { self.k } else { K };
        let d = self.d;
        let n = self.x.n_rows();
        let owned;
        let theta = match theta.as_slice() {
            Some(t) => t,
            None => {
                owned = theta.to_vec();
                &owned
            }
        };
        let (w, b) = theta.split_at(d * k);
        // One pass over the rows, in PARTS fixed row ranges: each row's scores (gathering
        // its weight rows), its loss and residual, then the residual scattered into the
        // range's own gradient buffer over the same non-zeros (still in cache).
        let part_len = n.div_ceil(PARTS).max(1);
        let parts: Vec<(f64, Vec<f64>)> = (0..PARTS)
            .into_par_iter()
            .map(|p| {
                let rows = (p * part_len).min(n)..((p + 1) * part_len).min(n);
                let mut g = vec![0.0f64; d * k + k];
                let (gw, gb) = g.split_at_mut(d * k);
                let mut loss = 0.0;
                let mut z = vec![0.0f64; k];
                for i in rows {
                    let row = self.x.row(i);
                    z.copy_from_slice(&b[..k]);
                    let ahead = row.indices.get(PREFETCH..).unwrap_or(&[]);
                    for (t, (&j, &v)) in row.indices.iter().zip(row.values).enumerate() {
                        if let Some(&a) = ahead.get(t) {
                            prefetch(&w[a as usize * k..][..k]);
                        }
                        let wj = &w[j as usize * k..][..k];
                        let v = v as f64;
                        for c in 0..k {
                            z[c] += v * wj[c];
                        }
                    }
                    let m = z.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                    let sum: f64 = z.iter().map(|zc| (zc - m).exp()).sum();
                    let lse = m + sum.ln();
                    let yi = self.y[i] as usize;
                    let si = self.sample_weight[i];
                    loss += si * (lse - z[yi]);
                    for (c, zc) in z.iter_mut().enumerate() {
                        *zc = si * ((*zc - lse).exp() - if c == yi { 1.0 } else { 0.0 });
                    }
                    for c in 0..k {
                        gb[c] += z[c];
                    }
                    for (t, (&j, &v)) in row.indices.iter().zip(row.values).enumerate() {
                        if let Some(&a) = ahead.get(t) {
                            prefetch(&gw[a as usize * k..][..k]);
                        }
                        let gj = &mut gw[j as usize * k..][..k];
                        let v = v as f64;
                        for c in 0..k {
                            gj[c] += v * z[c];
                        }
                    }
                }
                (loss, g)
            })
            .collect();
        // Sum the ranges in order, then scale and add the penalty.
        let mut data_loss = 0.0;
        let mut grad = vec![0.0f64; d * k + k];
        for (loss, g) in parts {
            data_loss += loss;
            grad.par_chunks_mut(FEATURE_BLOCK * k)
                .zip(g.par_chunks(FEATURE_BLOCK * k))
                .for_each(|(a, b)| a.iter_mut().zip(b).for_each(|(a, b)| *a += b));
        }
        let (gw, gb) = grad.split_at_mut(d * k);
        gw.par_chunks_mut(FEATURE_BLOCK * k)
            .zip(w.par_chunks(FEATURE_BLOCK * k))
            .for_each(|(g, w)| {
                g.iter_mut()
                    .zip(w)
                    .for_each(|(g, w)| *g = self.scale * *g + self.penalty * w)
            });
        gb.iter_mut().for_each(|g| *g *= self.scale);
        let sq: f64 = w.iter().map(|v| v * v).sum();
        let loss = self.scale * data_loss + 0.5 * self.penalty * sq;
        (loss, Array1::from(grad))
    }

    fn cached(&self, theta: &Array1<f64>) -> (f64, Array1<f64>) {
        let mut cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((p, f, g)) = cache.as_ref() {
            if p == theta {
                return (*f, g.clone());
            }
        }
        let (f, g) = self.eval(theta);
        *cache = Some((theta.clone(), f, g.clone()));
        (f, g)
    }
}

impl CostFunction for Objective<'_> {
    type Param = Array1<f64>;
    type Output = f64;

    fn cost(&self, p: &Self::Param) -> std::result::Result<f64, argmin::core::Error> {
        Ok(self.cached(p).0)
    }
}

impl Gradient for Objective<'_> {
    type Param = Array1<f64>;
    type Gradient = Array1<f64>;

    fn gradient(&self, p: &Self::Param) -> std::result::Result<Array1<f64>, argmin::core::Error> {
        Ok(self.cached(p).1)
    }
}

/// scikit-learn's lbfgs stopping rule (scipy's L-BFGS-B `gtol` and `ftol`) around argmin's
/// L-BFGS, whose own rule (the gradient's L2 norm) grows with the number of parameters and
/// so runs text-sized problems far past the point scikit-learn stops at the same `tol`.
///
/// Stops when the largest absolute gradient component is at most `gtol`, or when the cost
/// changed by at most `ftol` relative to `max(|f_prev|, |f|, 1)`.
struct SklearnStop<S> {
    inner: S,
    gtol: f64,
    ftol: f64,
}

/// scipy's default `ftol` as scikit-learn sets it: `64 · f64::EPSILON`.
const FTOL: f64 = 64.0 * f64::EPSILON;

type Iter = IterState<Array1<f64>, Array1<f64>, (), (), (), f64>;

impl<O, S: Solver<O, Iter>> Solver<O, Iter> for SklearnStop<S> {
    fn name(&self) -> &str {
        "L-BFGS (scikit-learn stopping rule)"
    }

    fn init(
        &mut self,
        problem: &mut Problem<O>,
        state: Iter,
    ) -> std::result::Result<(Iter, Option<KV>), argmin::core::Error> {
        self.inner.init(problem, state)
    }

    fn next_iter(
        &mut self,
        problem: &mut Problem<O>,
        state: Iter,
    ) -> std::result::Result<(Iter, Option<KV>), argmin::core::Error> {
        self.inner.next_iter(problem, state)
    }

    fn terminate(&mut self, state: &Iter) -> TerminationStatus {
        let converged = TerminationStatus::Terminated(TerminationReason::SolverConverged);
        if let Some(g) = state.get_gradient() {
            if g.iter().all(|v| v.abs() <= self.gtol) {
                return converged;
            }
        }
        let (prev, cur) = (state.get_prev_cost(), state.get_cost());
        // Before the first step there is no previous cost (argmin holds infinity).
        if prev.is_finite() && (prev - cur).abs() <= self.ftol * prev.abs().max(cur.abs()).max(1.0)
        {
            return converged;
        }
        TerminationStatus::NotTerminated
    }
}

/// Minimizes the objective from zero weights with L-BFGS (10 corrections, More-Thuente line
/// search), stopping by scikit-learn's rule: every gradient component within `tol`.
/// Returns the flat parameters and fit info.
pub(crate) fn minimize(
    objective: Objective<'_>,
    max_iter: u64,
    tol: f64,
) -> Result<(Vec<f64>, FitInfo)> {
    let fail = |problem: String| Error::Solver {
        solver: "sparse-lbfgs",
        problem,
    };
    let init = Array1::zeros(objective.n_params());
    // argmin's own tests are disabled (zero tolerances); `SklearnStop` decides.
    let lbfgs = LBFGS::new(MoreThuenteLineSearch::new(), 10)
        .with_tolerance_grad(0.0)
        .and_then(|s| s.with_tolerance_cost(0.0))
        .map_err(|e| fail(e.to_string()))?;
    let solver = SklearnStop {
        inner: lbfgs,
        gtol: tol,
        ftol: FTOL,
    };
    let res = Executor::new(objective, solver)
        .configure(|state| state.param(init).max_iters(max_iter))
        .run()
        .map_err(|e| fail(e.to_string()))?;
    let state = res.state();
    let converged = matches!(
        state.get_termination_status(),
        TerminationStatus::Terminated(
            TerminationReason::SolverConverged | TerminationReason::TargetCostReached
        )
    );
    let iterations = state.get_iter();
    let objective = state.get_best_cost();
    let params = state
        .get_best_param()
        .cloned()
        .ok_or_else(|| fail("no parameters after optimization".into()))?;
    if !objective.is_finite() || params.iter().any(|v| !v.is_finite()) {
        return Err(fail(format!(
            "non-finite objective or weights after {iterations} iterations"
        )));
    }
    Ok((
        params.to_vec(),
        FitInfo {
            iterations: Some(iterations),
            converged: Some(converged),
            objective: Some(objective),
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toy() -> (CsrMatrix, Vec<u32>) {
        let mut x = CsrMatrix::new(3);
        x.push_row(&[0, 2], &[0.6, 0.8]);
        x.push_row(&[1], &[1.0]);
        x.push_row(&[0, 1], &[0.8, 0.6]);
        x.push_row(&[2], &[1.0]);
        (x, vec![0, 1, 0, 2])
    }

    #[test]
    fn gradient_matches_finite_differences() {
        let (x, y) = toy();
        let sw = vec![1.0, 2.0, 0.5, 1.0];
        let obj = Objective::new(&x, &y, &sw, 3, 2.0);
        let theta = Array1::from_iter((0..obj.n_params()).map(|i| (i as f64 * 0.37).sin()));
        let (f0, g) = obj.eval(&theta);
        for i in 0..obj.n_params() {
            let mut t = theta.clone();
            let h = 1e-6;
            t[i] += h;
            let (f1, _) = obj.eval(&t);
            let fd = (f1 - f0) / h;
            assert!(
                (fd - g[i]).abs() < 1e-4,
                "param {i}: fd {fd} vs grad {}",
                g[i]
            );
        }
    }

    #[test]
    fn loss_at_zero_is_log_k() {
        let (x, y) = toy();
        let sw = vec![1.0; 4];
        let obj = Objective::new(&x, &y, &sw, 3, 1.0);
        let (f, _) = obj.eval(&Array1::zeros(obj.n_params()));
        assert!((f - 3f64.ln()).abs() < 1e-12);
    }
}
