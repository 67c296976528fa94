//! Rust values into records: dtype inference from `Serialize` values, and an encoder that
//! writes one value into the bytes of one element of a given dtype.

use serde::ser::{self, Impossible, Serialize, Serializer};

use crate::array::Element;
use crate::dtype::{layout, ByteOrder, DType, Field, Scalar, ScalarKind};
use crate::error::{Error, ErrorKind, Result};
use crate::text::convert::put_float;

use super::de::in_field;

fn data(msg: impl Into<String>) -> Error {
    Error::new(ErrorKind::Data, msg)
}

/// How Rust strings become NumPy strings in an inferred dtype.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StringKind {
    /// `U<n>`, n the longest string in characters: what NumPy makes of Python `str`.
    #[default]
    Unicode,
    /// `S<n>`, n the longest string in UTF-8 bytes: a quarter of the size for ASCII text.
    Bytes,
}

/// Options of [`super::infer_dtype`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InferOptions {
    /// Lay fields out as a C compiler would (`np.dtype(..., align=True)`, `#[repr(C)]`)
    /// instead of packed (NumPy's default).
    pub align: bool,
    /// Byte order of multi-byte numbers (default: native).
    pub byte_order: ByteOrder,
    /// Rust strings as `U` (default) or `S`.
    pub strings: StringKind,
}

impl Default for InferOptions {
    fn default() -> Self {
        InferOptions {
            align: false,
            byte_order: ByteOrder::NATIVE,
            strings: StringKind::Unicode,
        }
    }
}

/// The shape of a value, as far as a dtype needs it. Strings carry their longest length,
/// so that merging the nodes of every value gives a dtype wide enough for all of them.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Node {
    Bool,
    Int(usize),
    UInt(usize),
    Float(usize),
    /// Characters (`U`).
    Str(usize),
    /// Bytes (`S`).
    Bytes(usize),
    /// A homogeneous sequence of a fixed length.
    Seq(Box<Node>, usize),
    Record(Vec<(String, Node)>),
}

impl Node {
    fn describe(&self) -> String {
        match self {
            Node::Bool => "bool".into(),
            Node::Int(n) => format!("i{}", n * 8),
            Node::UInt(n) => format!("u{}", n * 8),
            Node::Float(n) => format!("f{}", n * 8),
            Node::Str(_) => "a string".into(),
            Node::Bytes(_) => "bytes".into(),
            Node::Seq(_, n) => format!("a sequence of {n}"),
            Node::Record(_) => "a struct".into(),
        }
    }

    /// Widen `self` to hold `other` too (the same type with longer strings); an error when
    /// the two differ in type, field names or sequence length.
    pub(super) fn merge(&mut self, other: Node) -> Result<()> {
        match (self, other) {
            (Node::Str(a), Node::Str(b)) | (Node::Bytes(a), Node::Bytes(b)) => {
                *a = (*a).max(b);
                Ok(())
            }
            (Node::Seq(a, n), Node::Seq(b, m)) => {
                if *n != m {
                    return Err(data(format!(
                        "sequences of {n} and {m} elements: a subarray has one length, so \
                         every value needs the same (use a fixed-size array)"
                    )));
                }
                a.merge(*b)
            }
            (Node::Record(a), Node::Record(b)) => {
                let same = a.len() == b.len() && a.iter().zip(&b).all(|(x, y)| x.0 == y.0);
                if !same {
                    return Err(data("structs with different fields cannot share a dtype"));
                }
                for ((name, x), (_, y)) in a.iter_mut().zip(b) {
                    x.merge(y).map_err(|e| in_field(e, name))?;
                }
                Ok(())
            }
            (a, b) if *a == b => Ok(()),
            (a, b) => Err(data(format!(
                "one value is {}, another {}: a field has one dtype",
                a.describe(),
                b.describe()
            ))),
        }
    }

    pub(super) fn to_dtype(&self, opts: &InferOptions) -> Result<DType> {
        let scalar = |kind, size| DType::scalar(kind, size, opts.byte_order);
        match self {
            Node::Bool => scalar(ScalarKind::Bool, 1),
            Node::Int(n) => scalar(ScalarKind::Int, *n),
            Node::UInt(n) => scalar(ScalarKind::UInt, *n),
            Node::Float(n) => scalar(ScalarKind::Float, *n),
            Node::Str(n) => scalar(ScalarKind::Unicode, 4 * (*n).max(1)),
            Node::Bytes(n) => scalar(ScalarKind::Bytes, (*n).max(1)),
            Node::Seq(inner, n) => {
                let mut shape = vec![*n];
                let mut base = inner.as_ref();
                while let Node::Seq(next, m) = base {
                    shape.push(*m);
                    base = next;
                }
                DType::subarray(base.to_dtype(opts)?, &shape)
            }
            Node::Record(fields) => {
                let mut placed = Vec::with_capacity(fields.len());
                let (mut offset, mut align) = (0usize, 1usize);
                for (name, node) in fields {
                    let dt = node.to_dtype(opts).map_err(|e| in_field(e, name))?;
                    if opts.align {
                        let a = dt.alignment();
                        align = align.max(a);
                        offset = layout::round_up(offset, a).ok_or_else(too_big)?;
                    }
                    let size = dt.itemsize();
                    placed.push(Field::new(name.clone(), dt, offset));
                    offset = offset
                        .checked_add(size)
                        .filter(|&n| n <= crate::dtype::MAX_ITEMSIZE)
                        .ok_or_else(too_big)?;
                }
                if opts.align {
                    let size = layout::round_up(offset, align).ok_or_else(too_big)?;
                    layout::make_record(placed, Some(size), align, true)
                } else {
                    layout::make_record(placed, Some(offset), 1, false)
                }
            }
        }
    }
}

fn too_big() -> Error {
    Error::new(ErrorKind::Limit, "record larger than 2147483647 bytes")
}

/// A serializer that returns the [`Node`] of a value instead of writing it.
pub(super) struct Infer {
    pub(super) strings: StringKind,
}

fn unsupported(what: &str) -> Error {
    Error::new(
        ErrorKind::Unsupported,
        format!("{what} has no NumPy dtype; give the dtype explicitly"),
    )
}

impl Infer {
    fn text(&self, s: &str) -> Node {
        match self.strings {
            StringKind::Unicode => Node::Str(s.chars().count()),
            StringKind::Bytes => Node::Bytes(s.len()),
        }
    }
}

/// Collects the nodes of a sequence or tuple.
pub(super) struct InferSeq {
    strings: StringKind,
    items: Vec<Node>,
    tuple: bool,
}

impl InferSeq {
    fn push<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<()> {
        let i = self.items.len();
        let node = value
            .serialize(Infer {
                strings: self.strings,
            })
            .map_err(|e| in_field(e, &format!("[{i}]")))?;
        self.items.push(node);
        Ok(())
    }

    fn finish(self) -> Result<Node> {
        let n = self.items.len();
        let mut it = self.items.iter().cloned();
        let Some(mut first) = it.next() else {
            return Err(unsupported(
                "an empty sequence (its element type is unknown)",
            ));
        };
        let mut homogeneous = true;
        for node in it {
            if first.merge(node).is_err() {
                homogeneous = false;
                break;
            }
        }
        if homogeneous {
            Ok(Node::Seq(Box::new(first), n))
        } else if self.tuple {
            // A tuple of different types is a record with NumPy's default names.
            Ok(Node::Record(
                self.items
                    .into_iter()
                    .enumerate()
                    .map(|(i, node)| (format!("f{i}"), node))
                    .collect(),
            ))
        } else {
            Err(data("a sequence of values of different types"))
        }
    }
}

/// The three sequence traits of serde, implemented alike by `$ty` through its `push`-like
/// method `$add` and its `$finish` (for [`InferSeq`] and [`EncodeSeq`]).
macro_rules! seq_impls {
    ($ty:ty, $ok:ty, $add:ident, $finish:ident) => {
        seq_impls!(@one $ty, $ok, $add, $finish, SerializeSeq::serialize_element);
        seq_impls!(@one $ty, $ok, $add, $finish, SerializeTuple::serialize_element);
        seq_impls!(@one $ty, $ok, $add, $finish, SerializeTupleStruct::serialize_field);
    };
    (@one $ty:ty, $ok:ty, $add:ident, $finish:ident, $tr:ident :: $m:ident) => {
        impl ser::$tr for $ty {
            type Ok = $ok;
            type Error = Error;
            fn $m<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<()> {
                self.$add(value)
            }
            fn end(self) -> Result<$ok> {
                self.$finish()
            }
        }
    };
}

seq_impls!(InferSeq, Node, push, finish);

/// Collects the fields of a struct.
pub(super) struct InferStruct {
    strings: StringKind,
    fields: Vec<(String, Node)>,
}

impl ser::SerializeStruct for InferStruct {
    type Ok = Node;
    type Error = Error;
    fn serialize_field<T: ?Sized + Serialize>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<()> {
        let node = value
            .serialize(Infer {
                strings: self.strings,
            })
            .map_err(|e| in_field(e, key))?;
        self.fields.push((key.to_owned(), node));
        Ok(())
    }
    fn end(self) -> Result<Node> {
        if self.fields.is_empty() {
            return Err(unsupported("a struct without fields"));
        }
        Ok(Node::Record(self.fields))
    }
}

impl Serializer for Infer {
    type Ok = Node;
    type Error = Error;
    type SerializeSeq = InferSeq;
    type SerializeTuple = InferSeq;
    type SerializeTupleStruct = InferSeq;
    type SerializeTupleVariant = Impossible<Node, Error>;
    type SerializeMap = Impossible<Node, Error>;
    type SerializeStruct = InferStruct;
    type SerializeStructVariant = Impossible<Node, Error>;

    fn serialize_bool(self, _: bool) -> Result<Node> {
        Ok(Node::Bool)
    }
    fn serialize_i8(self, _: i8) -> Result<Node> {
        Ok(Node::Int(1))
    }
    fn serialize_i16(self, _: i16) -> Result<Node> {
        Ok(Node::Int(2))
    }
    fn serialize_i32(self, _: i32) -> Result<Node> {
        Ok(Node::Int(4))
    }
    fn serialize_i64(self, _: i64) -> Result<Node> {
        Ok(Node::Int(8))
    }
    fn serialize_i128(self, _: i128) -> Result<Node> {
        Err(unsupported("i128"))
    }
    fn serialize_u8(self, _: u8) -> Result<Node> {
        Ok(Node::UInt(1))
    }
    fn serialize_u16(self, _: u16) -> Result<Node> {
        Ok(Node::UInt(2))
    }
    fn serialize_u32(self, _: u32) -> Result<Node> {
        Ok(Node::UInt(4))
    }
    fn serialize_u64(self, _: u64) -> Result<Node> {
        Ok(Node::UInt(8))
    }
    fn serialize_u128(self, _: u128) -> Result<Node> {
        Err(unsupported("u128"))
    }
    fn serialize_f32(self, _: f32) -> Result<Node> {
        Ok(Node::Float(4))
    }
    fn serialize_f64(self, _: f64) -> Result<Node> {
        Ok(Node::Float(8))
    }
    fn serialize_char(self, c: char) -> Result<Node> {
        Ok(self.text(c.encode_utf8(&mut [0; 4])))
    }
    fn serialize_str(self, v: &str) -> Result<Node> {
        Ok(self.text(v))
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<Node> {
        Ok(Node::Bytes(v.len()))
    }
    fn serialize_none(self) -> Result<Node> {
        Err(unsupported("None (an Option)"))
    }
    fn serialize_some<T: ?Sized + Serialize>(self, value: &T) -> Result<Node> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<Node> {
        Err(unsupported("()"))
    }
    fn serialize_unit_struct(self, name: &'static str) -> Result<Node> {
        Err(unsupported(&format!("the unit struct {name}")))
    }
    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<Node> {
        Ok(self.text(variant))
    }
    fn serialize_newtype_struct<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<Node> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: ?Sized + Serialize>(
        self,
        name: &'static str,
        _: u32,
        variant: &'static str,
        _: &T,
    ) -> Result<Node> {
        Err(unsupported(&format!(
            "the enum variant {name}::{variant} with data"
        )))
    }
    fn serialize_seq(self, len: Option<usize>) -> Result<InferSeq> {
        Ok(InferSeq {
            strings: self.strings,
            items: Vec::with_capacity(len.unwrap_or(0).min(4096)),
            tuple: false,
        })
    }
    fn serialize_tuple(self, len: usize) -> Result<InferSeq> {
        Ok(InferSeq {
            strings: self.strings,
            items: Vec::with_capacity(len.min(4096)),
            tuple: true,
        })
    }
    fn serialize_tuple_struct(self, _: &'static str, len: usize) -> Result<InferSeq> {
        self.serialize_tuple(len)
    }
    fn serialize_tuple_variant(
        self,
        name: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant> {
        Err(unsupported(&format!(
            "the enum variant {name}::{variant} with data"
        )))
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap> {
        Err(unsupported("a map (its keys are not fixed)"))
    }
    fn serialize_struct(self, _: &'static str, len: usize) -> Result<InferStruct> {
        Ok(InferStruct {
            strings: self.strings,
            fields: Vec::with_capacity(len),
        })
    }
    fn serialize_struct_variant(
        self,
        name: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant> {
        Err(unsupported(&format!(
            "the enum variant {name}::{variant} with data"
        )))
    }
}

/// A serializer that writes one value into the bytes of one element of `dtype`, converting
/// numbers with range checks and strings with length checks.
pub(super) struct Encode<'a, 'b> {
    pub(super) dtype: &'a DType,
    pub(super) out: &'b mut [u8],
}

impl<'a, 'b> Encode<'a, 'b> {
    /// The scalar dtype of the target; `what` (only formatted on error) names the value.
    fn scalar(&self, what: impl FnOnce() -> String) -> Result<Scalar> {
        self.dtype
            .as_scalar()
            .copied()
            .ok_or_else(|| self.mismatch(&what()))
    }

    fn mismatch(&self, what: &str) -> Error {
        data(format!(
            "{what} cannot be stored in a field of dtype {}",
            self.dtype.typestr()
        ))
    }

    fn int(self, v: i128) -> Result<()> {
        let s = self.scalar(|| format!("the integer {v}"))?;
        let o = s.byte_order();
        let range = |lo: i128, hi: i128| {
            if v < lo || v > hi {
                Err(data(format!(
                    "{v} is out of range for {} ({lo}..={hi})",
                    DType::from(s).typestr()
                )))
            } else {
                Ok(())
            }
        };
        match (s.kind(), s.size()) {
            (ScalarKind::Int, 1) => {
                range(i8::MIN.into(), i8::MAX.into()).map(|_| self.out[0] = v as i8 as u8)
            }
            (ScalarKind::Int, 2) => {
                range(i16::MIN.into(), i16::MAX.into()).map(|_| (v as i16).encode(self.out, o))
            }
            (ScalarKind::Int, 4) => {
                range(i32::MIN.into(), i32::MAX.into()).map(|_| (v as i32).encode(self.out, o))
            }
            (ScalarKind::Int, _) => {
                range(i64::MIN.into(), i64::MAX.into()).map(|_| (v as i64).encode(self.out, o))
            }
            (ScalarKind::UInt, 1) => range(0, u8::MAX.into()).map(|_| self.out[0] = v as u8),
            (ScalarKind::UInt, 2) => {
                range(0, u16::MAX.into()).map(|_| (v as u16).encode(self.out, o))
            }
            (ScalarKind::UInt, 4) => {
                range(0, u32::MAX.into()).map(|_| (v as u32).encode(self.out, o))
            }
            (ScalarKind::UInt, _) => {
                range(0, u64::MAX.into()).map(|_| (v as u64).encode(self.out, o))
            }
            (ScalarKind::Float, _) => {
                put_float(self.out, v as f64, o);
                Ok(())
            }
            (ScalarKind::Complex, n) => {
                put_float(&mut self.out[..n / 2], v as f64, o);
                put_float(&mut self.out[n / 2..], 0.0, o);
                Ok(())
            }
            (ScalarKind::DateTime | ScalarKind::TimeDelta, _) => {
                range(i64::MIN.into(), i64::MAX.into()).map(|_| (v as i64).encode(self.out, o))
            }
            _ => Err(self.mismatch(&format!("the integer {v}"))),
        }
    }

    fn float(self, v: f64) -> Result<()> {
        let s = self.scalar(|| format!("the float {v}"))?;
        match s.kind() {
            ScalarKind::Float => put_float(self.out, v, s.byte_order()),
            ScalarKind::Complex => {
                let h = s.size() / 2;
                put_float(&mut self.out[..h], v, s.byte_order());
                put_float(&mut self.out[h..], 0.0, s.byte_order());
            }
            _ => return Err(self.mismatch(&format!("the float {v}"))),
        }
        Ok(())
    }

    fn text(self, v: &str) -> Result<()> {
        let s = self.scalar(|| format!("the string {v:?}"))?;
        let n = s.size();
        match s.kind() {
            ScalarKind::Bytes => {
                if v.len() > n {
                    return Err(data(format!(
                        "the string {v:?} is {} bytes, the field S{n} holds {n}",
                        v.len()
                    )));
                }
                self.out[..v.len()].copy_from_slice(v.as_bytes());
                self.out[v.len()..].fill(0);
            }
            ScalarKind::Unicode => {
                let chars = v.chars().count();
                if chars > n / 4 {
                    return Err(data(format!(
                        "the string {v:?} is {chars} characters, the field U{} holds {}",
                        n / 4,
                        n / 4
                    )));
                }
                self.out.fill(0);
                for (c, slot) in v.chars().zip(self.out.chunks_exact_mut(4)) {
                    u32::from(c).encode(slot, s.byte_order());
                }
            }
            ScalarKind::DateTime => {
                let t = crate::datetime::parse_datetime(v, s.datetime_unit()).ok_or_else(|| {
                    data(format!(
                        "{v:?} is not a datetime NumPy reads (ISO 8601 such as 2024-01-31T12:00)"
                    ))
                })?;
                t.encode(self.out, s.byte_order());
            }
            ScalarKind::TimeDelta => {
                let t = crate::datetime::parse_timedelta(v)
                    .ok_or_else(|| data(format!("{v:?} is not a timedelta (an integer or NaT)")))?;
                t.encode(self.out, s.byte_order());
            }
            _ => return Err(self.mismatch(&format!("the string {v:?}"))),
        }
        Ok(())
    }

    fn bytes(self, v: &[u8]) -> Result<()> {
        let n = self.dtype.itemsize();
        let byte_like = match self.dtype {
            DType::Scalar(s) => matches!(s.kind(), ScalarKind::Bytes | ScalarKind::Void),
            DType::Subarray(sub) => {
                sub.shape().len() == 1
                    && sub
                        .base()
                        .as_scalar()
                        .is_some_and(|s| s.size() == 1 && s.kind() != ScalarKind::Bool)
            }
            DType::Record(_) => false,
        };
        if !byte_like {
            return Err(self.mismatch(&format!("{} bytes", v.len())));
        }
        let fixed = !matches!(
            self.dtype.as_scalar().map(|s| s.kind()),
            Some(ScalarKind::Bytes)
        );
        if v.len() > n || (fixed && v.len() != n) {
            return Err(data(format!(
                "{} bytes do not fit the {n}-byte field {}",
                v.len(),
                self.dtype.typestr()
            )));
        }
        self.out[..v.len()].copy_from_slice(v);
        self.out[v.len()..].fill(0);
        Ok(())
    }

    fn seq(self, len: Option<usize>) -> Result<EncodeSeq<'a, 'b>> {
        let out = self.out;
        match self.dtype {
            DType::Subarray(sub) => Ok(EncodeSeq::Subarray {
                base: sub.base(),
                shape: sub.shape(),
                // The dtype of one element along the first axis, built once per sequence.
                inner: match sub.shape() {
                    [_] => None,
                    [_, rest @ ..] => Some(DType::subarray(sub.base().clone(), rest)?),
                    [] => None,
                },
                out,
                next: 0,
            }),
            DType::Record(r) => Ok(EncodeSeq::Record {
                record: r,
                out,
                next: 0,
            }),
            // `Vec<u8>` and `&[u8]` serialize as sequences of bytes.
            DType::Scalar(s) if matches!(s.kind(), ScalarKind::Bytes | ScalarKind::Void) => {
                out.fill(0);
                Ok(EncodeSeq::Bytes {
                    exact: s.kind() == ScalarKind::Void,
                    out,
                    next: 0,
                })
            }
            DType::Scalar(s) if s.kind() == ScalarKind::Complex => Ok(EncodeSeq::Complex {
                scalar: *s,
                out,
                next: 0,
            }),
            _ => Err(data(format!(
                "a sequence{} cannot be stored in a field of dtype {}",
                len.map(|n| format!(" of {n}")).unwrap_or_default(),
                self.dtype.typestr()
            ))),
        }
    }
}

/// Writes the elements of a sequence into a subarray (along its first axis), a record
/// (its fields in order) or a complex number (real, imaginary).
pub(super) enum EncodeSeq<'a, 'b> {
    Subarray {
        base: &'a DType,
        shape: &'a [usize],
        /// The subarray of the remaining axes, when there are more than one.
        inner: Option<DType>,
        out: &'b mut [u8],
        next: usize,
    },
    Record {
        record: &'a crate::dtype::Record,
        out: &'b mut [u8],
        next: usize,
    },
    Complex {
        scalar: Scalar,
        out: &'b mut [u8],
        next: usize,
    },
    Bytes {
        exact: bool,
        out: &'b mut [u8],
        next: usize,
    },
}

impl EncodeSeq<'_, '_> {
    fn element<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<()> {
        match self {
            EncodeSeq::Subarray {
                base,
                shape,
                inner,
                out,
                next,
            } => {
                let i = *next;
                if i >= shape[0] {
                    return Err(data(format!(
                        "more than {} elements for a subarray of shape {shape:?}",
                        shape[0]
                    )));
                }
                *next += 1;
                let step = out.len() / shape[0];
                let slot = &mut out[i * step..(i + 1) * step];
                value
                    .serialize(Encode {
                        dtype: inner.as_ref().unwrap_or(base),
                        out: slot,
                    })
                    .map_err(|e| in_field(e, &format!("[{i}]")))
            }
            EncodeSeq::Record { record, out, next } => {
                let Some(f) = record.fields().get(*next) else {
                    return Err(data(format!(
                        "more than {} values for a record of {} fields",
                        record.fields().len(),
                        record.fields().len()
                    )));
                };
                *next += 1;
                value
                    .serialize(Encode {
                        dtype: f.dtype(),
                        out: &mut out[f.offset()..f.end()],
                    })
                    .map_err(|e| in_field(e, f.name()))
            }
            EncodeSeq::Bytes { out, next, .. } => {
                if *next >= out.len() {
                    return Err(data(format!(
                        "more than {} bytes for a {}-byte field",
                        out.len(),
                        out.len()
                    )));
                }
                let byte = DType::scalar(ScalarKind::UInt, 1, ByteOrder::NotApplicable)?;
                let slot = &mut out[*next..*next + 1];
                *next += 1;
                value.serialize(Encode {
                    dtype: &byte,
                    out: slot,
                })
            }
            EncodeSeq::Complex { scalar, out, next } => {
                if *next >= 2 {
                    return Err(data("a complex number takes two values (real, imaginary)"));
                }
                let h = scalar.size() / 2;
                let part = DType::scalar(ScalarKind::Float, h, scalar.byte_order())?;
                let slot = &mut out[*next * h..(*next + 1) * h];
                *next += 1;
                value.serialize(Encode {
                    dtype: &part,
                    out: slot,
                })
            }
        }
    }

    fn finish(self) -> Result<()> {
        let (got, want) = match &self {
            EncodeSeq::Subarray { shape, next, .. } => (*next, shape[0]),
            EncodeSeq::Record { record, next, .. } => (*next, record.fields().len()),
            EncodeSeq::Complex { next, .. } => (*next, 2),
            EncodeSeq::Bytes { exact, out, next } => (
                *next,
                if *exact {
                    out.len()
                } else {
                    (*next).min(out.len())
                },
            ),
        };
        if got != want {
            return Err(data(format!("{got} values where the dtype needs {want}")));
        }
        Ok(())
    }
}

seq_impls!(EncodeSeq<'_, '_>, (), element, finish);

/// Writes the fields of a struct or map into the record's fields of the same names.
pub(super) struct EncodeRecord<'a, 'b> {
    record: &'a crate::dtype::Record,
    out: &'b mut [u8],
    written: Written,
    key: Option<String>,
    /// The field the next key most likely names.
    hint: usize,
}

/// Which fields of a record a struct has written: a bit mask for up to 128 fields (no
/// allocation per record), a vector beyond.
enum Written {
    Mask(u128),
    Many(Vec<bool>),
}

impl Written {
    fn new(n: usize) -> Written {
        if n <= 128 {
            Written::Mask(0)
        } else {
            Written::Many(vec![false; n])
        }
    }

    fn set(&mut self, i: usize) {
        match self {
            Written::Mask(m) => *m |= 1 << i,
            Written::Many(v) => v[i] = true,
        }
    }

    fn get(&self, i: usize) -> bool {
        match self {
            Written::Mask(m) => m >> i & 1 == 1,
            Written::Many(v) => v[i],
        }
    }
}

impl EncodeRecord<'_, '_> {
    fn field<T: ?Sized + Serialize>(&mut self, key: &str, value: &T) -> Result<()> {
        // Structs usually give the fields in the record's order: try the next one first.
        let fields = self.record.fields();
        let hinted = fields
            .get(self.hint)
            .filter(|f| f.name() == key)
            .map(|_| self.hint);
        let Some(i) = hinted.or_else(|| {
            fields
                .iter()
                .position(|f| f.name() == key || f.title() == Some(key))
        }) else {
            let names: Vec<&str> = self.record.fields().iter().map(|f| f.name()).collect();
            return Err(data(format!(
                "`{key}` is not a field of the dtype (its fields: {})",
                names.join(", ")
            )));
        };
        let f = &fields[i];
        self.written.set(i);
        self.hint = i + 1;
        value
            .serialize(Encode {
                dtype: f.dtype(),
                out: &mut self.out[f.offset()..f.end()],
            })
            .map_err(|e| in_field(e, f.name()))
    }

    fn finish(self) -> Result<()> {
        let missing: Vec<&str> = self
            .record
            .fields()
            .iter()
            .enumerate()
            .filter(|(i, f)| !self.written.get(*i) && !f.name().is_empty())
            .map(|(_, f)| f.name())
            .collect();
        if !missing.is_empty() {
            return Err(data(format!(
                "missing field{} {} of the dtype",
                if missing.len() > 1 { "s" } else { "" },
                missing
                    .iter()
                    .map(|m| format!("`{m}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
        Ok(())
    }
}

impl ser::SerializeStruct for EncodeRecord<'_, '_> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: ?Sized + Serialize>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<()> {
        self.field(key, value)
    }
    fn end(self) -> Result<()> {
        self.finish()
    }
}

impl ser::SerializeMap for EncodeRecord<'_, '_> {
    type Ok = ();
    type Error = Error;
    fn serialize_key<T: ?Sized + Serialize>(&mut self, key: &T) -> Result<()> {
        self.key = Some(key.serialize(KeyName)?);
        Ok(())
    }
    fn serialize_value<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<()> {
        let key = self
            .key
            .take()
            .ok_or_else(|| data("a map value without its key"))?;
        self.field(&key, value)
    }
    fn end(self) -> Result<()> {
        self.finish()
    }
}

/// Map keys must be strings: field names.
struct KeyName;

impl Serializer for KeyName {
    type Ok = String;
    type Error = Error;
    type SerializeSeq = Impossible<String, Error>;
    type SerializeTuple = Impossible<String, Error>;
    type SerializeTupleStruct = Impossible<String, Error>;
    type SerializeTupleVariant = Impossible<String, Error>;
    type SerializeMap = Impossible<String, Error>;
    type SerializeStruct = Impossible<String, Error>;
    type SerializeStructVariant = Impossible<String, Error>;

    fn serialize_str(self, v: &str) -> Result<String> {
        Ok(v.to_owned())
    }
    fn serialize_char(self, v: char) -> Result<String> {
        Ok(v.to_string())
    }
    fn serialize_unit_variant(self, _: &'static str, _: u32, v: &'static str) -> Result<String> {
        Ok(v.to_owned())
    }
    fn serialize_newtype_struct<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        v: &T,
    ) -> Result<String> {
        v.serialize(self)
    }
    fn serialize_bool(self, _: bool) -> Result<String> {
        Err(key_error())
    }
    fn serialize_i8(self, _: i8) -> Result<String> {
        Err(key_error())
    }
    fn serialize_i16(self, _: i16) -> Result<String> {
        Err(key_error())
    }
    fn serialize_i32(self, _: i32) -> Result<String> {
        Err(key_error())
    }
    fn serialize_i64(self, _: i64) -> Result<String> {
        Err(key_error())
    }
    fn serialize_u8(self, _: u8) -> Result<String> {
        Err(key_error())
    }
    fn serialize_u16(self, _: u16) -> Result<String> {
        Err(key_error())
    }
    fn serialize_u32(self, _: u32) -> Result<String> {
        Err(key_error())
    }
    fn serialize_u64(self, _: u64) -> Result<String> {
        Err(key_error())
    }
    fn serialize_f32(self, _: f32) -> Result<String> {
        Err(key_error())
    }
    fn serialize_f64(self, _: f64) -> Result<String> {
        Err(key_error())
    }
    fn serialize_bytes(self, _: &[u8]) -> Result<String> {
        Err(key_error())
    }
    fn serialize_none(self) -> Result<String> {
        Err(key_error())
    }
    fn serialize_some<T: ?Sized + Serialize>(self, v: &T) -> Result<String> {
        v.serialize(self)
    }
    fn serialize_unit(self) -> Result<String> {
        Err(key_error())
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<String> {
        Err(key_error())
    }
    fn serialize_newtype_variant<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<String> {
        Err(key_error())
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq> {
        Err(key_error())
    }
    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple> {
        Err(key_error())
    }
    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct> {
        Err(key_error())
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant> {
        Err(key_error())
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap> {
        Err(key_error())
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self::SerializeStruct> {
        Err(key_error())
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant> {
        Err(key_error())
    }
}

fn key_error() -> Error {
    data("map keys must be strings (field names)")
}

impl<'a, 'b> Serializer for Encode<'a, 'b> {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = EncodeSeq<'a, 'b>;
    type SerializeTuple = EncodeSeq<'a, 'b>;
    type SerializeTupleStruct = EncodeSeq<'a, 'b>;
    type SerializeTupleVariant = Impossible<(), Error>;
    type SerializeMap = EncodeRecord<'a, 'b>;
    type SerializeStruct = EncodeRecord<'a, 'b>;
    type SerializeStructVariant = Impossible<(), Error>;

    fn serialize_bool(self, v: bool) -> Result<()> {
        match self.dtype.as_scalar() {
            Some(s) if s.kind() == ScalarKind::Bool => {
                self.out[0] = u8::from(v);
                Ok(())
            }
            _ => Err(self.mismatch(&format!("the bool {v}"))),
        }
    }
    fn serialize_i8(self, v: i8) -> Result<()> {
        self.int(v.into())
    }
    fn serialize_i16(self, v: i16) -> Result<()> {
        self.int(v.into())
    }
    fn serialize_i32(self, v: i32) -> Result<()> {
        self.int(v.into())
    }
    fn serialize_i64(self, v: i64) -> Result<()> {
        self.int(v.into())
    }
    fn serialize_i128(self, v: i128) -> Result<()> {
        self.int(v)
    }
    fn serialize_u8(self, v: u8) -> Result<()> {
        self.int(v.into())
    }
    fn serialize_u16(self, v: u16) -> Result<()> {
        self.int(v.into())
    }
    fn serialize_u32(self, v: u32) -> Result<()> {
        self.int(v.into())
    }
    fn serialize_u64(self, v: u64) -> Result<()> {
        self.int(v.into())
    }
    fn serialize_u128(self, v: u128) -> Result<()> {
        match i128::try_from(v) {
            Ok(v) => self.int(v),
            Err(_) => Err(self.mismatch(&format!("the integer {v}"))),
        }
    }
    fn serialize_f32(self, v: f32) -> Result<()> {
        self.float(v.into())
    }
    fn serialize_f64(self, v: f64) -> Result<()> {
        self.float(v)
    }
    fn serialize_char(self, v: char) -> Result<()> {
        self.text(v.encode_utf8(&mut [0; 4]))
    }
    fn serialize_str(self, v: &str) -> Result<()> {
        self.text(v)
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<()> {
        self.bytes(v)
    }
    fn serialize_none(self) -> Result<()> {
        match self.dtype.as_scalar() {
            Some(s) if s.kind() == ScalarKind::Float => self.float(f64::NAN),
            Some(s) if matches!(s.kind(), ScalarKind::DateTime | ScalarKind::TimeDelta) => {
                i64::MIN.encode(self.out, s.byte_order());
                Ok(())
            }
            _ => Err(data(format!(
                "None can only be stored as NaN or NaT, not in a field of dtype {}",
                self.dtype.typestr()
            ))),
        }
    }
    fn serialize_some<T: ?Sized + Serialize>(self, value: &T) -> Result<()> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<()> {
        Err(self.mismatch("()"))
    }
    fn serialize_unit_struct(self, name: &'static str) -> Result<()> {
        Err(self.mismatch(name))
    }
    fn serialize_unit_variant(
        self,
        _: &'static str,
        index: u32,
        variant: &'static str,
    ) -> Result<()> {
        match self.dtype.as_scalar().map(|s| s.kind()) {
            Some(ScalarKind::Int | ScalarKind::UInt) => self.int(index.into()),
            _ => self.text(variant),
        }
    }
    fn serialize_newtype_struct<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<()> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: ?Sized + Serialize>(
        self,
        name: &'static str,
        _: u32,
        variant: &'static str,
        _: &T,
    ) -> Result<()> {
        Err(unsupported(&format!(
            "the enum variant {name}::{variant} with data"
        )))
    }
    fn serialize_seq(self, len: Option<usize>) -> Result<EncodeSeq<'a, 'b>> {
        self.seq(len)
    }
    fn serialize_tuple(self, len: usize) -> Result<EncodeSeq<'a, 'b>> {
        self.seq(Some(len))
    }
    fn serialize_tuple_struct(self, _: &'static str, len: usize) -> Result<EncodeSeq<'a, 'b>> {
        self.seq(Some(len))
    }
    fn serialize_tuple_variant(
        self,
        name: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant> {
        Err(unsupported(&format!(
            "the enum variant {name}::{variant} with data"
        )))
    }
    fn serialize_map(self, _: Option<usize>) -> Result<EncodeRecord<'a, 'b>> {
        self.serialize_struct("map", 0)
    }
    fn serialize_struct(self, name: &'static str, _: usize) -> Result<EncodeRecord<'a, 'b>> {
        let record = self.dtype.as_record().ok_or_else(|| {
            data(format!(
                "{name} has fields but the dtype {} has none",
                self.dtype.typestr()
            ))
        })?;
        Ok(EncodeRecord {
            record,
            out: self.out,
            written: Written::new(record.fields().len()),
            key: None,
            hint: 0,
        })
    }
    fn serialize_struct_variant(
        self,
        name: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant> {
        Err(unsupported(&format!(
            "the enum variant {name}::{variant} with data"
        )))
    }
}
