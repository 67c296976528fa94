//! Text: NumPy's `loadtxt`, `genfromtxt` and `fromregex` into structured or 2-D arrays, and `savetxt`
//! back.

mod convert;
mod fast;
mod genfromtxt;
mod loadtxt;
mod regex;
mod savetxt;

pub use self::regex::fromregex_str;
pub use genfromtxt::{genfromtxt_str, GenFromTxt, GenFromTxtOptions, Names};
#[doc(hidden)]
pub use loadtxt::loadtxt_str_general;
pub use loadtxt::{
    decode, loadtxt_bytes, loadtxt_path, loadtxt_reader, loadtxt_str, Converter, Encoding,
    LoadTxtOptions,
};
pub use savetxt::{savetxt, savetxt_path, Fmt, SaveTxtOptions};
