//! Hyperparameters of the multinomial logistic classifier, linfa-style:
//! [`LogisticParams`] (unchecked builder) → [`LogisticValidParams`] (checked) → `fit`.

use linfa::ParamGuard;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// How training rows are weighted by class.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum ClassWeight {
    /// Every row weighs 1 (the default).
    #[default]
    None,
    /// Rows weigh `n / (k · n_class)`, so every class carries the same total weight
    /// (scikit-learn's `class_weight="balanced"`).
    Balanced,
}

/// Which optimizer fits the weights.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Solver {
    /// Sparse multinomial objective over CSR rows, minimized with argmin's L-BFGS
    /// (More-Thuente line search, the optimizer linfa-logistic uses). Work grows with the
    /// number of non-zeros, not rows × features. The default.
    #[default]
    Sparse,
    /// linfa-logistic's dense multinomial solver. Densifies the features: for small or dense
    /// problems, and as the reference the sparse solver is tested against. Does not support
    /// class weights.
    Linfa,
}

/// Checked hyperparameters.
///
/// The objective is scikit-learn's: `C · Σᵢ wᵢ · NLLᵢ + ½‖W‖²` (intercepts unpenalized),
/// which is linfa's `Σᵢ NLLᵢ + (α/2)‖W‖²` with **`α = 1 / C`**. The sparse solver
/// minimizes it divided by `C · Σᵢ wᵢ` (the same minimum, better scaled for the tolerance).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogisticValidParams {
    /// Inverse regularization strength (scikit-learn's `C`). Default `10.0`.
    pub c: f64,
    /// Class weighting. Default [`ClassWeight::None`].
    pub class_weight: ClassWeight,
    /// Maximum L-BFGS iterations. Default `300`.
    pub max_iter: u64,
    /// Convergence tolerance. Default `1e-4`. [`Solver::Sparse`] stops by scikit-learn's
    /// lbfgs rule: every component of the gradient of the per-sample objective within `tol`
    /// (or a relative change in the objective below `64·ε`). [`Solver::Linfa`] passes it to
    /// linfa-logistic, which compares the gradient's L2 norm.
    pub tol: f64,
    /// The optimizer. Default [`Solver::Sparse`].
    pub solver: Solver,
}

impl LogisticValidParams {
    /// linfa's `alpha` for this `C`: `1 / C`.
    pub fn alpha(&self) -> f64 {
        1.0 / self.c
    }
}

/// Unchecked hyperparameters; set them with the builder, then `fit` checks them.
#[derive(Debug, Clone, PartialEq)]
pub struct LogisticParams(pub(crate) LogisticValidParams);

impl Default for LogisticParams {
    fn default() -> Self {
        LogisticParams(LogisticValidParams {
            c: 10.0,
            class_weight: ClassWeight::None,
            max_iter: 300,
            tol: 1e-4,
            solver: Solver::Sparse,
        })
    }
}

impl LogisticParams {
    /// The defaults (see [`LogisticValidParams`]).
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets `C`, the inverse regularization strength (`> 0`). Default `10.0`.
    pub fn c(mut self, c: f64) -> Self {
        self.0.c = c;
        self
    }

    /// Sets `C` from linfa's `alpha` (`C = 1 / alpha`).
    pub fn alpha(mut self, alpha: f64) -> Self {
        self.0.c = 1.0 / alpha;
        self
    }

    /// Sets the class weighting. Default none.
    pub fn class_weight(mut self, w: ClassWeight) -> Self {
        self.0.class_weight = w;
        self
    }

    /// Sets the iteration limit (`>= 1`). Default `300`.
    pub fn max_iter(mut self, n: u64) -> Self {
        self.0.max_iter = n;
        self
    }

    /// Sets the convergence tolerance (`> 0`; see [`LogisticValidParams::tol`]). Default `1e-4`.
    pub fn tol(mut self, tol: f64) -> Self {
        self.0.tol = tol;
        self
    }

    /// Sets the solver. Default [`Solver::Sparse`].
    pub fn solver(mut self, s: Solver) -> Self {
        self.0.solver = s;
        self
    }
}

impl ParamGuard for LogisticParams {
    type Checked = LogisticValidParams;
    type Error = Error;

    fn check_ref(&self) -> Result<&LogisticValidParams> {
        let p = &self.0;
        if !(p.c.is_finite() && p.c > 0.0) {
            return Err(Error::InvalidParam {
                name: "C",
                problem: format!("{} is not a positive finite number", p.c),
            });
        }
        if !(p.tol.is_finite() && p.tol > 0.0) {
            return Err(Error::InvalidParam {
                name: "tol",
                problem: format!("{} is not a positive finite number", p.tol),
            });
        }
        if p.max_iter == 0 {
            return Err(Error::InvalidParam {
                name: "max_iter",
                problem: "must be at least 1".into(),
            });
        }
        if p.solver == Solver::Linfa && p.class_weight == ClassWeight::Balanced {
            return Err(Error::InvalidParam {
                name: "class_weight",
                problem: "the linfa solver does not support class weights; use the sparse solver"
                    .into(),
            });
        }
        Ok(p)
    }

    fn check(self) -> Result<LogisticValidParams> {
        self.check_ref()?;
        Ok(self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation_names_the_parameter() {
        for (p, name) in [
            (LogisticParams::new().c(0.0), "C"),
            (LogisticParams::new().c(f64::NAN), "C"),
            (LogisticParams::new().tol(-1.0), "tol"),
            (LogisticParams::new().max_iter(0), "max_iter"),
            (
                LogisticParams::new()
                    .solver(Solver::Linfa)
                    .class_weight(ClassWeight::Balanced),
                "class_weight",
            ),
        ] {
            match p.check() {
                Err(Error::InvalidParam { name: n, .. }) => assert_eq!(n, name),
                other => panic!("expected invalid {name}, got {other:?}"),
            }
        }
    }

    #[test]
    fn alpha_is_inverse_c() {
        let p = LogisticParams::new().alpha(0.25).check().unwrap();
        assert_eq!(p.c, 4.0);
        assert_eq!(p.alpha(), 0.25);
    }
}
