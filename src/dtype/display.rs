//! Rendering dtypes exactly as NumPy prints them, and a layout table for people.

use std::fmt::{self, Write as _};

use super::{ByteOrder, DType, Field, Record, Scalar, ScalarKind};
use crate::error::{Error, Result};

/// Python's `repr()` of a `str`: single quotes unless the text has a `'` and no `"`,
/// escapes for backslashes, quotes, control and non-printable characters.
pub fn py_repr_str(s: &str) -> String {
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::with_capacity(s.len() + 2);
    out.push(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c if !c.is_ascii() && !is_printable(c) => {
                let v = c as u32;
                let _ = if v < 0x100 {
                    write!(out, "\\x{v:02x}")
                } else if v < 0x10000 {
                    write!(out, "\\u{v:04x}")
                } else {
                    write!(out, "\\U{v:08x}")
                };
            }
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

/// An approximation of Python's `str.isprintable` for non-ASCII characters: false for
/// controls, format characters, separators other than space, private use and
/// non-characters.
fn is_printable(c: char) -> bool {
    let v = c as u32;
    !matches!(v,
        0x80..=0xa0 | 0xad | 0x600..=0x605 | 0x61c | 0x6dd | 0x70f | 0x1680 | 0x180e
        | 0x2000..=0x200f | 0x2028..=0x202f | 0x205f..=0x2064 | 0x2066..=0x206f | 0x3000
        | 0xd800..=0xf8ff | 0xfeff | 0xfff9..=0xfffb | 0xfffe | 0xffff | 0x110bd | 0x110cd
        | 0x1bca0..=0x1bca3 | 0x1d173..=0x1d17a | 0xe0001 | 0xe0020..=0xe007f
        | 0xf0000..=0x10ffff)
}

/// Python's `repr()` of a tuple of ints: `()`, `(3,)`, `(2, 3)`.
pub fn py_repr_shape<T: fmt::Display>(shape: &[T]) -> String {
    match shape {
        [] => "()".to_owned(),
        [n] => format!("({n},)"),
        _ => {
            let parts: Vec<String> = shape.iter().map(T::to_string).collect();
            format!("({})", parts.join(", "))
        }
    }
}

impl Scalar {
    /// NumPy's `dtype.str`: `'<f8'`, `'|S5'`, `'<U3'`, `'>M8[ns]'`, `'|O'`.
    pub fn typestr(&self) -> String {
        let o = self.byte_order().as_char();
        let k = self.kind().kind_char();
        match self.kind() {
            ScalarKind::Unicode => format!("{o}U{}", self.size() / 4),
            ScalarKind::Object => format!("{o}O"),
            ScalarKind::DateTime | ScalarKind::TimeDelta => {
                format!("{o}{k}8{}", self.datetime_unit())
            }
            _ => format!("{o}{k}{}", self.size()),
        }
    }

    /// A type string that parses back to exactly this scalar: [`Scalar::typestr`], except
    /// for generic datetime units with a multiplier, which `.str` cannot show
    /// (`<M8[2generic]`).
    pub fn spec(&self) -> String {
        let unit = self.datetime_unit();
        match self.kind() {
            ScalarKind::DateTime | ScalarKind::TimeDelta
                if unit.unit.is_none() && unit.count != 1 =>
            {
                format!(
                    "{}{}8[{}generic]",
                    self.byte_order().as_char(),
                    self.kind().kind_char(),
                    unit.count
                )
            }
            _ => self.typestr(),
        }
    }

    /// NumPy's `dtype.name`: `float64`, `bytes40`, `str96`, `datetime64[ns]`.
    pub fn name(&self) -> String {
        let bits = self.size() * 8;
        match self.kind() {
            ScalarKind::Bool => "bool".to_owned(),
            ScalarKind::Int => format!("int{bits}"),
            ScalarKind::UInt => format!("uint{bits}"),
            ScalarKind::Float => format!("float{bits}"),
            ScalarKind::Complex => format!("complex{bits}"),
            ScalarKind::DateTime => format!("datetime64{}", self.datetime_unit()),
            ScalarKind::TimeDelta => format!("timedelta64{}", self.datetime_unit()),
            ScalarKind::Object => "object".to_owned(),
            ScalarKind::Bytes if bits == 0 => "bytes".to_owned(),
            ScalarKind::Bytes => format!("bytes{bits}"),
            ScalarKind::Unicode if bits == 0 => "str".to_owned(),
            ScalarKind::Unicode => format!("str{bits}"),
            ScalarKind::Void if bits == 0 => "void".to_owned(),
            ScalarKind::Void => format!("void{bits}"),
        }
    }
}

impl fmt::Display for Scalar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.typestr())
    }
}

fn overlap_error() -> Error {
    Error::dtype("dtype.descr is not defined for types with overlapping or out-of-order fields")
}

/// NumPy's `_array_descr`.
fn array_descr(dt: &DType, out: &mut String) -> Result<()> {
    match dt {
        DType::Scalar(s) => out.push_str(&py_repr_str(&s.typestr())),
        DType::Subarray(sub) => {
            out.push('(');
            array_descr(sub.base(), out)?;
            out.push_str(", ");
            out.push_str(&py_repr_shape(sub.shape()));
            out.push(')');
        }
        DType::Record(r) => record_descr(r, out)?,
    }
    Ok(())
}

/// One field of a list form: `(name, fmt)`, `((title, name), fmt)` or, for a subarray,
/// `(name, base_fmt, shape)`, with `write_dtype` rendering the formats.
fn write_field_entry(
    f: &Field,
    out: &mut String,
    write_dtype: &mut dyn FnMut(&DType, &mut String) -> Result<()>,
) -> Result<()> {
    out.push('(');
    match f.title() {
        Some(t) => {
            let _ = write!(out, "({}, {})", py_repr_str(t), py_repr_str(f.name()));
        }
        None => out.push_str(&py_repr_str(f.name())),
    }
    out.push_str(", ");
    match f.dtype() {
        DType::Subarray(sub) => {
            write_dtype(sub.base(), out)?;
            out.push_str(", ");
            out.push_str(&py_repr_shape(sub.shape()));
        }
        other => write_dtype(other, out)?,
    }
    out.push(')');
    Ok(())
}

fn record_descr(r: &Record, out: &mut String) -> Result<()> {
    out.push('[');
    let mut offset = 0usize;
    let mut first = true;
    let mut sep = |out: &mut String| {
        if !first {
            out.push_str(", ");
        }
        first = false;
    };
    for f in r.fields() {
        if f.offset() > offset {
            sep(out);
            let _ = write!(out, "('', '|V{}')", f.offset() - offset);
            offset = f.offset();
        } else if f.offset() < offset {
            return Err(overlap_error());
        }
        sep(out);
        write_field_entry(f, out, &mut |dt, out| array_descr(dt, out))?;
        offset += f.dtype().itemsize();
    }
    if r.itemsize() > offset {
        sep(out);
        let _ = write!(out, "('', '|V{}')", r.itemsize() - offset);
    }
    out.push(']');
    Ok(())
}

impl DType {
    /// NumPy's `dtype.str`: the scalar's type string, or `'|V<itemsize>'` for records and
    /// subarrays.
    pub fn typestr(&self) -> String {
        match self {
            DType::Scalar(s) => s.typestr(),
            DType::Record(r) if r.view_of().is_some() => {
                r.view_of().map(Scalar::typestr).unwrap_or_default()
            }
            _ => format!("|V{}", self.itemsize()),
        }
    }

    /// NumPy's `dtype.name` (`float64`, `void96`, `bytes40`).
    pub fn name(&self) -> String {
        match self {
            DType::Scalar(s) => s.name(),
            DType::Record(r) if r.view_of().is_some() => {
                r.view_of().map(Scalar::name).unwrap_or_default()
            }
            _ if self.itemsize() == 0 => "void".to_owned(),
            _ => format!("void{}", self.itemsize() * 8),
        }
    }

    /// `repr(dtype.descr)`: `[('', '<f8')]` for a dtype without fields; for a record, its
    /// fields with padding entries `('', '|V4')` for gaps, `((title, name), fmt)` for titles
    /// and `(name, fmt, shape)` for subarray fields.
    ///
    /// # Errors
    /// When fields overlap or are out of offset order, as NumPy raises.
    pub fn descr(&self) -> Result<String> {
        match self {
            DType::Record(r) => {
                let mut out = String::new();
                record_descr(r, &mut out)?;
                Ok(out)
            }
            _ => Ok(format!("[('', {})]", py_repr_str(&self.typestr()))),
        }
    }

    /// The `descr` value `np.save` writes in an `.npy` header: `'<f8'` for a scalar, the
    /// `descr` list for a record, `(base, shape)` for a subarray. [`DType::from_descr`] reads
    /// it back to an equal dtype.
    ///
    /// # Errors
    /// When fields overlap or are out of offset order, as NumPy raises.
    pub fn npy_descr(&self) -> Result<String> {
        let mut out = String::new();
        array_descr(self, &mut out)?;
        Ok(out)
    }

    /// Whether this record and every record nested in it were built with `align=True`.
    fn all_aligned(&self) -> bool {
        match self {
            DType::Scalar(_) => true,
            DType::Subarray(s) => s.base().all_aligned(),
            DType::Record(r) => {
                r.is_aligned_struct() && r.fields().iter().all(|f| f.dtype().all_aligned())
            }
        }
    }

    /// A Python literal that `np.dtype()` (and [`DType::parse`]) turns back into this dtype.
    pub fn to_literal(&self) -> String {
        let mut out = String::new();
        self.write_literal(&mut out);
        out
    }

    fn write_literal(&self, out: &mut String) {
        match self {
            DType::Scalar(s) => out.push_str(&py_repr_str(&s.spec())),
            DType::Subarray(sub) => {
                out.push('(');
                sub.base().write_literal(out);
                out.push_str(", ");
                out.push_str(&py_repr_shape(sub.shape()));
                out.push(')');
            }
            DType::Record(r) => {
                if let Some(v) = r.view_of() {
                    out.push('(');
                    out.push_str(&py_repr_str(&v.typestr()));
                    out.push_str(", ");
                    write_record_literal(r, self.all_aligned(), out);
                    out.push(')');
                } else {
                    write_record_literal(r, self.all_aligned(), out);
                }
            }
        }
    }

    /// A table of the layout, one row per field (nested records indented, gaps shown as
    /// padding rows): offset, size, name, dtype, shape and byte order.
    pub fn layout_table(&self) -> String {
        let mut rows = Vec::new();
        layout_rows(self, &mut rows);
        let header = ["offset", "size", "field", "dtype", "shape", "byte order"];
        let mut widths = header.map(str::len);
        for r in &rows {
            for (w, cell) in widths.iter_mut().zip(r.iter()) {
                *w = (*w).max(cell.chars().count());
            }
        }
        let mut out = String::new();
        let line = |cells: &[String; 6], out: &mut String| {
            let mut l = String::new();
            for (i, (cell, w)) in cells.iter().zip(widths).enumerate() {
                let pad = w.saturating_sub(cell.chars().count());
                if i < 2 {
                    l.push_str(&" ".repeat(pad));
                    l.push_str(cell);
                } else {
                    l.push_str(cell);
                    l.push_str(&" ".repeat(pad));
                }
                l.push_str("  ");
            }
            out.push_str(l.trim_end());
            out.push('\n');
        };
        line(&header.map(str::to_owned), &mut out);
        for r in &rows {
            line(r, &mut out);
        }
        out
    }
}

fn write_record_literal(r: &Record, emit_aligned: bool, out: &mut String) {
    let packed_in_order = {
        let mut offset = 0;
        let mut ok = true;
        for f in r.fields() {
            if f.offset() != offset || f.name().is_empty() {
                ok = false;
                break;
            }
            offset += f.dtype().itemsize();
        }
        ok && offset == r.itemsize()
    };
    if packed_in_order && !emit_aligned {
        out.push('[');
        for (i, f) in r.fields().iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            let _ = write_field_entry(f, out, &mut |dt, out| {
                dt.write_literal(out);
                Ok(())
            });
        }
        out.push(']');
        return;
    }
    let list = |out: &mut String, items: &mut dyn Iterator<Item = String>| {
        out.push('[');
        for (i, s) in items.enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            out.push_str(&s);
        }
        out.push(']');
    };
    out.push_str("{'names': ");
    list(out, &mut r.fields().iter().map(|f| py_repr_str(f.name())));
    out.push_str(", 'formats': ");
    list(out, &mut r.fields().iter().map(|f| f.dtype().to_literal()));
    out.push_str(", 'offsets': ");
    list(out, &mut r.fields().iter().map(|f| f.offset().to_string()));
    if r.fields().iter().any(|f| f.title().is_some()) {
        out.push_str(", 'titles': ");
        list(
            out,
            &mut r
                .fields()
                .iter()
                .map(|f| f.title().map_or("None".to_owned(), py_repr_str)),
        );
    }
    let _ = write!(out, ", 'itemsize': {}", r.itemsize());
    if emit_aligned {
        out.push_str(", 'aligned': True");
    }
    out.push('}');
}

fn order_word(dt: &DType) -> &'static str {
    match dt.base().as_scalar().map(Scalar::byte_order) {
        Some(ByteOrder::Little) => "little",
        Some(ByteOrder::Big) => "big",
        Some(ByteOrder::NotApplicable) => "n/a",
        None => "",
    }
}

fn layout_rows(dt: &DType, rows: &mut Vec<[String; 6]>) {
    match dt {
        DType::Record(r) => record_rows(r, 0, 0, rows),
        _ => field_rows(dt, 0, 0, "(element)", rows),
    }
}

fn padding_row(at: usize, size: usize, depth: usize) -> [String; 6] {
    [
        at.to_string(),
        size.to_string(),
        format!("{}(padding)", "  ".repeat(depth)),
        String::new(),
        String::new(),
        String::new(),
    ]
}

fn record_rows(r: &Record, base: usize, depth: usize, rows: &mut Vec<[String; 6]>) {
    let mut end = 0usize;
    for f in r.fields() {
        if f.offset() > end {
            rows.push(padding_row(base + end, f.offset() - end, depth));
        }
        let label = match f.title() {
            Some(t) => format!("{} [{}]", f.name(), t),
            None => f.name().to_owned(),
        };
        field_rows(f.dtype(), base + f.offset(), depth, &label, rows);
        end = end.max(f.end());
    }
    if r.itemsize() > end {
        rows.push(padding_row(base + end, r.itemsize() - end, depth));
    }
}

fn field_rows(dt: &DType, at: usize, depth: usize, label: &str, rows: &mut Vec<[String; 6]>) {
    let (elem, shape) = match dt {
        DType::Subarray(sub) => (sub.base(), py_repr_shape(sub.shape())),
        _ => (dt, String::new()),
    };
    let dtype_cell = match elem {
        DType::Record(r) => format!("record, {} fields", r.fields().len()),
        other => other.typestr(),
    };
    rows.push([
        at.to_string(),
        dt.itemsize().to_string(),
        format!("{}{label}", "  ".repeat(depth)),
        dtype_cell,
        shape,
        order_word(dt).to_owned(),
    ]);
    if let DType::Record(r) = elem {
        record_rows(r, at, depth + 1, rows);
    }
}

impl fmt::Display for DType {
    /// A description that [`DType::parse`] turns back into an equal dtype: the type string
    /// for scalars (`<f8`), a Python literal otherwise (`[('a', '<i4'), ('b', '<f8')]`, or
    /// the dict form with offsets when the layout has gaps or alignment).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DType::Scalar(s) => f.write_str(&s.spec()),
            _ => f.write_str(&self.to_literal()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_string_repr() {
        assert_eq!(py_repr_str("a"), "'a'");
        assert_eq!(py_repr_str("it's"), "\"it's\"");
        assert_eq!(py_repr_str("a'b\"c"), "'a\\'b\"c'");
        assert_eq!(py_repr_str("tab\there"), "'tab\\there'");
        assert_eq!(py_repr_str("\u{e9}\u{4e2d}"), "'\u{e9}\u{4e2d}'");
        assert_eq!(py_repr_str("\x00\x7f\u{a0}"), "'\\x00\\x7f\\xa0'");
    }

    #[test]
    fn shapes() {
        assert_eq!(py_repr_shape::<usize>(&[]), "()");
        assert_eq!(py_repr_shape(&[3]), "(3,)");
        assert_eq!(py_repr_shape(&[2, 3]), "(2, 3)");
    }
}
