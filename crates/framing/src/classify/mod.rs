//! **features → scores**: multinomial logistic regression with an L2 penalty, fitted by a
//! sparse L-BFGS solver (default) or by linfa-logistic.

mod linfa_solver;
mod model;
mod params;
mod sparse_lbfgs;

pub use model::{argmax, softmax, LogisticHeader, LogisticModel};
pub use params::{ClassWeight, LogisticParams, LogisticValidParams, Solver};
pub use sparse_lbfgs::FitInfo;
