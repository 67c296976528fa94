//! `.npz` archives: zip files of `.npy` members, as `np.savez` and `np.savez_compressed`
//! write them.
//!
//! Reading uses the `zip` crate and is lazy: the member list comes from the central
//! directory, a member is decompressed only when loaded, and a stored (uncompressed)
//! member of an archive held in memory or mapped can be viewed without any copy — which
//! NumPy cannot do (numpy#5976).
//!
//! Writing produces NumPy's layout (zip64 local headers, 1980-01-01 timestamps, mode
//! 0600) by hand, because compressing one large member on every core needs what the `zip`
//! crate does not offer: writing an entry whose deflate stream and CRC were computed
//! elsewhere. Members are compressed in 1 MiB chunks on one worker thread a core; each
//! chunk but the last ends with a sync flush's marker and no final block, so their
//! concatenation is one standard deflate stream. With the default `libdeflate` feature the
//! chunks are libdeflate's (about twice zlib's speed at the same level, and NumPy's size),
//! made joinable by walking each to its last block; without it, zlib-rs's.
//!
//! # Limits
//! A member's declared size may not exceed what deflate can expand its compressed size to
//! (about 1032:1) — larger claims are zip bombs and are refused before anything is
//! allocated — nor [`NpzOptions::max_member_size`]. The archive may hold at most
//! [`NpzOptions::max_members`] members.

use std::borrow::Cow;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::Path;

use crate::array::{AlignedBuf, Array, ArrayView, Layout};
use crate::error::{Error, ErrorKind, Location, Result};
use crate::npy::{self, Header, ReadOptions};

/// Deflate cannot expand data by more than this factor (258 bytes from a 2-bit code, with
/// block overhead); a declared size beyond it is a lie.
const DEFLATE_MAX_RATIO: u64 = 1032;

/// How a member is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Compression {
    /// Method 0, as `np.savez` writes.
    Stored,
    /// Method 8, as `np.savez_compressed` writes.
    Deflated,
    /// Any other zip method (not written by NumPy).
    Other,
}

/// Limits and options for reading archives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NpzOptions {
    /// Options for each member's `.npy` header.
    pub read: ReadOptions,
    /// Largest uncompressed member accepted, in bytes (default 1 TiB).
    pub max_member_size: u64,
    /// Most members accepted (default 1,000,000).
    pub max_members: usize,
}

impl Default for NpzOptions {
    fn default() -> Self {
        NpzOptions {
            read: ReadOptions::default(),
            max_member_size: 1 << 40,
            max_members: 1_000_000,
        }
    }
}

/// One member of an archive, from the central directory.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct MemberInfo {
    /// The key NumPy gives it: the file name with a trailing `.npy` removed.
    pub name: String,
    /// The file name in the archive.
    pub file_name: String,
    /// How it is stored.
    pub compression: Compression,
    /// Bytes in the archive.
    pub compressed_size: u64,
    /// Bytes once decompressed.
    pub size: u64,
    /// Offset of the member's (possibly compressed) data in the archive.
    pub data_start: u64,
}

/// A loaded member: an array, or the raw bytes of a member that is not an `.npy` file.
#[derive(Debug)]
pub enum Member {
    /// An `.npy` member (boxed: the header and array are large next to a byte vector).
    Array(Box<Header>, Box<Array>),
    /// Anything else, as NumPy's `NpzFile` returns it.
    Bytes(Vec<u8>),
}

/// An open archive.
pub struct Npz<R> {
    archive: zip::ZipArchive<R>,
    members: Vec<MemberInfo>,
    options: NpzOptions,
}

impl<R> std::fmt::Debug for Npz<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Npz")
            .field("members", &self.members)
            .finish()
    }
}

fn zip_err(e: zip::result::ZipError) -> Error {
    match e {
        zip::result::ZipError::Io(io) => io.into(),
        other => Error::new(ErrorKind::Data, format!("not a valid zip archive: {other}")),
    }
}

impl Npz<File> {
    /// Open the archive at `path`.
    ///
    /// # Errors
    /// I/O errors; [`ErrorKind::Data`] for a damaged archive; [`ErrorKind::Limit`] past
    /// [`NpzOptions::max_members`].
    pub fn open(path: &Path, options: &NpzOptions) -> Result<Npz<File>> {
        let file = File::open(path).map_err(|e| {
            let err = Error::from(e);
            Error::new(
                err.kind(),
                format!("cannot open {}: {}", path.display(), err.message()),
            )
        })?;
        Npz::new(file, options)
    }
}

impl<R: Read + Seek> Npz<R> {
    /// Read the central directory of the archive in `reader`.
    ///
    /// # Errors
    /// As [`Npz::open`].
    pub fn new(reader: R, options: &NpzOptions) -> Result<Npz<R>> {
        let mut archive = zip::ZipArchive::new(reader).map_err(zip_err)?;
        if archive.len() > options.max_members {
            return Err(Error::new(
                ErrorKind::Limit,
                format!(
                    "{} members: more than the limit of {}",
                    archive.len(),
                    options.max_members
                ),
            ));
        }
        let mut members = Vec::with_capacity(archive.len());
        for i in 0..archive.len() {
            let f = archive.by_index_raw(i).map_err(zip_err)?;
            let file_name = f.name().map_err(zip_err)?.into_owned();
            let name = file_name
                .strip_suffix(".npy")
                .unwrap_or(&file_name)
                .to_owned();
            let compression = match f.compression() {
                zip::CompressionMethod::Stored => Compression::Stored,
                zip::CompressionMethod::Deflated => Compression::Deflated,
                _ => Compression::Other,
            };
            members.push(MemberInfo {
                name,
                file_name,
                compression,
                compressed_size: f.compressed_size(),
                size: f.size(),
                data_start: f.data_start().unwrap_or(0),
            });
        }
        Ok(Npz {
            archive,
            members,
            options: options.clone(),
        })
    }

    /// The members, in archive order.
    pub fn members(&self) -> &[MemberInfo] {
        &self.members
    }

    /// The member NumPy finds for `key` (with or without `.npy`).
    pub fn member(&self, key: &str) -> Option<(usize, &MemberInfo)> {
        self.members
            .iter()
            .enumerate()
            .find(|(_, m)| m.name == key || m.file_name == key)
    }

    fn index(&self, key: &str) -> Result<usize> {
        self.member(key).map(|(i, _)| i).ok_or_else(|| {
            let names: Vec<&str> = self.members.iter().map(|m| m.name.as_str()).collect();
            Error::new(
                ErrorKind::Argument,
                format!("{key:?} is not a file in the archive: expected one of {names:?}"),
            )
        })
    }

    fn check_sizes(&self, i: usize) -> Result<()> {
        let m = &self.members[i];
        let plausible = match m.compression {
            Compression::Stored => m.size == m.compressed_size,
            Compression::Deflated => {
                m.size <= m.compressed_size.saturating_mul(DEFLATE_MAX_RATIO) + 1024
            }
            Compression::Other => false,
        };
        if m.compression == Compression::Other {
            return Err(Error::new(
                ErrorKind::Unsupported,
                format!(
                    "member {:?} uses a compression method NumPy never writes",
                    m.name
                ),
            ));
        }
        if !plausible {
            return Err(Error::new(
                ErrorKind::Limit,
                format!(
                    "member {:?} claims {} bytes from {} compressed bytes, more than deflate \
                     can produce: refusing a zip bomb",
                    m.name, m.size, m.compressed_size
                ),
            )
            .at(Location::Byte(m.data_start)));
        }
        if m.size > self.options.max_member_size {
            return Err(Error::new(
                ErrorKind::Limit,
                format!(
                    "member {:?} is {} bytes, over the limit of {} (NpzOptions::max_member_size)",
                    m.name, m.size, self.options.max_member_size
                ),
            ));
        }
        Ok(())
    }

    /// The `.npy` header of a member, reading only its first bytes; `None` when the member
    /// is not an `.npy` file.
    ///
    /// # Errors
    /// An unknown key, a damaged member, a header NumPy would reject.
    pub fn header(&mut self, key: &str) -> Result<Option<Header>> {
        let i = self.index(key)?;
        self.check_sizes(i)?;
        let opts = self.options.read.clone();
        let mut f = self.archive.by_index(i).map_err(zip_err)?;
        let mut magic = [0u8; 6];
        let n = read_up_to(&mut f, &mut magic)?;
        if &magic[..n] != npy::MAGIC {
            return Ok(None);
        }
        let mut chained = (&magic[..n]).chain(&mut f);
        npy::read_header(&mut chained, &opts).map(Some)
    }

    /// Load a member: an array for an `.npy` member, bytes otherwise (NumPy's
    /// `NpzFile[key]`).
    ///
    /// # Errors
    /// As [`Npz::header`], and a truncated or corrupt member (CRC mismatch).
    pub fn load(&mut self, key: &str) -> Result<Member> {
        let i = self.index(key)?;
        self.check_sizes(i)?;
        let info = self.members[i].clone();
        let opts = self.options.read.clone();
        let mut f = self.archive.by_index(i).map_err(zip_err)?;
        let mut magic = [0u8; 6];
        let n = read_up_to(&mut f, &mut magic)?;
        if &magic[..n] != npy::MAGIC {
            let mut bytes = magic[..n].to_vec();
            f.take(info.size.saturating_sub(n as u64))
                .read_to_end(&mut bytes)?;
            return Ok(Member::Bytes(bytes));
        }
        let mut chained = (&magic[..n]).chain(&mut f);
        let header = npy::read_header(&mut chained, &opts)?;
        let need = header.data_len() as u64;
        if header.data_offset as u64 + need > info.size {
            return Err(Error::new(
                ErrorKind::Data,
                format!(
                    "member {:?} is truncated: its header announces {need} bytes of data, the \
                     member holds {}",
                    info.name,
                    info.size.saturating_sub(header.data_offset as u64)
                ),
            ));
        }
        let mut buf = AlignedBuf::zeroed(header.data_len())?;
        chained
            .read_exact(buf.as_bytes_mut())
            .map_err(|e| Error::new(ErrorKind::Data, format!("member {:?}: {e}", info.name)))?;
        // Read to the end so that the zip reader checks the CRC.
        std::io::copy(&mut chained, &mut std::io::sink())
            .map_err(|e| Error::new(ErrorKind::Data, format!("member {:?}: {e}", info.name)))?;
        let (dtype, shape) = header.array_dtype_shape();
        let layout = Layout::contiguous(dtype, &shape, header.order())?;
        let array = Array::from_parts(buf, layout)?;
        Ok(Member::Array(Box::new(header), Box::new(array)))
    }
}

fn read_up_to(r: &mut dyn Read, buf: &mut [u8]) -> Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..])? {
            0 => break,
            k => n += k,
        }
    }
    Ok(n)
}

/// A zero-copy view of a stored member of an archive held in memory (for example a mapped
/// `.npz` file): its `.npy` data is addressed in place.
///
/// # Errors
/// [`ErrorKind::Argument`] for a compressed member; as [`npy::view`] otherwise.
pub fn view_member<'a>(
    archive: &'a [u8],
    member: &MemberInfo,
    options: &ReadOptions,
) -> Result<(Header, ArrayView<'a>)> {
    if member.compression != Compression::Stored {
        return Err(Error::new(
            ErrorKind::Argument,
            format!(
                "member {:?} is compressed: load it instead of viewing it",
                member.name
            ),
        ));
    }
    let start = usize::try_from(member.data_start)
        .map_err(|_| Error::new(ErrorKind::Limit, "offset overflows"))?;
    let end = usize::try_from(member.data_start.saturating_add(member.size))
        .map_err(|_| Error::new(ErrorKind::Limit, "offset overflows"))?;
    let bytes = archive.get(start..end).ok_or_else(|| {
        Error::new(
            ErrorKind::Data,
            format!("member {:?} lies past the end of the archive", member.name),
        )
        .at(Location::Byte(archive.len() as u64))
    })?;
    npy::view(bytes, options)
}

// --- Writing ----------------------------------------------------------------------------

/// Chunk of uncompressed bytes compressed by one task.
const CHUNK: usize = 1 << 20;

/// zlib's default level, which `np.savez_compressed` uses.
const LEVEL: u32 = 6;

struct Entry {
    name: Vec<u8>,
    utf8: bool,
    method: u16,
    crc: u32,
    compressed: u64,
    size: u64,
    offset: u64,
}

/// Writes an `.npz` archive member by member, into a temporary file that replaces the
/// target only when [`NpzWriter::finish`] succeeds.
pub struct NpzWriter {
    out: std::io::BufWriter<tempfile::NamedTempFile>,
    target: std::path::PathBuf,
    compress: bool,
    entries: Vec<Entry>,
    pos: u64,
}

impl std::fmt::Debug for NpzWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "NpzWriter({}, {} members)",
            self.target.display(),
            self.entries.len()
        )
    }
}

impl NpzWriter {
    /// Start an archive at `path`: stored members like `np.savez`, or deflated like
    /// `np.savez_compressed` when `compress`.
    ///
    /// # Errors
    /// I/O errors creating the temporary file.
    pub fn create(path: &Path, compress: bool) -> Result<NpzWriter> {
        let tmp = crate::atomic::temp_beside(path)?;
        Ok(NpzWriter {
            out: std::io::BufWriter::with_capacity(1 << 20, tmp),
            target: path.to_path_buf(),
            compress,
            entries: Vec::new(),
            pos: 0,
        })
    }

    /// Add `view` as member `name` (`.npy` is appended, as `np.savez` does). The member
    /// is streamed: memory stays near a few compression chunks, not the member's size.
    ///
    /// # Errors
    /// A duplicate name, a dtype NumPy cannot save, I/O errors.
    pub fn add(&mut self, name: &str, view: &ArrayView<'_>) -> Result<()> {
        self.add_with(&format!("{name}.npy"), |out| npy::write(view, out))
    }

    /// Add member `name` from an `.npy` stream whose header was read (`header`) and whose
    /// data follows in `data`: the member is what [`NpzWriter::add`] writes of the same
    /// array (NumPy's header for it, then the data as stored), copied a block at a time.
    /// Memory stays at a few blocks whatever the member's size.
    ///
    /// # Errors
    /// A duplicate name, data shorter than the header says, I/O errors.
    pub fn add_npy_stream(
        &mut self,
        name: &str,
        header: &npy::Header,
        mut data: impl std::io::Read,
    ) -> Result<()> {
        let (dtype, shape) = header.array_dtype_shape();
        let nbytes = shape
            .iter()
            .try_fold(dtype.itemsize() as u64, |a, &d| a.checked_mul(d as u64))
            .ok_or_else(|| Error::new(ErrorKind::Limit, "the array's size overflows"))?;
        let head = npy::header_for(&dtype, &shape, header.order())?;
        self.add_with(&format!("{name}.npy"), |out| {
            out.write_all(&head)?;
            let copied = std::io::copy(&mut (&mut data).take(nbytes), out)?;
            if copied != nbytes {
                return Err(Error::new(
                    ErrorKind::Data,
                    format!("the data ends after {copied} of {nbytes} bytes"),
                )
                .at(Location::Byte(header.data_offset as u64 + copied)));
            }
            Ok(())
        })
    }

    /// Add a member with the given file name and contents.
    ///
    /// # Errors
    /// A duplicate name, I/O errors.
    pub fn add_bytes(&mut self, file_name: &str, data: &[u8]) -> Result<()> {
        self.add_with(file_name, |out| Ok(out.write_all(data)?))
    }

    /// Add a member whose contents `write` produces.
    fn add_with(
        &mut self,
        file_name: &str,
        write: impl FnOnce(&mut dyn Write) -> Result<()>,
    ) -> Result<()> {
        if self.entries.iter().any(|e| e.name == file_name.as_bytes()) {
            return Err(Error::new(
                ErrorKind::Argument,
                format!("duplicate member {file_name:?}"),
            ));
        }
        let offset = self.pos;
        let method: u16 = if self.compress { 8 } else { 0 };
        let name = file_name.as_bytes().to_vec();
        let utf8 = !file_name.is_ascii();
        // Local header with zip64 sizes, patched once the data is written.
        self.write_local_header(&name, utf8, method, 0, 0, 0)?;
        let (crc, size, compressed) = if self.compress {
            let mut w = DeflateWriter::new(&mut self.out);
            write(&mut w)?;
            w.finish()?
        } else {
            let mut w = CrcWriter {
                out: &mut self.out,
                crc: crc32fast::Hasher::new(),
                len: 0,
            };
            write(&mut w)?;
            (w.crc.finalize(), w.len, w.len)
        };
        let data_end = self.pos_after_header(&name) + compressed;
        // Patch the header now that CRC and sizes are known.
        self.out.flush()?;
        let file = self.out.get_mut().as_file_mut();
        file.seek(SeekFrom::Start(offset))?;
        let mut header = Vec::new();
        local_header(&mut header, &name, utf8, method, crc, size, compressed);
        file.write_all(&header)?;
        file.seek(SeekFrom::Start(data_end))?;
        self.pos = data_end;
        self.entries.push(Entry {
            name,
            utf8,
            method,
            crc,
            compressed,
            size,
            offset,
        });
        Ok(())
    }

    fn pos_after_header(&self, name: &[u8]) -> u64 {
        self.entries_end() + 30 + name.len() as u64 + 20
    }

    fn entries_end(&self) -> u64 {
        self.pos
    }

    fn write_local_header(
        &mut self,
        name: &[u8],
        utf8: bool,
        method: u16,
        crc: u32,
        size: u64,
        compressed: u64,
    ) -> Result<()> {
        let mut header = Vec::new();
        local_header(&mut header, name, utf8, method, crc, size, compressed);
        self.out.write_all(&header)?;
        Ok(())
    }

    /// Write the central directory and move the archive into place.
    ///
    /// # Errors
    /// I/O errors; the target is untouched on error.
    pub fn finish(self) -> Result<()> {
        self.finish_with(false)
    }

    /// As [`NpzWriter::finish`], and the archive is synced to disk before it replaces the
    /// target (to survive a power loss, at the cost of waiting for the device).
    ///
    /// # Errors
    /// As [`NpzWriter::finish`].
    pub fn finish_durable(self) -> Result<()> {
        self.finish_with(true)
    }

    fn finish_with(mut self, durable: bool) -> Result<()> {
        let cd_start = self.pos;
        let mut cd = Vec::new();
        for e in &self.entries {
            central_header(&mut cd, e);
        }
        self.out.write_all(&cd)?;
        let cd_size = cd.len() as u64;
        let n = self.entries.len() as u64;
        let mut end = Vec::new();
        let zip64 = n >= 0xffff || cd_start >= 0xffff_ffff || cd_size >= 0xffff_ffff;
        if zip64 {
            let eocd64 = cd_start + cd_size;
            end.extend(0x0606_4b50u32.to_le_bytes());
            end.extend(44u64.to_le_bytes());
            end.extend(45u16.to_le_bytes());
            end.extend(45u16.to_le_bytes());
            end.extend(0u32.to_le_bytes());
            end.extend(0u32.to_le_bytes());
            end.extend(n.to_le_bytes());
            end.extend(n.to_le_bytes());
            end.extend(cd_size.to_le_bytes());
            end.extend(cd_start.to_le_bytes());
            end.extend(0x0706_4b50u32.to_le_bytes());
            end.extend(0u32.to_le_bytes());
            end.extend(eocd64.to_le_bytes());
            end.extend(1u32.to_le_bytes());
        }
        end.extend(0x0605_4b50u32.to_le_bytes());
        end.extend(0u16.to_le_bytes());
        end.extend(0u16.to_le_bytes());
        let n16 = n.min(0xffff) as u16;
        end.extend(n16.to_le_bytes());
        end.extend(n16.to_le_bytes());
        end.extend((cd_size.min(0xffff_ffff) as u32).to_le_bytes());
        end.extend((cd_start.min(0xffff_ffff) as u32).to_le_bytes());
        end.extend(0u16.to_le_bytes());
        self.out.write_all(&end)?;
        let tmp = self
            .out
            .into_inner()
            .map_err(|e| Error::from(e.into_error()))?;
        if durable {
            tmp.as_file().sync_all()?;
        }
        tmp.persist(&self.target)
            .map_err(|e| Error::from(e.error))?;
        Ok(())
    }
}

/// DOS date of 1980-01-01, time 00:00:00: what `np.savez` writes.
const DOS_DATE: u16 = (1 << 5) | 1;

fn local_header(
    out: &mut Vec<u8>,
    name: &[u8],
    utf8: bool,
    method: u16,
    crc: u32,
    size: u64,
    compressed: u64,
) {
    out.extend(0x0403_4b50u32.to_le_bytes());
    out.extend(45u16.to_le_bytes());
    out.extend((if utf8 { 0x800u16 } else { 0 }).to_le_bytes());
    out.extend(method.to_le_bytes());
    out.extend(0u16.to_le_bytes());
    out.extend(DOS_DATE.to_le_bytes());
    out.extend(crc.to_le_bytes());
    out.extend(0xffff_ffffu32.to_le_bytes());
    out.extend(0xffff_ffffu32.to_le_bytes());
    out.extend((name.len() as u16).to_le_bytes());
    out.extend(20u16.to_le_bytes());
    out.extend(name);
    out.extend(1u16.to_le_bytes());
    out.extend(16u16.to_le_bytes());
    out.extend(size.to_le_bytes());
    out.extend(compressed.to_le_bytes());
}

fn central_header(out: &mut Vec<u8>, e: &Entry) {
    let big = e.size >= 0xffff_ffff || e.compressed >= 0xffff_ffff || e.offset >= 0xffff_ffff;
    let mut extra = Vec::new();
    if big {
        extra.extend(1u16.to_le_bytes());
        extra.extend(24u16.to_le_bytes());
        extra.extend(e.size.to_le_bytes());
        extra.extend(e.compressed.to_le_bytes());
        extra.extend(e.offset.to_le_bytes());
    }
    let clamp = |v: u64| if big { 0xffff_ffffu32 } else { v as u32 };
    out.extend(0x0201_4b50u32.to_le_bytes());
    out.extend(((3u16 << 8) | 45).to_le_bytes());
    out.extend(45u16.to_le_bytes());
    out.extend((if e.utf8 { 0x800u16 } else { 0 }).to_le_bytes());
    out.extend(e.method.to_le_bytes());
    out.extend(0u16.to_le_bytes());
    out.extend(DOS_DATE.to_le_bytes());
    out.extend(e.crc.to_le_bytes());
    out.extend(clamp(e.compressed).to_le_bytes());
    out.extend(clamp(e.size).to_le_bytes());
    out.extend((e.name.len() as u16).to_le_bytes());
    out.extend((extra.len() as u16).to_le_bytes());
    out.extend(0u16.to_le_bytes());
    out.extend(0u16.to_le_bytes());
    out.extend(0u16.to_le_bytes());
    out.extend((0o600u32 << 16).to_le_bytes());
    out.extend(clamp(e.offset).to_le_bytes());
    out.extend(&e.name);
    out.extend(extra);
}

/// Passes bytes through, computing their CRC-32 and length.
struct CrcWriter<'a, W: Write> {
    out: &'a mut W,
    crc: crc32fast::Hasher,
    len: u64,
}

impl<W: Write + Send> Write for CrcWriter<'_, W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.write_all(buf)?;
        Ok(buf.len())
    }

    fn write_all(&mut self, buf: &[u8]) -> std::io::Result<()> {
        // Large buffers: compute the CRC on another core while this one writes.
        if buf.len() >= 8 << 20 && crate::cores() > 1 {
            let out = &mut *self.out;
            let crc = std::thread::scope(|s| {
                let h = s.spawn(|| {
                    let mut c = crc32fast::Hasher::new();
                    c.update(buf);
                    c
                });
                let written = out.write_all(buf);
                h.join().map(|c| (c, written))
            });
            let (c, written) = crc.map_err(|_| std::io::Error::other("the CRC thread failed"))?;
            written?;
            self.crc.combine(&c);
        } else {
            self.out.write_all(buf)?;
            self.crc.update(buf);
        }
        self.len += buf.len() as u64;
        Ok(())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.out.flush()
    }
}

/// Compresses what is written to it as one raw deflate stream, `CHUNK` bytes per task on
/// every core (`deflate::Parallel`).
struct DeflateWriter<'a, W: Write> {
    out: &'a mut W,
    current: Vec<u8>,
    parallel: crate::deflate::Parallel,
    crc: crc32fast::Hasher,
    size: u64,
    compressed: u64,
}

impl<'a, W: Write> DeflateWriter<'a, W> {
    fn new(out: &'a mut W) -> Self {
        DeflateWriter {
            out,
            current: Vec::new(),
            parallel: crate::deflate::Parallel::new(LEVEL),
            crc: crc32fast::Hasher::new(),
            size: 0,
            compressed: 0,
        }
    }

    /// Queues the current chunk; writes out what is ready.
    fn submit(&mut self, last: bool) -> Result<()> {
        let next = if last {
            Vec::new()
        } else {
            self.parallel.buffer(CHUNK)
        };
        let chunk = std::mem::replace(&mut self.current, next);
        let (out, crc, compressed) = (&mut *self.out, &mut self.crc, &mut self.compressed);
        let mut sink = |bytes: &[u8], h: &crc32fast::Hasher| -> Result<()> {
            crc.combine(h);
            *compressed += bytes.len() as u64;
            out.write_all(bytes)?;
            Ok(())
        };
        self.parallel.submit(chunk, last, &mut sink)?;
        if last {
            self.parallel.finish(&mut sink)?;
        }
        Ok(())
    }

    /// Compress what is left as the final chunk; returns (crc, size, compressed size).
    fn finish(mut self) -> Result<(u32, u64, u64)> {
        self.submit(true)?;
        Ok((self.crc.clone().finalize(), self.size, self.compressed))
    }
}

impl<W: Write> Write for DeflateWriter<'_, W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let mut rest = buf;
        while !rest.is_empty() {
            if self.current.capacity() == 0 {
                self.current = self.parallel.buffer(CHUNK);
            }
            let room = CHUNK - self.current.len();
            let take = room.min(rest.len());
            self.current.extend_from_slice(&rest[..take]);
            rest = &rest[take..];
            if self.current.len() == CHUNK {
                self.submit(false)
                    .map_err(|e| std::io::Error::other(e.to_string()))?;
            }
        }
        self.size += buf.len() as u64;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Names for positional arrays, as `np.savez(file, *arrays)`: `arr_0`, `arr_1`, ...
pub fn positional_name(i: usize) -> Cow<'static, str> {
    Cow::Owned(format!("arr_{i}"))
}
