//! What `dtinspect FILE` reports about an array: shape, strides, flags, every leaf field as
//! a view, and optionally the first records' values. Built from any [`ArrayView`], so raw
//! dumps, mapped files and (later) `.npy` data share it.

use serde::Serialize;

use super::{DTypeJson, FieldJson};
use crate::array::{ArrayView, Flags, Layout, Order, Value};

/// What `--format` found: the layout file's name, the decoded header and where the records
/// are.
#[derive(Debug, Clone, Serialize)]
pub struct FormatJson {
    /// The format's name (`stl`).
    pub name: String,
    /// Bytes of the header at the start of the file (0 without one).
    pub header_size: u64,
    /// The decoded header, serialized as `values` are; `null` without a header.
    #[serde(serialize_with = "header_json")]
    pub header: Option<Value>,
    /// Byte offset of the first record.
    pub offset: u64,
    /// Number of records.
    pub count: u64,
}

impl FormatJson {
    /// Describe a placed format.
    pub fn new(format: &crate::format::Format, p: &crate::format::Placement) -> FormatJson {
        FormatJson {
            name: format.name().to_owned(),
            header_size: p.header_size,
            header: p.header.clone(),
            offset: p.offset,
            count: p.count,
        }
    }
}

fn header_json<S: serde::Serializer>(v: &Option<Value>, s: S) -> Result<S::Ok, S::Error> {
    v.as_ref().map(value_json).serialize(s)
}

/// The JSON of `dtinspect FILE --json` (shared/CLI.md).
#[derive(Debug, Clone, Serialize)]
pub struct ArrayJson {
    /// `raw`, `npy` or `npz-member`.
    pub kind: &'static str,
    /// The `.npy` format version (`"1.0"`), for `.npy` data.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// The `.npy` `HEADER_LEN` field, for `.npy` data.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub header_len: Option<usize>,
    /// Byte offset of the first record in the file.
    pub data_offset: u64,
    /// Array shape.
    pub shape: Vec<usize>,
    /// `"C"` or `"F"`: the memory order of the data.
    pub order: Order,
    /// Byte strides of the array axes.
    pub strides: Vec<isize>,
    /// Bytes per record.
    pub itemsize: usize,
    /// Bytes of record data.
    pub nbytes: u64,
    /// Bytes after the last record that the array does not cover (raw dumps).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trailing_bytes: Option<u64>,
    /// The layout file that placed the records (`--format`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub format: Option<FormatJson>,
    /// The record dtype.
    pub dtype: DTypeJson,
    /// NumPy's flags.
    pub flags: Flags,
    /// Every leaf field as a view: the array shape then the subarray shape, the array
    /// strides then the subarray's strides.
    pub fields: Vec<FieldJson>,
    /// The first records (`--head N`): a record as an object, a subarray as nested lists,
    /// bytes and unicode as strings, NaN and infinities as `"nan"`, `"inf"`, `"-inf"`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub values: Option<Vec<serde_json::Value>>,
}

impl ArrayJson {
    /// Describe `view`, whose first element is `data_offset` bytes into its file.
    pub fn new(kind: &'static str, view: &ArrayView<'_>, data_offset: u64) -> ArrayJson {
        Self::from_parts(kind, view.layout(), view.flags(), data_offset)
    }

    /// Describe an array from its layout alone (an `.npz` member not yet decompressed),
    /// with the flags it will have once loaded.
    pub fn from_layout(kind: &'static str, layout: &Layout, data_offset: u64) -> ArrayJson {
        let flags = Flags {
            c_contiguous: layout.is_c_contiguous(),
            f_contiguous: layout.is_f_contiguous(),
            aligned: true,
            writeable: true,
            owndata: true,
        };
        Self::from_parts(kind, layout, flags, data_offset)
    }

    fn from_parts(
        kind: &'static str,
        layout: &Layout,
        flags: Flags,
        data_offset: u64,
    ) -> ArrayJson {
        let dt = layout.dtype();
        let fields = dt
            .leaf_fields()
            .into_iter()
            .map(|l| {
                let mut shape = layout.shape().to_vec();
                shape.extend_from_slice(&l.shape);
                let mut strides = layout.strides().to_vec();
                strides.extend(l.strides.iter().map(|&s| s as isize));
                FieldJson {
                    nbytes: l.count() * l.dtype.size(),
                    itemsize: l.dtype.size(),
                    dtype: l.dtype.typestr(),
                    path: l.path,
                    offset: l.offset,
                    shape,
                    strides,
                    title: l.title,
                }
            })
            .collect();
        ArrayJson {
            kind,
            version: None,
            header_len: None,
            data_offset,
            shape: layout.shape().to_vec(),
            order: if flags.c_contiguous || !flags.f_contiguous {
                Order::C
            } else {
                Order::F
            },
            strides: layout.strides().to_vec(),
            itemsize: dt.itemsize(),
            nbytes: (layout.len() * dt.itemsize()) as u64,
            trailing_bytes: None,
            format: None,
            dtype: DTypeJson::new(dt),
            flags,
            fields,
            values: None,
        }
    }

    /// Add the first `n` elements (C order) as JSON values.
    pub fn with_head(mut self, view: &ArrayView<'_>, n: usize) -> ArrayJson {
        self.values = Some(view.values().take(n).map(|v| value_json(&v)).collect());
        self
    }
}

fn float_json(v: f64) -> serde_json::Value {
    if v.is_nan() {
        "nan".into()
    } else if v.is_infinite() {
        if v > 0.0 {
            "inf".into()
        } else {
            "-inf".into()
        }
    } else {
        serde_json::Number::from_f64(v).map_or(serde_json::Value::Null, serde_json::Value::Number)
    }
}

/// A [`Value`] as JSON, encoded as shared/CLI.md's `values`.
pub fn value_json(v: &Value) -> serde_json::Value {
    use serde_json::Value as J;
    match v {
        Value::Bool(b) => J::Bool(*b),
        Value::Int(i) => J::from(*i),
        Value::UInt(u) => J::from(*u),
        Value::Float(f) => float_json(*f),
        // Through the shortest f32 digits, so that 0.1f32 is 0.1 in JSON, not 0.10000000149.
        Value::Float32(f) => float_json(
            crate::array::element::fmt_float32(*f)
                .parse()
                .unwrap_or(f64::from(*f)),
        ),
        Value::Complex(re, im) => J::Array(vec![float_json(*re), float_json(*im)]),
        // Dates as NumPy prints them (ISO 8601), durations as counts of their unit.
        Value::DateTime(t, u) => t.map_or(J::from("NaT"), |t| {
            J::from(crate::datetime::format_datetime(t, *u))
        }),
        Value::TimeDelta(t, _) => t.map_or(J::from("NaT"), J::from),
        // Bytes map one-to-one onto Latin-1 characters, so nothing is lost.
        Value::Bytes(b) | Value::Void(b) => J::String(b.iter().map(|&c| c as char).collect()),
        Value::Str(s) => J::String(s.clone()),
        Value::Object => J::Null,
        Value::Record(fields) => J::Object(
            fields
                .iter()
                .map(|(k, v)| (k.clone(), value_json(v)))
                .collect(),
        ),
        Value::Array(items) => J::Array(items.iter().map(value_json).collect()),
    }
}

/// JSON lines: one line per element along the first axis (a record as an object, a row of
/// a plain array as a list, nested for more dimensions); a 0-d array is one line.
///
/// # Errors
/// Write errors.
pub fn write_jsonl(out: &mut dyn std::io::Write, view: &ArrayView<'_>) -> std::io::Result<()> {
    let shape = view.shape().to_vec();
    let per: usize = crate::array::layout::shape_size(shape.get(1..).unwrap_or(&[]));
    let mut values = view.values();
    let lines = if shape.is_empty() { 1 } else { shape[0] };
    for _ in 0..lines {
        let flat: Vec<serde_json::Value> = values
            .by_ref()
            .take(if shape.is_empty() { 1 } else { per })
            .map(|v| value_json(&v))
            .collect();
        let line = if shape.len() <= 1 {
            flat.into_iter().next().unwrap_or(serde_json::Value::Null)
        } else {
            nest_json(flat, &shape[1..])
        };
        serde_json::to_writer(&mut *out, &line)?;
        out.write_all(b"\n")?;
    }
    Ok(())
}

/// Flat values in C order as nested lists of `shape`; a shape with no elements is one
/// empty list (as element values are: `(1000000000, 0)` must not build a billion lists).
fn nest_json(flat: Vec<serde_json::Value>, shape: &[usize]) -> serde_json::Value {
    if shape.contains(&0) {
        return serde_json::Value::Array(Vec::new());
    }
    match shape {
        [] | [_] => serde_json::Value::Array(flat),
        [_, rest @ ..] => {
            let per: usize = crate::array::layout::shape_size(rest).max(1);
            let mut it = flat.into_iter();
            let rows = (0..shape[0])
                .map(|_| nest_json(it.by_ref().take(per).collect(), rest))
                .collect();
            serde_json::Value::Array(rows)
        }
    }
}

/// A value as a table cell: NumPy's repr, elided in the middle past `width` characters.
pub fn cell(v: &Value, width: usize) -> String {
    let s = v.to_string();
    let n = s.chars().count();
    if n <= width || width < 5 {
        return s;
    }
    let keep = width - 1;
    let head: String = s.chars().take(keep - keep / 3).collect();
    let tail: String = s.chars().skip(n - keep / 3).collect();
    format!("{head}…{tail}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dtype::DType;
    use crate::raw::{from_bytes, RawOptions};

    #[test]
    fn json_of_a_fortran_dump_with_values() {
        let dt = DType::parse("[('a','<i2'),('b','<f4',(2,))]").unwrap();
        let mut bytes = Vec::new();
        for i in 0..6i16 {
            bytes.extend(i.to_le_bytes());
            bytes.extend((f32::from(i) * 0.5).to_le_bytes());
            bytes.extend(f32::NAN.to_le_bytes());
        }
        let opts = RawOptions::new(dt).shape(&[2, -1]).order(Order::F);
        let view = from_bytes(&bytes, &opts).unwrap();
        let j = ArrayJson::new("raw", &view, 0).with_head(&view, 2);
        assert_eq!(j.shape, vec![2, 3]);
        assert_eq!(j.strides, vec![10, 20]);
        assert_eq!(j.order, Order::F);
        assert_eq!(j.fields[1].shape, vec![2, 3, 2]);
        assert_eq!(j.fields[1].strides, vec![10, 20, 4]);
        let v = serde_json::to_value(&j).unwrap();
        assert_eq!(
            v["values"][1],
            serde_json::json!({"a": 2, "b": [1.0, "nan"]})
        );
        assert_eq!(v["flags"]["f_contiguous"], true);
    }

    #[test]
    fn long_cells_are_elided() {
        let v = Value::Array((0..100).map(Value::Int).collect());
        let c = cell(&v, 20);
        assert_eq!(c.chars().count(), 20);
        assert!(
            c.starts_with("[0, 1, 2") && c.ends_with(", 99]") && c.contains('…'),
            "{c}"
        );
    }

    /// Rows of an array whose trailing axes hold nothing are one empty list each, however
    /// long the axes before the zero.
    #[test]
    fn json_lines_of_empty_rows_stay_small() {
        let a = crate::Array::from_bytes(
            &[],
            crate::DType::parse("<f8").unwrap(),
            &[3, 1_000_000_000, 0],
            crate::Order::C,
        )
        .unwrap();
        let mut out = Vec::new();
        write_jsonl(&mut out, &a.view()).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), "[]\n[]\n[]\n");
    }
}
