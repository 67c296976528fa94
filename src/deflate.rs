//! Raw deflate chunks that join into one stream, for `.npz` members compressed on every
//! core.
//!
//! Each chunk is compressed on its own; all but the last must end at a byte boundary
//! without a final block, so their concatenation is one standard stream (what zlib's
//! `Z_SYNC_FLUSH` gives, and what pigz does). zlib-rs can stop that way. libdeflate (the
//! default `libdeflate` feature), about twice as fast at the same level, cannot: it always
//! ends with a final block, padded to a byte. So its output is walked, block by block
//! without producing the data, to find the last block's header and the bit after its
//! end-of-block code; the header's final bit is cleared and an empty stored block appended,
//! which is the sync flush's marker (`00 00 ff ff`).

use std::collections::BTreeMap;
use std::sync::{mpsc, Arc, Mutex};

use crate::error::{Error, ErrorKind, Result};

#[cfg(any(feature = "libdeflate", test))]
mod walk;
#[cfg(feature = "libdeflate")]
use walk::{walk, Walk};

/// Compresses `chunk` at `level` as raw deflate. Unless `last`, the output ends with a
/// sync marker and no final block, so the next chunk's output may follow it.
#[cfg(test)]
pub(crate) fn compress(chunk: &[u8], level: u32, last: bool) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    Compressor::new(level).compress(chunk, last, &mut out)?;
    Ok(out)
}

/// One thread's compressor, reused from chunk to chunk.
pub(crate) struct Compressor {
    level: u32,
    #[cfg(feature = "libdeflate")]
    libdeflate: Option<libdeflater::Compressor>,
}

impl Compressor {
    pub(crate) fn new(level: u32) -> Compressor {
        Compressor {
            level,
            #[cfg(feature = "libdeflate")]
            libdeflate: i32::try_from(level)
                .ok()
                .and_then(|l| libdeflater::CompressionLvl::new(l).ok())
                .map(libdeflater::Compressor::new),
        }
    }

    /// Replaces `out` with `chunk` compressed; unless `last`, ended by a sync marker and
    /// no final block, so the next chunk's output may follow it.
    pub(crate) fn compress(&mut self, chunk: &[u8], last: bool, out: &mut Vec<u8>) -> Result<()> {
        out.clear();
        #[cfg(feature = "libdeflate")]
        {
            if self.compress_libdeflate(chunk, last, out) {
                return Ok(());
            }
            out.clear();
        }
        compress_zlib(chunk, self.level, last, out)
    }

    /// libdeflate's stream, made joinable; false when it cannot be (libdeflate failed, or
    /// its output did not walk, which would be a bug here), and zlib-rs takes over.
    #[cfg(feature = "libdeflate")]
    fn compress_libdeflate(&mut self, chunk: &[u8], last: bool, out: &mut Vec<u8>) -> bool {
        let Some(c) = self.libdeflate.as_mut() else {
            return false;
        };
        // Straight into `out` (a buffer that goes round): room for the worst case, then
        // cut to what libdeflate wrote.
        out.resize(c.deflate_compress_bound(chunk.len()), 0);
        let Ok(n) = c.deflate_compress(chunk, out) else {
            return false;
        };
        out.truncate(n);
        if last {
            return true;
        }
        match walk(out) {
            Ok(walk) => join_point(out, walk),
            Err(_) => false,
        }
    }
}

/// Turns a whole stream into a joinable one: clears the final bit of the last block's
/// header and appends an empty stored block at the bit after its end. False when `walk`
/// does not describe `out` (its end not in the last byte).
#[cfg(feature = "libdeflate")]
fn join_point(out: &mut Vec<u8>, walk: Walk) -> bool {
    let bits = out.len() as u64 * 8;
    if walk.end_bit > bits || walk.end_bit + 8 <= bits {
        return false;
    }
    let header = walk.last_header_bit as usize;
    out[header / 8] &= !(1u8 << (header % 8));
    // The stored block's header (final 0, type 00) takes the three bits after the end,
    // then the rest of that byte is padding: all zero bits.
    let end = walk.end_bit as usize;
    if end % 8 != 0 {
        out[end / 8] &= (1u8 << (end % 8)) - 1;
    }
    out.resize((end + 3).div_ceil(8), 0);
    out.extend_from_slice(&[0, 0, 0xff, 0xff]);
    true
}

/// For the fuzz targets: the walk never panics on arbitrary bytes, and `data` cut into
/// chunks of a few sizes, each compressed on its own, inflates back as one stream.
pub(crate) fn fuzz(data: &[u8]) {
    use std::io::Read;
    #[cfg(feature = "libdeflate")]
    let _ = walk(data);
    let mut c = Compressor::new(6);
    for size in [1 + data.len() / 3, 4096] {
        let pieces: Vec<&[u8]> = if data.is_empty() {
            vec![data]
        } else {
            data.chunks(size).collect()
        };
        let mut stream = Vec::new();
        let mut out = Vec::new();
        for (k, piece) in pieces.iter().enumerate() {
            c.compress(piece, k + 1 == pieces.len(), &mut out)
                .expect("deflate in memory");
            stream.extend_from_slice(&out);
        }
        let mut back = Vec::new();
        flate2::read::DeflateDecoder::new(&stream[..])
            .read_to_end(&mut back)
            .expect("the joined chunks inflate");
        assert!(
            back == data,
            "joined chunks of {size} bytes inflate to other data"
        );
    }
}

/// A chunk to compress, numbered in stream order.
struct Job {
    index: u64,
    chunk: Vec<u8>,
    last: bool,
}

/// A compressed chunk, with its input buffer handed back for reuse.
struct Done {
    index: u64,
    chunk: Vec<u8>,
    result: Result<(Vec<u8>, crc32fast::Hasher)>,
}

/// Compresses a stream's chunks on worker threads that live as long as it (one a core,
/// started with the second chunk), at most `window` chunks in flight, and hands the
/// outputs back in order. Input and output buffers go round, so a long stream touches
/// fresh memory only for its first window.
pub(crate) struct Parallel {
    level: u32,
    jobs: Option<mpsc::Sender<Job>>,
    done: Option<mpsc::Receiver<Done>>,
    workers: Vec<std::thread::JoinHandle<()>>,
    window: usize,
    sent: u64,
    written: u64,
    waiting: BTreeMap<u64, Done>,
    spare_in: Vec<Vec<u8>>,
    spare_out: Arc<Mutex<Vec<Vec<u8>>>>,
    inline: Option<Compressor>,
}

impl Parallel {
    pub(crate) fn new(level: u32) -> Parallel {
        Parallel {
            level,
            jobs: None,
            done: None,
            workers: Vec::new(),
            window: 0,
            sent: 0,
            written: 0,
            waiting: BTreeMap::new(),
            spare_in: Vec::new(),
            spare_out: Arc::new(Mutex::new(Vec::new())),
            inline: None,
        }
    }

    /// An empty input buffer with room for `capacity` bytes, from those handed back.
    pub(crate) fn buffer(&mut self, capacity: usize) -> Vec<u8> {
        let mut b = self.spare_in.pop().unwrap_or_default();
        b.clear();
        b.reserve(capacity);
        b
    }

    /// Queues `chunk`; `sink` gets every output whose turn has come, in order, with the
    /// CRC-32 of its input.
    pub(crate) fn submit(
        &mut self,
        chunk: Vec<u8>,
        last: bool,
        sink: &mut dyn FnMut(&[u8], &crc32fast::Hasher) -> Result<()>,
    ) -> Result<()> {
        if last && self.sent == 0 {
            // A stream of one chunk: no threads.
            let mut h = crc32fast::Hasher::new();
            h.update(&chunk);
            let mut out = Vec::new();
            let level = self.level;
            self.inline
                .get_or_insert_with(|| Compressor::new(level))
                .compress(&chunk, true, &mut out)?;
            self.sent = 1;
            self.written = 1;
            return sink(&out, &h);
        }
        if self.jobs.is_none() {
            self.start();
        }
        let job = Job {
            index: self.sent,
            chunk,
            last,
        };
        let sent = self.jobs.as_ref().is_some_and(|j| j.send(job).is_ok());
        if !sent {
            return Err(thread_failed());
        }
        self.sent += 1;
        while self.sent - self.written >= self.window as u64 {
            self.receive(sink)?;
        }
        Ok(())
    }

    /// Waits for every queued chunk and hands the rest to `sink`.
    pub(crate) fn finish(
        &mut self,
        sink: &mut dyn FnMut(&[u8], &crc32fast::Hasher) -> Result<()>,
    ) -> Result<()> {
        while self.written < self.sent {
            self.receive(sink)?;
        }
        Ok(())
    }

    fn start(&mut self) {
        let workers = crate::cores();
        self.window = workers * 3;
        let (jobs, job_rx) = mpsc::channel::<Job>();
        let (done_tx, done) = mpsc::channel::<Done>();
        let job_rx = Arc::new(Mutex::new(job_rx));
        for _ in 0..workers {
            let (job_rx, done_tx, spare_out) = (
                Arc::clone(&job_rx),
                done_tx.clone(),
                Arc::clone(&self.spare_out),
            );
            let level = self.level;
            let spawned = std::thread::Builder::new()
                .name("dtkit-deflate".into())
                .spawn(move || {
                    let mut c = Compressor::new(level);
                    loop {
                        let job = match job_rx.lock() {
                            Ok(rx) => rx.recv(),
                            Err(_) => break,
                        };
                        let Ok(job) = job else { break };
                        let mut out = spare_out
                            .lock()
                            .ok()
                            .and_then(|mut s| s.pop())
                            .unwrap_or_default();
                        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                            let mut h = crc32fast::Hasher::new();
                            h.update(&job.chunk);
                            c.compress(&job.chunk, job.last, &mut out).map(|()| h)
                        }))
                        .unwrap_or_else(|_| Err(thread_failed()));
                        let done = Done {
                            index: job.index,
                            chunk: job.chunk,
                            result: result.map(|h| (out, h)),
                        };
                        if done_tx.send(done).is_err() {
                            break;
                        }
                    }
                });
            if let Ok(handle) = spawned {
                self.workers.push(handle);
            }
        }
        if !self.workers.is_empty() {
            self.jobs = Some(jobs);
            self.done = Some(done);
        }
        // With no worker (spawning failed), `submit` reports the failure.
    }

    /// Takes one finished chunk, then hands `sink` every output now in order.
    fn receive(
        &mut self,
        sink: &mut dyn FnMut(&[u8], &crc32fast::Hasher) -> Result<()>,
    ) -> Result<()> {
        let done = self
            .done
            .as_ref()
            .and_then(|d| d.recv().ok())
            .ok_or_else(thread_failed)?;
        self.waiting.insert(done.index, done);
        while let Some(done) = self.waiting.remove(&self.written) {
            self.written += 1;
            self.spare_in.push(done.chunk);
            let (out, h) = done.result?;
            let r = sink(&out, &h);
            if let Ok(mut spare) = self.spare_out.lock() {
                spare.push(out);
            }
            r?;
        }
        Ok(())
    }
}

impl Drop for Parallel {
    fn drop(&mut self) {
        self.jobs = None;
        for w in self.workers.drain(..) {
            let _ = w.join();
        }
    }
}

fn thread_failed() -> Error {
    Error::new(ErrorKind::Io, "a compression thread failed")
}

/// zlib-rs at `level`, ended by a sync flush unless `last`, appended to `out`.
pub(crate) fn compress_zlib(chunk: &[u8], level: u32, last: bool, out: &mut Vec<u8>) -> Result<()> {
    let mut c = flate2::Compress::new(flate2::Compression::new(level), false);
    out.reserve(chunk.len() / 2 + 64);
    let flush = if last {
        flate2::FlushCompress::Finish
    } else {
        flate2::FlushCompress::Sync
    };
    let mut input = chunk;
    loop {
        if out.capacity() - out.len() < 64 {
            out.reserve(out.capacity().max(4096));
        }
        let before_in = c.total_in();
        let status = c
            .compress_vec(input, out, flush)
            .map_err(|e| Error::new(ErrorKind::Io, format!("deflate failed: {e}")))?;
        input = &input[(c.total_in() - before_in) as usize..];
        match status {
            flate2::Status::StreamEnd => break,
            _ if input.is_empty() && !last && out.capacity() > out.len() => break,
            _ => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    pub(super) fn inflate(stream: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        flate2::read::DeflateDecoder::new(stream)
            .read_to_end(&mut out)
            .unwrap();
        out
    }

    /// Inputs that give every block type: empty, tiny (fixed codes), random (stored),
    /// samples and text (dynamic codes, long and short matches).
    pub(super) fn inputs() -> Vec<Vec<u8>> {
        let mut rand = crate::xorshift(0x2545_f491_4f6c_dd1du64);
        let random: Vec<u8> = (0..300_000).map(|_| rand() as u8).collect();
        let samples: Vec<u8> = (0..400_000i32)
            .flat_map(|t| {
                let v = (1000.0 * (f64::from(t) / 300.0).sin()) as i16 + (rand() % 41) as i16;
                v.to_le_bytes()
            })
            .collect();
        let text: Vec<u8> = (0..60_000)
            .flat_map(|i| format!("{i} lemma{} {}\n", i % 97, i * 7).into_bytes())
            .collect();
        vec![
            Vec::new(),
            b"a".to_vec(),
            b"abcabcabcabc".to_vec(),
            vec![0u8; 1 << 20],
            random,
            samples,
            text,
        ]
    }

    #[test]
    fn chunks_join_into_one_stream() {
        for input in inputs() {
            for size in [1000, 65_536, 1 << 20] {
                let pieces: Vec<&[u8]> = if input.is_empty() {
                    vec![&input[..]]
                } else {
                    input.chunks(size).collect()
                };
                let n = pieces.len();
                let mut stream = Vec::new();
                for (k, p) in pieces.iter().enumerate() {
                    let out = compress(p, 6, k + 1 == n).unwrap();
                    if k + 1 < n {
                        assert_eq!(&out[out.len() - 4..], &[0, 0, 0xff, 0xff]);
                    }
                    stream.extend_from_slice(&out);
                }
                assert!(inflate(&stream) == input, "{} bytes in {size}", input.len());
            }
        }
    }

    #[cfg(feature = "libdeflate")]
    #[test]
    fn libdeflate_streams_are_walked_not_replaced() {
        for input in inputs() {
            let mut c = Compressor::new(6);
            let (mut whole, mut joinable) = (Vec::new(), Vec::new());
            assert!(c.compress_libdeflate(&input, true, &mut whole));
            assert!(c.compress_libdeflate(&input, false, &mut joinable));
            // The same stream with its final bit cleared and at most 5 bytes more.
            assert!(joinable.len() >= whole.len() + 4 && joinable.len() <= whole.len() + 5);
            let mut tail = joinable.clone();
            tail.extend_from_slice(&compress(b"", 6, true).unwrap());
            assert!(inflate(&tail) == input);
        }
    }

    #[test]
    fn parallel_keeps_order_and_stops_at_a_failing_sink() {
        let input = inputs().swap_remove(5);
        let pieces: Vec<&[u8]> = input.chunks(10_000).collect();
        let mut p = Parallel::new(6);
        let mut stream = Vec::new();
        let mut crc = crc32fast::Hasher::new();
        let mut sink = |bytes: &[u8], h: &crc32fast::Hasher| -> Result<()> {
            stream.extend_from_slice(bytes);
            crc.combine(h);
            Ok(())
        };
        for (k, piece) in pieces.iter().enumerate() {
            let mut b = p.buffer(piece.len());
            b.extend_from_slice(piece);
            p.submit(b, k + 1 == pieces.len(), &mut sink).unwrap();
        }
        p.finish(&mut sink).unwrap();
        assert!(inflate(&stream) == input);
        assert_eq!(crc.finalize(), crc32fast::hash(&input));

        let mut p = Parallel::new(6);
        let mut calls = 0;
        let mut sink = |_: &[u8], _: &crc32fast::Hasher| -> Result<()> {
            calls += 1;
            if calls == 3 {
                Err(Error::new(ErrorKind::Io, "disk full"))
            } else {
                Ok(())
            }
        };
        let failed = pieces.iter().find_map(|piece| {
            let mut b = p.buffer(piece.len());
            b.extend_from_slice(piece);
            p.submit(b, false, &mut sink).err()
        });
        assert!(failed.unwrap().to_string().contains("disk full"));
    }
}
