//! The sparse multinomial logistic objective (loss and gradient over CSR rows) and its
//! minimization with argmin's L-BFGS.
//!
//! Parameters are one flat vector: `W` as `n_features × n_classes` row-major (so a row's
//! non-zeros touch contiguous class slices), then the `n_classes` intercepts.
//!
//! Determinism: the forward pass computes every row independently and sums the losses of
//! fixed-size row blocks in block order; the gradient is formed feature by feature from the
//! transposed matrix, each entry summed over its rows in row order. No sum depends on the
//! thread count or on scheduling, so a fit is bit-for-bit reproducible.

use std::sync::Mutex;

use argmin::core::{CostFunction, Executor, Gradient, State, TerminationReason, TerminationStatus};
use argmin::solver::linesearch::MoreThuenteLineSearch;
use argmin::solver::quasinewton::LBFGS;
use ndarray::Array1;
use rayon::prelude::*;

use crate::error::{Error, Result};
use crate::features::CsrMatrix;

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

/// Rows per forward-pass task and features per gradient task. Fixed sizes (not derived
/// from the thread count) keep every sum in the same order on any machine.
const ROW_BLOCK: usize = 256;
const FEATURE_BLOCK: usize = 1024;

/// The objective `(1/S) Σ sᵢ NLLᵢ + ‖W‖² / (2·C·S)`, with `S = Σ sᵢ`.
///
/// One evaluation is two passes: a row-parallel forward pass over `X` (CSR) that leaves
/// each row's loss and residual `rᵢ = sᵢ (pᵢ − yᵢ)` in `R`; then a feature-parallel pass over
/// `Xᵀ` that forms the gradient `Xᵀ R` row by row, writing sequentially.
pub(crate) struct Objective<'a> {
    x: &'a CsrMatrix,
    xt: CsrMatrix,
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
            xt: x.transpose(),
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
        // Forward: per-row loss and residuals.
        let mut r = vec![0.0f64; n * k];
        let losses: Vec<f64> = r
            .par_chunks_mut(ROW_BLOCK * k)
            .enumerate()
            .map(|(blk, rb)| {
                let mut loss = 0.0;
                for (o, ri) in rb.chunks_exact_mut(k).enumerate() {
                    let i = blk * ROW_BLOCK + o;
                    let row = self.x.row(i);
                    ri.copy_from_slice(&b[..k]);
                    for (&j, &v) in row.indices.iter().zip(row.values) {
                        let wj = &w[j as usize * k..][..k];
                        let v = v as f64;
                        for c in 0..k {
                            ri[c] += v * wj[c];
                        }
                    }
                    let m = ri.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                    let sum: f64 = ri.iter().map(|z| (z - m).exp()).sum();
                    let lse = m + sum.ln();
                    let yi = self.y[i] as usize;
                    let si = self.sample_weight[i];
                    loss += si * (lse - ri[yi]);
                    for (c, z) in ri.iter_mut().enumerate() {
                        *z = si * ((*z - lse).exp() - if c == yi { 1.0 } else { 0.0 });
                    }
                }
                loss
            })
            .collect();
        // Backward: gradient rows from the transpose, plus penalty.
        let mut grad = vec![0.0f64; d * k + k];
        let (gw, gb) = grad.split_at_mut(d * k);
        gw.par_chunks_mut(FEATURE_BLOCK * k)
            .enumerate()
            .for_each(|(blk, gblock)| {
                for (o, gj) in gblock.chunks_exact_mut(k).enumerate() {
                    let j = blk * FEATURE_BLOCK + o;
                    let col = self.xt.row(j);
                    for (&i, &v) in col.indices.iter().zip(col.values) {
                        let ri = &r[i as usize * k..][..k];
                        let v = v as f64;
                        for c in 0..k {
                            gj[c] += v * ri[c];
                        }
                    }
                    let wj = &w[j * k..][..k];
                    for c in 0..k {
                        gj[c] = self.scale * gj[c] + self.penalty * wj[c];
                    }
                }
            });
        for ri in r.chunks_exact(k) {
            for c in 0..k {
                gb[c] += ri[c];
            }
        }
        gb.iter_mut().for_each(|g| *g *= self.scale);
        let data_loss: f64 = losses.iter().sum();
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

/// Minimizes the objective from zero weights. Returns the flat parameters and fit info.
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
    let solver = LBFGS::new(MoreThuenteLineSearch::new(), 10)
        .with_tolerance_grad(tol)
        .and_then(|s| s.with_tolerance_cost(1e-12))
        .map_err(|e| fail(e.to_string()))?;
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
