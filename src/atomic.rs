//! Writing files atomically: every output goes to a temporary file beside its target and
//! is renamed over it only when complete, so a crash or an error never leaves a partial
//! file, and an existing target stays intact until the new one is whole.

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

fn dir_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

fn with_path(e: std::io::Error, what: &str, path: &Path) -> Error {
    let err = Error::from(e);
    Error::new(
        err.kind(),
        format!("{what} {}: {}", path.display(), err.message()),
    )
}

/// Create `path` from what `write` writes: buffered into a temporary file beside it, then
/// renamed into place. When `write` fails the temporary file is removed and `path` is
/// untouched. A crash of the process leaves either the old file or the new one; to also
/// survive a power loss, use [`write_file_durable`].
///
/// # Errors
/// The error of `write`, or I/O errors with the path in the message.
pub fn write_file(path: &Path, write: impl FnOnce(&mut dyn Write) -> Result<()>) -> Result<()> {
    write_file_with(path, false, write)
}

/// As [`write_file`], and the data is synced to disk before the rename (slower: it waits
/// for the device).
///
/// # Errors
/// As [`write_file`].
pub fn write_file_durable(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> Result<()>,
) -> Result<()> {
    write_file_with(path, true, write)
}

/// [`write_file`] for writers that go back to change what they wrote (a header whose
/// record count is known at the end): `write` gets the temporary file itself.
///
/// # Errors
/// As [`write_file`].
pub fn write_file_seekable(
    path: &Path,
    write: impl FnOnce(&mut std::fs::File) -> Result<()>,
) -> Result<()> {
    let mut tmp = temp_beside(path)?;
    write(tmp.as_file_mut())?;
    tmp.persist(path)
        .map_err(|e| with_path(e.error, "cannot rename into", path))?;
    Ok(())
}

/// A temporary file in `path`'s directory, to be renamed onto `path` when complete. It
/// gets the permissions of the file it replaces, or those of any new file (0666 less the
/// umask), not a temporary file's private 0600.
pub(crate) fn temp_beside(path: &Path) -> Result<tempfile::NamedTempFile> {
    let dir = dir_of(path);
    let mut builder = tempfile::Builder::new();
    builder.prefix(".dtkit-").suffix(".part");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path).map_or(0o666, |m| m.permissions().mode() & 0o7777);
        builder.permissions(std::fs::Permissions::from_mode(mode));
    }
    builder
        .tempfile_in(&dir)
        .map_err(|e| with_path(e, "cannot create a temporary file in", &dir))
}

fn write_file_with(
    path: &Path,
    durable: bool,
    write: impl FnOnce(&mut dyn Write) -> Result<()>,
) -> Result<()> {
    let dir = dir_of(path);
    let tmp = temp_beside(path)?;
    let mut out = BufWriter::with_capacity(1 << 20, tmp);
    write(&mut out)?;
    let tmp = out
        .into_inner()
        .map_err(|e| with_path(e.into_error(), "cannot write", path))?;
    if durable {
        tmp.as_file()
            .sync_all()
            .map_err(|e| with_path(e, "cannot flush", path))?;
    }
    tmp.persist(path)
        .map_err(|e| with_path(e.error, "cannot rename into", path))?;
    if durable {
        if let Ok(d) = std::fs::File::open(&dir) {
            let _ = d.sync_all();
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A new file has the usual permissions (not the temporary file's 0600), and a
    /// replaced file keeps its own.
    #[cfg(unix)]
    #[test]
    fn permissions_are_those_of_a_normal_file() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("new.bin");
        write_file(&p, |w| Ok(w.write_all(b"x")?)).unwrap();
        let plain = std::fs::File::create(dir.path().join("plain")).unwrap();
        let want = plain.metadata().unwrap().permissions().mode() & 0o777;
        assert_eq!(
            std::fs::metadata(&p).unwrap().permissions().mode() & 0o777,
            want
        );
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o640)).unwrap();
        write_file(&p, |w| Ok(w.write_all(b"y")?)).unwrap();
        assert_eq!(
            std::fs::metadata(&p).unwrap().permissions().mode() & 0o777,
            0o640
        );
    }

    #[test]
    fn failure_leaves_the_old_file_and_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out.bin");
        std::fs::write(&target, b"old").unwrap();
        let e = write_file(&target, |out| {
            out.write_all(b"partial")?;
            Err(Error::new(crate::ErrorKind::Data, "boom"))
        })
        .unwrap_err();
        assert_eq!(e.message(), "boom");
        assert_eq!(std::fs::read(&target).unwrap(), b"old");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
        write_file(&target, |out| Ok(out.write_all(b"new")?)).unwrap();
        assert_eq!(std::fs::read(&target).unwrap(), b"new");
        write_file_durable(&target, |out| Ok(out.write_all(b"synced")?)).unwrap();
        assert_eq!(std::fs::read(&target).unwrap(), b"synced");
    }
}
