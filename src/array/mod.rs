//! Structured arrays: a dtype, a shape and byte strides over bytes that are borrowed,
//! owned or memory-mapped.

pub mod layout;

pub use layout::{Flags, Layout, Order};
