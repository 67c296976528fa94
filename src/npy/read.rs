//! Reading `.npy` files: the header, then the data as an owned array, a zero-copy view of
//! bytes in memory, or a memory map.
//!
//! The header is accepted exactly when NumPy's reader accepts it: any key order and
//! whitespace, either quote style, a missing trailing comma, no padding, Python 2 `L`
//! suffixes (versions 1.0 and 2.0). It is rejected when NumPy rejects it, with the byte
//! offset of the problem. Unlike NumPy, sizes are checked: `shape × itemsize` may neither
//! overflow nor exceed the bytes present. A subarray `descr` (which `np.save` never writes
//! and `np.load` fails to read) is read with the subarray absorbed into the shape.

use std::io::Read;
use std::path::Path;

use super::{Version, MAGIC};
use crate::array::{AlignedBuf, Array, ArrayView, ArrayViewMut, Layout, Order};
use crate::dtype::{descr_from_lit, parse_literal, DType, Lit, LitKind, ParseOptions};
use crate::error::{Error, ErrorKind, Location, Result};
use crate::raw::MappedArray;
use crate::storage::Mapping;

/// Limits applied while reading a header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadOptions {
    /// Largest header accepted, in bytes (default 16 MiB). NumPy refuses headers over
    /// 10,000 characters by default because its literal parser is slow; dtkit's is linear,
    /// so every header `np.save` writes for up to about a million fields is read.
    pub max_header_size: usize,
    /// Limits of the dtype parser for the `descr`.
    pub dtype: ParseOptions,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            max_header_size: 16 << 20,
            dtype: ParseOptions::default(),
        }
    }
}

/// What an `.npy` header says.
#[derive(Debug, Clone, PartialEq)]
pub struct Header {
    /// Format version.
    pub version: Version,
    /// The `HEADER_LEN` field: bytes of header text, padding and newline.
    pub header_len: usize,
    /// Byte offset of the data: 10 + `header_len` (v1.0) or 12 + `header_len`.
    pub data_offset: usize,
    /// The array's dtype.
    pub dtype: DType,
    /// Whether the data is in Fortran order.
    pub fortran_order: bool,
    /// The array's shape.
    pub shape: Vec<usize>,
}

impl Header {
    /// Number of elements.
    pub fn len(&self) -> usize {
        crate::array::layout::shape_size(&self.shape)
    }

    /// True when the array has no elements.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Bytes of data the header announces (checked when the header was parsed).
    pub fn data_len(&self) -> usize {
        self.len() * self.dtype.itemsize()
    }

    /// The memory order of the data.
    pub fn order(&self) -> Order {
        if self.fortran_order {
            Order::F
        } else {
            Order::C
        }
    }

    /// The layout of the data inside a buffer holding the whole file.
    ///
    /// # Errors
    /// When the buffer of `file_len` bytes is too short for the data.
    pub fn layout(&self, file_len: usize) -> Result<Layout> {
        let (dtype, shape) = self.array_dtype_shape();
        Layout::contiguous_in(dtype, &shape, self.order(), self.data_offset, file_len)
    }

    /// The dtype and shape of the array NumPy would make: a subarray `descr` becomes
    /// trailing axes (`('<f8', (3,))` with shape `(2,)` is shape `(2, 3)` of `<f8`).
    pub fn array_dtype_shape(&self) -> (DType, Vec<usize>) {
        super::expanded(&self.dtype, &self.shape)
    }
}

fn data_err(msg: impl Into<String>, at: usize) -> Error {
    Error::new(ErrorKind::Data, msg).at(Location::Byte(at as u64))
}

/// The fixed prefix: magic, version and header length. Returns the version, the header
/// length and where the header text starts.
fn prefix(bytes: &[u8]) -> Result<(Version, usize, usize)> {
    if bytes.len() < 8 {
        return Err(data_err(
            format!(
                "not an .npy file: expected 8 bytes of magic string and version, got {}",
                bytes.len()
            ),
            bytes.len(),
        ));
    }
    if &bytes[..6] != MAGIC {
        return Err(data_err(
            format!(
                "the magic string is not correct: expected b'\\x93NUMPY', got {}",
                crate::array::element::py_bytes_repr(&bytes[..6])
            ),
            0,
        ));
    }
    let version = match (bytes[6], bytes[7]) {
        (1, 0) => Version::V1,
        (2, 0) => Version::V2,
        (3, 0) => Version::V3,
        (a, b) => {
            return Err(data_err(
                format!(
                    "unsupported .npy format version ({a}, {b}): expected (1, 0), (2, 0) or (3, 0)"
                ),
                6,
            ))
        }
    };
    let (len, start) = if version == Version::V1 {
        match bytes.get(8..10) {
            Some(b) => (usize::from(u16::from_le_bytes([b[0], b[1]])), 10),
            None => {
                return Err(data_err(
                    "the file ends inside the 2-byte header length",
                    bytes.len(),
                ))
            }
        }
    } else {
        match bytes.get(8..12) {
            Some(b) => (u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize, 12),
            None => {
                return Err(data_err(
                    "the file ends inside the 4-byte header length",
                    bytes.len(),
                ))
            }
        }
    };
    Ok((version, len, start))
}

/// Parse the header at the start of `bytes` (at least the magic, length and header text
/// must be present; the data need not be).
///
/// # Errors
/// [`ErrorKind::Data`] at the byte offset of the problem: a bad magic string or version, a
/// truncated header, text that is not a Python dict literal, missing or extra keys, an
/// invalid `descr`, `shape` or `fortran_order`; [`ErrorKind::Limit`] for a header over
/// [`ReadOptions::max_header_size`] or a size that overflows; [`ErrorKind::Unsupported`]
/// for object arrays (pickled data).
pub fn parse_header(bytes: &[u8], options: &ReadOptions) -> Result<Header> {
    let (version, header_len, start) = prefix(bytes)?;
    if header_len > options.max_header_size {
        return Err(Error::new(
            ErrorKind::Limit,
            format!(
                "header of {header_len} bytes is larger than the limit of {} bytes \
                 (ReadOptions::max_header_size)",
                options.max_header_size
            ),
        )
        .at(Location::Byte(
            start as u64 - if version == Version::V1 { 2 } else { 4 },
        )));
    }
    let Some(raw) = bytes.get(start..start + header_len) else {
        return Err(data_err(
            format!(
                "the file ends inside the header: expected {header_len} bytes of header, got {}",
                bytes.len().saturating_sub(start)
            ),
            bytes.len(),
        ));
    };
    let text: String = match version {
        Version::V3 => std::str::from_utf8(raw)
            .map_err(|e| {
                data_err(
                    format!("a version 3.0 header must be UTF-8: {e}"),
                    start + e.valid_up_to(),
                )
            })?
            .to_owned(),
        _ => raw.iter().map(|&b| b as char).collect(),
    };
    // Offsets in the text are byte offsets of the file only for ASCII and UTF-8 text.
    let to_file = |text_offset: usize| -> usize {
        match version {
            Version::V3 => start + text_offset,
            _ => start + text[..text_offset.min(text.len())].chars().count(),
        }
    };
    let depth = options.dtype.max_depth;
    let parsed = match parse_literal(&text, depth) {
        Ok(lit) => (lit, text.clone()),
        Err(e) if version != Version::V3 && e.kind() != ErrorKind::Limit => {
            // NumPy retries v1/v2 headers without Python 2 long suffixes (`3L`).
            let filtered = strip_long_suffixes(&text);
            match parse_literal(&filtered, depth) {
                Ok(lit) => (lit, filtered),
                Err(_) => return Err(header_error(e, &to_file)),
            }
        }
        Err(e) => return Err(header_error(e, &to_file)),
    };
    let (lit, text) = parsed;
    let LitKind::Dict(entries) = &lit.kind else {
        return Err(data_err(
            format!("the header is not a dictionary: {}", lit.excerpt(&text)),
            to_file(lit.start),
        ));
    };
    let mut keys: Vec<String> = entries
        .iter()
        .map(|(k, _)| {
            k.as_str()
                .map_or_else(|| k.excerpt(&text).to_owned(), |s| format!("{s:?}"))
        })
        .collect();
    keys.sort();
    let expected = ["\"descr\"", "\"fortran_order\"", "\"shape\""];
    if keys.len() != 3 || keys.iter().zip(expected).any(|(k, e)| k != e) {
        return Err(data_err(
            format!(
                "the header does not contain the correct keys: expected descr, fortran_order \
                 and shape, got [{}]",
                keys.join(", ")
            ),
            to_file(lit.start),
        ));
    }
    let get = |key: &str| {
        lit.dict_get(key)
            .ok_or_else(|| data_err(format!("the header has no {key:?} key"), to_file(lit.start)))
    };
    let shape_lit = get("shape")?;
    let shape = parse_shape(shape_lit, &text).map_err(|m| data_err(m, to_file(shape_lit.start)))?;
    let fo = get("fortran_order")?;
    let fortran_order = match fo.kind {
        LitKind::Bool(b) => b,
        _ => {
            return Err(data_err(
                format!("fortran_order is not a valid bool: {}", fo.excerpt(&text)),
                to_file(fo.start),
            ))
        }
    };
    let descr = get("descr")?;
    let dtype = descr_from_lit(descr, &text, &options.dtype).map_err(|e| {
        let at = match e.location() {
            Some(Location::Spec(n)) => to_file(n),
            _ => to_file(descr.start),
        };
        Error::new(
            if e.kind() == ErrorKind::Limit {
                ErrorKind::Limit
            } else {
                ErrorKind::Data
            },
            format!("descr is not a valid dtype descriptor: {}", e.message()),
        )
        .at(Location::Byte(at as u64))
    })?;
    if dtype.has_object() {
        return Err(Error::new(
            ErrorKind::Unsupported,
            "the file holds Python objects (pickled data, dtype 'O'); dtkit does not unpickle",
        )
        .at(Location::Byte(to_file(descr.start) as u64)));
    }
    let count = shape
        .iter()
        .try_fold(1usize, |a, &d| a.checked_mul(d))
        .and_then(|n| n.checked_mul(dtype.itemsize()))
        .filter(|&n| n <= isize::MAX as usize);
    if count.is_none() {
        return Err(Error::new(
            ErrorKind::Limit,
            format!(
                "shape {shape:?} of {}-byte items is larger than any file can be",
                dtype.itemsize()
            ),
        )
        .at(Location::Byte(to_file(shape_lit.start) as u64)));
    }
    Ok(Header {
        version,
        header_len,
        data_offset: start + header_len,
        dtype,
        fortran_order,
        shape,
    })
}

fn header_error(e: Error, to_file: &dyn Fn(usize) -> usize) -> Error {
    let at = match e.location() {
        Some(Location::Spec(n)) => to_file(n),
        _ => to_file(0),
    };
    Error::new(
        if e.kind() == ErrorKind::Limit {
            ErrorKind::Limit
        } else {
            ErrorKind::Data
        },
        format!("cannot parse the header: {}", e.message()),
    )
    .at(Location::Byte(at as u64))
}

/// Remove the `L` of Python 2 long literals (`3L`) outside strings.
fn strip_long_suffixes(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut quote: Option<char> = None;
    let mut prev = ' ';
    for c in text.chars() {
        match quote {
            Some(q) if c == q && prev != '\\' => quote = None,
            Some(_) => {}
            None if c == '\'' || c == '"' => quote = Some(c),
            None if (c == 'L' || c == 'l') && prev.is_ascii_digit() => {
                prev = c;
                continue;
            }
            None => {}
        }
        out.push(c);
        prev = c;
    }
    out
}

fn parse_shape(lit: &Lit, text: &str) -> std::result::Result<Vec<usize>, String> {
    let bad = || {
        format!(
            "shape is not valid: {} (expected a tuple of non-negative integers)",
            lit.excerpt(text)
        )
    };
    let LitKind::Tuple(items) = &lit.kind else {
        return Err(bad());
    };
    if items.len() > crate::dtype::MAX_DIMS {
        return Err(format!(
            "shape has {} dimensions, at most {}",
            items.len(),
            crate::dtype::MAX_DIMS
        ));
    }
    items
        .iter()
        .map(|i| match i.kind {
            LitKind::Int(n) if n >= 0 => usize::try_from(n).map_err(|_| bad()),
            _ => Err(bad()),
        })
        .collect()
}

/// Read the header from a stream, leaving it positioned at the first data byte.
///
/// # Errors
/// As [`parse_header`], and I/O errors.
pub fn read_header(reader: &mut dyn Read, options: &ReadOptions) -> Result<Header> {
    let mut head = vec![0u8; 12];
    let n = read_full(reader, &mut head)?;
    head.truncate(n);
    let (_, len, start) = prefix(&head)?;
    if len > options.max_header_size {
        return parse_header(&head, options);
    }
    let mut bytes = head;
    // For version 1.0 up to two bytes of the header text (or of the data, for a header
    // shorter than that) came with the prefix.
    let have = bytes.len();
    if have >= start + len {
        bytes.truncate(start + len);
        return parse_header(&bytes, options);
    }
    bytes.resize(start + len, 0);
    let got = read_full(reader, &mut bytes[have..])?;
    bytes.truncate(have + got);
    parse_header(&bytes, options)
}

fn read_full(reader: &mut dyn Read, buf: &mut [u8]) -> Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match reader.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(n)
}

fn check_data(header: &Header, available: usize) -> Result<()> {
    let need = header.data_len();
    if available < need {
        return Err(data_err(
            format!(
                "the data is truncated: shape {:?} of {}-byte items needs {need} bytes after the \
                 header, the file has {available}",
                header.shape,
                header.dtype.itemsize()
            ),
            header.data_offset + available,
        ));
    }
    Ok(())
}

/// A zero-copy view of an `.npy` file held in memory.
///
/// # Errors
/// As [`parse_header`], and when the data is truncated.
pub fn view<'a>(bytes: &'a [u8], options: &ReadOptions) -> Result<(Header, ArrayView<'a>)> {
    let header = parse_header(bytes, options)?;
    check_data(&header, bytes.len() - header.data_offset)?;
    let layout = header.layout(bytes.len())?;
    let view = ArrayView::with_layout(bytes, layout)?;
    Ok((header, view))
}

/// Load an `.npy` file into an owned, aligned array (`np.load`).
///
/// # Errors
/// As [`parse_header`], I/O errors, and when the data is truncated.
pub fn load(path: &Path, options: &ReadOptions) -> Result<(Header, Array)> {
    let with_path = |e: Error| {
        let msg = format!("{}: {}", path.display(), e.message());
        let mut out = Error::new(e.kind(), msg);
        if let Some(l) = e.location() {
            out = out.at(l);
        }
        out
    };
    let mut file = std::fs::File::open(path).map_err(|e| with_path(e.into()))?;
    let header = read_header(&mut file, options).map_err(with_path)?;
    let len = file.metadata().map_err(|e| with_path(e.into()))?.len() as usize;
    check_data(&header, len.saturating_sub(header.data_offset)).map_err(with_path)?;
    let mut buf = AlignedBuf::zeroed(header.data_len())?;
    // The data on every core (it starts after the header, wherever the cursor is).
    let want = buf.len();
    let got = crate::pread::read_at(&file, header.data_offset as u64, buf.as_bytes_mut())
        .map_err(|e| with_path(e.into()))?;
    if got < want {
        return Err(with_path(
            std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                format!("the data ends after {got} of {want} bytes"),
            )
            .into(),
        ));
    }
    let (dtype, shape) = header.array_dtype_shape();
    let layout = Layout::contiguous(dtype, &shape, header.order())?;
    Ok((header, Array::from_parts(buf, layout)?))
}

/// An `.npy` file mapped into memory (`np.load(..., mmap_mode=...)`).
#[derive(Debug)]
pub struct MappedNpy {
    array: MappedArray,
    header: Header,
}

impl MappedNpy {
    /// The array of a mapped `.npy` file. Open the map with
    /// [`Mapping::open`](crate::storage::Mapping::open).
    ///
    /// # Errors
    /// As [`parse_header`], and when the data is truncated.
    pub fn new(map: Mapping, options: &ReadOptions) -> Result<MappedNpy> {
        let bytes = map.as_bytes();
        let header = parse_header(bytes, options)?;
        check_data(&header, bytes.len() - header.data_offset)?;
        let layout = header.layout(bytes.len())?;
        Ok(MappedNpy {
            array: MappedArray::with_layout(map, layout)?,
            header,
        })
    }

    /// The header.
    pub fn header(&self) -> &Header {
        &self.header
    }

    /// A read-only view of the data, without copying.
    pub fn view(&self) -> ArrayView<'_> {
        self.array.view()
    }

    /// A writable view (`r+` and `c` maps).
    ///
    /// # Errors
    /// [`ErrorKind::Argument`] for a read-only map.
    pub fn view_mut(&mut self) -> Result<ArrayViewMut<'_>> {
        self.array.view_mut()
    }

    /// Write changes to the file (`r+`).
    ///
    /// # Errors
    /// I/O errors.
    pub fn flush(&self) -> Result<()> {
        self.array.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn npy(header: &str) -> Vec<u8> {
        let mut v = b"\x93NUMPY\x01\x00".to_vec();
        v.extend((header.len() as u16).to_le_bytes());
        v.extend(header.as_bytes());
        v
    }

    #[test]
    fn accepts_what_numpy_accepts() {
        let o = ReadOptions::default();
        for h in [
            "{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }",
            "{\"shape\": (3,), \"descr\": \"<f8\", \"fortran_order\": False}",
            "{'descr':'<f8','fortran_order':False,'shape':(3,)}\n",
            "{'descr': '<f8', 'fortran_order': False, 'shape': (3L,), }",
        ] {
            let mut b = npy(h);
            b.extend([0u8; 24]);
            let (hd, v) = view(&b, &o).unwrap_or_else(|e| panic!("{h}: {e}"));
            assert_eq!((hd.shape.clone(), v.len()), (vec![3], 3), "{h}");
        }
    }

    #[test]
    fn streams_with_tiny_headers_do_not_overrun() {
        let o = ReadOptions::default();
        for len in 0u16..4 {
            let mut b = b"\x93NUMPY\x01\x00".to_vec();
            b.extend(len.to_le_bytes());
            b.extend(b"{}xyz");
            let e = read_header(&mut &b[..], &o).unwrap_err();
            assert!(e.location().is_some(), "{len}: {e}");
        }
        let mut b = npy("{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }");
        b.extend([0u8; 24]);
        let mut r = &b[..];
        let h = read_header(&mut r, &o).unwrap();
        assert_eq!((h.shape, r.len()), (vec![3], 24), "positioned at the data");
    }

    #[test]
    fn rejects_what_numpy_rejects_and_says_where() {
        let o = ReadOptions::default();
        let cases: &[(&[u8], &str)] = &[
            (b"", "expected 8 bytes"),
            (b"\x93NUMPY\x01", "expected 8 bytes"),
            (b"\x92NUMPY\x01\x00", "magic string is not correct"),
            (
                b"\x93NUMPY\x01\x01\x00\x00",
                "unsupported .npy format version (1, 1)",
            ),
            (b"\x93NUMPY\x01\x00\x01", "inside the 2-byte header length"),
            (
                b"\x93NUMPY\x01\x00\xff\x00{",
                "expected 255 bytes of header, got 1",
            ),
        ];
        for (bytes, msg) in cases {
            let e = parse_header(bytes, &o).unwrap_err();
            assert!(e.message().contains(msg), "{bytes:?}: {e}");
        }
        for (h, msg) in [
            ("[1, 2, 3]", "not a dictionary"),
            ("{'descr': '<f8', 'shape': (3,)}", "correct keys"),
            (
                "{'descr': '<f8', 'fortran_order': False, 'shape': (3,), 'extra': 1}",
                "correct keys",
            ),
            (
                "{'descr': '<f8', 'fortran_order': 0, 'shape': (3,)}",
                "fortran_order is not a valid bool",
            ),
            (
                "{'descr': '<f8', 'fortran_order': False, 'shape': [3]}",
                "shape is not valid",
            ),
            (
                "{'descr': '<f8', 'fortran_order': False, 'shape': (2.0,)}",
                "shape is not valid",
            ),
            (
                "{'descr': '<f8', 'fortran_order': False, 'shape': (-1,)}",
                "shape is not valid",
            ),
            (
                "{'descr': 'x', 'fortran_order': False, 'shape': (3,)}",
                "descr is not a valid",
            ),
            (
                "{'descr': '|O', 'fortran_order': False, 'shape': (3,)}",
                "Python objects",
            ),
            (
                "{'descr': dtype('<i4'), 'fortran_order': False, 'shape': (3,)}",
                "cannot parse",
            ),
            (
                "{'descr': '<f8', 'fortran_order': False, 'shape': (4611686018427387904, 4)}",
                "larger than any file",
            ),
        ] {
            let e = parse_header(&npy(h), &o).unwrap_err();
            assert!(e.message().contains(msg), "{h}: {e}");
            assert!(
                matches!(e.location(), Some(Location::Byte(n)) if n >= 10),
                "{h}: {e:?}"
            );
        }
        // Truncated data: the byte counts are in the message.
        let mut b = npy("{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }");
        b.extend([0u8; 23]);
        let e = view(&b, &o).unwrap_err();
        assert!(
            e.message()
                .contains("needs 24 bytes after the header, the file has 23"),
            "{e}"
        );
        // The limit.
        let small = ReadOptions {
            max_header_size: 10,
            ..ReadOptions::default()
        };
        assert_eq!(
            parse_header(
                &npy("{'descr': '<f8', 'fortran_order': False, 'shape': (3,)}"),
                &small
            )
            .unwrap_err()
            .kind(),
            ErrorKind::Limit
        );
    }
}
