//! # dtkit: NumPy-style structured binary data in Rust
//!
//! dtkit reads and writes the binary layouts NumPy describes with a *dtype*: sensor dumps,
//! `.npy`/`.npz` files and the structured records inside them. Everything is driven by a
//! dtype description in NumPy's own syntax, parsed by [`DType::parse`]:
//!
//! ```
//! use dtkit::{ByteOrder, DType};
//!
//! let dt = DType::parse(
//!     "[('time','<u8'),('position',[('az','<f4'),('el','<f4')]),('samples','<i2',(2048,))]",
//! )?;
//! assert_eq!(dt.itemsize(), 8 + 8 + 2 * 2048);
//! let az = dt.field_path("position.az")?;
//! assert_eq!((az.offset, az.dtype.typestr()), (8, "<f4".to_string()));
//! assert_eq!(dt.descr()?, "[('time', '<u8'), ('position', [('az', '<f4'), ('el', '<f4')]), \
//!                          ('samples', '<i2', (2048,))]");
//! assert_eq!(dt.with_byte_order(ByteOrder::Big).leaf_fields()[0].dtype.typestr(), ">u8");
//! # Ok::<(), dtkit::Error>(())
//! ```
//!
//! ## Entry points
//!
//! | NumPy | dtkit |
//! |---|---|
//! | `np.dtype(spec)`, `np.dtype(spec, align=True)` | [`DType::parse`], [`DType::parse_with`] |
//! | `dtype.str`, `dtype.descr`, `dtype.name` | [`DType::typestr`], [`DType::descr`], [`DType::name`] |
//! | `dtype.itemsize`, `.alignment`, `.byteorder` | [`DType::itemsize`], [`DType::alignment`], [`DType::byteorder_char`] |
//! | `dtype['position']`, `dtype.fields` | [`DType::field`], [`DType::field_path`], [`DType::fields`] |
//! | `dtype.newbyteorder('>')` | [`DType::with_byte_order`], [`DType::byte_swapped`], [`DType::to_native`] |
//! | `format.descr_to_dtype(header['descr'])` | [`DType::from_descr`], [`DType::npy_descr`] |
//! | the flattened columns `np.loadtxt` fills | [`DType::leaf_fields`] |
//!
//! ## Robustness
//!
//! No input makes dtkit panic, recurse without bound or allocate without bound: the parser
//! is linear in its input, nesting depth and field count are limited ([`ParseOptions`]),
//! and every size and offset is computed with checked arithmetic against NumPy's own limit
//! of `i32::MAX` bytes ([`dtype::MAX_ITEMSIZE`]). Every error says what was expected and
//! where ([`Error::location`]).

#![warn(missing_docs, clippy::missing_errors_doc, clippy::missing_panics_doc)]

pub mod array;
pub mod atomic;
pub mod byteswap;
mod datetime;
mod deflate;
pub mod dtype;
pub mod error;
pub mod format;
#[cfg(feature = "cli")]
pub mod inspect;
pub mod interop;
pub mod npy;
pub mod npz;
mod pread;
pub mod raw;
pub mod records;
pub mod storage;
pub mod text;

#[doc(hidden)]
pub mod fuzzing;

/// The README's examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

pub use array::{Array, ArrayView, ArrayViewMut, Element, Flags, Layout, Order, Value};
pub use byteswap::ByteOrderPlan;
pub use dtype::{
    ByteOrder, DType, DateTimeUnit, Field, FieldRef, LeafField, ParseOptions, Record, Scalar,
    ScalarKind, Subarray, TimeUnit,
};
pub use error::{Error, ErrorKind, Location, Result};

/// A xorshift64 generator from `state` (nonzero), for tests' reproducible inputs.
#[cfg(test)]
pub(crate) fn xorshift(mut state: u64) -> impl FnMut() -> u64 {
    move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    }
}

/// The cores this process may run on, asked once: `available_parallelism` reads the
/// cgroup files each time, a few system calls per parallel step.
pub(crate) fn cores() -> usize {
    static CORES: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *CORES
        .get_or_init(|| std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get))
}

/// `f(k)` for each `k` in `0..n`, each on a scoped thread of its own, the results in
/// order; a thread that panicked gives an I/O error saying `what` failed.
pub(crate) fn on_threads<T: Send>(
    n: usize,
    what: &str,
    f: impl Fn(usize) -> Result<T> + Sync,
) -> Vec<Result<T>> {
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..n)
            .map(|k| {
                let f = &f;
                s.spawn(move || f(k))
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join().unwrap_or_else(|_| {
                    Err(Error::new(ErrorKind::Io, format!("a {what} thread failed")))
                })
            })
            .collect()
    })
}
