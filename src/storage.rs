//! Memory-mapped files: the one module of dtkit that contains `unsafe` code.
//!
//! A memory map turns a file into bytes without reading it. The operating system gives no
//! way to stop another process (or this one) from truncating or rewriting the file while
//! it is mapped; if that happens, reading the map can crash the process with `SIGBUS` or
//! observe bytes changing under a `&[u8]`. That is why [`Mapping::open`] is an `unsafe fn`:
//! its caller promises the file stays as it is while mapped, exactly as with
//! [`memmap2::Mmap::map`].

#![allow(unsafe_code)]

use std::fs::{File, OpenOptions};
use std::path::Path;

use crate::error::{Error, ErrorKind, Result};

/// How a file is mapped: NumPy's `memmap` modes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MapMode {
    /// `'r'`: read-only.
    ReadOnly,
    /// `'r+'`: read and write; changes reach the file (extended if too short).
    ReadWrite,
    /// `'c'`: copy-on-write; changes stay in memory, the file is untouched.
    CopyOnWrite,
    /// `'w+'`: create or overwrite the file with the needed size, read and write.
    Create,
}

impl MapMode {
    /// Parse NumPy's mode strings (`r`, `r+`, `c`, `w+` and the long aliases).
    ///
    /// # Errors
    /// [`ErrorKind::Argument`] for any other string.
    pub fn parse(mode: &str) -> Result<MapMode> {
        Ok(match mode {
            "r" | "readonly" => MapMode::ReadOnly,
            "r+" | "readwrite" => MapMode::ReadWrite,
            "c" | "copyonwrite" => MapMode::CopyOnWrite,
            "w+" | "write" => MapMode::Create,
            other => {
                return Err(Error::new(
                    ErrorKind::Argument,
                    format!(
                        "mode must be one of 'r', 'c', 'r+', 'w+', 'readonly', 'copyonwrite', \
                         'readwrite', 'write' (got {other:?})"
                    ),
                ))
            }
        })
    }

    /// Whether views of the map may be written.
    pub fn is_writeable(self) -> bool {
        self != MapMode::ReadOnly
    }
}

enum Inner {
    ReadOnly(memmap2::Mmap),
    Writable(memmap2::MmapMut),
    /// Zero-length files cannot be mapped; they are empty byte slices.
    Empty,
}

/// The bytes of a whole mapped file.
pub struct Mapping {
    inner: Inner,
    mode: MapMode,
}

impl std::fmt::Debug for Mapping {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Mapping({} bytes, {:?})",
            self.as_bytes().len(),
            self.mode
        )
    }
}

fn io_error(what: &str, path: &Path, e: std::io::Error) -> Error {
    let mut err = Error::from(e);
    err = Error::new(
        err.kind(),
        format!("{what} {}: {}", path.display(), err.message()),
    );
    err
}

impl Mapping {
    /// Map the whole file at `path`. For [`MapMode::Create`] the file is created (or
    /// truncated) with `min_len` bytes; for [`MapMode::ReadWrite`] it is extended to
    /// `min_len` bytes when shorter, as NumPy's `memmap` does.
    ///
    /// # Safety
    /// The file must not be truncated, and must not be modified other than through this
    /// mapping, while the returned `Mapping` (or any view borrowed from it) is alive.
    /// Truncation makes reads fault (`SIGBUS`); outside writes change bytes behind shared
    /// references.
    ///
    /// # Errors
    /// I/O errors, with the path in the message.
    pub unsafe fn open(path: &Path, mode: MapMode, min_len: u64) -> Result<Mapping> {
        let file = match mode {
            MapMode::ReadOnly | MapMode::CopyOnWrite => File::open(path),
            MapMode::ReadWrite => OpenOptions::new().read(true).write(true).open(path),
            MapMode::Create => OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(true)
                .open(path),
        }
        .map_err(|e| io_error("cannot open", path, e))?;
        let len = file
            .metadata()
            .map_err(|e| io_error("cannot stat", path, e))?
            .len();
        if matches!(mode, MapMode::ReadWrite | MapMode::Create) && len < min_len {
            file.set_len(min_len)
                .map_err(|e| io_error("cannot extend", path, e))?;
        }
        let len = len.max(if mode.is_writeable() && mode != MapMode::CopyOnWrite {
            min_len
        } else {
            0
        });
        if len == 0 {
            return Ok(Mapping {
                inner: Inner::Empty,
                mode,
            });
        }
        // SAFETY: the caller guarantees the file is neither truncated nor modified elsewhere
        // while mapped (this function's contract). The map covers the file's current length.
        let inner = unsafe {
            match mode {
                MapMode::ReadOnly => memmap2::Mmap::map(&file).map(Inner::ReadOnly),
                MapMode::CopyOnWrite => memmap2::MmapOptions::new()
                    .map_copy(&file)
                    .map(Inner::Writable),
                MapMode::ReadWrite | MapMode::Create => {
                    memmap2::MmapMut::map_mut(&file).map(Inner::Writable)
                }
            }
        }
        .map_err(|e| io_error("cannot map", path, e))?;
        Ok(Mapping { inner, mode })
    }

    /// The mapped bytes.
    pub fn as_bytes(&self) -> &[u8] {
        match &self.inner {
            Inner::ReadOnly(m) => m,
            Inner::Writable(m) => m,
            Inner::Empty => &[],
        }
    }

    /// The mapped bytes, writable unless the map is read-only.
    pub fn as_bytes_mut(&mut self) -> Option<&mut [u8]> {
        match &mut self.inner {
            Inner::Writable(m) => Some(m),
            Inner::Empty => Some(&mut []),
            Inner::ReadOnly(_) => None,
        }
    }

    /// The mode the file was mapped with.
    pub fn mode(&self) -> MapMode {
        self.mode
    }

    /// Write changes back to the file (for `r+` and `w+`; nothing to do otherwise).
    ///
    /// # Errors
    /// I/O errors from the operating system.
    pub fn flush(&self) -> Result<()> {
        match (&self.inner, self.mode) {
            (Inner::Writable(m), MapMode::ReadWrite | MapMode::Create) => Ok(m.flush()?),
            _ => Ok(()),
        }
    }
}

impl Drop for Mapping {
    /// Flushes `r+`/`w+` maps. Errors cannot be reported from a destructor: call
    /// [`Mapping::flush`] first to see them.
    fn drop(&mut self) {
        let _ = self.flush();
    }
}
