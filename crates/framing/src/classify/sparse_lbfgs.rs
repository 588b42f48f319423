//! The sparse multinomial logistic objective (loss and gradient over CSR rows) and its
//! minimization with argmin's L-BFGS.
//!
//! Parameters are one flat vector: `W` as `n_features × n_classes` row-major (so a row's
//! non-zeros touch contiguous class slices), then the `n_classes` intercepts.
//!
//! Determinism: rows are cut into a number of chunks that depends only on the row count,
//! each chunk's partial gradient is computed in parallel, and the partials are summed in
//! chunk order, so results do not depend on thread count or scheduling.

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

/// Rows per chunk at most; the chunk count is `ceil(n / CHUNK_ROWS)` capped at `MAX_CHUNKS`.
const CHUNK_ROWS: usize = 512;
const MAX_CHUNKS: usize = 8;

struct ChunkBuf {
    rows: (usize, usize),
    /// Feature columns the chunk touches, sorted and unique.
    touched: Vec<u32>,
    grad: Vec<f64>,
}

/// The objective `(1/S) Σ sᵢ NLLᵢ + ‖W‖² / (2·C·S)`, with `S = Σ sᵢ`.
pub(crate) struct Objective<'a> {
    x: &'a CsrMatrix,
    y: &'a [u32],
    sample_weight: &'a [f64],
    k: usize,
    d: usize,
    scale: f64,
    penalty: f64,
    chunks: Mutex<Vec<ChunkBuf>>,
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
        let n = x.n_rows();
        let d = x.n_cols();
        let s: f64 = sample_weight.iter().sum();
        let n_chunks = n.div_ceil(CHUNK_ROWS).clamp(1, MAX_CHUNKS);
        let per = n.div_ceil(n_chunks).max(1);
        let chunks = (0..n_chunks)
            .map(|c| {
                let rows = ((c * per).min(n), ((c + 1) * per).min(n));
                let mut touched: Vec<u32> = (rows.0..rows.1)
                    .flat_map(|i| x.row(i).indices.iter().copied())
                    .collect();
                touched.sort_unstable();
                touched.dedup();
                ChunkBuf {
                    rows,
                    touched,
                    grad: vec![0.0; d * n_classes + n_classes],
                }
            })
            .collect();
        Objective {
            x,
            y,
            sample_weight,
            k: n_classes,
            d,
            scale: 1.0 / s,
            penalty: 1.0 / (c * s),
            chunks: Mutex::new(chunks),
            cache: Mutex::new(None),
        }
    }

    /// Number of parameters: `d·k + k`.
    pub(crate) fn n_params(&self) -> usize {
        self.d * self.k + self.k
    }

    /// Loss and gradient at `theta`.
    pub(crate) fn eval(&self, theta: &Array1<f64>) -> (f64, Array1<f64>) {
        let (k, d) = (self.k, self.d);
        let theta = theta.as_slice().expect("Array1 built by us is contiguous");
        let (w, b) = theta.split_at(d * k);
        let mut chunks = self.chunks.lock().unwrap_or_else(|e| e.into_inner());
        let losses: Vec<f64> = chunks
            .par_iter_mut()
            .map(|chunk| {
                let g = &mut chunk.grad;
                for &j in &chunk.touched {
                    let j = j as usize;
                    g[j * k..(j + 1) * k].iter_mut().for_each(|v| *v = 0.0);
                }
                g[d * k..].iter_mut().for_each(|v| *v = 0.0);
                let mut z = vec![0.0f64; k];
                let mut loss = 0.0;
                for i in chunk.rows.0..chunk.rows.1 {
                    let row = self.x.row(i);
                    z.copy_from_slice(b);
                    for (&j, &v) in row.indices.iter().zip(row.values) {
                        let wj = &w[j as usize * k..(j as usize + 1) * k];
                        let v = v as f64;
                        z.iter_mut().zip(wj).for_each(|(zc, wc)| *zc += v * wc);
                    }
                    let m = z.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                    let sum: f64 = z.iter().map(|zc| (zc - m).exp()).sum();
                    let lse = m + sum.ln();
                    let yi = self.y[i] as usize;
                    let si = self.sample_weight[i];
                    loss += si * (lse - z[yi]);
                    // Residual r_c = s_i (p_c - 1[c = y_i]), reusing z.
                    for (c, zc) in z.iter_mut().enumerate() {
                        let p = (*zc - lse).exp();
                        *zc = si * (p - if c == yi { 1.0 } else { 0.0 });
                    }
                    for (&j, &v) in row.indices.iter().zip(row.values) {
                        let gj = &mut g[j as usize * k..(j as usize + 1) * k];
                        let v = v as f64;
                        gj.iter_mut().zip(&z).for_each(|(gc, rc)| *gc += v * rc);
                    }
                    g[d * k..].iter_mut().zip(&z).for_each(|(gc, rc)| *gc += rc);
                }
                loss
            })
            .collect();
        // Deterministic reduction in chunk order.
        let mut grad = vec![0.0f64; d * k + k];
        for chunk in chunks.iter() {
            for &j in &chunk.touched {
                let j = j as usize;
                for c in 0..k {
                    grad[j * k + c] += chunk.grad[j * k + c];
                }
            }
            for c in 0..k {
                grad[d * k + c] += chunk.grad[d * k + c];
            }
        }
        let data_loss: f64 = losses.iter().sum();
        let sq: f64 = w.iter().map(|v| v * v).sum();
        let loss = self.scale * data_loss + 0.5 * self.penalty * sq;
        for (gj, wj) in grad[..d * k].iter_mut().zip(w) {
            *gj = self.scale * *gj + self.penalty * wj;
        }
        for gc in grad[d * k..].iter_mut() {
            *gc *= self.scale;
        }
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
