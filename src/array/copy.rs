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
    // A large 2-D copy into C order: split the destination rows over every core.
    let threads = crate::cores();
    if let ([rows, cols], [t0, t1]) = (shape, dst_strides) {
        let row_bytes = cols * itemsize;
        if threads > 1
            && rows * row_bytes >= PARALLEL_MIN
            && dst_off == 0
            && *t1 == itemsize as isize
            && *t0 == row_bytes as isize
            && *rows >= threads
        {
            let per = rows.div_ceil(threads);
            std::thread::scope(|scope| {
                for (k, chunk) in dst[..rows * row_bytes]
                    .chunks_mut(per * row_bytes)
                    .enumerate()
                {
                    let r0 = k * per;
                    let n_rows = chunk.len() / row_bytes;
                    let so = src_off as isize + r0 as isize * src_strides[0];
                    let ss = [src_strides[0], src_strides[1]];
                    scope.spawn(move || {
                        copy_strided(
                            src,
                            so as usize,
                            &ss,
                            chunk,
                            0,
                            &[*t0, *t1],
                            &[n_rows, *cols],
                            itemsize,
                        );
                    });
                }
            });
            return;
        }
    }
    match itemsize {
        1 => outer::<1>(
            src,
            src_off as isize,
            src_strides,
            dst,
            dst_off as isize,
            dst_strides,
            shape,
        ),
        2 => outer::<2>(
            src,
            src_off as isize,
            src_strides,
            dst,
            dst_off as isize,
            dst_strides,
            shape,
        ),
        4 => outer::<4>(
            src,
            src_off as isize,
            src_strides,
            dst,
            dst_off as isize,
            dst_strides,
            shape,
        ),
        8 => outer::<8>(
            src,
            src_off as isize,
            src_strides,
            dst,
            dst_off as isize,
            dst_strides,
            shape,
        ),
        16 => outer::<16>(
            src,
            src_off as isize,
            src_strides,
            dst,
            dst_off as isize,
            dst_strides,
            shape,
        ),
        n => generic(
            src,
            src_off as isize,
            src_strides,
            dst,
            dst_off as isize,
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
}
