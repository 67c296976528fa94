//! Reading whole text files for the loaders that need all of the text at once
//! (`fromregex`, and `genfromtxt` with options that need every row first).

use std::fs::File;
use std::io::Read;
use std::path::Path;

use crate::array::AlignedBuf;
use crate::error::{Error, Result};

/// Files from this size on are read by several threads at once (where the system reads
/// at an offset without a shared cursor).
#[cfg_attr(not(unix), allow(dead_code))]
const PARALLEL_FROM: usize = 8 << 20;

/// The bytes of the file at `path`, a `.gz` file decompressed, in an aligned buffer (for
/// [`genfromtxt_bytes`](super::genfromtxt_bytes) and the other loaders of whole texts). A
/// large regular file is read by one thread per core, each into its own part of the
/// buffer: most of the cost of reading 100 MB is the page faults of the fresh buffer, and
/// this way every core takes its share of them.
///
/// # Errors
/// I/O errors, with the path in the message.
pub fn read_file(path: &Path) -> Result<AlignedBuf> {
    let with_path = |e: std::io::Error| {
        let err = Error::from(e);
        Error::new(
            err.kind(),
            format!("cannot read {}: {}", path.display(), err.message()),
        )
    };
    let file = File::open(path).map_err(with_path)?;
    if path.extension().is_some_and(|e| e == "gz") {
        return read_all(flate2::read::MultiGzDecoder::new(file), None).map_err(with_path);
    }
    let size = file
        .metadata()
        .ok()
        .filter(|m| m.is_file())
        .and_then(|m| usize::try_from(m.len()).ok());
    match size {
        #[cfg(unix)]
        Some(size) if size >= PARALLEL_FROM => read_parallel(&file, size).map_err(with_path),
        _ => read_all(file, size).map_err(with_path),
    }
}

/// All of `reader`, in an aligned buffer (large ones in huge pages: reading 100 MB into a
/// fresh vector costs more in page faults than in copying).
pub(crate) fn read_all(mut reader: impl Read, size: Option<usize>) -> std::io::Result<AlignedBuf> {
    let mut buf = AlignedBuf::default();
    buf.reserve(size.map_or(1 << 16, |s| s + 1));
    read_rest(&mut reader, &mut buf)?;
    Ok(buf)
}

/// Append the rest of `reader` to `buf`.
pub(crate) fn read_rest(reader: &mut impl Read, buf: &mut AlignedBuf) -> std::io::Result<()> {
    loop {
        if buf.spare_mut().is_empty() {
            buf.reserve(buf.capacity().max(1 << 16));
        }
        match reader.read(buf.spare_mut()) {
            Ok(0) => return Ok(()),
            Ok(n) => buf.grow_len(n),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
}

/// Python's universal newlines, as a file opened in text mode reads: each `"\r\n"` becomes
/// `"\n"`, and so does each lone `'\r'`. The text shrinks in place; a text without a
/// carriage return is left as it is, after one `memchr` pass.
pub(crate) fn universal_newlines(buf: &mut AlignedBuf) {
    let bytes = buf.as_bytes_mut();
    let Some(first) = memchr::memchr(b'\r', bytes) else {
        return;
    };
    let len = bytes.len();
    // Bytes before `write` are final; `read` is the next one to look at (a '\r').
    let (mut write, mut read) = (first, first);
    while read < len {
        // bytes[read] is a '\r': it becomes a '\n', and the '\n' of a CRLF is dropped.
        bytes[write] = b'\n';
        write += 1;
        read += 1;
        if bytes.get(read) == Some(&b'\n') {
            read += 1;
        }
        let next = memchr::memchr(b'\r', &bytes[read..]).map_or(len, |k| read + k);
        bytes.copy_within(read..next, write);
        write += next - read;
        read = next;
    }
    buf.truncate(write);
}

/// A file of about `size` bytes read in parts, one thread each; then whatever follows (the
/// file may have grown). A part that comes back short (the file shrank) ends the text.
#[cfg(unix)]
fn read_parallel(file: &File, size: usize) -> std::io::Result<AlignedBuf> {
    let mut buf = AlignedBuf::default();
    buf.reserve(size + 1);
    if buf.spare_mut().len() < size {
        // No room reserved up front: read as it comes.
        return read_all(file, Some(size));
    }
    let total = crate::pread::read_at(file, 0, &mut buf.spare_mut()[..size])?;
    if total < size {
        // Short: the file ended here.
        buf.grow_len(total);
        return Ok(buf);
    }
    buf.grow_len(total);
    let mut tail = FileTail {
        file,
        at: total as u64,
    };
    read_rest(&mut tail, &mut buf)?;
    Ok(buf)
}

/// A file read from an offset on, without moving its cursor.
#[cfg(unix)]
struct FileTail<'a> {
    file: &'a File,
    at: u64,
}

#[cfg(unix)]
impl Read for FileTail<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        use std::os::unix::fs::FileExt;
        let n = self.file.read_at(buf, self.at)?;
        self.at += n as u64;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Universal newlines: CRLF and lone CR become LF, wherever they fall.
    #[test]
    fn universal_newlines_as_python_reads_text() {
        for (text, want) in [
            ("", ""),
            ("a\nb", "a\nb"),
            ("a\r\nb\r\n", "a\nb\n"),
            ("a\rb\r", "a\nb\n"),
            ("\r\r\n\n\r", "\n\n\n\n"),
            ("x\r\n\r\ny\rz\n\r\r\n", "x\n\ny\nz\n\n\n"),
            ("\u{e9}\r\u{e9}", "\u{e9}\n\u{e9}"),
        ] {
            let mut buf = AlignedBuf::default();
            buf.extend_from_slice(text.as_bytes());
            universal_newlines(&mut buf);
            // Python: io.TextIOWrapper(io.BytesIO(text)).read()
            assert_eq!(buf.as_bytes(), want.as_bytes(), "{text:?}");
        }
    }

    /// Files read in parallel parts come back byte for byte, whatever the size.
    #[test]
    fn parallel_parts() {
        let dir = tempfile::tempdir().unwrap();
        for size in [
            0,
            1,
            PARALLEL_FROM - 1,
            PARALLEL_FROM,
            PARALLEL_FROM + 4097,
            3 * PARALLEL_FROM + 5,
        ] {
            let path = dir.path().join(format!("f{size}.txt"));
            let bytes: Vec<u8> = (0..size).map(|k| (k * 7 + k / 251) as u8).collect();
            std::fs::write(&path, &bytes).unwrap();
            let got = read_file(&path).unwrap();
            assert_eq!(got.as_bytes().len(), size);
            assert!(got.as_bytes() == &bytes[..], "size {size}");
        }
        let missing = read_file(&dir.path().join("missing.txt")).unwrap_err();
        assert!(
            missing.message().contains("missing.txt"),
            "{}",
            missing.message()
        );
    }
}
