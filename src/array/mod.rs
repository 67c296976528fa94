//! Structured arrays: a dtype, a shape and byte strides over bytes that are borrowed,
//! owned or memory-mapped.

mod copy;
pub mod element;
pub mod layout;
pub mod view;

pub use element::{Element, Value};
pub use layout::{Flags, Layout, Order};
pub use view::{AlignedBuf, Array, ArrayView, ArrayViewMut};
