//! Text: NumPy's `loadtxt` into structured or 2-D arrays.

mod convert;
mod fast;
mod loadtxt;

#[doc(hidden)]
pub use loadtxt::loadtxt_str_general;
pub use loadtxt::{
    loadtxt_bytes, loadtxt_path, loadtxt_reader, loadtxt_str, Encoding, LoadTxtOptions,
};
