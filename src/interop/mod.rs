//! Bridges to the Rust data ecosystem, each behind its cargo feature:
//!
//! - `ndarray`: numeric field views as `ndarray::ArrayView`s with the same strides,
//!   without copying when the data is native-endian and aligned (module `ndarray`);
//! - `arrow`: structured arrays as Arrow `RecordBatch`es, nested records as struct arrays
//!   and subarrays as fixed-size lists (module `arrow`).
//!
//! (Plain names rather than links: the modules exist only with their features.)

#[cfg(feature = "arrow")]
pub mod arrow;
#[cfg(feature = "ndarray")]
pub mod ndarray;
