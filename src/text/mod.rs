//! Text: NumPy's `loadtxt`, `genfromtxt` and `fromregex` into structured or 2-D arrays, and `savetxt`
//! back.

pub(crate) mod convert;
pub(crate) use convert::strip;
#[cfg(feature = "cli")]
pub(crate) use convert::{convert as convert_field, put_int as convert_field_int};
mod fast;
mod fused;
mod genfromtxt;
pub(crate) mod input;
mod linear;
mod loadtxt;
mod regex;
mod savetxt;
mod savetxt_fast;

pub use self::regex::{fromregex_path, fromregex_path_encoded, fromregex_str};
#[doc(hidden)]
pub use self::regex::{fromregex_reader_blocks, fromregex_str_engine};
pub use genfromtxt::{
    genfromtxt_bytes, genfromtxt_path, genfromtxt_str, ColumnKey, GenFromTxt, GenFromTxtOptions,
    Names,
};
#[doc(hidden)]
pub use genfromtxt::{genfromtxt_reader_blocks, genfromtxt_str_general};
pub use input::read_file;
pub use loadtxt::{
    decode, loadtxt_bytes, loadtxt_each, loadtxt_path, loadtxt_reader, loadtxt_reader_sized,
    loadtxt_str, Converter, Encoding, LoadTxtOptions,
};
#[doc(hidden)]
pub use loadtxt::{loadtxt_reader_blocks, loadtxt_str_general};
pub use savetxt::{savetxt, savetxt_path, Fmt, SaveTxtOptions};
