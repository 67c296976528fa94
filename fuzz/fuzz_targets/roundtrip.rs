//! The body is `dtkit::fuzzing::roundtrip`, replayed on stable by `tests/fuzz_corpus.rs`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    dtkit::fuzzing::roundtrip(data);
});
