//! A walk over a raw deflate stream's blocks that decodes codes but produces no data: where
//! the last block starts and where it ends, which is what joining libdeflate's chunks needs.

use crate::error::{Error, ErrorKind, Result};

/// Where a raw deflate stream's last block starts, and where it ends, in bits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Walk {
    pub last_header_bit: u64,
    pub end_bit: u64,
}

/// A little-endian bit reader that reads past the end as zero bits (counted, so an overrun
/// shows in `pos`).
struct Bits<'a> {
    data: &'a [u8],
    next: usize,
    buf: u64,
    count: u32,
}

impl Bits<'_> {
    fn pos(&self) -> u64 {
        self.next as u64 * 8 - u64::from(self.count)
    }

    /// At least 56 bits in `buf`.
    #[inline(always)]
    fn refill(&mut self) {
        match self.data.get(self.next..self.next + 8) {
            Some(w) => {
                let mut word = [0u8; 8];
                word.copy_from_slice(w);
                self.buf |= u64::from_le_bytes(word) << self.count;
                self.next += ((63 - self.count) >> 3) as usize;
                self.count |= 56;
            }
            None => self.refill_slow(),
        }
    }

    #[cold]
    fn refill_slow(&mut self) {
        while self.count <= 56 {
            let b = self.data.get(self.next).copied().unwrap_or(0);
            self.buf |= u64::from(b) << self.count;
            self.next += 1;
            self.count += 8;
        }
    }

    /// `n` (at most 32) bits.
    #[inline(always)]
    fn take(&mut self, n: u32) -> u64 {
        if self.count < n {
            self.refill();
        }
        let v = self.buf & ((1u64 << n) - 1);
        self.skip(n);
        v
    }

    #[inline(always)]
    fn skip(&mut self, n: u32) {
        self.buf >>= n;
        self.count -= n;
    }
}

/// A two-level Huffman decoding table. A primary entry, indexed by the next `primary`
/// bits, is `symbol << 16 | skip` (skip: the code's length plus the symbol's extra bits,
/// whose values a walk does not need), or, for longer codes, `offset << 16 | 1 << 8 | sub`:
/// a subtable of `1 << sub` entries at `offset`, indexed by the bits that follow. 0 marks a
/// code no symbol has.
#[derive(Default)]
struct Table {
    primary: u32,
    entries: Vec<u32>,
}

const LONG: u32 = 1 << 8;

impl Table {
    /// Canonical codes of `lengths`; symbols from `valid` on are left unmapped.
    fn build(
        &mut self,
        lengths: &[u8],
        valid: usize,
        extra: fn(usize) -> u32,
        primary: u32,
        at: u64,
    ) -> Result<()> {
        let max = u32::from(lengths.iter().copied().max().unwrap_or(0)).max(1);
        let primary = primary.min(max);
        let mut count = [0u32; 16];
        for &l in lengths {
            count[usize::from(l)] += 1;
        }
        count[0] = 0;
        let mut next = [0u32; 16];
        let mut code = 0u32;
        for bits in 1..16 {
            code = (code + count[bits - 1]) << 1;
            next[bits] = code;
        }
        self.primary = primary;
        self.entries.clear();
        self.entries.resize(1 << primary, 0);
        let sub = max - primary;
        for (sym, &l) in lengths.iter().enumerate() {
            if l == 0 {
                continue;
            }
            let len = u32::from(l);
            let c = next[usize::from(l)];
            next[usize::from(l)] += 1;
            if c >= 1 << len {
                return Err(bad("a Huffman code is over-subscribed", at));
            }
            if sym >= valid {
                continue;
            }
            let rev = (c.reverse_bits() >> (32 - len)) as usize;
            let entry = (sym as u32) << 16 | (len + extra(sym));
            if len <= primary {
                let mut i = rev;
                while i < 1 << primary {
                    self.entries[i] = entry;
                    i += 1 << len;
                }
            } else {
                let head = rev & ((1 << primary) - 1);
                if self.entries[head] == 0 {
                    let offset = self.entries.len() as u32;
                    self.entries[head] = offset << 16 | LONG | sub;
                    self.entries.resize(self.entries.len() + (1 << sub), 0);
                }
                let offset = (self.entries[head] >> 16) as usize;
                let mut i = rev >> primary;
                while i < 1 << sub {
                    self.entries[offset + i] = entry;
                    i += 1 << (len - primary);
                }
            }
        }
        Ok(())
    }

    /// The next symbol, its code and extra bits skipped. `bits` must hold 15 bits plus
    /// the symbol's extra bits.
    #[inline(always)]
    fn decode(&self, bits: &mut Bits) -> Result<u32> {
        let mut e = self.entries[(bits.buf & ((1 << self.primary) - 1)) as usize];
        if e & LONG != 0 {
            e = self.decode_long(bits, e);
        }
        if e == 0 {
            return Err(bad("a code no symbol has", bits.pos()));
        }
        bits.skip(e & 0xff);
        Ok(e >> 16)
    }

    #[cold]
    #[inline(never)]
    fn decode_long(&self, bits: &Bits, e: u32) -> u32 {
        let offset = (e >> 16) as usize;
        let sub = e & 0xff;
        let i = ((bits.buf >> self.primary) & ((1 << sub) - 1)) as usize;
        self.entries.get(offset + i).copied().unwrap_or(0)
    }
}

/// An error in a deflate stream, at the byte that holds `bit`.
fn bad(what: &str, bit: u64) -> Error {
    Error::new(ErrorKind::Data, format!("deflate stream: {what}"))
        .at(crate::error::Location::Byte(bit / 8))
}

fn no_extra(_: usize) -> u32 {
    0
}

fn length_extra(sym: usize) -> u32 {
    match sym {
        265..=284 => ((sym - 261) / 4) as u32,
        _ => 0,
    }
}

fn distance_extra(sym: usize) -> u32 {
    if sym >= 4 {
        ((sym - 2) / 2) as u32
    } else {
        0
    }
}

/// Walks a raw deflate stream's blocks, decoding codes but producing no data, to its final
/// block's end.
pub(crate) fn walk(data: &[u8]) -> Result<Walk> {
    const ORDER: [usize; 19] = [
        16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15,
    ];
    let mut bits = Bits {
        data,
        next: 0,
        buf: 0,
        count: 0,
    };
    let end = data.len() as u64 * 8;
    // Zero bits past the end decode as codes forever: stop 8 bytes after it.
    let limit = data.len() + 8;
    let past_end = |bits: &Bits| bad("the stream ends inside a block", bits.pos().min(end));
    let (mut lit, mut dist, mut lengths_table) =
        (Table::default(), Table::default(), Table::default());
    loop {
        let header = bits.pos();
        if header >= end {
            return Err(past_end(&bits));
        }
        let last = bits.take(1) == 1;
        match bits.take(2) {
            0 => {
                let n = bits.count & 7;
                bits.skip(n);
                let len = bits.take(16);
                let nlen = bits.take(16);
                if len != !nlen & 0xffff {
                    return Err(bad(
                        "a stored block's length and its complement differ",
                        header,
                    ));
                }
                let at = bits.pos() / 8 + len;
                if at * 8 > end {
                    return Err(past_end(&bits));
                }
                bits = Bits {
                    data,
                    next: at as usize,
                    buf: 0,
                    count: 0,
                };
            }
            kind @ (1 | 2) => {
                if kind == 1 {
                    let mut l = [0u8; 288];
                    l[..144].fill(8);
                    l[144..256].fill(9);
                    l[256..280].fill(7);
                    l[280..].fill(8);
                    lit.build(&l, 286, length_extra, 10, header)?;
                    dist.build(&[5u8; 30], 30, distance_extra, 9, header)?;
                } else {
                    let hlit = bits.take(5) as usize + 257;
                    let hdist = bits.take(5) as usize + 1;
                    let hclen = bits.take(4) as usize + 4;
                    if hlit > 286 || hdist > 30 {
                        return Err(bad("more than 286 length or 30 distance codes", header));
                    }
                    let mut cl = [0u8; 19];
                    for &k in &ORDER[..hclen] {
                        cl[k] = bits.take(3) as u8;
                    }
                    lengths_table.build(&cl, 19, no_extra, 7, header)?;
                    let mut lengths = [0u8; 316];
                    let mut i = 0;
                    while i < hlit + hdist {
                        bits.refill();
                        let sym = lengths_table.decode(&mut bits)?;
                        let (value, repeat) = match sym {
                            0..=15 => (sym as u8, 1),
                            16 if i > 0 => (lengths[i - 1], 3 + bits.take(2) as usize),
                            16 => return Err(bad("a repeat before any code length", header)),
                            17 => (0, 3 + bits.take(3) as usize),
                            _ => (0, 11 + bits.take(7) as usize),
                        };
                        if i + repeat > hlit + hdist {
                            return Err(bad("code lengths run past their count", header));
                        }
                        lengths[i..i + repeat].fill(value);
                        i += repeat;
                    }
                    lit.build(&lengths[..hlit], 286, length_extra, 10, header)?;
                    dist.build(&lengths[hlit..hlit + hdist], 30, distance_extra, 9, header)?;
                }
                loop {
                    if bits.next > limit {
                        return Err(past_end(&bits));
                    }
                    bits.refill();
                    // 56 bits: three literals of up to 15 bits, or a literal and a length
                    // of up to 20; a distance (up to 28) gets a refill of its own.
                    let sym = lit.decode(&mut bits)?;
                    if sym < 256 {
                        let sym = lit.decode(&mut bits)?;
                        if sym < 256 {
                            let sym = lit.decode(&mut bits)?;
                            if sym < 256 {
                                continue;
                            }
                            if sym == 256 {
                                break;
                            }
                            bits.refill();
                            dist.decode(&mut bits)?;
                            continue;
                        }
                        if sym == 256 {
                            break;
                        }
                        bits.refill();
                        dist.decode(&mut bits)?;
                        continue;
                    }
                    if sym == 256 {
                        break;
                    }
                    bits.refill();
                    dist.decode(&mut bits)?;
                }
                if bits.pos() > end {
                    return Err(past_end(&bits));
                }
            }
            _ => return Err(bad("a block of the reserved type 3", header)),
        }
        if last {
            return Ok(Walk {
                last_header_bit: header,
                end_bit: bits.pos(),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::deflate::compress_zlib;
    use crate::deflate::tests::inputs;

    #[test]
    fn walk_finds_the_end_of_zlib_streams() {
        for input in inputs() {
            for level in [1, 6, 9] {
                let mut out = Vec::new();
                compress_zlib(&input, level, true, &mut out).unwrap();
                let w = walk(&out).unwrap();
                assert!(w.end_bit <= out.len() as u64 * 8 && w.end_bit + 8 > out.len() as u64 * 8);
                assert!(w.last_header_bit < w.end_bit);
            }
        }
    }

    #[test]
    fn walk_rejects_what_is_not_deflate() {
        let cases: [(&[u8], &str); 5] = [
            (&[], "ends inside a block"),
            (&[0x07], "reserved type 3"),
            (&[0x01, 0x05, 0x00, 0x00, 0x00], "complement differ"),
            (&[0x01, 0x05, 0x00, 0xfa, 0xff, 1, 2], "ends inside a block"),
            (&[0xfd; 8], "more than 286"),
        ];
        for (input, what) in cases {
            let e = walk(input).unwrap_err().to_string();
            assert!(e.contains(what), "{input:?}: {e}");
        }
        // A fixed block cut short (its end-of-block code runs past the byte).
        assert!(walk(&[0x02]).is_err());
        // Dynamic: 257 + 1 codes, four code-length codes (16, 17, 18, 0) all of length 1.
        let mut bits = vec![1, 0, 1];
        bits.extend([0; 14]);
        for _ in 0..4 {
            bits.extend([1, 0, 0]);
        }
        let bytes: Vec<u8> = bits
            .chunks(8)
            .map(|c| c.iter().enumerate().map(|(i, b)| b << i).sum())
            .collect();
        let e = walk(&bytes).unwrap_err().to_string();
        assert!(e.contains("over-subscribed"), "{e}");
        // Dynamic, with every code length zero: no literal has a code.
        let e = walk(&[0x05, 0, 0, 0, 0, 0, 0, 0]).unwrap_err().to_string();
        assert!(e.contains("no symbol has"), "{e}");
    }
}
