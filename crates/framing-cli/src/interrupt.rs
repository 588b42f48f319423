//! Ctrl-C (SIGINT, and SIGTERM): batch commands stop at the next record boundary.
//!
//! The first signal sets a flag that `predict` and `label` check between records: they
//! write out what they have labeled (complete lines only), print their accounting, and exit
//! with status 130. If the command does not get there within [`GRACE`] (it is blocked
//! reading an input that sends nothing), or on a second signal, the process exits at once;
//! output is only ever written in whole batches, so it still ends on a complete line.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

static REQUESTED: AtomicBool = AtomicBool::new(false);

/// How long a stop may take before the process exits without finishing its batch.
pub const GRACE: Duration = Duration::from_secs(3);

/// Exit status after an interrupt (128 + SIGINT), as shells report it.
pub const EXIT_CODE: u8 = 130;

/// Installs the handler. Failing to install it is not fatal: the default (immediate exit)
/// stays in place.
pub fn install() {
    let _ = ctrlc::set_handler(|| {
        if REQUESTED.swap(true, Ordering::SeqCst) {
            eprintln!("framing: interrupted again; exiting now");
            std::process::exit(EXIT_CODE.into());
        }
        std::thread::spawn(|| {
            std::thread::sleep(GRACE);
            eprintln!("framing: interrupted; exiting without finishing the current batch");
            std::process::exit(EXIT_CODE.into());
        });
    });
}

/// Whether a stop was requested.
pub fn requested() -> bool {
    REQUESTED.load(Ordering::Relaxed)
}
