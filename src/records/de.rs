//! Records into Rust values: a serde `Deserializer` over one element's bytes.
//!
//! Nothing is decoded ahead of time: each field is decoded from its bytes, in its byte
//! order, when the target type asks for it, and fields the target does not name are never
//! touched. `S` fields and `V` fields lend their bytes (`&'de [u8]`, `&'de str`) when the
//! target borrows.

use serde::de::{
    self, DeserializeSeed, Deserializer, IntoDeserializer, MapAccess, SeqAccess, Visitor,
};

use crate::array::Element;
use crate::dtype::{ByteOrder, DType, Record, Scalar, ScalarKind};
use crate::error::{Error, ErrorKind, Result};

impl de::Error for Error {
    fn custom<T: std::fmt::Display>(msg: T) -> Self {
        Error::new(ErrorKind::Data, msg.to_string())
    }
}

impl serde::ser::Error for Error {
    fn custom<T: std::fmt::Display>(msg: T) -> Self {
        Error::new(ErrorKind::Data, msg.to_string())
    }
}

/// Prefix an error's message with the field it happened in (`position.az: ...`), so the
/// message of an error deep in a nested record names the whole path.
pub(super) fn in_field(err: Error, name: &str) -> Error {
    let msg = err.message();
    let (path, rest) = match msg.strip_prefix("field `") {
        Some(tail) => match tail.split_once("`: ") {
            Some((inner, rest)) => (format!("{name}.{inner}"), rest.to_owned()),
            None => (name.to_owned(), msg.to_owned()),
        },
        None => (name.to_owned(), msg.to_owned()),
    };
    err.with_message(format!("field `{path}`: {rest}"))
}

/// A serde deserializer of one element: `dtype` over exactly `dtype.itemsize()` bytes.
pub(super) struct ElementDeserializer<'a, 'de> {
    pub(super) dtype: &'a DType,
    pub(super) bytes: &'de [u8],
}

impl<'a, 'de> ElementDeserializer<'a, 'de> {
    fn scalar(&self) -> Option<&'a Scalar> {
        self.dtype.as_scalar()
    }

    fn mismatch(&self, expected: &str) -> Error {
        Error::new(
            ErrorKind::Data,
            format!(
                "a field of dtype {} cannot become {expected}",
                self.dtype.typestr()
            ),
        )
    }

    /// The bytes of an `S` field without its trailing NULs, as NumPy returns them.
    fn trimmed(&self) -> &'de [u8] {
        let b = self.bytes;
        let end = b.iter().rposition(|&c| c != 0).map_or(0, |p| p + 1);
        &b[..end]
    }

    fn unicode(&self, s: &Scalar) -> Result<String> {
        let mut out = String::with_capacity(s.size() / 4);
        for c in self.bytes.chunks_exact(4) {
            let cp = u32::decode(c, s.byte_order());
            if cp == 0 {
                // NumPy strips trailing NULs; an embedded NUL followed by text is kept.
                out.push('\0');
                continue;
            }
            out.push(char::from_u32(cp).ok_or_else(|| {
                Error::new(
                    ErrorKind::Data,
                    format!("U field holds {cp:#x}, which is not a Unicode scalar value"),
                )
            })?);
        }
        let end = out.trim_end_matches('\0').len();
        out.truncate(end);
        Ok(out)
    }

    /// The record dtype; `what` (formatted only on error) names the target type.
    fn record_of(&self, what: impl FnOnce() -> String) -> Result<&'a Record> {
        self.dtype.as_record().ok_or_else(|| {
            Error::new(
                ErrorKind::Data,
                format!(
                    "{} needs a record, but the dtype is {}",
                    what(),
                    self.dtype.typestr()
                ),
            )
        })
    }
}

fn float(bytes: &[u8], order: ByteOrder) -> f64 {
    match crate::array::element::decode_scalar(
        &Scalar::new(ScalarKind::Float, bytes.len(), order).expect("float sizes are valid"),
        bytes,
    ) {
        crate::Value::Float(v) => v,
        crate::Value::Float32(v) => f64::from(v),
        _ => unreachable!("decode_scalar of a float scalar is a float"),
    }
}

fn visit_scalar<'de, V: Visitor<'de>>(
    d: &ElementDeserializer<'_, 'de>,
    s: &Scalar,
    visitor: V,
) -> Result<V::Value> {
    let (b, o) = (d.bytes, s.byte_order());
    match (s.kind(), s.size()) {
        (ScalarKind::Bool, _) => visitor.visit_bool(b[0] != 0),
        (ScalarKind::Int, 1) => visitor.visit_i8(b[0] as i8),
        (ScalarKind::Int, 2) => visitor.visit_i16(i16::decode(b, o)),
        (ScalarKind::Int, 4) => visitor.visit_i32(i32::decode(b, o)),
        (ScalarKind::Int, _) => visitor.visit_i64(i64::decode(b, o)),
        (ScalarKind::UInt, 1) => visitor.visit_u8(b[0]),
        (ScalarKind::UInt, 2) => visitor.visit_u16(u16::decode(b, o)),
        (ScalarKind::UInt, 4) => visitor.visit_u32(u32::decode(b, o)),
        (ScalarKind::UInt, _) => visitor.visit_u64(u64::decode(b, o)),
        (ScalarKind::Float, 4) => visitor.visit_f32(f32::decode(b, o)),
        (ScalarKind::Float, 2) => visitor.visit_f32(float(b, o) as f32),
        (ScalarKind::Float, _) => visitor.visit_f64(float(b, o)),
        (ScalarKind::Complex, n) => {
            let h = n / 2;
            visitor.visit_seq(Floats {
                parts: [float(&b[..h], o), float(&b[h..], o)],
                next: 0,
            })
        }
        (ScalarKind::DateTime | ScalarKind::TimeDelta, _) => visitor.visit_i64(i64::decode(b, o)),
        (ScalarKind::Bytes, _) => visitor.visit_borrowed_bytes(d.trimmed()),
        (ScalarKind::Unicode, _) => visitor.visit_string(d.unicode(s)?),
        (ScalarKind::Void, _) => visitor.visit_borrowed_bytes(b),
        (ScalarKind::Object, _) => Err(Error::new(
            ErrorKind::Unsupported,
            "object fields ('O') hold Python pointers and cannot be read",
        )),
    }
}

const NAT: i64 = i64::MIN;

impl<'de> Deserializer<'de> for ElementDeserializer<'_, 'de> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match self.dtype {
            DType::Scalar(s) => visit_scalar(&self, s, visitor),
            DType::Subarray(sub) => {
                visitor.visit_seq(SubarraySeq::new(sub.base(), sub.shape(), self.bytes))
            }
            DType::Record(r) => visitor.visit_map(RecordMap {
                record: r,
                bytes: self.bytes,
                names: Names::All(0),
                current: None,
            }),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        if let Some(s) = self.scalar() {
            if matches!(s.kind(), ScalarKind::DateTime | ScalarKind::TimeDelta)
                && i64::decode(self.bytes, s.byte_order()) == NAT
            {
                return visitor.visit_none();
            }
        }
        visitor.visit_some(self)
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match self.scalar().map(|s| (s, s.kind())) {
            Some((_, ScalarKind::Bytes)) => {
                let b = self.trimmed();
                match std::str::from_utf8(b) {
                    Ok(s) => visitor.visit_borrowed_str(s),
                    Err(e) => Err(Error::new(
                        ErrorKind::Data,
                        format!(
                            "S field is not UTF-8 (byte {} of {:?}); read it as bytes",
                            e.valid_up_to(),
                            crate::array::element::py_bytes_repr(b)
                        ),
                    )),
                }
            }
            Some((s, ScalarKind::DateTime)) => {
                let v = i64::decode(self.bytes, s.byte_order());
                visitor.visit_string(crate::datetime::format_datetime(v, s.datetime_unit()))
            }
            Some((s, ScalarKind::TimeDelta)) => {
                let v = i64::decode(self.bytes, s.byte_order());
                visitor.visit_string(crate::datetime::format_timedelta(v, s.datetime_unit()))
            }
            _ => self.deserialize_any(visitor),
        }
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_str(visitor)
    }

    fn deserialize_char<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match self.scalar() {
            Some(s) if s.kind() == ScalarKind::Unicode => {
                let text = self.unicode(s)?;
                let mut chars = text.chars();
                match (chars.next(), chars.next()) {
                    (Some(c), None) => visitor.visit_char(c),
                    _ => Err(Error::new(
                        ErrorKind::Data,
                        format!("a char needs exactly one character, the field holds {text:?}"),
                    )),
                }
            }
            _ => self.deserialize_str(visitor),
        }
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match self.dtype {
            // A subarray of bytes (`('raw', 'u1', (16,))`) lends its bytes too.
            DType::Subarray(sub)
                if sub
                    .base()
                    .as_scalar()
                    .is_some_and(|s| s.size() == 1 && s.kind() != ScalarKind::Bool) =>
            {
                visitor.visit_borrowed_bytes(self.bytes)
            }
            _ => self.deserialize_any(visitor),
        }
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_bytes(visitor)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match self.scalar().map(|s| s.kind()) {
            // `Vec<u8>` asks for a sequence: give it the bytes of an `S` or `V` field.
            Some(ScalarKind::Bytes) => visitor.visit_seq(de::value::SeqDeserializer::new(
                self.trimmed().iter().copied(),
            )),
            Some(ScalarKind::Void) => {
                visitor.visit_seq(de::value::SeqDeserializer::new(self.bytes.iter().copied()))
            }
            _ => self.deserialize_any(visitor),
        }
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        visitor.visit_unit()
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value> {
        visitor.visit_unit()
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_tuple<V: Visitor<'de>>(self, len: usize, visitor: V) -> Result<V::Value> {
        match self.dtype {
            DType::Subarray(sub) if sub.shape()[0] != len => Err(Error::new(
                ErrorKind::Data,
                format!(
                    "the subarray has {} elements along its first axis (shape {:?}), the Rust \
                     type has {len}",
                    sub.shape()[0],
                    sub.shape()
                ),
            )),
            DType::Record(r) => visitor.visit_seq(RecordSeq {
                record: r,
                bytes: self.bytes,
                next: 0,
            }),
            _ => self.deserialize_any(visitor),
        }
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        len: usize,
        visitor: V,
    ) -> Result<V::Value> {
        self.deserialize_tuple(len, visitor)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value> {
        let record = self.record_of(|| format!("struct {name}"))?;
        visitor
            .visit_map(RecordMap {
                record,
                bytes: self.bytes,
                names: Names::Requested(fields, 0),
                current: None,
            })
            .map_err(|e| {
                if e.message().starts_with("missing field") {
                    let have: Vec<&str> = record.fields().iter().map(|f| f.name()).collect();
                    let msg = format!("{} (the record has {})", e.message(), have.join(", "));
                    e.with_message(msg)
                } else {
                    e
                }
            })
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value> {
        match self.scalar().map(|s| s.kind()) {
            Some(ScalarKind::Bytes) | Some(ScalarKind::Unicode) => {
                let text = match self.scalar() {
                    Some(s) if s.kind() == ScalarKind::Unicode => self.unicode(s)?,
                    _ => String::from_utf8_lossy(self.trimmed()).into_owned(),
                };
                let d: de::value::StringDeserializer<Error> = text.into_deserializer();
                visitor.visit_enum(d)
            }
            Some(ScalarKind::Int | ScalarKind::UInt | ScalarKind::Bool) => {
                let index = match crate::array::element::decode(self.dtype, self.bytes) {
                    crate::Value::Int(v) => u32::try_from(v).ok(),
                    crate::Value::UInt(v) => u32::try_from(v).ok(),
                    crate::Value::Bool(v) => Some(u32::from(v)),
                    _ => None,
                };
                let index = index.ok_or_else(|| {
                    Error::new(
                        ErrorKind::Data,
                        format!("a negative or huge integer is not a variant index of {name}"),
                    )
                })?;
                visitor.visit_enum(index.into_deserializer())
            }
            _ => Err(self.mismatch(&format!("enum {name}"))),
        }
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        visitor.visit_unit()
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 map identifier
    }
}

/// The two parts of a complex number, as a sequence.
struct Floats {
    parts: [f64; 2],
    next: usize,
}

impl<'de> SeqAccess<'de> for Floats {
    type Error = Error;

    fn next_element_seed<S: DeserializeSeed<'de>>(&mut self, seed: S) -> Result<Option<S::Value>> {
        let Some(&v) = self.parts.get(self.next) else {
            return Ok(None);
        };
        self.next += 1;
        seed.deserialize(v.into_deserializer()).map(Some)
    }

    fn size_hint(&self) -> Option<usize> {
        Some(2 - self.next)
    }
}

/// The elements of a subarray along its first axis; each is a base element or, for more
/// dimensions, a subarray of the rest.
struct SubarraySeq<'a, 'de> {
    base: &'a DType,
    rest: &'a [usize],
    len: usize,
    step: usize,
    bytes: &'de [u8],
    next: usize,
}

impl<'a, 'de> SubarraySeq<'a, 'de> {
    fn new(base: &'a DType, shape: &'a [usize], bytes: &'de [u8]) -> Self {
        // A shape with no elements is one empty sequence: `(1000000000, 0)` would otherwise
        // visit a billion empty sequences of nothing (as `Value` decoding does, too).
        let (len, rest) = if shape.contains(&0) {
            (0, &shape[..0])
        } else {
            (shape[0], &shape[1..])
        };
        let step = base.itemsize() * crate::array::layout::shape_size(rest);
        SubarraySeq {
            base,
            rest,
            len,
            step,
            bytes,
            next: 0,
        }
    }
}

impl<'de> SeqAccess<'de> for SubarraySeq<'_, 'de> {
    type Error = Error;

    fn next_element_seed<S: DeserializeSeed<'de>>(&mut self, seed: S) -> Result<Option<S::Value>> {
        if self.next >= self.len {
            return Ok(None);
        }
        let i = self.next;
        self.next += 1;
        let bytes = &self.bytes[i * self.step..(i + 1) * self.step];
        let out = if self.rest.is_empty() {
            seed.deserialize(ElementDeserializer {
                dtype: self.base,
                bytes,
            })
        } else {
            seed.deserialize(SubarrayDeserializer {
                seq: SubarraySeq::new(self.base, self.rest, bytes),
            })
        };
        out.map(Some).map_err(|e| in_field(e, &format!("[{i}]")))
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.len - self.next)
    }
}

/// The inner axes of a multi-dimensional subarray.
struct SubarrayDeserializer<'a, 'de> {
    seq: SubarraySeq<'a, 'de>,
}

impl<'de> Deserializer<'de> for SubarrayDeserializer<'_, 'de> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        visitor.visit_seq(self.seq)
    }

    fn deserialize_tuple<V: Visitor<'de>>(self, len: usize, visitor: V) -> Result<V::Value> {
        if self.seq.len != len {
            return Err(Error::new(
                ErrorKind::Data,
                format!(
                    "the subarray has {} elements along this axis, the Rust type has {len}",
                    self.seq.len
                ),
            ));
        }
        visitor.visit_seq(self.seq)
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        let byte_like = self
            .seq
            .base
            .as_scalar()
            .is_some_and(|s| s.size() == 1 && s.kind() != ScalarKind::Bool);
        if byte_like && self.seq.rest.is_empty() {
            visitor.visit_borrowed_bytes(self.seq.bytes)
        } else {
            visitor.visit_seq(self.seq)
        }
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_bytes(visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        visitor.visit_some(self)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        visitor.visit_unit()
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        unit unit_struct seq tuple_struct map struct enum identifier
    }
}

/// Which fields a record map yields: all of them (for maps and `deserialize_any`), or the
/// ones a struct asks for, in the struct's order (the others are never decoded).
enum Names {
    All(usize),
    Requested(&'static [&'static str], usize),
}

struct RecordMap<'a, 'de> {
    record: &'a Record,
    bytes: &'de [u8],
    names: Names,
    current: Option<&'a crate::dtype::Field>,
}

impl<'de> MapAccess<'de> for RecordMap<'_, 'de> {
    type Error = Error;

    fn next_key_seed<K: de::DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>> {
        let field = loop {
            match &mut self.names {
                Names::All(i) => {
                    let Some(f) = self.record.fields().get(*i) else {
                        return Ok(None);
                    };
                    *i += 1;
                    break f;
                }
                Names::Requested(names, i) => {
                    let Some(name) = names.get(*i) else {
                        return Ok(None);
                    };
                    *i += 1;
                    // Structs usually name the fields in the record's order: try the field
                    // at the same position before searching by name.
                    let fields = self.record.fields();
                    if let Some(f) = fields.get(*i - 1).filter(|f| f.name() == *name) {
                        break f;
                    }
                    // A name the record lacks is left out: serde then reports the missing
                    // field, or gives `None` for an `Option`.
                    if let Some(f) = self.record.field(name) {
                        break f;
                    }
                }
            }
        };
        self.current = Some(field);
        let key: de::value::StrDeserializer<'_, Error> = field.name().into_deserializer();
        seed.deserialize(key).map(Some)
    }

    fn next_value_seed<V: de::DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value> {
        let f = self.current.take().ok_or_else(|| {
            Error::new(ErrorKind::Argument, "a record value asked before its key")
        })?;
        seed.deserialize(ElementDeserializer {
            dtype: f.dtype(),
            bytes: &self.bytes[f.offset()..f.end()],
        })
        .map_err(|e| in_field(e, f.name()))
    }

    fn size_hint(&self) -> Option<usize> {
        match self.names {
            Names::All(i) => Some(self.record.fields().len() - i),
            Names::Requested(names, i) => Some(names.len() - i),
        }
    }
}

/// A record read as a tuple: its fields in order.
struct RecordSeq<'a, 'de> {
    record: &'a Record,
    bytes: &'de [u8],
    next: usize,
}

impl<'de> SeqAccess<'de> for RecordSeq<'_, 'de> {
    type Error = Error;

    fn next_element_seed<S: DeserializeSeed<'de>>(&mut self, seed: S) -> Result<Option<S::Value>> {
        let Some(f) = self.record.fields().get(self.next) else {
            return Ok(None);
        };
        self.next += 1;
        seed.deserialize(ElementDeserializer {
            dtype: f.dtype(),
            bytes: &self.bytes[f.offset()..f.end()],
        })
        .map(Some)
        .map_err(|e| in_field(e, f.name()))
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.record.fields().len() - self.next)
    }
}
