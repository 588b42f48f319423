//! The `framing` command: a thin layer over the `framing` library.
//!
//! `main` parses the arguments, runs one subcommand, and turns the outcome into the exit
//! code: 0 on success, 1 when some input records failed (each reported), 2 on an error
//! that stopped the command, 130 when Ctrl-C stopped a batch command (see [`interrupt`]).
//! A closed output pipe ends the program quietly with 0.

mod alloc;
mod args;
mod cmd;
mod config;
mod interrupt;
mod output;

use std::process::ExitCode;

use clap::Parser;

/// How a subcommand ended when it did not fail outright.
pub enum Outcome {
    /// Everything worked.
    Ok,
    /// The command finished, but some records failed (already reported on stderr).
    SomeFailed,
    /// Ctrl-C stopped the command at a record boundary (its accounting says where).
    Interrupted,
}

impl Outcome {
    /// How a batch command ended: interrupted first, then whether any record failed.
    pub fn of_batch(interrupted: bool, failed: u64) -> Outcome {
        if interrupted {
            Outcome::Interrupted
        } else if failed > 0 {
            Outcome::SomeFailed
        } else {
            Outcome::Ok
        }
    }
}

fn main() -> ExitCode {
    let cli = args::Cli::parse();
    if matches!(
        cli.command,
        args::Command::Predict(_) | args::Command::Label(_)
    ) {
        interrupt::install();
    }
    if matches!(cli.command, args::Command::Train(_) | args::Command::Cv(_)) {
        alloc::keep_freed_memory();
    }
    let result = match cli.command {
        args::Command::Train(a) => cmd::train::run(a),
        args::Command::Eval(a) => cmd::eval::run(a),
        args::Command::Cv(a) => cmd::cv::run(a),
        args::Command::Predict(a) => cmd::predict::run(a),
        args::Command::Inspect(a) => cmd::inspect::run(a),
        args::Command::Label(a) => cmd::label::run(a),
    };
    match result {
        Ok(Outcome::Ok) => ExitCode::SUCCESS,
        Ok(Outcome::SomeFailed) => ExitCode::from(1),
        Ok(Outcome::Interrupted) => ExitCode::from(interrupt::EXIT_CODE),
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("framing: error: {}", message(&e));
            ExitCode::from(2)
        }
    }
}

/// The error and its causes, joined by ": ", leaving out a cause whose text the message
/// already holds (the library's errors name their source in their own text, and also
/// return it as their `source()`).
fn message(e: &anyhow::Error) -> String {
    let mut out = String::new();
    for cause in e.chain() {
        let text = cause.to_string();
        if out.contains(&text) {
            continue;
        }
        if !out.is_empty() {
            out.push_str(": ");
        }
        out.push_str(&text);
    }
    out
}

/// Whether an error (anywhere in its chain) is a write to a closed pipe.
fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
