//! Reading a large part of a file on every core, each thread into its own part of the
//! buffer: most of the cost of reading a large file into fresh memory is the fresh pages,
//! and this way every core takes its share of them.

use std::fs::File;

/// Parts from this size on are read by several threads at once.
const PARALLEL_FROM: usize = 8 << 20;

/// Read `buf.len()` bytes of `file` from `offset` (without moving its cursor), large reads
/// on every core. Returns the bytes read: fewer than asked only where the file ends.
///
/// # Errors
/// The first I/O error of any part.
pub(crate) fn read_at(file: &File, offset: u64, buf: &mut [u8]) -> std::io::Result<usize> {
    let threads = if cfg!(any(unix, windows)) {
        crate::cores().min(buf.len() / (PARALLEL_FROM / 2)).max(1)
    } else {
        // Reads move the one shared cursor.
        1
    };
    let part = buf.len().div_ceil(threads).max(1);
    if threads == 1 {
        return read_part(file, offset, buf);
    }
    let got: Vec<std::io::Result<usize>> = std::thread::scope(|s| {
        let handles: Vec<_> = buf
            .chunks_mut(part)
            .enumerate()
            .map(|(k, chunk)| s.spawn(move || read_part(file, offset + (k * part) as u64, chunk)))
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err(std::io::Error::other("a reading thread failed")))
            })
            .collect()
    });
    let mut total = 0;
    for (k, r) in got.into_iter().enumerate() {
        let n = r?;
        total = k * part + n;
        if n < part.min(buf.len() - k * part) {
            // Short: the file ended here.
            break;
        }
    }
    Ok(total)
}

/// As much of `buf` as the file holds from `at`, on this thread.
pub(crate) fn read_part(file: &File, at: u64, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut done = 0;
    while done < buf.len() {
        match read_once(file, &mut buf[done..], at + done as u64) {
            Ok(0) => break,
            Ok(n) => done += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(done)
}

/// Write all of `buf` to `file` at `offset` (without moving its cursor), large writes on
/// every core: the pages a file system gives a new file are fresh too.
///
/// # Errors
/// The first I/O error of any part.
pub(crate) fn write_at(file: &File, offset: u64, buf: &[u8]) -> std::io::Result<()> {
    let threads = if cfg!(any(unix, windows)) {
        crate::cores().min(buf.len() / (PARALLEL_FROM / 2)).max(1)
    } else {
        1
    };
    if threads == 1 {
        return write_all_at(file, offset, buf);
    }
    let part = buf.len().div_ceil(threads).max(1);
    let got: Vec<std::io::Result<()>> = std::thread::scope(|s| {
        let handles: Vec<_> = buf
            .chunks(part)
            .enumerate()
            .map(|(k, chunk)| {
                s.spawn(move || write_all_at(file, offset + (k * part) as u64, chunk))
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err(std::io::Error::other("a writing thread failed")))
            })
            .collect()
    });
    got.into_iter().collect()
}

/// Write all of `buf` to `file` at `at` (without moving its cursor where the system
/// writes at an offset).
pub(crate) fn write_all_at(file: &File, mut at: u64, mut buf: &[u8]) -> std::io::Result<()> {
    while !buf.is_empty() {
        match write_once(file, buf, at) {
            Ok(0) => return Err(std::io::ErrorKind::WriteZero.into()),
            Ok(n) => {
                buf = &buf[n..];
                at += n as u64;
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

#[cfg(unix)]
fn write_once(file: &File, buf: &[u8], at: u64) -> std::io::Result<usize> {
    std::os::unix::fs::FileExt::write_at(file, buf, at)
}

#[cfg(windows)]
fn write_once(file: &File, buf: &[u8], at: u64) -> std::io::Result<usize> {
    std::os::windows::fs::FileExt::seek_write(file, buf, at)
}

#[cfg(not(any(unix, windows)))]
fn write_once(file: &File, buf: &[u8], at: u64) -> std::io::Result<usize> {
    use std::io::{Seek, SeekFrom, Write};
    let mut f = file;
    f.seek(SeekFrom::Start(at))?;
    f.write(buf)
}

#[cfg(unix)]
fn read_once(file: &File, buf: &mut [u8], at: u64) -> std::io::Result<usize> {
    std::os::unix::fs::FileExt::read_at(file, buf, at)
}

#[cfg(windows)]
fn read_once(file: &File, buf: &mut [u8], at: u64) -> std::io::Result<usize> {
    std::os::windows::fs::FileExt::seek_read(file, buf, at)
}

#[cfg(not(any(unix, windows)))]
fn read_once(file: &File, buf: &mut [u8], at: u64) -> std::io::Result<usize> {
    use std::io::{Read, Seek, SeekFrom};
    let mut f = file;
    f.seek(SeekFrom::Start(at))?;
    f.read(buf)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    /// Parts read on several threads land in order; a read past the end comes back short.
    #[test]
    fn reads_in_parts_and_stops_at_the_end() {
        let data: Vec<u8> = (0..(9usize << 20) + 13)
            .map(|i| (i * 7 % 251) as u8)
            .collect();
        let mut f = tempfile::tempfile().unwrap();
        f.write_all(&data).unwrap();
        let mut buf = vec![0u8; data.len() - 100];
        assert_eq!(read_at(&f, 100, &mut buf).unwrap(), buf.len());
        assert_eq!(buf, data[100..]);
        let mut long = vec![0u8; data.len()];
        assert_eq!(read_at(&f, 5, &mut long).unwrap(), data.len() - 5);
        assert_eq!(long[..data.len() - 5], data[5..]);
        // Written in parts, read back whole.
        let g = tempfile::tempfile().unwrap();
        write_at(&g, 3, &data).unwrap();
        let mut back = vec![1u8; data.len() + 3];
        assert_eq!(read_at(&g, 0, &mut back).unwrap(), back.len());
        assert_eq!(back[..3], [0, 0, 0]);
        assert_eq!(back[3..], data[..]);
        let mut small = [0u8; 10];
        assert_eq!(read_at(&f, 3, &mut small).unwrap(), 10);
        assert_eq!(small, data[3..13]);
    }
}
