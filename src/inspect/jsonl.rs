//! JSON lines into records of a dtype: the inverse of `dtconvert`'s `.jsonl` output. A
//! record is an object keyed by field name (nested objects for nested records, lists for
//! subarrays) or a list of its fields in order; a plain dtype takes a number (or string,
//! or `true`/`false`) a line, or a list a line for a 2-D array.

use std::io::BufRead;

use serde_json::Value as J;

use crate::array::{AlignedBuf, Array, Layout};
use crate::dtype::{DType, Scalar, ScalarKind};
use crate::error::{Error, ErrorKind, Location, Result};
use crate::Order;

/// Read JSON lines from `reader` into an array of `dtype`. Blank lines are skipped.
///
/// # Errors
/// Invalid JSON, a value that does not fit its field, a missing or unknown key, rows of
/// different lengths: at the line, naming the field.
pub fn read_jsonl(reader: impl BufRead, dtype: &DType) -> Result<Array> {
    let itemsize = dtype.itemsize();
    let mut data: Vec<u8> = Vec::new();
    let mut rows = 0usize;
    let mut row_shape: Option<Vec<usize>> = None;
    for (k, line) in reader.lines().enumerate() {
        let line = line?;
        let at = |message: String| {
            Error::new(ErrorKind::Data, message).at(Location::Line {
                line: k as u64 + 1,
                column: 1,
            })
        };
        if line.trim().is_empty() {
            continue;
        }
        let v: J = serde_json::from_str(&line).map_err(|e| {
            Error::new(ErrorKind::Data, format!("not JSON: {e}")).at(Location::Line {
                line: k as u64 + 1,
                column: e.column() as u64,
            })
        })?;
        if dtype.has_fields() {
            let start = data.len();
            data.resize(start + itemsize, 0);
            encode(dtype, &v, &mut data[start..], "").map_err(at)?;
        } else {
            // A plain dtype: a value, or (nested) lists of the same shape on every line.
            let shape = list_shape(&v);
            match &row_shape {
                None => row_shape = Some(shape.clone()),
                Some(s) if *s != shape => {
                    return Err(at(format!(
                        "a row of shape {shape:?} after rows of shape {s:?}"
                    )))
                }
                Some(_) => {}
            }
            let n: usize = crate::array::layout::shape_size(&shape);
            let start = data.len();
            data.resize(start + n * itemsize, 0);
            let mut flat = Vec::with_capacity(n);
            flatten(&v, &mut flat);
            for (j, x) in flat.iter().enumerate() {
                encode(
                    dtype,
                    x,
                    &mut data[start + j * itemsize..start + (j + 1) * itemsize],
                    "",
                )
                .map_err(at)?;
            }
        }
        rows += 1;
    }
    let mut shape = vec![rows];
    shape.extend(row_shape.unwrap_or_default());
    let layout = Layout::contiguous(dtype.clone(), &shape, Order::C)?;
    Array::from_parts(AlignedBuf::from_bytes(&data), layout)
}

fn list_shape(v: &J) -> Vec<usize> {
    match v {
        J::Array(items) => {
            let mut s = vec![items.len()];
            if let Some(first) = items.first() {
                s.extend(list_shape(first));
            }
            s
        }
        _ => Vec::new(),
    }
}

fn flatten<'a>(v: &'a J, out: &mut Vec<&'a J>) {
    match v {
        J::Array(items) => items.iter().for_each(|x| flatten(x, out)),
        other => out.push(other),
    }
}

/// Write `v` as an element of `dtype` into `out` (zeroed, `dtype.itemsize()` bytes).
fn encode(dtype: &DType, v: &J, out: &mut [u8], path: &str) -> std::result::Result<(), String> {
    if let Some(rec) = dtype.as_record() {
        let fields = rec.fields();
        match v {
            J::Object(map) => {
                for key in map.keys() {
                    if !fields.iter().any(|f| f.name() == key) {
                        return Err(format!("no field {:?} in the dtype", join(path, key)));
                    }
                }
                for f in fields {
                    let p = join(path, f.name());
                    let x = map
                        .get(f.name())
                        .ok_or_else(|| format!("field {p:?} is missing"))?;
                    let off = f.offset();
                    encode(f.dtype(), x, &mut out[off..off + f.dtype().itemsize()], &p)?;
                }
            }
            J::Array(items) if items.len() == fields.len() => {
                for (f, x) in fields.iter().zip(items) {
                    let off = f.offset();
                    encode(
                        f.dtype(),
                        x,
                        &mut out[off..off + f.dtype().itemsize()],
                        &join(path, f.name()),
                    )?;
                }
            }
            other => {
                return Err(format!(
                    "{}: expected an object of {} fields, got {}",
                    shown(path),
                    fields.len(),
                    kind(other)
                ))
            }
        }
        return Ok(());
    }
    if let Some(sub) = dtype.as_subarray() {
        let (base, shape) = (sub.base(), sub.shape());
        let n: usize = crate::array::layout::shape_size(shape);
        let mut flat = Vec::with_capacity(n);
        flatten(v, &mut flat);
        if list_shape(v) != shape {
            return Err(format!(
                "{}: expected a list of shape {shape:?}, got {}",
                shown(path),
                kind(v)
            ));
        }
        let size = base.itemsize();
        for (j, x) in flat.iter().enumerate() {
            encode(base, x, &mut out[j * size..(j + 1) * size], path)?;
        }
        return Ok(());
    }
    let Some(s) = dtype.as_scalar() else {
        return Err(format!("{}: unsupported dtype {dtype}", shown(path)));
    };
    scalar(s, v, out).map_err(|why| format!("{}: {why}", shown(path)))
}

fn scalar(s: &Scalar, v: &J, out: &mut [u8]) -> std::result::Result<(), String> {
    let text: String = match (s.kind(), v) {
        (ScalarKind::Bool, J::Bool(b)) => u8::from(*b).to_string(),
        (ScalarKind::DateTime | ScalarKind::TimeDelta, J::Number(n)) if n.is_i64() => {
            // A count of the unit.
            let x = n.as_i64().unwrap_or(0);
            crate::text::convert_field_int(out, i128::from(x), s.byte_order());
            return Ok(());
        }
        (ScalarKind::Complex, J::Array(parts)) if parts.len() == 2 => {
            let part = |x: &J| match x {
                J::Number(n) => Ok(n.to_string()),
                J::String(t) => Ok(t.clone()),
                other => Err(format!("expected a number, got {}", kind(other))),
            };
            let (re, im) = (part(&parts[0])?, part(&parts[1])?);
            let im = if im.starts_with('-') {
                im
            } else {
                format!("+{im}")
            };
            format!("({re}{im}j)")
        }
        (_, J::Number(n)) => n.to_string(),
        (_, J::String(t)) => t.clone(),
        (_, J::Bool(b)) => u8::from(*b).to_string(),
        (_, other) => return Err(format!("expected a {}, got {}", s.name(), kind(other))),
    };
    crate::text::convert_field(s, &text, out)
        .map_err(|()| format!("{text:?} is not a value of {}", s.name()))
}

fn kind(v: &J) -> &'static str {
    match v {
        J::Null => "null",
        J::Bool(_) => "a boolean",
        J::Number(_) => "a number",
        J::String(_) => "a string",
        J::Array(_) => "a list",
        J::Object(_) => "an object",
    }
}

fn join(path: &str, name: &str) -> String {
    if path.is_empty() {
        name.to_owned()
    } else {
        format!("{path}.{name}")
    }
}

fn shown(path: &str) -> String {
    if path.is_empty() {
        "the value".to_owned()
    } else {
        format!("field {path:?}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_round_trip_through_json_lines() {
        let dt = DType::parse(
            "[('t','<u8'),('p',[('az','<f4'),('el','>f8')]),('s','<i2',(2,)),('w','S3'),('d','<M8[s]'),('c','<c16'),('b','?')]",
        )
        .unwrap();
        let text = concat!(
            "{\"t\":1,\"p\":{\"az\":0.5,\"el\":-2.0},\"s\":[3,-4],\"w\":\"abc\",\"d\":\"2024-01-02T03:04:05\",\"c\":[1.0,-2.0],\"b\":true}\n",
            "\n",
            "[2,[\"nan\",\"inf\"],[5,6],\"xy\",\"NaT\",[0,0],false]\n",
        );
        let a = read_jsonl(text.as_bytes(), &dt).unwrap();
        assert_eq!(a.shape(), &[2]);
        let mut out = Vec::new();
        super::super::raw::write_jsonl(&mut out, &a.view()).unwrap();
        let back = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = back.lines().collect();
        assert_eq!(
            lines[0],
            r#"{"t":1,"p":{"az":0.5,"el":-2.0},"s":[3,-4],"w":"abc","d":"2024-01-02T03:04:05","c":[1.0,-2.0],"b":true}"#
        );
        assert_eq!(
            lines[1],
            r#"{"t":2,"p":{"az":"nan","el":"inf"},"s":[5,6],"w":"xy","d":"NaT","c":[0.0,0.0],"b":false}"#
        );
    }

    #[test]
    fn plain_rows_and_errors_at_their_line() {
        let dt = DType::parse("<i4").unwrap();
        let a = read_jsonl("[1,2,3]\n[4,5,6]\n".as_bytes(), &dt).unwrap();
        assert_eq!(a.shape(), &[2, 3]);
        assert_eq!(a.view().to_vec::<i32>().unwrap(), [1, 2, 3, 4, 5, 6]);
        let e = read_jsonl("[1,2]\n[3]\n".as_bytes(), &dt).unwrap_err();
        assert_eq!(e.location(), Some(Location::Line { line: 2, column: 1 }));
        let e = read_jsonl("1\n2.5\n".as_bytes(), &dt).unwrap_err();
        assert!(
            e.message().contains("\"2.5\" is not a value of int32"),
            "{e}"
        );
        let e = read_jsonl("1\n{\n".as_bytes(), &dt).unwrap_err();
        assert!(e.message().contains("not JSON"), "{e}");
        let rec = DType::parse("[('a','<i4'),('b','<f8')]").unwrap();
        let e = read_jsonl("{\"a\":1}\n".as_bytes(), &rec).unwrap_err();
        assert!(e.message().contains("field \"b\" is missing"), "{e}");
        let e = read_jsonl("{\"a\":1,\"b\":2,\"c\":3}\n".as_bytes(), &rec).unwrap_err();
        assert!(e.message().contains("no field \"c\""), "{e}");
        let e = read_jsonl("{\"a\":1e10,\"b\":2}\n".as_bytes(), &rec).unwrap_err();
        assert!(e.message().contains("field \"a\""), "{e}");
    }
}
