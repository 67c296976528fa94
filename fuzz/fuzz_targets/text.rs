//! Arbitrary text through loadtxt (fast path, general tokenizer, streaming reader: they must
//! agree) and genfromtxt. The body is `dtkit::fuzzing::text`, replayed by
//! `tests/fuzz_corpus.rs`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    dtkit::fuzzing::text(data);
});
