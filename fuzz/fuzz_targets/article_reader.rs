//! Fuzz target: see `framing_fuzz::check_article_reader` for what it feeds and the invariants.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| framing_fuzz::check_article_reader(data));
