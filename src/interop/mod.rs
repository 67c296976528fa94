//! Bridges to the Rust data ecosystem, each behind its cargo feature:
//!
//! - `ndarray`: numeric field views as [`::ndarray::ArrayView`] with the same strides,
//!   without copying when the data is native-endian and aligned ([`ndarray`]);
//! - `arrow`: structured arrays as Arrow `RecordBatch`es, nested records as struct arrays
//!   and subarrays as fixed-size lists ([`arrow`]).

#[cfg(feature = "arrow")]
pub mod arrow;
#[cfg(feature = "ndarray")]
pub mod ndarray;
