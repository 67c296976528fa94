//! The body is `dtkit::fuzzing::layout_file`, replayed on stable by `tests/fuzz_corpus.rs`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    dtkit::fuzzing::layout_file(data);
});
