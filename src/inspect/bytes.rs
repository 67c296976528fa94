//! `dtinspect --bytes INDEX`: one record as a hexdump, every byte labelled with the field it
//! belongs to (padding too), and each field's decoded value beside its bytes. What you want
//! on the bench when a sensor format's documentation and its files disagree.

use std::io::{self, Write};

use serde::Serialize;

use super::raw::value_json;
use super::Style;
use crate::array::element::decode_scalar;
use crate::dtype::{py_repr_shape, DType};

/// Bytes of one line of the dump.
const PER_LINE: usize = 16;
/// Lines shown of one field before the rest is summarised.
const MAX_LINES: usize = 4;

/// One labelled run of bytes of the record: a leaf field, or padding.
#[derive(Debug, Clone, Serialize)]
pub struct Span {
    /// The field's dotted path (a subarray's element index after it); `None` for bytes of
    /// no field.
    pub path: Option<String>,
    /// Offset within the record.
    pub offset: usize,
    /// Bytes in the span.
    pub size: usize,
    /// The field's dtype (`<f4`); `None` for padding.
    pub dtype: Option<String>,
    /// The bytes, as lowercase hex without separators.
    pub hex: String,
    /// The decoded value (a subarray as nested lists); `None` for padding.
    pub value: Option<serde_json::Value>,
}

/// `--bytes INDEX --json`.
#[derive(Debug, Clone, Serialize)]
pub struct RecordBytes {
    /// The record's flat index (C order).
    pub index: usize,
    /// Where the record starts in the file.
    pub file_offset: u64,
    /// The record's size.
    pub itemsize: usize,
    /// Fields and padding in offset order (overlapping fields each have their own span).
    pub spans: Vec<Span>,
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The labelled spans of `record`, an element of `dtype`.
pub fn spans(dtype: &DType, record: &[u8]) -> Vec<Span> {
    let mut leaves = dtype.leaf_fields();
    leaves.sort_by_key(|l| l.offset);
    let mut out = Vec::new();
    let mut covered = 0usize; // end of the bytes labelled so far
    for leaf in &leaves {
        if leaf.offset > covered {
            out.push(padding(record, covered, leaf.offset));
        }
        let n: usize = crate::array::layout::shape_size(&leaf.shape);
        let size = leaf.dtype.size();
        // A subarray's elements are contiguous within the record when its strides are the
        // C strides of its shape (always, for dtypes NumPy builds).
        let end = leaf.offset + size * n.max(1);
        let bytes = record
            .get(leaf.offset..end.min(record.len()))
            .unwrap_or(&[]);
        let value = if leaf.shape.is_empty() {
            value_json(&decode_scalar(&leaf.dtype, bytes))
        } else {
            let sub = DType::subarray(DType::from(leaf.dtype), &leaf.shape)
                .unwrap_or_else(|_| DType::from(leaf.dtype));
            value_json(&crate::array::element::decode(&sub, bytes))
        };
        let path = if leaf.path.is_empty() {
            "(value)".to_owned()
        } else {
            leaf.path.clone()
        };
        out.push(Span {
            path: Some(if leaf.shape.is_empty() {
                path
            } else {
                format!("{path}{}", py_repr_shape(&leaf.shape))
            }),
            offset: leaf.offset,
            size: end - leaf.offset,
            dtype: Some(leaf.dtype.to_string()),
            hex: hex(bytes),
            value: Some(value),
        });
        covered = covered.max(end);
    }
    if covered < record.len() {
        out.push(padding(record, covered, record.len()));
    }
    out
}

fn padding(record: &[u8], from: usize, to: usize) -> Span {
    Span {
        path: None,
        offset: from,
        size: to - from,
        dtype: None,
        hex: hex(&record[from..to]),
        value: None,
    }
}

/// Write `record` (element `index` of an array of `dtype`, at `file_offset`) as a
/// labelled hexdump.
///
/// # Errors
/// Write errors.
pub fn write_record_bytes(
    out: &mut dyn Write,
    dtype: &DType,
    record: &[u8],
    index: usize,
    file_offset: u64,
    style: Style,
) -> io::Result<()> {
    writeln!(
        out,
        "{} {index}: {} bytes at file offset {file_offset} (0x{file_offset:x})",
        style.bold("record"),
        record.len()
    )?;
    writeln!(out)?;
    let spans = spans(dtype, record);
    let label_width = spans
        .iter()
        .map(|s| s.path.as_deref().map_or(9, |p| p.chars().count()))
        .max()
        .unwrap_or(5)
        .max(5);
    writeln!(
        out,
        "{}",
        style.bold(&format!(
            "{:>8}  {:<w$}  {:<lw$}  value",
            "offset",
            "bytes",
            "field",
            w = PER_LINE * 3 - 1,
            lw = label_width
        ))
    )?;
    for span in &spans {
        let bytes: Vec<u8> = (0..span.hex.len() / 2)
            .map(|k| u8::from_str_radix(&span.hex[2 * k..2 * k + 2], 16).unwrap_or(0))
            .collect();
        let lines: Vec<&[u8]> = bytes.chunks(PER_LINE).collect();
        let shown = if lines.len() > MAX_LINES {
            MAX_LINES - 1
        } else {
            lines.len()
        };
        for (k, chunk) in lines.iter().take(shown.max(1)).enumerate() {
            let hexes: Vec<String> = chunk.iter().map(|b| format!("{b:02x}")).collect();
            let hexes = format!("{:<w$}", hexes.join(" "), w = PER_LINE * 3 - 1);
            let at = span.offset + k * PER_LINE;
            let (label, value) = if k == 0 {
                match &span.path {
                    Some(p) => (
                        style.label(&format!("{p:<label_width$}")),
                        format!(
                            "{}  {}",
                            style.dim(span.dtype.as_deref().unwrap_or("")),
                            value_text(span.value.as_ref())
                        ),
                    ),
                    None => (
                        style.dim(&format!("{:<label_width$}", "(padding)")),
                        String::new(),
                    ),
                }
            } else {
                (" ".repeat(label_width), String::new())
            };
            let hexes = if span.path.is_none() {
                style.dim(&hexes)
            } else {
                hexes
            };
            let line = format!("{at:>8}  {hexes}  {label}  {value}");
            writeln!(out, "{}", line.trim_end())?;
        }
        if lines.len() > shown.max(1) {
            let rest = bytes.len() - shown * PER_LINE;
            writeln!(
                out,
                "{:>8}  {}",
                span.offset + shown * PER_LINE,
                style.dim(&format!("… {rest} more bytes"))
            )?;
        }
    }
    Ok(())
}

/// A value for the table: compact JSON, long ones elided in the middle.
fn value_text(v: Option<&serde_json::Value>) -> String {
    let Some(v) = v else {
        return String::new();
    };
    let s = match v {
        serde_json::Value::String(s) => format!("{s:?}"),
        other => other.to_string(),
    };
    let chars: Vec<char> = s.chars().collect();
    if chars.len() > 60 {
        let head: String = chars[..40].iter().collect();
        let tail: String = chars[chars.len() - 15..].iter().collect();
        format!("{head}…{tail}")
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn padding_and_fields_cover_the_record() {
        let dt = DType::parse(
            "{'names':['a','b','c'],'formats':['u1','<i4','<i2'],'offsets':[0,4,10],'itemsize':16}",
        )
        .unwrap();
        let mut rec = vec![0u8; 16];
        rec[0] = 7;
        rec[4..8].copy_from_slice(&(-2i32).to_le_bytes());
        rec[10..12].copy_from_slice(&300i16.to_le_bytes());
        let s = spans(&dt, &rec);
        let shape: Vec<(Option<&str>, usize, usize)> = s
            .iter()
            .map(|s| (s.path.as_deref(), s.offset, s.size))
            .collect();
        assert_eq!(
            shape,
            [
                (Some("a"), 0, 1),
                (None, 1, 3),
                (Some("b"), 4, 4),
                (None, 8, 2),
                (Some("c"), 10, 2),
                (None, 12, 4)
            ]
        );
        assert_eq!(s[2].hex, "feffffff");
        assert_eq!(s[2].value, Some(serde_json::json!(-2)));
        assert_eq!(s[4].value, Some(serde_json::json!(300)));
        let mut text = Vec::new();
        write_record_bytes(&mut text, &dt, &rec, 3, 48, Style::PLAIN).unwrap();
        let text = String::from_utf8(text).unwrap();
        assert!(
            text.contains("record 3: 16 bytes at file offset 48 (0x30)"),
            "{text}"
        );
        assert!(text.contains("       4  fe ff ff ff"), "{text}");
        assert!(text.contains("(padding)"), "{text}");
        assert!(!text.contains('\x1b'));
    }

    #[test]
    fn subarrays_are_elided_after_a_few_lines() {
        let dt = DType::parse("[('t','<u8'),('s','<i2',(64,))]").unwrap();
        let rec: Vec<u8> = (0..dt.itemsize()).map(|k| k as u8).collect();
        let s = spans(&dt, &rec);
        assert_eq!(s[1].path.as_deref(), Some("s(64,)"));
        assert_eq!(s[1].size, 128);
        let mut text = Vec::new();
        write_record_bytes(&mut text, &dt, &rec, 0, 0, Style::PLAIN).unwrap();
        let text = String::from_utf8(text).unwrap();
        assert!(text.contains("… 80 more bytes"), "{text}");
    }
}
