//! Fuzz target: see `framing_fuzz::check_text_pipeline` for what it feeds and the invariants.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| framing_fuzz::check_text_pipeline(data));
