//! `dtinspect --plot`: a numeric field drawn in the terminal (a braille line chart for 1-D
//! data, a 256-colour heatmap for 2-D data: the console `imshow` of the NumPy tutorials),
//! downsampled to the terminal's size; or the same picture as a PNG image with axes and a
//! colour bar.

use std::io::{self, Write};

use crate::array::element::Value;
use crate::array::ArrayView;
use crate::error::{Error, ErrorKind, Result};

/// The numbers of `view` (C order), its plot shape (1-D or 2-D, after dropping axes of
/// length 1) and the finite range.
///
/// # Errors
/// An empty array, a dtype that is not a number, or more than two dimensions.
pub fn numbers(view: &ArrayView<'_>) -> Result<(Vec<f64>, Vec<usize>)> {
    if view.is_empty() {
        return Err(Error::new(
            ErrorKind::Argument,
            format!(
                "--plot has nothing to draw: the array of shape {:?} is empty",
                view.shape()
            ),
        ));
    }
    let mut shape: Vec<usize> = view.shape().iter().copied().filter(|&d| d != 1).collect();
    if shape.is_empty() {
        shape.push(view.len());
    }
    if shape.len() > 2 {
        return Err(Error::new(
            ErrorKind::Argument,
            format!(
                "--plot draws 1-D and 2-D data, and this field has shape {:?}: pick a slice \
                 with --field or --count",
                view.shape()
            ),
        ));
    }
    let mut out = Vec::with_capacity(view.len());
    for v in view.values() {
        out.push(match v {
            Value::Bool(b) => f64::from(u8::from(b)),
            Value::Int(i) => i as f64,
            Value::UInt(u) => u as f64,
            Value::Float(f) => f,
            Value::Float32(f) => f64::from(f),
            other => {
                return Err(Error::new(
                    ErrorKind::Argument,
                    format!(
                    "--plot draws numbers, and {} is not one: pick a numeric field with --field",
                    kind_name(&other)
                ),
                ))
            }
        });
    }
    Ok((out, shape))
}

fn kind_name(v: &Value) -> &'static str {
    match v {
        Value::Record(_) => "a record",
        Value::Complex(..) => "a complex number",
        Value::Bytes(_) | Value::Str(_) => "text",
        Value::DateTime(..) | Value::TimeDelta(..) => "a time",
        _ => "this value",
    }
}

/// The finite minimum and maximum (0 and 1 when there are none).
fn range(values: &[f64]) -> (f64, f64) {
    let (lo, hi) = values
        .iter()
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| {
            (lo.min(v), hi.max(v))
        });
    if lo > hi {
        (0.0, 1.0)
    } else {
        (lo, hi)
    }
}

/// A short label for an axis value.
fn label(v: f64) -> String {
    if v == 0.0 {
        return "0".to_owned();
    }
    let a = v.abs();
    if (1e-3..1e6).contains(&a) {
        let s = format!("{v:.4}");
        let s = s.trim_end_matches('0').trim_end_matches('.');
        s.to_owned()
    } else {
        format!("{v:.2e}")
    }
}

/// Downsample `values` into `n` buckets of (min, max).
fn buckets(values: &[f64], n: usize) -> Vec<(f64, f64)> {
    // More buckets than values stretch the values over them (steps).
    let n = n.max(1);
    if values.is_empty() {
        return vec![(f64::NAN, f64::NAN); n];
    }
    (0..n)
        .map(|k| {
            let from = k * values.len() / n;
            let to = ((k + 1) * values.len() / n).max(from + 1).min(values.len());
            let r = range(&values[from..to]);
            if values[from..to].iter().any(|v| v.is_finite()) {
                r
            } else {
                (f64::NAN, f64::NAN)
            }
        })
        .collect()
}

/// A 1-D line chart in braille characters (2 × 4 dots each), `width` × `height` cells,
/// with the y range on the left and the index range below.
///
/// # Errors
/// Write errors.
pub fn line_chart(
    out: &mut dyn Write,
    values: &[f64],
    width: usize,
    height: usize,
) -> io::Result<()> {
    let (lo, hi) = range(values);
    let (lo_l, hi_l) = (label(lo), label(hi));
    let margin = lo_l.len().max(hi_l.len());
    let cols = width.saturating_sub(margin + 2).max(8);
    let rows = height.max(2);
    let dots_x = cols * 2;
    let dots_y = rows * 4;
    let b = buckets(values, dots_x);
    let mut grid = vec![vec![0u8; cols]; rows];
    let to_y = |v: f64| -> usize {
        if hi == lo {
            dots_y / 2
        } else {
            (((hi - v) / (hi - lo)) * (dots_y - 1) as f64).round() as usize
        }
    };
    // Braille dot bits by (column within the cell, row within the cell).
    const BITS: [[u8; 4]; 2] = [[0x01, 0x02, 0x04, 0x40], [0x08, 0x10, 0x20, 0x80]];
    let mut prev: Option<usize> = None;
    for (x, &(mn, mx)) in b.iter().enumerate() {
        if !mn.is_finite() {
            prev = None;
            continue;
        }
        let (mut y0, mut y1) = (to_y(mx), to_y(mn));
        // Join to the previous column so that the line has no gaps.
        if let Some(p) = prev {
            y0 = y0.min(p);
            y1 = y1.max(p);
        }
        for y in y0..=y1.min(dots_y - 1) {
            grid[y / 4][x / 2] |= BITS[x % 2][y % 4];
        }
        prev = Some((to_y(mn) + to_y(mx)) / 2);
    }
    for (r, row) in grid.iter().enumerate() {
        let axis = if r == 0 {
            format!("{hi_l:>margin$} ┤")
        } else if r == rows - 1 {
            format!("{lo_l:>margin$} ┤")
        } else {
            format!("{:>margin$} │", "")
        };
        let line: String = row
            .iter()
            .map(|&bits| char::from_u32(0x2800 + u32::from(bits)).unwrap_or(' '))
            .collect();
        writeln!(out, "{axis}{}", line.trim_end_matches('\u{2800}'))?;
    }
    let last = values.len().saturating_sub(1).to_string();
    writeln!(out, "{:>margin$} └{}", "", "─".repeat(cols))?;
    writeln!(
        out,
        "{:>margin$}  0{}{last}",
        "",
        " ".repeat(cols.saturating_sub(1 + last.len()))
    )?;
    writeln!(out, "{:>margin$}  {} values", "", values.len())
}

/// Viridis, sampled: the colour of `t` in 0..=1.
fn viridis(t: f64) -> [u8; 3] {
    const STOPS: [[u8; 3]; 9] = [
        [68, 1, 84],
        [71, 44, 122],
        [59, 81, 139],
        [44, 113, 142],
        [33, 144, 141],
        [39, 173, 129],
        [92, 200, 99],
        [170, 220, 50],
        [253, 231, 37],
    ];
    let t = if t.is_finite() {
        t.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let x = t * (STOPS.len() - 1) as f64;
    let k = (x.floor() as usize).min(STOPS.len() - 2);
    let f = x - k as f64;
    let mut c = [0u8; 3];
    for i in 0..3 {
        c[i] = (f64::from(STOPS[k][i]) * (1.0 - f) + f64::from(STOPS[k + 1][i]) * f).round() as u8;
    }
    c
}

/// The nearest colour of the xterm 256-colour cube.
fn xterm256(c: [u8; 3]) -> u8 {
    let level = |v: u8| -> u8 {
        const STEPS: [u8; 6] = [0, 95, 135, 175, 215, 255];
        (0..6u8)
            .min_by_key(|&k| (i32::from(STEPS[usize::from(k)]) - i32::from(v)).abs())
            .unwrap_or(0)
    };
    16 + 36 * level(c[0]) + 6 * level(c[1]) + level(c[2])
}

/// Mean of each cell of a `rows` × `cols` grid laid over a 2-D array.
fn grid_means(values: &[f64], (h, w): (usize, usize), rows: usize, cols: usize) -> Vec<f64> {
    let mut out = vec![f64::NAN; rows * cols];
    for r in 0..rows {
        let (y0, y1) = (
            r * h / rows,
            ((r + 1) * h / rows).max(r * h / rows + 1).min(h),
        );
        for c in 0..cols {
            let (x0, x1) = (
                c * w / cols,
                ((c + 1) * w / cols).max(c * w / cols + 1).min(w),
            );
            let (mut sum, mut n) = (0.0, 0usize);
            for y in y0..y1 {
                for &v in &values[y * w + x0..y * w + x1] {
                    if v.is_finite() {
                        sum += v;
                        n += 1;
                    }
                }
            }
            if n > 0 {
                out[r * cols + c] = sum / n as f64;
            }
        }
    }
    out
}

/// A 2-D heatmap: with colour, two pixels per character (upper half block, foreground
/// and background from the 256-colour cube); without, ASCII shades.
///
/// # Errors
/// Write errors.
pub fn heatmap(
    out: &mut dyn Write,
    values: &[f64],
    (h, w): (usize, usize),
    width: usize,
    height: usize,
    color: bool,
) -> io::Result<()> {
    let (lo, hi) = range(values);
    let cols = w.min(width.saturating_sub(2).max(4));
    let pixel_rows = if color { 2 } else { 1 };
    let rows = h.min(height.max(2) * pixel_rows).max(1);
    let g = grid_means(values, (h, w), rows, cols);
    let t = |v: f64| if hi > lo { (v - lo) / (hi - lo) } else { 0.5 };
    if color {
        for r in (0..rows).step_by(2) {
            let mut line = String::new();
            for c in 0..cols {
                let top = xterm256(viridis(t(g[r * cols + c])));
                match g.get((r + 1) * cols + c).filter(|_| r + 1 < rows) {
                    Some(&v) => {
                        let bottom = xterm256(viridis(t(v)));
                        line.push_str(&format!("\x1b[38;5;{top}m\x1b[48;5;{bottom}m▀"));
                    }
                    None => line.push_str(&format!("\x1b[0m\x1b[38;5;{top}m▀")),
                }
            }
            writeln!(out, "{line}\x1b[0m")?;
        }
        // The colour bar.
        let bar: String = (0..cols.min(40))
            .map(|k| {
                let c = xterm256(viridis(k as f64 / (cols.min(40) - 1).max(1) as f64));
                format!("\x1b[48;5;{c}m ")
            })
            .collect();
        writeln!(out, "{} {bar}\x1b[0m {}", label(lo), label(hi))?;
    } else {
        const SHADES: &[u8] = b" .:-=+*#%@";
        for r in 0..rows {
            let line: String = (0..cols)
                .map(|c| {
                    let v = g[r * cols + c];
                    if v.is_finite() {
                        let k = (t(v) * (SHADES.len() - 1) as f64).round() as usize;
                        SHADES[k.min(SHADES.len() - 1)] as char
                    } else {
                        '?'
                    }
                })
                .collect();
            writeln!(out, "{line}")?;
        }
        writeln!(out, "{} \" .:-=+*#%@\" {}", label(lo), label(hi))?;
    }
    writeln!(out, "{h} x {w} values shown as {rows} x {cols}")
}

// --- PNG -----------------------------------------------------------------------------------

/// An RGB image.
struct Canvas {
    w: usize,
    h: usize,
    px: Vec<u8>,
}

impl Canvas {
    fn new(w: usize, h: usize) -> Canvas {
        Canvas {
            w,
            h,
            px: vec![255; w * h * 3],
        }
    }

    fn set(&mut self, x: i64, y: i64, c: [u8; 3]) {
        if x >= 0 && y >= 0 && (x as usize) < self.w && (y as usize) < self.h {
            let i = (y as usize * self.w + x as usize) * 3;
            self.px[i..i + 3].copy_from_slice(&c);
        }
    }

    fn line(&mut self, (x0, y0): (i64, i64), (x1, y1): (i64, i64), c: [u8; 3]) {
        let (dx, dy) = ((x1 - x0).abs(), -(y1 - y0).abs());
        let (sx, sy) = (if x0 < x1 { 1 } else { -1 }, if y0 < y1 { 1 } else { -1 });
        let (mut x, mut y, mut err) = (x0, y0, dx + dy);
        loop {
            self.set(x, y, c);
            if x == x1 && y == y1 {
                break;
            }
            let e2 = 2 * err;
            if e2 >= dy {
                err += dy;
                x += sx;
            }
            if e2 <= dx {
                err += dx;
                y += sy;
            }
        }
    }

    /// Text in a 3 × 5 pixel font, scaled by 2, from its top left corner.
    fn text(&mut self, x: i64, y: i64, s: &str, c: [u8; 3]) {
        for (k, ch) in s.chars().enumerate() {
            let glyph = glyph(ch);
            for (row, bits) in glyph.iter().enumerate() {
                for col in 0..3 {
                    if bits & (0b100 >> col) != 0 {
                        for (ox, oy) in [(0, 0), (1, 0), (0, 1), (1, 1)] {
                            self.set(x + k as i64 * 8 + col * 2 + ox, y + row as i64 * 2 + oy, c);
                        }
                    }
                }
            }
        }
    }

    fn png(&self) -> io::Result<Vec<u8>> {
        let mut raw = Vec::with_capacity(self.h * (self.w * 3 + 1));
        for row in self.px.chunks(self.w * 3) {
            raw.push(0); // no filter
            raw.extend_from_slice(row);
        }
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        z.write_all(&raw)?;
        let idat = z.finish()?;
        let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
        let mut ihdr = Vec::new();
        ihdr.extend_from_slice(&(self.w as u32).to_be_bytes());
        ihdr.extend_from_slice(&(self.h as u32).to_be_bytes());
        ihdr.extend_from_slice(&[8, 2, 0, 0, 0]); // 8-bit RGB
        for (kind, data) in [
            (b"IHDR", &ihdr[..]),
            (b"IDAT", &idat[..]),
            (b"IEND", &[][..]),
        ] {
            out.extend_from_slice(&(data.len() as u32).to_be_bytes());
            let mut crc = crc32fast::Hasher::new();
            crc.update(kind);
            crc.update(data);
            out.extend_from_slice(kind);
            out.extend_from_slice(data);
            out.extend_from_slice(&crc.finalize().to_be_bytes());
        }
        Ok(out)
    }
}

/// 3 × 5 glyphs of the characters of axis labels.
fn glyph(c: char) -> [u8; 5] {
    match c {
        '0' => [0b111, 0b101, 0b101, 0b101, 0b111],
        '1' => [0b010, 0b110, 0b010, 0b010, 0b111],
        '2' => [0b111, 0b001, 0b111, 0b100, 0b111],
        '3' => [0b111, 0b001, 0b111, 0b001, 0b111],
        '4' => [0b101, 0b101, 0b111, 0b001, 0b001],
        '5' => [0b111, 0b100, 0b111, 0b001, 0b111],
        '6' => [0b111, 0b100, 0b111, 0b101, 0b111],
        '7' => [0b111, 0b001, 0b010, 0b010, 0b010],
        '8' => [0b111, 0b101, 0b111, 0b101, 0b111],
        '9' => [0b111, 0b101, 0b111, 0b001, 0b111],
        '.' => [0b000, 0b000, 0b000, 0b000, 0b010],
        '-' => [0b000, 0b000, 0b111, 0b000, 0b000],
        '+' => [0b000, 0b010, 0b111, 0b010, 0b000],
        'e' => [0b111, 0b101, 0b111, 0b100, 0b111],
        'x' => [0b000, 0b101, 0b010, 0b101, 0b000],
        _ => [0; 5],
    }
}

const BLACK: [u8; 3] = [0, 0, 0];
const GREY: [u8; 3] = [200, 200, 200];
const BLUE: [u8; 3] = [31, 119, 180];

/// The plot as a PNG image: a line chart for 1-D data, a heatmap with a colour bar for
/// 2-D data, with labelled axes.
///
/// # Errors
/// Encoding errors (none in practice).
pub fn png(values: &[f64], shape: &[usize]) -> io::Result<Vec<u8>> {
    let (lo, hi) = range(values);
    let (left, top, right, bottom) = (90i64, 20i64, 30i64, 50i64);
    match shape {
        [h, w] => {
            // Cells stretched to at least 600 × 300 pixels (aspect 'auto', as imshow's), at
            // most 1000 × 800 (larger arrays are averaged down).
            let fit =
                |n: usize, least: usize, most: usize| (n * (least / n.max(1)).max(1)).min(most);
            let (pw, ph) = (fit(*w, 600, 1000), fit(*h, 300, 800));
            let mut img = Canvas::new(
                pw + left as usize + right as usize + 80,
                ph + (top + bottom) as usize,
            );
            let g = grid_means(values, (*h, *w), ph.min(*h), pw.min(*w));
            let (gh, gw) = (ph.min(*h), pw.min(*w));
            for y in 0..ph {
                for x in 0..pw {
                    let v = g[(y * gh / ph) * gw + x * gw / pw];
                    let t = if hi > lo { (v - lo) / (hi - lo) } else { 0.5 };
                    img.set(
                        left + x as i64,
                        top + y as i64,
                        if v.is_finite() { viridis(t) } else { GREY },
                    );
                }
            }
            frame(&mut img, (left, top), (pw as i64, ph as i64));
            // Axes: rows down the side, columns along the bottom.
            img.text(left - 16, top + ph as i64 - 10, &(h - 1).to_string(), BLACK);
            img.text(left - 16, top, "0", BLACK);
            img.text(left, top + ph as i64 + 8, "0", BLACK);
            let lw = (w - 1).to_string();
            img.text(
                left + pw as i64 - 8 * lw.len() as i64,
                top + ph as i64 + 8,
                &lw,
                BLACK,
            );
            // The colour bar, with its range.
            let bx = left + pw as i64 + 20;
            for y in 0..ph {
                let c = viridis(1.0 - y as f64 / (ph - 1).max(1) as f64);
                for x in 0..16 {
                    img.set(bx + x, top + y as i64, c);
                }
            }
            frame(&mut img, (bx, top), (16, ph as i64));
            img.text(bx + 20, top, &label(hi), BLACK);
            img.text(bx + 20, top + ph as i64 - 10, &label(lo), BLACK);
            img.png()
        }
        _ => {
            let (pw, ph) = (800usize, 360usize);
            let mut img = Canvas::new(pw + (left + right) as usize, ph + (top + bottom) as usize);
            let to_y = |v: f64| -> i64 {
                if hi == lo {
                    top + ph as i64 / 2
                } else {
                    top + ((hi - v) / (hi - lo) * (ph - 1) as f64).round() as i64
                }
            };
            // Grid lines at the quarters.
            for q in 1..4 {
                let y = top + (ph as i64 * q) / 4;
                img.line((left, y), (left + pw as i64 - 1, y), GREY);
            }
            let b = buckets(values, pw);
            let mut prev: Option<(i64, i64)> = None;
            for (k, &(mn, mx)) in b.iter().enumerate() {
                let x = left + (k * pw / b.len()) as i64;
                if !mn.is_finite() {
                    prev = None;
                    continue;
                }
                img.line((x, to_y(mn)), (x, to_y(mx)), BLUE);
                let mid = (x, to_y((mn + mx) / 2.0));
                if let Some(p) = prev {
                    img.line(p, mid, BLUE);
                }
                prev = Some(mid);
            }
            frame(&mut img, (left, top), (pw as i64, ph as i64));
            img.text(4, top, &label(hi), BLACK);
            img.text(4, top + ph as i64 - 10, &label(lo), BLACK);
            img.text(left, top + ph as i64 + 8, "0", BLACK);
            let last = values.len().saturating_sub(1).to_string();
            img.text(
                left + pw as i64 - 8 * last.len() as i64,
                top + ph as i64 + 8,
                &last,
                BLACK,
            );
            img.png()
        }
    }
}

fn frame(img: &mut Canvas, (x, y): (i64, i64), (w, h): (i64, i64)) {
    img.line((x - 1, y - 1), (x + w, y - 1), BLACK);
    img.line((x - 1, y + h), (x + w, y + h), BLACK);
    img.line((x - 1, y - 1), (x - 1, y + h), BLACK);
    img.line((x + w, y - 1), (x + w, y + h), BLACK);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_chart_spans_the_range() {
        let v: Vec<f64> = (0..1000).map(|k| (k as f64 / 50.0).sin() * 3.0).collect();
        let mut out = Vec::new();
        line_chart(&mut out, &v, 60, 8).unwrap();
        let text = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[0].trim_start().starts_with("3 ┤"), "{text}");
        assert!(lines[7].starts_with("-3 ┤"), "{text}");
        assert!(text.contains("1000 values"));
        assert!(lines[..8].iter().all(|l| l.chars().count() <= 60), "{text}");
    }

    #[test]
    fn heatmap_with_and_without_colour() {
        let v: Vec<f64> = (0..64 * 64).map(|k| (k % 64 + k / 64) as f64).collect();
        let mut out = Vec::new();
        heatmap(&mut out, &v, (64, 64), 40, 10, false).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.lines().next().unwrap().starts_with(' '), "{text}");
        assert!(text.contains('@'));
        assert!(!text.contains('\x1b'));
        assert!(text.contains("64 x 64 values shown as 10 x 38"), "{text}");
        let mut out = Vec::new();
        heatmap(&mut out, &v, (64, 64), 40, 10, true).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains("\x1b[38;5;"));
        assert_eq!(xterm256(viridis(0.0)), xterm256([68, 1, 84]));
    }

    #[test]
    fn png_is_a_valid_image() {
        let v: Vec<f64> = (0..300).map(|k| k as f64).collect();
        for shape in [vec![300], vec![15, 20]] {
            let png = png(&v, &shape).unwrap();
            assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
            assert_eq!(&png[12..16], b"IHDR");
            // The image data decompresses to height rows of 1 + 3 × width bytes.
            let w = u32::from_be_bytes(png[16..20].try_into().unwrap()) as usize;
            let h = u32::from_be_bytes(png[20..24].try_into().unwrap()) as usize;
            let len = u32::from_be_bytes(png[33..37].try_into().unwrap()) as usize;
            assert_eq!(&png[37..41], b"IDAT");
            let mut raw = Vec::new();
            std::io::Read::read_to_end(
                &mut flate2::read::ZlibDecoder::new(&png[41..41 + len]),
                &mut raw,
            )
            .unwrap();
            assert_eq!(raw.len(), h * (1 + 3 * w));
            assert!(png.ends_with(&[0xae, 0x42, 0x60, 0x82]), "IEND's CRC");
        }
    }
}
