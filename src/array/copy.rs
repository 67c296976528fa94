//! Copying strided elements into a contiguous buffer, fast.
//!
//! When source and destination orders match the copy is one `memcpy`. Otherwise the two
//! innermost axes of the destination are copied in square blocks (a cache-friendly
//! transpose: both the rows read and the rows written stay in cache within a block), with
//! the element size fixed at compile time for 1, 2, 4, 8 and 16 bytes.

/// Side of a block, in elements: 64×64 elements of 8 bytes are 32 KiB per side.
const BLOCK: usize = 64;

/// Below this many bytes a second thread costs more than it saves.
const PARALLEL_MIN: usize = 8 << 20;

/// Copy the elements of a strided source into `dst`, laid out with `dst_strides`.
///
/// `src_off`/`dst_off` are the byte offsets of element `[0, .., 0]`; every element of
/// `shape` must lie inside both buffers (callers pass checked layouts).
#[allow(clippy::too_many_arguments)]
pub(crate) fn copy_strided(
    src: &[u8],
    src_off: usize,
    src_strides: &[isize],
    dst: &mut [u8],
    dst_off: usize,
    dst_strides: &[isize],
    shape: &[usize],
    itemsize: usize,
) {
    if shape.contains(&0) {
        return;
    }
    // A large copy into C order: split the destination along its first axis over every
    // core (each part one contiguous run of the destination).
    let threads = crate::cores();
    if let (Some(&rows), true) = (shape.first(), dst_off == 0) {
        let row_bytes = shape[1..].iter().product::<usize>() * itemsize;
        if threads > 1
            && rows >= threads
            && rows * row_bytes >= PARALLEL_MIN
            && super::layout::is_contiguous(shape, dst_strides, itemsize, crate::Order::C)
        {
            let per = rows.div_ceil(threads);
            std::thread::scope(|scope| {
                for (k, chunk) in dst[..rows * row_bytes]
                    .chunks_mut(per * row_bytes)
                    .enumerate()
                {
                    let mut part = shape.to_vec();
                    part[0] = chunk.len() / row_bytes;
                    let so = src_off as isize + (k * per) as isize * src_strides[0];
                    scope.spawn(move || {
                        copy_serial(src, so, src_strides, chunk, 0, dst_strides, &part, itemsize);
                    });
                }
            });
            return;
        }
    }
    copy_serial(
        src,
        src_off as isize,
        src_strides,
        dst,
        dst_off as isize,
        dst_strides,
        shape,
        itemsize,
    );
}

/// [`copy_strided`] on the calling thread.
#[allow(clippy::too_many_arguments)]
pub(crate) fn copy_serial(
    src: &[u8],
    src_off: isize,
    src_strides: &[isize],
    dst: &mut [u8],
    dst_off: isize,
    dst_strides: &[isize],
    shape: &[usize],
    itemsize: usize,
) {
    match itemsize {
        1 => outer::<1>(src, src_off, src_strides, dst, dst_off, dst_strides, shape),
        2 => outer::<2>(src, src_off, src_strides, dst, dst_off, dst_strides, shape),
        4 => outer::<4>(src, src_off, src_strides, dst, dst_off, dst_strides, shape),
        8 => outer::<8>(src, src_off, src_strides, dst, dst_off, dst_strides, shape),
        16 => outer::<16>(src, src_off, src_strides, dst, dst_off, dst_strides, shape),
        n => generic(
            src,
            src_off,
            src_strides,
            dst,
            dst_off,
            dst_strides,
            shape,
            n,
        ),
    }
}

/// Loop over every axis but the last two, then copy a 2-D block.
fn outer<const N: usize>(
    src: &[u8],
    so: isize,
    ss: &[isize],
    dst: &mut [u8],
    d0: isize,
    ds: &[isize],
    shape: &[usize],
) {
    match shape.len() {
        0 => copy_one::<N>(src, so, dst, d0),
        1 if ds[0] == N as isize && ss[0] >= 0 => {
            // A dense destination (a field made contiguous): its elements in turn, the
            // source read at its stride.
            let (d, s) = (d0 as usize, so as usize);
            let step = ss[0] as usize;
            for (k, out) in dst[d..d + shape[0] * N].chunks_exact_mut(N).enumerate() {
                let at = s + k * step;
                out.copy_from_slice(&src[at..at + N]);
            }
        }
        1 => {
            for i in 0..shape[0] as isize {
                copy_one::<N>(src, so + i * ss[0], dst, d0 + i * ds[0]);
            }
        }
        2 => block2d::<N>(
            src, so, ss[0], ss[1], dst, d0, ds[0], ds[1], shape[0], shape[1],
        ),
        _ => {
            for i in 0..shape[0] as isize {
                outer::<N>(
                    src,
                    so + i * ss[0],
                    &ss[1..],
                    dst,
                    d0 + i * ds[0],
                    &ds[1..],
                    &shape[1..],
                );
            }
        }
    }
}

#[inline(always)]
fn copy_one<const N: usize>(src: &[u8], so: isize, dst: &mut [u8], d0: isize) {
    let s = so as usize;
    let d = d0 as usize;
    let v: [u8; N] = src[s..s + N].try_into().expect("N bytes");
    dst[d..d + N].copy_from_slice(&v);
}

#[allow(clippy::too_many_arguments)]
fn block2d<const N: usize>(
    src: &[u8],
    so: isize,
    s0: isize,
    s1: isize,
    dst: &mut [u8],
    d0: isize,
    t0: isize,
    t1: isize,
    rows: usize,
    cols: usize,
) {
    // Rows of both sides contiguous: whole rows at once.
    if s1 == N as isize && t1 == N as isize {
        for i in 0..rows as isize {
            let (a, b) = ((so + i * s0) as usize, (d0 + i * t0) as usize);
            dst[b..b + cols * N].copy_from_slice(&src[a..a + cols * N]);
        }
        return;
    }
    if transpose_typed(src, so, s0, s1, dst, d0, t0, t1, rows, cols, N) {
        return;
    }
    tiles(rows, cols, |i, js| {
        let (sr, dr) = (so + i * s0, d0 + i * t0);
        for j in js {
            copy_one::<N>(src, sr + j as isize * s1, dst, dr + j as isize * t1);
        }
    });
}

/// Visit `rows × cols` in `BLOCK × BLOCK` tiles: `f(i, js)` for each row `i` of a tile
/// and the tile's column range `js` (so callers compute the row offsets once per row).
#[inline(always)]
fn tiles(rows: usize, cols: usize, mut f: impl FnMut(isize, std::ops::Range<usize>)) {
    let mut ib = 0;
    while ib < rows {
        let ie = (ib + BLOCK).min(rows);
        let mut jb = 0;
        while jb < cols {
            let je = (jb + BLOCK).min(cols);
            for i in ib..ie {
                f(i as isize, jb..je);
            }
            jb = je;
        }
        ib = ie;
    }
}

/// The same blocked copy on typed slices (`u16`, `u32`, `u64`) when both sides are
/// aligned for the type and every offset and stride is a whole number of elements:
/// element indexing instead of byte arithmetic. Returns false when it does not apply.
#[allow(clippy::too_many_arguments)]
fn transpose_typed(
    src: &[u8],
    so: isize,
    s0: isize,
    s1: isize,
    dst: &mut [u8],
    d0: isize,
    t0: isize,
    t1: isize,
    rows: usize,
    cols: usize,
    n: usize,
) -> bool {
    macro_rules! run {
        ($t:ty) => {{
            let (Ok(s), Ok(d)) = (
                bytemuck::try_cast_slice::<u8, $t>(src),
                bytemuck::try_cast_slice_mut::<u8, $t>(dst),
            ) else {
                return false;
            };
            let n = n as isize;
            if [so, s0, s1, d0, t0, t1].iter().any(|v| v % n != 0) {
                return false;
            }
            let (so, s0, s1, d0, t0, t1) = (so / n, s0 / n, s1 / n, d0 / n, t0 / n, t1 / n);
            tiles(rows, cols, |i, js| {
                let (sr, dr) = (so + i * s0, d0 + i * t0);
                for j in js {
                    d[(dr + j as isize * t1) as usize] = s[(sr + j as isize * s1) as usize];
                }
            });
            true
        }};
    }
    match n {
        2 => run!(u16),
        4 => run!(u32),
        8 => run!(u64),
        _ => false,
    }
}

#[allow(clippy::too_many_arguments)]
fn generic(
    src: &[u8],
    so: isize,
    ss: &[isize],
    dst: &mut [u8],
    d0: isize,
    ds: &[isize],
    shape: &[usize],
    n: usize,
) {
    match shape.len() {
        0 => {
            let (s, d) = (so as usize, d0 as usize);
            dst[d..d + n].copy_from_slice(&src[s..s + n]);
        }
        _ => {
            for i in 0..shape[0] as isize {
                generic(
                    src,
                    so + i * ss[0],
                    &ss[1..],
                    dst,
                    d0 + i * ds[0],
                    &ds[1..],
                    &shape[1..],
                    n,
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transposes_match_the_naive_copy() {
        for &(rows, cols, n) in &[
            (3usize, 5usize, 8usize),
            (130, 70, 4),
            (1, 200, 2),
            (65, 65, 16),
            (7, 9, 3),
        ] {
            let src: Vec<u8> = (0..rows * cols * n).map(|i| (i * 7 % 251) as u8).collect();
            // Source in Fortran order, destination in C order.
            let ss = [n as isize, (rows * n) as isize];
            let ds = [(cols * n) as isize, n as isize];
            let mut dst = vec![0u8; src.len()];
            copy_strided(&src, 0, &ss, &mut dst, 0, &ds, &[rows, cols], n);
            for i in 0..rows {
                for j in 0..cols {
                    let s = (i + j * rows) * n;
                    let d = (i * cols + j) * n;
                    assert_eq!(
                        &dst[d..d + n],
                        &src[s..s + n],
                        "({rows},{cols},{n}) at [{i},{j}]"
                    );
                }
            }
        }
    }

    /// Copies large enough to be split over the cores (a strided field, a 3-D block read
    /// backwards along one axis) put every element where the naive copy does.
    #[test]
    fn split_copies_match_the_naive_copy() {
        // 2.5M f4 of 12-byte records: 10 MB of output, in one axis.
        let n = 2_500_000usize;
        let src: Vec<u8> = (0..n * 12).map(|i| (i * 13 % 251) as u8).collect();
        let mut dst = vec![0u8; n * 4];
        copy_strided(&src, 4, &[12], &mut dst, 0, &[4], &[n], 4);
        for k in (0..n).step_by(997).chain([n - 1]) {
            assert_eq!(
                &dst[4 * k..4 * k + 4],
                &src[12 * k + 4..12 * k + 8],
                "[{k}]"
            );
        }
        // A (40, 300, 100) i8 block, its middle axis reversed, 9.6 MB out.
        let shape = [40usize, 300, 100];
        let src: Vec<u8> = (0..40 * 300 * 100 * 8)
            .map(|i| (i * 7 % 253) as u8)
            .collect();
        let ss = [300 * 100 * 8, -(100 * 8), 8];
        let start = 299 * 100 * 8;
        let mut dst = vec![0u8; src.len()];
        let ds = [300 * 100 * 8, 100 * 8, 8];
        copy_strided(&src, start, &ss, &mut dst, 0, &ds, &shape, 8);
        for (i, j, k) in [
            (0, 0, 0),
            (39, 299, 99),
            (20, 150, 50),
            (39, 0, 7),
            (1, 298, 0),
        ] {
            let s = (start as isize + i * ss[0] + j * ss[1] + k * ss[2]) as usize;
            let d = (i * ds[0] + j * ds[1] + k * ds[2]) as usize;
            assert_eq!(&dst[d..d + 8], &src[s..s + 8], "[{i},{j},{k}]");
        }
        let mut want = vec![0u8; src.len()];
        generic(&src, start as isize, &ss, &mut want, 0, &ds, &shape, 8);
        assert!(
            dst == want,
            "the split copy differs from the one-thread copy"
        );
    }
}
