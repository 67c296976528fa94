//! The summary of an `.npz` archive: every member with its compression, sizes, ratio,
//! dtype and shape (from the central directory and each member's `.npy` header; nothing is
//! decompressed beyond the headers).

use std::io::{self, Write};

use super::raw::ArrayJson;
use super::Style;
use crate::npy::Header;
use crate::npz::MemberInfo;

/// `.npy` format version as text (`1.0`).
pub fn version_text(v: crate::npy::Version) -> String {
    let (a, b) = v.numbers();
    format!("{a}.{b}")
}

/// Write the summary of the archive `title` with `members` (and the `.npy` header of each
/// member that is an array), as a table or as shared/CLI.md's JSON.
///
/// # Errors
/// Write errors, and a header that describes no valid layout.
pub fn write_npz_summary(
    out: &mut dyn Write,
    title: &str,
    members: &[(MemberInfo, Option<Header>)],
    json: bool,
    style: Style,
) -> crate::Result<()> {
    let mut rows = Vec::with_capacity(members.len());
    for (m, header) in members {
        let array = match header {
            Some(h) => {
                let (dtype, shape) = h.array_dtype_shape();
                let layout = crate::array::Layout::contiguous(dtype, &shape, h.order())?;
                let mut j = ArrayJson::from_layout("npz-member", &layout, h.data_offset as u64);
                j.version = Some(version_text(h.version));
                j.header_len = Some(h.header_len);
                serde_json::to_value(j).map_err(io::Error::from)?
            }
            None => serde_json::Value::Null,
        };
        rows.push((m, array));
    }
    if json {
        let list: Vec<serde_json::Value> = rows
            .iter()
            .map(|(m, array)| {
                let mut obj = serde_json::json!({
                    "name": m.name,
                    "compression": m.compression,
                    "compressed_size": m.compressed_size,
                    "size": m.size,
                });
                if let (Some(o), Some(a)) = (obj.as_object_mut(), array.as_object()) {
                    for (k, v) in a {
                        o.insert(k.clone(), v.clone());
                    }
                    o.insert("kind".into(), "npz-member".into());
                }
                obj
            })
            .collect();
        serde_json::to_writer_pretty(
            &mut *out,
            &serde_json::json!({"kind": "npz", "members": list}),
        )
        .map_err(io::Error::from)?;
        writeln!(out)?;
        return Ok(());
    }
    writeln!(
        out,
        "{} {title} (.npz, {} members)",
        style.label("file      "),
        members.len()
    )?;
    writeln!(out)?;
    let mut table = vec![[
        "member",
        "compression",
        "size",
        "stored",
        "ratio",
        "dtype",
        "shape",
    ]
    .map(str::to_owned)];
    for (m, header) in members {
        let (dtype, shape) = match header {
            Some(h) => {
                let (d, s) = h.array_dtype_shape();
                (d.to_string(), crate::dtype::py_repr_shape(&s))
            }
            None => ("(not .npy)".to_owned(), String::new()),
        };
        let ratio = if m.compressed_size > 0 {
            m.size as f64 / m.compressed_size as f64
        } else {
            1.0
        };
        table.push([
            m.name.clone(),
            format!("{:?}", m.compression).to_lowercase(),
            m.size.to_string(),
            m.compressed_size.to_string(),
            format!("{ratio:.2}"),
            dtype,
            shape,
        ]);
    }
    let widths: Vec<usize> = (0..7)
        .map(|c| {
            table
                .iter()
                .map(|r| r[c].chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    for (i, row) in table.iter().enumerate() {
        let mut line = String::new();
        for (c, cell) in row.iter().enumerate() {
            let pad = " ".repeat(widths[c] - cell.chars().count());
            if (2..5).contains(&c) {
                line.push_str(&pad);
                line.push_str(cell);
            } else {
                line.push_str(cell);
                line.push_str(&pad);
            }
            line.push_str("  ");
        }
        let line = line.trim_end().to_owned();
        if i == 0 {
            writeln!(out, "{}", style.bold(&line))?;
        } else {
            writeln!(out, "{line}")?;
        }
    }
    Ok(())
}
