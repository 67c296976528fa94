//! The body is `dtkit::fuzzing::raw_dump`, replayed on stable by `tests/fuzz_corpus.rs`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    dtkit::fuzzing::raw_dump(data);
});
