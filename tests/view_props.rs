//! Property test: random dtypes, shapes, memory orders and (mis)aligned offsets, random
//! chains of view operations. Every element of the final view must hold the bytes of the
//! base element an independent model says it should: the model transforms an explicit
//! array of base-element numbers naively, op by op, and locates bytes with the textbook
//! C/Fortran formula instead of strides.

use dtkit::array::AlignedBuf;
use dtkit::{ArrayView, DType, Order};

/// xorshift64*: deterministic, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn range(&mut self, lo: isize, hi: isize) -> isize {
        lo + self.below((hi - lo + 1) as usize) as isize
    }
}

/// An explicit array of base-element numbers, in C order.
#[derive(Clone, Debug)]
struct Model {
    shape: Vec<usize>,
    data: Vec<usize>,
}

fn indices(shape: &[usize]) -> Vec<Vec<usize>> {
    let n: usize = shape.iter().product();
    let mut out = Vec::with_capacity(n);
    let mut idx = vec![0; shape.len()];
    for _ in 0..n {
        out.push(idx.clone());
        for ax in (0..shape.len()).rev() {
            idx[ax] += 1;
            if idx[ax] < shape[ax] {
                break;
            }
            idx[ax] = 0;
        }
    }
    out
}

fn flat(shape: &[usize], idx: &[usize]) -> usize {
    idx.iter().zip(shape).fold(0, |acc, (&i, &d)| acc * d + i)
}

impl Model {
    fn at(&self, idx: &[usize]) -> usize {
        self.data[flat(&self.shape, idx)]
    }

    /// Build an output of `shape` whose element `o` is the input element `map(o)`.
    fn remap(&self, shape: Vec<usize>, map: impl Fn(&[usize]) -> Vec<usize>) -> Model {
        let data = indices(&shape).iter().map(|o| self.at(&map(o))).collect();
        Model { shape, data }
    }
}

fn python_slice(n: usize, start: Option<isize>, stop: Option<isize>, step: isize) -> Vec<usize> {
    let n = n as isize;
    let norm = |v: isize| if v < 0 { v + n } else { v };
    let mut out = Vec::new();
    if step > 0 {
        let mut i = start.map_or(0, |s| norm(s).clamp(0, n));
        let end = stop.map_or(n, |s| norm(s).clamp(0, n));
        while i < end {
            out.push(i as usize);
            i += step;
        }
    } else {
        let mut i = start.map_or(n - 1, |s| norm(s).clamp(-1, n - 1));
        let end = stop.map_or(-1, |s| norm(s).clamp(-1, n - 1));
        while i > end {
            out.push(i as usize);
            i += step;
        }
    }
    out
}

const DTYPES: &[&str] = &[
    "u1",
    "<i2",
    ">i4",
    "<f8",
    ">c16",
    "S3",
    "<U2",
    ">M8[ms]",
    "[('a','<u2'),('b','>f4',(2,)),('c','S1')]",
    "[('x','u1'),('s',[('y','>i8'),('z','u1')])]",
    "(2,)>i2",
];

#[test]
fn random_view_chains_read_the_right_bytes() {
    let mut rng = Rng(0x5eed_1234_abcd_ef01);
    let mut checked = 0usize;
    for trial in 0..1500 {
        let dt = DType::parse(DTYPES[rng.below(DTYPES.len())]).unwrap();
        let size = dt.itemsize();
        let ndim = 1 + rng.below(3);
        let shape: Vec<usize> = (0..ndim).map(|_| rng.below(7)).collect();
        let order = if rng.below(2) == 0 {
            Order::C
        } else {
            Order::F
        };
        let offset = rng.below(4);
        let n: usize = shape.iter().product();
        let raw: Vec<u8> = (0..offset + n * size + 3)
            .map(|i| (i * 131 + trial) as u8)
            .collect();
        let buf = AlignedBuf::from_bytes(&raw);
        let base =
            ArrayView::from_bytes_order(buf.as_bytes(), dt.clone(), &shape, offset, order).unwrap();
        // The oracle's byte offset of base element number `e` (C-order numbering).
        let base_idx = indices(&shape);
        let base_offset = |e: usize| -> usize {
            let idx = &base_idx[e];
            let mut stride = size;
            let mut off = offset;
            let axes: Vec<usize> = match order {
                Order::C => (0..ndim).rev().collect(),
                Order::F => (0..ndim).collect(),
            };
            for ax in axes {
                off += idx[ax] * stride;
                stride *= shape[ax];
            }
            off
        };
        let mut model = Model {
            shape: shape.clone(),
            data: (0..n).collect(),
        };
        let mut view = base;
        for _ in 0..1 + rng.below(4) {
            let nd = model.shape.len();
            let op = rng.below(8);
            let result = match op {
                0 if nd > 0 => {
                    let ax = rng.below(nd);
                    let d = model.shape[ax] as isize;
                    let i = rng.range(-d - 1, d);
                    let r = view.clone().index_axis(ax, i);
                    if (-d..d).contains(&i) {
                        let ii = if i < 0 { i + d } else { i } as usize;
                        let mut sh = model.shape.clone();
                        sh.remove(ax);
                        let m = model.clone();
                        model = m.remap(sh, |o| {
                            let mut v = o.to_vec();
                            v.insert(ax, ii);
                            v
                        });
                    }
                    r
                }
                1 if nd > 0 => {
                    let ax = rng.below(nd);
                    let d = model.shape[ax] as isize;
                    let pick = |rng: &mut Rng| {
                        if rng.below(3) == 0 {
                            None
                        } else {
                            Some(rng.range(-d - 2, d + 2))
                        }
                    };
                    let (start, stop) = (pick(&mut rng), pick(&mut rng));
                    let step = [1, 2, 3, -1, -2][rng.below(5)];
                    let picked = python_slice(model.shape[ax], start, stop, step);
                    let mut sh = model.shape.clone();
                    sh[ax] = picked.len();
                    let m = model.clone();
                    model = m.remap(sh, |o| {
                        let mut v = o.to_vec();
                        v[ax] = picked[o[ax]];
                        v
                    });
                    view.clone().slice_axis(ax, start, stop, step)
                }
                2 => {
                    let sh: Vec<usize> = model.shape.iter().rev().copied().collect();
                    let m = model.clone();
                    model = m.remap(sh, |o| o.iter().rev().copied().collect());
                    Ok(view.clone().t())
                }
                3 if nd < 5 => {
                    let ax = rng.below(nd + 1);
                    let mut sh = model.shape.clone();
                    sh.insert(ax, 1);
                    let m = model.clone();
                    model = m.remap(sh, |o| {
                        let mut v = o.to_vec();
                        v.remove(ax);
                        v
                    });
                    view.clone().insert_axis(ax)
                }
                4 if nd > 0 => {
                    let ax = rng.below(nd);
                    let d = model.shape[ax];
                    let w = 1 + rng.below(d.max(1) + 1);
                    let r = view.clone().sliding_window(ax, w);
                    if w <= d {
                        let mut sh = model.shape.clone();
                        sh[ax] = d - w + 1;
                        sh.push(w);
                        let m = model.clone();
                        model = m.remap(sh, |o| {
                            let mut v = o[..nd].to_vec();
                            v[ax] += o[nd];
                            v
                        });
                    }
                    r
                }
                5 => {
                    // Reshape to a random factorisation; the model always can, the view only
                    // without copying.
                    let total = model.data.len();
                    let a = (1..=total.max(1))
                        .filter(|k| total % k == 0)
                        .nth(rng.below(4))
                        .unwrap_or(1);
                    let new: Vec<isize> = if total == 0 {
                        vec![0, 3]
                    } else {
                        vec![a as isize, -1]
                    };
                    match view.clone().reshape(&new) {
                        Ok(v) => {
                            model.shape = v.shape().to_vec();
                            Ok(v)
                        }
                        Err(_) => Ok(view.clone()),
                    }
                }
                6 if nd > 0 => {
                    let mut sh = vec![1 + rng.below(2)];
                    sh.extend_from_slice(&model.shape);
                    let m = model.clone();
                    let r = view
                        .clone()
                        .layout()
                        .broadcast_to(&sh)
                        .and_then(|l| ArrayView::with_layout(view.bytes(), l));
                    model = m.remap(sh, |o| o[1..].to_vec());
                    r
                }
                _ => Ok(view.clone()),
            };
            match result {
                Ok(v) => view = v,
                Err(_) => break, // an invalid op: the model was not changed for it
            }
            assert_eq!(view.shape(), &model.shape[..], "trial {trial}");
        }
        for idx in indices(view.shape()) {
            let got = view.element_bytes(&idx).unwrap();
            let e = model.at(&idx);
            let off = base_offset(e);
            assert_eq!(
                got,
                &buf.as_bytes()[off..off + size],
                "trial {trial}, index {idx:?}"
            );
            checked += 1;
        }
    }
    assert!(checked > 2000, "only {checked} elements checked");
}
