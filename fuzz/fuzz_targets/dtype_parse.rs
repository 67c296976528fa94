//! Arbitrary text as a dtype description (every form, align on and off) and as an `.npy`
//! header descr. The body lives in `dtkit::fuzzing` so that `tests/fuzz_corpus.rs` replays
//! the corpus through the same code on stable Rust.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    dtkit::fuzzing::dtype_parse(data);
});
