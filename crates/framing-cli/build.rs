//! Embeds `models/recognition-debate.model` into the binary when the file exists.

use std::env;
use std::fs;
use std::path::PathBuf;

fn main() {
    let manifest = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("cargo sets this"));
    let models = manifest.join("../../models");
    let model = models.join("recognition-debate.model");
    println!("cargo:rerun-if-changed={}", models.display());
    println!("cargo:rerun-if-changed={}", model.display());
    let out = PathBuf::from(env::var("OUT_DIR").expect("cargo sets this")).join("embedded.rs");
    let code = if model.is_file() {
        let path = model.canonicalize().expect("model path resolves");
        // On a 64-byte boundary, so that the model's tables are read in place.
        format!(
            "#[repr(C, align(64))]\nstruct Aligned<B: ?Sized>(B);\n\
             static MODEL: &Aligned<[u8]> = &Aligned(*include_bytes!({:?}));\n\
             /// The default model's bytes.\npub const DEFAULT_MODEL: Option<&[u8]> = Some(&MODEL.0);\n",
            path.display().to_string()
        )
    } else {
        "/// No default model was present at build time.\npub const DEFAULT_MODEL: Option<&[u8]> = None;\n"
            .to_string()
    };
    fs::write(out, code).expect("write embedded.rs");
}
