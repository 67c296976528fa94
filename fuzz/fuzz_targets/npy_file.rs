//! Arbitrary bytes as an `.npy` file (in memory and streamed); accepted files must round-trip
//! through dtkit's writer. The body is `dtkit::fuzzing::npy_file`, replayed by
//! `tests/fuzz_corpus.rs`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    dtkit::fuzzing::npy_file(data);
});
