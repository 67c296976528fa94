//! Text: NumPy's `loadtxt` and `fromregex` into structured or 2-D arrays, and `savetxt`
//! back.

mod convert;
mod fast;
mod loadtxt;
mod regex;
mod savetxt;

pub use self::regex::fromregex_str;
#[doc(hidden)]
pub use loadtxt::loadtxt_str_general;
pub use loadtxt::{
    loadtxt_bytes, loadtxt_path, loadtxt_reader, loadtxt_str, Converter, Encoding, LoadTxtOptions,
};
pub use savetxt::{savetxt, savetxt_path, Fmt, SaveTxtOptions};
