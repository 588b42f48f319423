//! The linfa-logistic solver: densifies the features and runs linfa's multinomial L-BFGS.
//! For small or dense problems, and the oracle the sparse solver is tested against.

use std::panic::{catch_unwind, AssertUnwindSafe};

use linfa::prelude::*;
use linfa_logistic::MultiLogisticRegression;
use ndarray::Array1;

use super::params::LogisticValidParams;
use super::sparse_lbfgs::FitInfo;
use crate::error::{Error, Result};
use crate::features::CsrMatrix;

/// Fits with linfa and returns the flat parameters (`W` row-major `d × k`, then `b`).
pub(crate) fn fit(
    params: &LogisticValidParams,
    x: &CsrMatrix,
    y: &[u32],
    n_classes: usize,
) -> Result<(Vec<f64>, FitInfo)> {
    let fail = |problem: String| Error::Solver {
        solver: "linfa",
        problem,
    };
    let dense = x.to_dense();
    let targets = Array1::from_iter(y.iter().map(|&c| c as usize));
    let dataset = Dataset::new(dense, targets);
    let model = MultiLogisticRegression::default()
        .alpha(params.alpha())
        .max_iterations(params.max_iter)
        .gradient_tolerance(params.tol);
    // linfa's multinomial L-BFGS can panic on hard data (rust-ml/linfa#334): turn a panic
    // into an error. (The default panic hook may still print the panic message.)
    let fitted = catch_unwind(AssertUnwindSafe(|| model.fit(&dataset)))
        .map_err(|p| {
            let msg = p
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| p.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".into());
            fail(format!("linfa panicked: {msg}"))
        })?
        .map_err(|e| fail(e.to_string()))?;
    let d = x.n_cols();
    let k = n_classes;
    let classes = fitted.classes();
    let w = fitted.params();
    let b = fitted.intercept();
    let mut flat = vec![0.0; d * k + k];
    for (col, &class) in classes.iter().enumerate() {
        if class >= k {
            return Err(fail(format!("linfa returned unknown class {class}")));
        }
        for j in 0..d {
            flat[j * k + class] = w[(j, col)];
        }
        flat[d * k + class] = b[col];
    }
    if flat.iter().any(|v| !v.is_finite()) {
        return Err(fail("non-finite weights".into()));
    }
    Ok((
        flat,
        FitInfo {
            iterations: None,
            converged: None,
            objective: None,
        },
    ))
}
