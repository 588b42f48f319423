//! Command-line arguments (clap derive). The doc comments are the `--help` text. These are
//! the "low-level" arguments: what the user typed, checked only for form; `config` turns
//! them into library parameters.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use framing::features::{DfBound, NgramRange};

/// Label paragraphs of news and opinion articles with their frame and stance.
///
/// framing learns from labeled paragraphs (JSON Lines or CSV with a `text` field and one
/// field per label, e.g. `frame` and `stance`) and predicts those labels for new text. It
/// ships a model for the debate over recognizing the Taliban government, used whenever
/// `--model` is not given.
///
/// Examples:
///
///   echo "Moscow hopes recognition will unlock fuel and wheat deals." | framing predict
///
///   framing train --data labeled.jsonl --out my.model
///
///   framing cv --data labeled.jsonl --folds 5 --group-field doc
///
///   framing predict --model my.model paragraphs.jsonl --format csv --probs
#[derive(Debug, Parser)]
#[command(name = "framing", version, about, long_about, max_term_width = 100)]
pub struct Cli {
    /// The subcommand.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Train a model on labeled paragraphs and write it to a file.
    ///
    /// One head is trained per label field. Without --label, the heads are whichever of
    /// `frame` and `stance` the data has.
    Train(TrainArgs),
    /// Score a model against labeled paragraphs: accuracy, macro-F1, per-class
    /// precision/recall/F1 and the confusion matrix, per head.
    Eval(EvalArgs),
    /// Cross-validate training settings: K folds, stratified by the first head's label, or
    /// grouped (--group-field) so that paragraphs of one article never straddle train and
    /// test.
    Cv(CvArgs),
    /// Label paragraphs: one output record per input record, in input order.
    ///
    /// Input is JSON Lines with a `text` field (and optional `id`), or plain text with one
    /// paragraph per line; blank lines are skipped. Output holds `id` (given, or the 0-based
    /// record number) and, per head H, `H` (the label) and `H_score` (its probability). A
    /// record that cannot be read yields an error record in its place, a message on
    /// stderr, and exit code 1 at the end.
    Predict(PredictArgs),
    /// Show a model's metadata, classes and most heavily weighted n-grams per class.
    Inspect(InspectArgs),
    /// Read articles (scraped .txt/.md/.html pages, or JSONL articles), find their prose
    /// paragraphs, and label each one; summarize every article and the whole batch.
    ///
    /// PATH is a file, a directory (searched recursively, through symbolic links, for .txt,
    /// .md, .html, .htm and .jsonl files), or `-` for JSON Lines articles on stdin
    /// (`{"id", "text"}` or `{"id", "html"}`). Headings, bylines, captions, adverts, menus, share prompts,
    /// cookie notices, author bios, comments, duplicates and non-English blocks are
    /// skipped (see them with --keep-skipped). Output is in input order. An article that
    /// cannot be read gives an error record and exit code 1 at the end; the run goes on.
    ///
    /// Example: framing label labeled-data/articles/b01-a01-moscow-recognition.txt
    Label(LabelArgs),
}

/// Featurizer settings (shared by `train` and `cv`).
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Features")]
pub struct FeatureArgs {
    /// Unlabeled texts to fit the vocabulary and IDF on as well as the training rows' (same
    /// formats as `--data`; only the text field is read). More text of the domain gives
    /// n-grams and document frequencies the labeled rows alone lack. Repeat for several
    /// files. In `cv`, every fold's featurizer sees them: leave out texts of the data itself
    /// for an honest estimate.
    #[arg(long = "vocab-data", value_name = "FILE")]
    pub vocab_data: Vec<PathBuf>,
    /// Follow each `#hashtag` with its words before tokenizing: split at case changes,
    /// digits and underscores (`#StopTheWar`), or segmented into words of the training texts
    /// (`#stopthewar`). The word table is saved in the model. For social-media posts.
    #[arg(long)]
    pub split_hashtags: bool,
    /// Word n-gram lengths, e.g. `1-2` or `1-3`.
    #[arg(long, value_name = "RANGE", default_value = "1-2")]
    pub word_ngrams: NgramRange,
    /// Leave word n-grams out.
    #[arg(long)]
    pub no_words: bool,
    /// Weight of the word block relative to the character block.
    #[arg(long, value_name = "W", default_value_t = 1.0)]
    pub word_weight: f32,
    /// Character n-gram lengths inside word boundaries, e.g. `2-5`.
    #[arg(long, value_name = "RANGE", default_value = "2-5")]
    pub char_ngrams: NgramRange,
    /// Leave character n-grams out.
    #[arg(long)]
    pub no_chars: bool,
    /// Cut character n-grams from `whitespace`-separated chunks (punctuation kept, like
    /// scikit-learn's char_wb) or from the tokenizer's `words`.
    #[arg(long, value_enum, default_value_t = CharSourceArg::Whitespace)]
    pub char_source: CharSourceArg,
    /// Snowball stemming language for word n-grams (`english`, `french`, `russian`, …) or
    /// `none`.
    #[arg(long, value_name = "LANG", default_value = "english")]
    pub stem: String,
    /// Stop words to drop: `none` or `english` (negations are never dropped).
    #[arg(long, value_enum, default_value_t = StopWordsArg::None)]
    pub stop_words: StopWordsArg,
    /// Drop tokens shorter than this many characters.
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub min_token_chars: usize,
    /// Keep n-grams found in at least this many paragraphs (`2`) or this fraction (`0.01`).
    #[arg(long, value_name = "DF", default_value = "2")]
    pub min_df: DfBound,
    /// Keep n-grams found in at most this many paragraphs or this fraction (`1.0` = all).
    #[arg(long, value_name = "DF", default_value = "1.0")]
    pub max_df: DfBound,
    /// Keep at most this many n-grams per block (word, char), the most frequent.
    #[arg(long, value_name = "N")]
    pub max_features: Option<usize>,
    /// Use raw term counts instead of 1 + ln(count).
    #[arg(long)]
    pub no_sublinear_tf: bool,
}

/// Character n-gram sources.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CharSourceArg {
    /// Whitespace-separated chunks, punctuation included.
    Whitespace,
    /// The tokenizer's words.
    Words,
}

/// Stop-word choices.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StopWordsArg {
    /// Keep every word.
    None,
    /// Drop the built-in English function words.
    English,
}

/// Classifier settings (shared by `train` and `cv`).
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Classifier")]
pub struct ClassifierArgs {
    /// Inverse L2 regularization strength, as scikit-learn's C (linfa's alpha = 1/C).
    /// Larger fits the training data more closely. A list (`1,3,10`) or `auto`
    /// (0.3,1,3,10,30) makes `train` choose C per head by inner cross-validation (macro-F1,
    /// the smaller C on ties) and `cv` report every value.
    #[arg(short = 'C', long = "c", value_name = "C", default_value = "10")]
    pub c: CValues,
    /// Folds of the inner cross-validation that chooses C from a list.
    #[arg(long, value_name = "K", default_value_t = 5)]
    pub select_folds: usize,
    /// Weight classes: `none`, or `balanced` (every class carries equal total weight).
    #[arg(long, value_enum, default_value_t = ClassWeightArg::None)]
    pub class_weight: ClassWeightArg,
    /// Optimizer: `sparse` (L-BFGS over sparse rows; fast at any size) or `linfa`
    /// (linfa-logistic on dense rows; small problems only).
    #[arg(long, value_enum, default_value_t = SolverArg::Sparse)]
    pub solver: SolverArg,
    /// Maximum optimizer iterations.
    #[arg(long, value_name = "N", default_value_t = 300)]
    pub max_iter: u64,
    /// Convergence tolerance. The sparse solver stops, as scikit-learn's lbfgs does, once
    /// every component of the (per-sample) gradient is within TOL; the linfa solver once the
    /// gradient's L2 norm is.
    #[arg(long, value_name = "TOL", default_value_t = 1e-4)]
    pub tol: f64,
}

/// One C, or several to choose from.
#[derive(Debug, Clone, PartialEq)]
pub struct CValues(pub Vec<f64>);

impl CValues {
    /// The grid `auto` stands for.
    pub const AUTO: [f64; 5] = [0.3, 1.0, 3.0, 10.0, 30.0];
}

impl std::str::FromStr for CValues {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        if s.eq_ignore_ascii_case("auto") {
            return Ok(CValues(Self::AUTO.to_vec()));
        }
        let v: Vec<f64> = s
            .split(',')
            .map(|p| {
                p.trim()
                    .parse::<f64>()
                    .ok()
                    .filter(|c| c.is_finite() && *c > 0.0)
                    .ok_or_else(|| format!("`{p}` is not a positive number (C takes a number, a list like 1,3,10, or auto)"))
            })
            .collect::<Result<_, _>>()?;
        Ok(CValues(v))
    }
}

/// Class weighting choices.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ClassWeightArg {
    /// All rows weigh 1.
    None,
    /// Rows weigh n / (classes × rows of their class).
    Balanced,
}

/// Solver choices.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SolverArg {
    /// Sparse L-BFGS (argmin).
    Sparse,
    /// linfa-logistic (dense).
    Linfa,
}

/// Where labeled data comes from (shared by `train`, `eval` and `cv`).
#[derive(Debug, Clone, Args)]
pub struct DataArgs {
    /// Labeled data: JSON Lines (`.jsonl`), CSV (`.csv`) or TSV (`.tsv`). Repeat to combine
    /// files.
    #[arg(long = "data", value_name = "FILE", required = true)]
    pub data: Vec<PathBuf>,
    /// The field holding the paragraph text.
    #[arg(long, value_name = "FIELD", default_value = "text")]
    pub text_field: String,
}

/// `framing train`.
#[derive(Debug, Args)]
pub struct TrainArgs {
    #[command(flatten)]
    pub data: DataArgs,
    /// Where to write the model (written atomically).
    #[arg(long, value_name = "MODEL")]
    pub out: PathBuf,
    /// A label field to train a head for. Repeat for several heads.
    #[arg(long = "label", value_name = "FIELD")]
    pub labels: Vec<String>,
    /// When choosing C from a list: keep rows sharing this field (e.g. `doc`) in one fold.
    #[arg(long, value_name = "FIELD")]
    pub group_field: Option<String>,
    /// Seed of the inner cross-validation folds (when choosing C); recorded in the model.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub seed: u64,
    #[command(flatten)]
    pub features: FeatureArgs,
    #[command(flatten)]
    pub classifier: ClassifierArgs,
}

/// Report formats of `eval`, `cv` and `inspect`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    /// Aligned tables for reading.
    Text,
    /// One JSON document.
    Json,
}

/// `framing eval`.
#[derive(Debug, Args)]
pub struct EvalArgs {
    /// The model to evaluate (default: the embedded model).
    #[arg(long, value_name = "MODEL")]
    pub model: Option<PathBuf>,
    #[command(flatten)]
    pub data: DataArgs,
    /// Report format.
    #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
    pub format: ReportFormat,
}

/// `framing cv`.
#[derive(Debug, Args)]
pub struct CvArgs {
    #[command(flatten)]
    pub data: DataArgs,
    /// Number of folds.
    #[arg(long, value_name = "K", default_value_t = 5)]
    pub folds: usize,
    /// Keep rows sharing this field's value (e.g. `doc`) in the same fold.
    #[arg(long, value_name = "FIELD")]
    pub group_field: Option<String>,
    /// A label field to evaluate. Repeat for several heads.
    #[arg(long = "label", value_name = "FIELD")]
    pub labels: Vec<String>,
    /// Seed for the fold assignment.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub seed: u64,
    /// Report format.
    #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
    pub format: ReportFormat,
    #[command(flatten)]
    pub features: FeatureArgs,
    #[command(flatten)]
    pub classifier: ClassifierArgs,
}

/// Output formats of `predict`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PredictFormat {
    /// One JSON object per line.
    Jsonl,
    /// Comma-separated, with a header row.
    Csv,
    /// Tab-separated, with a header row.
    Tsv,
}

/// How `predict` reads its input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum InputFormat {
    /// `.jsonl`/`.json`/`.ndjson` files are JSON Lines, `.txt` plain text; otherwise JSON
    /// Lines if the first non-blank line starts with `{`.
    Auto,
    /// JSON Lines with a text field.
    Jsonl,
    /// One paragraph per line.
    Text,
}

/// `framing predict`.
#[derive(Debug, Args)]
pub struct PredictArgs {
    /// The model (default: the embedded model).
    #[arg(long, value_name = "MODEL")]
    pub model: Option<PathBuf>,
    /// Input file, or `-` for standard input.
    #[arg(value_name = "INPUT", default_value = "-")]
    pub input: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t = PredictFormat::Jsonl)]
    pub format: PredictFormat,
    /// Add every class's probability (`H_probs`).
    #[arg(long)]
    pub probs: bool,
    /// Input format.
    #[arg(long, value_enum, default_value_t = InputFormat::Auto)]
    pub input_format: InputFormat,
    /// JSON Lines field holding the text.
    #[arg(long, value_name = "FIELD", default_value = "text")]
    pub text_field: String,
    /// JSON Lines field holding the record id.
    #[arg(long, value_name = "FIELD", default_value = "id")]
    pub id_field: String,
    /// Records read, labeled in parallel and flushed together.
    #[arg(long, value_name = "N", default_value_t = 2048)]
    pub batch_size: usize,
    /// Do not print the final accounting line on stderr.
    #[arg(long, short)]
    pub quiet: bool,
}

/// Output formats of `label`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LabelFormat {
    /// One JSON object per paragraph (and per summary with --summary).
    Jsonl,
    /// Comma-separated, with a header row.
    Csv,
    /// A readable view of each article and its summary.
    Table,
    /// One JSON document with every article and the batch summary (held in memory).
    Json,
}

/// `framing label`.
#[derive(Debug, Args)]
pub struct LabelArgs {
    /// Files, directories, or `-` (JSONL articles on stdin).
    #[arg(value_name = "PATH", required = true)]
    pub paths: Vec<PathBuf>,
    /// The model (default: the embedded model).
    #[arg(long, value_name = "MODEL")]
    pub model: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = LabelFormat::Table)]
    pub format: LabelFormat,
    /// Also output the skipped blocks, with `kind: "skip"` and the reason.
    #[arg(long)]
    pub keep_skipped: bool,
    /// With jsonl/csv: also output a summary record per article and one for the batch.
    #[arg(long)]
    pub summary: bool,
    /// Worker threads that read and label (default: one per core); the main thread writes
    /// the output meanwhile.
    #[arg(long, short = 'j', value_name = "N")]
    pub jobs: Option<usize>,
    /// Articles per chunk: a chunk is read and labeled in parallel while the chunk before
    /// it is written (memory holds two chunks).
    #[arg(long, value_name = "N", default_value_t = 256)]
    pub chunk: usize,
    /// Do not print the final accounting line on stderr.
    #[arg(long, short)]
    pub quiet: bool,
}

/// `framing inspect`.
#[derive(Debug, Args)]
pub struct InspectArgs {
    /// The model file (default: the embedded model).
    #[arg(value_name = "MODEL")]
    pub model: Option<PathBuf>,
    /// How many n-grams to show per class.
    #[arg(long, value_name = "N", default_value_t = 15)]
    pub top: usize,
    /// Report format.
    #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
    pub format: ReportFormat,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_valid() {
        Cli::command().debug_assert();
    }

    #[test]
    fn parses_train_flags() {
        let cli = Cli::try_parse_from([
            "framing",
            "train",
            "--data",
            "a.jsonl",
            "--data",
            "b.csv",
            "--out",
            "m.model",
            "--label",
            "frame",
            "--char-ngrams",
            "3-5",
            "-C",
            "4,8",
            "--min-df",
            "0.01",
        ])
        .unwrap();
        let Command::Train(t) = cli.command else {
            panic!("not train")
        };
        assert_eq!(t.data.data.len(), 2);
        assert_eq!(t.features.char_ngrams, NgramRange { min: 3, max: 5 });
        assert_eq!(t.features.min_df, DfBound::Fraction(0.01));
        assert_eq!(t.classifier.c, CValues(vec![4.0, 8.0]));
        assert!("0,1".parse::<CValues>().is_err());
        assert_eq!("auto".parse::<CValues>().unwrap().0.len(), 5);
    }

    #[test]
    fn rejects_bad_ranges() {
        assert!(Cli::try_parse_from([
            "framing",
            "train",
            "--data",
            "a",
            "--out",
            "m",
            "--word-ngrams",
            "3-1"
        ])
        .is_err());
    }
}
