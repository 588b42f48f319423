//! `framing label`: articles → paragraphs → labels → output, with per-article and batch
//! summaries.
//!
//! Inputs are expanded into a list of files (directories walked in name order); JSON Lines
//! files and stdin are read line by line. Articles are taken in chunks, each chunk read,
//! split and labeled in parallel, then written in input order, so memory holds one chunk.

use std::fs::File;
use std::io::{self, BufRead, BufReader, IsTerminal, Read};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use framing::article::{Article, Block, ReaderParams, SourceKind};
use framing::data::{json_kind, parse_json_line};
use framing::summary::Tally;
use framing::{Model, Position, Prediction};
use rayon::prelude::*;
use serde_json::Value;

use crate::args::LabelArgs;
use crate::output::label::{writer_for, LabelWriter};
use crate::output::RecordBuffer;
use crate::{config, interrupt, Outcome};

/// Largest article read (bytes); a larger file gives an error record.
const MAX_ARTICLE_BYTES: u64 = 64 << 20;

/// One article to process.
enum Job {
    /// A file, read inside the worker.
    File {
        name: String,
        path: PathBuf,
        kind: SourceKind,
    },
    /// An article already in memory (a JSON Lines record), or why it could not be read.
    Inline {
        name: String,
        content: std::result::Result<(String, SourceKind), String>,
    },
}

/// A processed article.
pub struct Done {
    /// The article's name: its path, or its JSONL id.
    pub name: String,
    /// Its blocks and the predictions of its prose blocks, or why it failed.
    pub result: std::result::Result<Labeled, String>,
    /// Problems that did not stop it.
    pub warnings: Vec<String>,
}

/// A labeled article.
pub struct Labeled {
    /// Every block, in source order.
    pub blocks: Vec<Block>,
    /// One prediction per prose block, in order.
    pub predictions: Vec<Prediction>,
    /// The article's tally.
    pub tally: Tally,
}

/// Totals for the accounting line and the batch summary.
pub struct Totals {
    /// Articles read (including failed ones).
    pub read: u64,
    /// Articles that failed.
    pub failed: u64,
    /// Warnings issued.
    pub warnings: u64,
    /// Paragraphs and labels over all articles.
    pub tally: Tally,
}

/// Expands PATH arguments into input files (and `-`), in order. Directories are searched
/// recursively, following symbolic links (to files and to directories; a link loop is an
/// error naming it). A directory holding no article file gets a warning.
fn expand(paths: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for p in paths {
        if p.as_os_str() == "-" || !p.is_dir() {
            out.push(p.clone());
            continue;
        }
        let before = out.len();
        for entry in walkdir::WalkDir::new(p)
            .follow_links(true)
            .sort_by_file_name()
        {
            let entry = entry.with_context(|| format!("walking {}", p.display()))?;
            let path = entry.path();
            let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
            if entry.file_type().is_file()
                && (SourceKind::from_extension(ext).is_some() || ext.eq_ignore_ascii_case("jsonl"))
            {
                out.push(path.to_path_buf());
            }
        }
        if out.len() == before {
            eprintln!(
                "framing: warning: {}: no article files in this directory (.txt, .text, .md, .markdown, .html, .htm, .xhtml, .jsonl)",
                p.display()
            );
        }
    }
    Ok(out)
}

/// Yields jobs from the inputs lazily: files one by one, JSONL inputs line by line.
struct Jobs {
    inputs: std::vec::IntoIter<PathBuf>,
    lines: Option<(String, Box<dyn BufRead>, u64)>,
    buf: Vec<u8>,
}

impl Jobs {
    fn next_job(&mut self) -> Option<Job> {
        loop {
            if let Some((source, reader, line)) = self.lines.as_mut() {
                self.buf.clear();
                match reader.read_until(b'\n', &mut self.buf) {
                    Ok(0) => self.lines = None,
                    Ok(_) => {
                        *line += 1;
                        let blank = String::from_utf8_lossy(&self.buf)
                            .trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}')
                            .is_empty();
                        if blank {
                            continue;
                        }
                        return Some(jsonl_job(source, *line, &self.buf));
                    }
                    Err(e) => {
                        let name = format!("{source}:{}", *line + 1);
                        self.lines = None;
                        return Some(Job::Inline {
                            name,
                            content: Err(format!("read error: {e}")),
                        });
                    }
                }
                continue;
            }
            let path = self.inputs.next()?;
            if path.as_os_str() == "-" {
                self.lines = Some(("<stdin>".into(), Box::new(BufReader::new(io::stdin())), 0));
                continue;
            }
            let name = path.display().to_string();
            let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
            if ext.eq_ignore_ascii_case("jsonl") {
                match File::open(&path) {
                    Ok(f) => self.lines = Some((name, Box::new(BufReader::new(f)), 0)),
                    Err(e) => {
                        return Some(Job::Inline {
                            name,
                            content: Err(format!("cannot open: {e}")),
                        })
                    }
                }
                continue;
            }
            let kind = SourceKind::from_extension(ext).unwrap_or(SourceKind::Text);
            return Some(Job::File { name, path, kind });
        }
    }
}

/// A JSON Lines article: `{"id", "text"}` or `{"id", "html"}`.
fn jsonl_job(source: &str, line: u64, bytes: &[u8]) -> Job {
    let pos = Position { path: None, line };
    let fallback = format!("{source}:{line}");
    let fields = match parse_json_line(bytes, &pos) {
        Ok(Some(f)) => f,
        Ok(None) => {
            return Job::Inline {
                name: fallback,
                content: Err("blank record".into()),
            }
        }
        Err(e) => {
            return Job::Inline {
                name: fallback,
                content: Err(e.into_problem()),
            }
        }
    };
    let name = match fields.get("id") {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => fallback,
    };
    let content = match (fields.get("text"), fields.get("html")) {
        (Some(Value::String(t)), _) => Ok((t.clone(), SourceKind::Text)),
        (_, Some(Value::String(h))) => Ok((h.clone(), SourceKind::Html)),
        (Some(v), _) | (_, Some(v)) => Err(format!(
            "article text must be a string, found {}",
            json_kind(v)
        )),
        (None, None) => Err("record has neither a `text` nor an `html` field".to_string()),
    };
    Job::Inline { name, content }
}

/// Reads a file as an article: size limit, binary check, lossy UTF-8 with a warning.
fn read_file(path: &Path, warnings: &mut Vec<String>) -> std::result::Result<String, String> {
    let f = File::open(path).map_err(|e| format!("cannot open: {e}"))?;
    let len = f.metadata().map(|m| m.len()).unwrap_or(0);
    if len > MAX_ARTICLE_BYTES {
        return Err(format!(
            "file of {len} bytes is larger than the {MAX_ARTICLE_BYTES}-byte limit"
        ));
    }
    let mut bytes = Vec::with_capacity(len as usize);
    f.take(MAX_ARTICLE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read: {e}"))?;
    if bytes[..bytes.len().min(8192)].contains(&0) {
        return Err("binary file (NUL bytes)".into());
    }
    match String::from_utf8(bytes) {
        Ok(s) => Ok(s),
        Err(e) => {
            warnings.push(format!(
                "invalid UTF-8 at byte {}: decoded lossily",
                e.utf8_error().valid_up_to()
            ));
            Ok(String::from_utf8_lossy(e.as_bytes()).into_owned())
        }
    }
}

fn process(job: Job, model: &Model, params: &ReaderParams) -> Done {
    let mut warnings = Vec::new();
    let (name, content) = match job {
        Job::File { name, path, kind } => {
            let c = read_file(&path, &mut warnings).map(|s| (s, kind));
            (name, c)
        }
        Job::Inline { name, content } => (name, content),
    };
    let result = content.and_then(|(text, kind)| {
        if text.trim().is_empty() {
            return Err("empty article".to_string());
        }
        let article = Article::read(&text, kind, params);
        let texts: Vec<&str> = article.prose().map(|b| b.text.as_str()).collect();
        let predictions = model.predict(&texts);
        let mut tally = Tally::new(model);
        for p in &predictions {
            tally.add(model, p);
        }
        tally.skipped = (article.blocks.len() - texts.len()) as u64;
        if texts.is_empty() {
            warnings.push("no prose paragraphs found".into());
        }
        Ok(Labeled {
            blocks: article.blocks,
            predictions,
            tally,
        })
    });
    Done {
        name,
        result,
        warnings,
    }
}

/// Writes one chunk of processed articles (records, warnings and errors on stderr) and adds
/// them to `totals`.
fn write_chunk(
    done: &[Done],
    a: &LabelArgs,
    model: &Model,
    writer: &mut dyn LabelWriter,
    totals: &mut Totals,
    progress: &Option<indicatif::ProgressBar>,
) -> Result<()> {
    if done.is_empty() {
        return Ok(());
    }
    for d in done {
        totals.read += 1;
        for w in &d.warnings {
            totals.warnings += 1;
            if progress.is_none() || !a.quiet {
                eprintln!("framing: warning: {}: {w}", d.name);
            }
        }
        match &d.result {
            Ok(l) => totals.tally.merge(&l.tally),
            Err(e) => {
                totals.failed += 1;
                eprintln!("framing: {}: {e}", d.name);
            }
        }
        writer.article(model, d)?;
    }
    writer.flush()?;
    if let Some(bar) = progress {
        bar.inc(done.len() as u64);
    }
    Ok(())
}

/// Runs `framing label`.
pub fn run(a: LabelArgs) -> Result<Outcome> {
    let (model, _) = config::load_model(a.model.as_deref())?;
    let inputs = expand(&a.paths)?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(a.jobs.unwrap_or(0))
        .build()
        .context("starting worker threads")?;
    let n_files = inputs.iter().filter(|p| p.as_os_str() != "-").count() as u64;
    let all_files = inputs.iter().all(|p| {
        p.as_os_str() != "-"
            && !p
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("jsonl"))
    });
    let progress = if io::stderr().is_terminal() {
        let bar = if all_files {
            indicatif::ProgressBar::new(n_files)
        } else {
            indicatif::ProgressBar::new_spinner()
        };
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{spinner} {pos}/{len} articles {per_sec} [{elapsed_precise}] {wide_bar}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        Some(bar)
    } else {
        None
    };
    let out = RecordBuffer::new(io::stdout().lock());
    let mut writer = writer_for(&a, &model, out);
    let mut totals = Totals {
        read: 0,
        failed: 0,
        warnings: 0,
        tally: Tally::new(&model),
    };
    let params = ReaderParams::default();
    let mut jobs = Jobs {
        inputs: inputs.into_iter(),
        lines: None,
        buf: Vec::new(),
    };
    let chunk = a.chunk.max(1);
    let mut interrupted = false;
    // A pipeline of two stages: while the pool reads and labels one chunk of articles, this
    // thread writes the chunk before it (so the workers never wait for output). Memory
    // holds two chunks.
    let mut pending: Vec<Done> = Vec::new();
    loop {
        let mut batch = Vec::with_capacity(chunk);
        while !interrupted && batch.len() < chunk {
            if interrupt::requested() {
                interrupted = true;
                break;
            }
            match jobs.next_job() {
                Some(j) => batch.push(j),
                None => break,
            }
        }
        if batch.is_empty() && pending.is_empty() {
            break;
        }
        let mut next: Vec<Done> = Vec::new();
        let written = pool.in_place_scope(|scope| {
            if !batch.is_empty() {
                let (next, model, params) = (&mut next, &model, &params);
                scope.spawn(move |_| {
                    *next = batch
                        .into_par_iter()
                        .map(|j| process(j, model, params))
                        .collect();
                });
            }
            write_chunk(&pending, &a, &model, &mut *writer, &mut totals, &progress)
        });
        written?;
        pending = next;
    }
    if let Some(bar) = progress {
        bar.finish_and_clear();
    }
    writer.finish(&model, &totals)?;
    if !a.quiet || totals.failed > 0 || interrupted {
        eprintln!(
            "framing label: {}{} articles read, {} failed, {} warnings; {} paragraphs labeled, {} blocks skipped",
            if interrupted { "interrupted: " } else { "" },
            totals.read, totals.failed, totals.warnings, totals.tally.paragraphs, totals.tally.skipped
        );
    }
    Ok(Outcome::of_batch(interrupted, totals.failed))
}
