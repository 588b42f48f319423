//! Errors of the `framing` library: one enum, a [`Result`] alias, and variants that carry the
//! offending values (paths, line numbers, shapes) so a message can name the exact problem.

use std::fmt;
use std::path::PathBuf;

/// Shorthand for `std::result::Result<T, framing::Error>`.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Where a bad input record sits: file (or `<stdin>`) and 1-based line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Position {
    /// The file the record came from; `None` for standard input or in-memory data.
    pub path: Option<PathBuf>,
    /// 1-based line number (for CSV: the record's first line).
    pub line: u64,
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.path {
            Some(p) => write!(f, "{}:{}", p.display(), self.line),
            None => write!(f, "<stdin>:{}", self.line),
        }
    }
}

/// Every error the library returns.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A record of an input file is malformed: the position says where, `problem` says what.
    #[error("{position}: {problem}")]
    Input {
        /// Where the record is.
        position: Position,
        /// What is wrong with it, in words.
        problem: String,
    },

    /// A whole input file is unusable (empty, unknown format).
    #[error("{}: {problem}", path.display())]
    InputFile {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        problem: String,
    },

    /// Writing a file atomically failed (disk full, permissions, …); whatever was at
    /// `path` before is untouched.
    #[error(
        "cannot write {}: {source} (nothing was replaced: any previous file at that path is unchanged)",
        path.display()
    )]
    AtomicWrite {
        /// The file that was to be written.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// An I/O error while reading or writing `path`.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file being read or written.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },

    /// A hyperparameter is out of its valid range.
    #[error("invalid parameter `{name}`: {problem}")]
    InvalidParam {
        /// The parameter's name as the user knows it (e.g. `C`, `min_df`).
        name: &'static str,
        /// Why the value is rejected.
        problem: String,
    },

    /// The training data cannot train the requested model.
    #[error("cannot train head `{head}`: {problem}")]
    Training {
        /// The label field (head) being trained.
        head: String,
        /// What is wrong with the data for it.
        problem: String,
    },

    /// Shapes that must agree do not (e.g. rows of features vs. number of labels).
    #[error("shape mismatch: {what}: expected {expected}, found {found}")]
    Shape {
        /// Which quantity.
        what: &'static str,
        /// The expected size.
        expected: usize,
        /// The size found.
        found: usize,
    },

    /// The optimizer failed (diverged, produced non-finite values, or panicked inside linfa).
    #[error("solver `{solver}` failed: {problem}")]
    Solver {
        /// `sparse-lbfgs` or `linfa`.
        solver: &'static str,
        /// What went wrong.
        problem: String,
    },

    /// A model file is not a framing model, is corrupt, truncated, or of an unknown version.
    #[error("{}: {problem}", path.as_ref().map(|p| p.display().to_string()).unwrap_or_else(|| "<model bytes>".into()))]
    ModelFile {
        /// The file, when the model came from one.
        path: Option<PathBuf>,
        /// What is wrong with it.
        problem: String,
    },

    /// A model has no head for the requested label field.
    #[error("model has no head named `{0}`")]
    UnknownHead(String),

    /// An error reported by linfa itself.
    #[error(transparent)]
    Linfa(#[from] linfa::Error),
}

impl Error {
    /// Builds an [`Error::Input`] at `position`.
    pub fn input(position: Position, problem: impl Into<String>) -> Self {
        Error::Input {
            position,
            problem: problem.into(),
        }
    }

    /// Builds an [`Error::ModelFile`].
    pub fn model_file(path: Option<PathBuf>, problem: impl Into<String>) -> Self {
        Error::ModelFile {
            path,
            problem: problem.into(),
        }
    }

    /// The problem in words, without the position of an [`Error::Input`] (for callers that
    /// report the position their own way).
    pub fn into_problem(self) -> String {
        match self {
            Error::Input { problem, .. } => problem,
            other => other.to_string(),
        }
    }

    /// The position of a bad record, when the error is about one.
    pub fn position(&self) -> Option<&Position> {
        match self {
            Error::Input { position, .. } => Some(position),
            _ => None,
        }
    }
}
