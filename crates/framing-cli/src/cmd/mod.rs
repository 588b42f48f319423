//! One module per subcommand, each a `run(args) -> Result<Outcome>`.

pub mod cv;
pub mod eval;
pub mod inspect;
pub mod label;
pub mod predict;
pub mod train;
