//! From parsed literals to dtypes: NumPy's `_convert_from_any` and friends in
//! `descriptor.c`, and `descr_to_dtype` from `numpy/lib/_format_impl.py`.
//!
//! Every function takes the nesting depth and the `align` flag; the converter counts fields
//! against the limit in [`ParseOptions`].

use super::layout::{make_subarray, round_up};
use super::literal::{parse_literal, Lit, LitKind};
use super::parse::{commastring, is_commastring, typestr};
use super::{DType, Field, ParseOptions, Record, Scalar, ScalarKind, MAX_DIMS, MAX_ITEMSIZE};
use crate::error::{Error, ErrorKind, Location, Result};

/// How offsets inside a string value map onto the whole input.
#[derive(Clone, Copy)]
struct StrLoc {
    base: usize,
    exact: bool,
}

impl StrLoc {
    fn pos(self, offset: usize) -> usize {
        if self.exact {
            self.base + offset
        } else {
            self.base
        }
    }

    fn of(lit: &Lit) -> StrLoc {
        match &lit.kind {
            LitKind::Str { content, exact, .. } => StrLoc {
                base: *content,
                exact: *exact,
            },
            _ => StrLoc {
                base: lit.start,
                exact: false,
            },
        }
    }

    /// Re-anchor an error whose offset is relative to the string.
    fn map_err(self, e: Error) -> Error {
        match e.location() {
            Some(Location::Spec(n)) => {
                let at = self.pos(n);
                e.at_exact(Location::Spec(at))
            }
            _ => e.at(Location::Spec(self.base)),
        }
    }
}

struct Converter<'a> {
    input: &'a str,
    options: &'a ParseOptions,
    fields: usize,
}

fn err_at(at: usize, msg: impl Into<String>) -> Error {
    Error::dtype(msg).at(Location::Spec(at))
}

fn limit_at(at: usize, msg: impl Into<String>) -> Error {
    Error::new(ErrorKind::Limit, msg).at(Location::Spec(at))
}

/// An integer literal (Python `bool` counts, as `PyNumber_Index` accepts it).
fn as_int(lit: &Lit) -> Option<i128> {
    match lit.kind {
        LitKind::Int(v) => Some(v),
        LitKind::Bool(b) => Some(i128::from(b)),
        _ => None,
    }
}

/// A field entry before layout: dict form, legacy field dict and `.npy` descr share it.
struct Entry {
    name: String,
    title: Option<String>,
    dtype: DType,
    offset: Option<usize>,
    at: usize,
}

/// Decide whether `spec` is a Python literal or a dtype string, as a Python caller would
/// have passed it, and convert it.
pub(crate) fn parse_spec(spec: &str, options: &ParseOptions) -> Result<DType> {
    let mut cx = Converter {
        input: spec,
        options,
        fields: 0,
    };
    match parse_literal(spec, options.max_depth) {
        Ok(lit)
            if matches!(
                lit.kind,
                LitKind::Str { .. } | LitKind::List(_) | LitKind::Tuple(_) | LitKind::Dict(_)
            ) =>
        {
            cx.any(&lit, options.align, 0)
        }
        Err(e) if e.kind() == ErrorKind::Limit => Err(e),
        Err(e) if looks_like_literal(spec) => Err(e),
        _ => cx.string(
            spec,
            StrLoc {
                base: 0,
                exact: true,
            },
            options.align,
            0,
        ),
    }
}

/// A dtype string never contains quotes and never starts with `[` or `{`: such a text
/// was meant as a Python literal, and the literal's error is the useful one.
fn looks_like_literal(spec: &str) -> bool {
    spec.contains(['\'', '"']) || spec.trim_start().starts_with(['[', '{'])
}

/// NumPy's `descr_to_dtype`: the `descr` of an `.npy` header, as literal text.
pub(crate) fn parse_descr(descr: &str, options: &ParseOptions) -> Result<DType> {
    let lit = parse_literal(descr, options.max_depth)?;
    let mut cx = Converter {
        input: descr,
        options,
        fields: 0,
    };
    cx.descr(&lit, 0)
}

/// `descr_to_dtype` on an already parsed literal (the `descr` entry of an `.npy` header);
/// offsets in errors are those of `input`, the text the literal was parsed from.
pub(crate) fn descr_from_lit(lit: &Lit, input: &str, options: &ParseOptions) -> Result<DType> {
    let mut cx = Converter {
        input,
        options,
        fields: 0,
    };
    cx.descr(lit, 0)
}

impl<'a> Converter<'a> {
    fn enter(&self, depth: usize, at: usize) -> Result<usize> {
        if depth >= self.options.max_depth {
            return Err(limit_at(
                at,
                format!(
                    "dtype nests deeper than the limit of {} levels",
                    self.options.max_depth
                ),
            ));
        }
        Ok(depth + 1)
    }

    fn count_fields(&mut self, n: usize, at: usize) -> Result<()> {
        self.fields = self.fields.saturating_add(n);
        if self.fields > self.options.max_fields {
            return Err(limit_at(
                at,
                format!(
                    "dtype has more than the limit of {} fields",
                    self.options.max_fields
                ),
            ));
        }
        Ok(())
    }

    /// `_convert_from_any`.
    fn any(&mut self, lit: &Lit, align: bool, depth: usize) -> Result<DType> {
        let depth = self.enter(depth, lit.start)?;
        match &lit.kind {
            LitKind::Str { value, .. } => self.string(value, StrLoc::of(lit), align, depth),
            LitKind::Tuple(items) => self.tuple(lit, items, align, depth),
            LitKind::List(items) => self.array_descr(items, align, depth),
            LitKind::Dict(_) => self.dict(lit, align, depth),
            // np.dtype(None) is the default float64.
            LitKind::None => Ok(DType::Scalar(Scalar::new_unchecked(
                ScalarKind::Float,
                8,
                super::ByteOrder::NATIVE,
            ))),
            _ => Err(err_at(
                lit.start,
                format!(
                    "cannot interpret {} {:?} as a data type: expected a type string, a list \
                     of fields, a dict or a (base, shape) tuple",
                    lit.type_name(),
                    lit.excerpt(self.input)
                ),
            )),
        }
    }

    /// `_convert_from_str`: comma strings, then type codes and names.
    fn string(&mut self, s: &str, loc: StrLoc, align: bool, depth: usize) -> Result<DType> {
        if !is_commastring(s) {
            return typestr(s).map(DType::Scalar).map_err(|e| loc.map_err(e));
        }
        let (items, is_list) = commastring(s).map_err(|e| loc.map_err(e))?;
        let mut dtypes = Vec::with_capacity(items.len());
        for item in &items {
            let item_loc = StrLoc {
                base: loc.pos(item.dtype_pos),
                exact: loc.exact,
            };
            let depth = self.enter(depth, item_loc.base)?;
            let base = self.string(&item.dtype, item_loc, align, depth)?;
            let dt = match &item.repeats {
                None => base,
                Some((text, at)) => {
                    let lit = repeats_literal(text, loc.pos(*at))?;
                    self.tuple_with(base, &lit, depth)?
                }
            };
            dtypes.push((dt, item_loc.base));
        }
        if !is_list {
            return Ok(dtypes.pop().expect("a comma string has an item").0);
        }
        // `_convert_from_list`: fields f0, f1, ... laid out like the list form.
        self.count_fields(dtypes.len(), loc.base)?;
        let mut total = 0usize;
        let mut max_align = 1;
        let mut fields = Vec::with_capacity(dtypes.len());
        for (i, (dt, at)) in dtypes.into_iter().enumerate() {
            if align {
                let a = dt.alignment();
                total = round_up(total, a).ok_or_else(|| too_large(at))?;
                max_align = max_align.max(a);
            }
            let offset = total;
            total = add_size(total, dt.itemsize(), at)?;
            fields.push(Field::new(format!("f{i}"), dt, offset));
        }
        total = round_up(total, max_align).ok_or_else(|| too_large(loc.base))?;
        Ok(DType::Record(Record {
            fields,
            itemsize: total,
            alignment: if align { max_align } else { 1 },
            aligned: align,
            view_of: None,
        }))
    }

    /// `_convert_from_tuple`: `(base, shape)`, `(flexible, size)`, `(base, new_dtype)`.
    fn tuple(&mut self, lit: &Lit, items: &[Lit], align: bool, depth: usize) -> Result<DType> {
        if items.len() != 2 {
            return Err(err_at(
                lit.start,
                format!(
                    "a dtype tuple must have 2 elements, (base, shape) or (base, size), got {}",
                    items.len()
                ),
            ));
        }
        let base = self.any(&items[0], align, depth)?;
        self.tuple_with(base, &items[1], depth)
    }

    /// The second half of `_convert_from_tuple`, given the converted base.
    fn tuple_with(&mut self, base: DType, val: &Lit, depth: usize) -> Result<DType> {
        // `_try_convert_from_inherit_tuple`: unless `val` is an integer or a tuple of
        // integers, try it as a dtype (without align) whose bytes `base` reinterprets.
        let int_like = as_int(val).is_some()
            || matches!(&val.kind, LitKind::Tuple(items) if items.iter().all(|i| as_int(i).is_some()));
        if !int_like {
            let saved = self.fields;
            match self.any(val, false, depth) {
                Ok(conv) => return self.inherit(base, conv, val.start),
                Err(e) if e.kind() == ErrorKind::Limit => return Err(e),
                Err(_) => self.fields = saved,
            }
        }
        let unsized_scalar = matches!(&base, DType::Scalar(s) if s.is_unsized());
        if base.itemsize() == 0 && !base.has_fields() && !unsized_scalar {
            return Err(Error::new(
                ErrorKind::Unsupported,
                "a zero-size subarray cannot be given an item size",
            )
            .at(Location::Spec(val.start)));
        }
        if let (true, DType::Scalar(s)) = (unsized_scalar, &base) {
            let size = as_int(val)
                .filter(|&n| (0..=i128::from(i32::MAX)).contains(&n))
                .ok_or_else(|| {
                    err_at(
                        val.start,
                        format!(
                            "invalid itemsize in generic type tuple: expected a size from 0 to \
                             2147483647, got {:?}",
                            val.excerpt(self.input)
                        ),
                    )
                })? as usize;
            let bytes = if s.kind() == ScalarKind::Unicode {
                size.checked_mul(4)
                    .filter(|&b| b <= MAX_ITEMSIZE)
                    .ok_or_else(|| {
                        limit_at(
                            val.start,
                            "unicode size too large: at most 536870911 characters",
                        )
                    })?
            } else {
                size
            };
            return Ok(DType::Scalar(Scalar::new_unchecked(
                s.kind(),
                bytes as u32,
                s.byte_order(),
            )));
        }
        let dims: Vec<i128> = match &val.kind {
            LitKind::Int(n) => vec![*n],
            LitKind::Tuple(items) | LitKind::List(items) => {
                let mut v = Vec::with_capacity(items.len());
                for item in items {
                    match item.kind {
                        LitKind::Int(n) => v.push(n),
                        _ => return Err(bad_shape(item.start, self.input, val)),
                    }
                }
                v
            }
            _ => return Err(bad_shape(val.start, self.input, val)),
        };
        if dims.len() > MAX_DIMS {
            return Err(err_at(
                val.start,
                format!(
                    "invalid shape in fixed-type tuple: {} dimensions, at most {MAX_DIMS}",
                    dims.len()
                ),
            ));
        }
        if dims.is_empty() && matches!(val.kind, LitKind::Tuple(_)) {
            return Ok(base);
        }
        let mut shape = Vec::with_capacity(dims.len());
        for &d in &dims {
            if d < 0 {
                return Err(err_at(
                    val.start,
                    format!("invalid shape in fixed-type tuple: dimension {d} is negative"),
                ));
            }
            if d > i128::from(i32::MAX) {
                return Err(limit_at(
                    val.start,
                    format!("invalid shape in fixed-type tuple: dimension {d} does not fit into a C int"),
                ));
            }
            shape.push(d as usize);
        }
        make_subarray(base, shape).map_err(|e| e.at(Location::Spec(val.start)))
    }

    /// `(base, new_dtype)`: `base`'s bytes seen through `conv`'s fields.
    fn inherit(&mut self, base: DType, conv: DType, at: usize) -> Result<DType> {
        let unsized_scalar = matches!(&base, DType::Scalar(s) if s.is_unsized());
        let size = if unsized_scalar {
            conv.itemsize()
        } else if base.itemsize() != conv.itemsize() {
            return Err(err_at(
                at,
                format!(
                    "mismatch in size of old and new data-descriptor: the base is {} bytes, \
                     the new dtype {} bytes",
                    base.itemsize(),
                    conv.itemsize()
                ),
            ));
        } else {
            base.itemsize()
        };
        if base.has_object() || conv.has_object() {
            let allowed = matches!(&base, DType::Scalar(s) if s.kind() == ScalarKind::Object)
                && matches!(&conv, DType::Record(r) if r.fields.len() == 1
                    && matches!(r.fields[0].dtype, DType::Scalar(s) if s.kind() == ScalarKind::Object));
            if !allowed {
                return Err(err_at(
                    at,
                    "dtypes of the form (old_dtype, new_dtype) containing the object dtype \
                     are not supported",
                ));
            }
        }
        let conv_record = match conv {
            DType::Record(r) => Some(r),
            _ => None,
        };
        match base {
            DType::Scalar(s) => {
                if s.kind() == ScalarKind::Unicode && size % 4 != 0 {
                    return Err(err_at(
                        at,
                        format!("a unicode type cannot be {size} bytes: expected a multiple of 4"),
                    ));
                }
                let sized = Scalar::new_unchecked(s.kind(), size as u32, s.byte_order());
                let sized = Scalar {
                    unit: s.unit,
                    ..sized
                };
                Ok(match conv_record {
                    None => DType::Scalar(sized),
                    Some(r) => DType::Record(Record {
                        fields: r.fields,
                        itemsize: size,
                        alignment: sized.alignment(),
                        aligned: r.aligned,
                        view_of: (sized.kind() != ScalarKind::Void).then_some(sized),
                    }),
                })
            }
            DType::Record(b) => Ok(match conv_record {
                None => DType::Record(b),
                Some(r) => DType::Record(Record {
                    fields: r.fields,
                    aligned: r.aligned,
                    ..b
                }),
            }),
            DType::Subarray(sub) => match conv_record {
                None => Ok(DType::Subarray(sub)),
                Some(_) => Err(Error::new(
                    ErrorKind::Unsupported,
                    "a subarray dtype with fields of its own cannot be represented",
                )
                .at(Location::Spec(at))),
            },
        }
    }

    /// `_convert_from_array_descr`: `[(name, format[, shape]), ...]`.
    fn array_descr(&mut self, items: &[Lit], align: bool, depth: usize) -> Result<DType> {
        let mut fields: Vec<Field> = Vec::with_capacity(items.len());
        let mut seen: std::collections::HashSet<String> = Default::default();
        let mut total = 0usize;
        let mut max_align = 1;
        self.count_fields(items.len(), items.first().map_or(0, |l| l.start))?;
        for (i, item) in items.iter().enumerate() {
            let parts = match &item.kind {
                LitKind::Tuple(parts) if parts.len() >= 2 => parts,
                _ => {
                    return Err(err_at(
                        item.start,
                        format!(
                            "field elements must be 2- or 3-tuples (name, format[, shape]), got {}",
                            item.excerpt(self.input)
                        ),
                    ))
                }
            };
            let (mut name, title) = field_name(&parts[0])?;
            if name.is_empty() {
                match &title {
                    None => name = format!("f{i}"),
                    Some(t) if !t.is_empty() => name = t.clone(),
                    Some(_) => {
                        return Err(err_at(
                            parts[0].start,
                            "field titles must be non-empty strings",
                        ))
                    }
                }
            }
            let dtype = match parts.len() {
                2 => self.any(&parts[1], align, depth)?,
                3 => {
                    let base = self.any(&parts[1], align, depth)?;
                    self.tuple_with(base, &parts[2], depth)?
                }
                n => {
                    return Err(err_at(
                        item.start,
                        format!("field elements must be tuples with at most 3 elements, got {n}"),
                    ))
                }
            };
            if seen.contains(&name) || title.as_ref().is_some_and(|t| seen.contains(t)) {
                return Err(err_at(
                    parts[0].start,
                    format!("field {:?} occurs more than once", name),
                ));
            }
            if align {
                let a = dtype.alignment();
                total = round_up(total, a).ok_or_else(|| too_large(item.start))?;
                max_align = max_align.max(a);
            }
            seen.insert(name.clone());
            if let Some(t) = &title {
                if !seen.insert(t.clone()) {
                    return Err(err_at(
                        parts[0].start,
                        format!("title {t:?} already used as a name or title"),
                    ));
                }
            }
            let offset = total;
            total = add_size(total, dtype.itemsize(), item.start)?;
            fields.push(Field {
                name,
                title,
                offset,
                dtype,
            });
        }
        total = round_up(total, max_align).ok_or_else(|| too_large(0))?;
        Ok(DType::Record(Record {
            fields,
            itemsize: total,
            alignment: if align { max_align } else { 1 },
            aligned: align,
            view_of: None,
        }))
    }

    /// The dict forms: `{'names': ..., 'formats': ..., ...}` or a legacy field dict.
    fn dict(&mut self, lit: &Lit, align: bool, depth: usize) -> Result<DType> {
        let (Some(names), Some(formats)) = (lit.dict_get("names"), lit.dict_get("formats")) else {
            return self.field_dict(lit, align, depth);
        };
        let names_seq = seq_items(names, "names")?;
        let formats_seq = seq_items(formats, "formats")?;
        let offsets = lit
            .dict_get("offsets")
            .map(|o| seq_items(o, "offsets"))
            .transpose()?;
        let titles = lit
            .dict_get("titles")
            .map(|t| seq_items(t, "titles"))
            .transpose()?;
        let n = names_seq.len();
        if formats_seq.len() < n
            || offsets.as_ref().is_some_and(|o| o.len() < n)
            || titles.as_ref().is_some_and(|t| t.len() < n)
        {
            return Err(err_at(
                lit.start,
                "'names', 'formats', 'offsets', and 'titles' dict entries must have the same length",
            ));
        }
        let mut align = align;
        if let Some(a) = lit.dict_get("aligned") {
            match a.kind {
                LitKind::Bool(true) => align = true,
                LitKind::Bool(false) => {}
                _ => {
                    return Err(err_at(
                        a.start,
                        "the 'aligned' entry of a dtype dict must be True or False",
                    ))
                }
            }
        }
        self.count_fields(n, lit.start)?;
        let mut entries = Vec::with_capacity(n);
        for i in 0..n {
            let title = match titles.as_ref().map(|t| &t[i]) {
                None => None,
                Some(SeqItem::Lit(l)) => match &l.kind {
                    LitKind::None => None,
                    LitKind::Str { value, .. } => Some(value.clone()),
                    _ => {
                        return Err(Error::new(
                            ErrorKind::Unsupported,
                            "field titles must be strings or None",
                        )
                        .at(Location::Spec(l.start)))
                    }
                },
                Some(SeqItem::Char(c, _)) => Some(c.to_string()),
            };
            let dtype = match &formats_seq[i] {
                SeqItem::Lit(l) => self.any(l, align, depth)?,
                SeqItem::Char(c, at) => self.string(
                    &c.to_string(),
                    StrLoc {
                        base: *at,
                        exact: true,
                    },
                    align,
                    depth,
                )?,
            };
            let offset = match offsets.as_ref().map(|o| &o[i]) {
                None => None,
                Some(SeqItem::Lit(l)) => match as_int(l) {
                    Some(v) if v < 0 => {
                        return Err(err_at(l.start, format!("offset {v} cannot be negative")))
                    }
                    Some(v) if v > MAX_ITEMSIZE as i128 => {
                        return Err(limit_at(
                            l.start,
                            format!("offset {v} is larger than 2147483647"),
                        ))
                    }
                    Some(v) => Some(v as usize),
                    None => return Err(err_at(l.start, "an offset must be an integer")),
                },
                Some(SeqItem::Char(_, at)) => {
                    return Err(err_at(*at, "an offset must be an integer"))
                }
            };
            let (name, at) = match &names_seq[i] {
                SeqItem::Lit(l) => match l.as_str() {
                    Some(s) => (s.to_owned(), l.start),
                    None => return Err(err_at(l.start, "field names must be strings")),
                },
                SeqItem::Char(c, at) => (c.to_string(), *at),
            };
            entries.push(Entry {
                name,
                title,
                dtype,
                offset,
                at,
            });
        }
        let itemsize = match lit.dict_get("itemsize") {
            None => None,
            Some(l) => match as_int(l) {
                Some(v) if (0..=MAX_ITEMSIZE as i128).contains(&v) => Some((v as usize, l.start)),
                _ => {
                    return Err(err_at(
                        l.start,
                        "the 'itemsize' entry must be an integer from 0 to 2147483647",
                    ))
                }
            },
        };
        build_record(entries, itemsize, align, lit.start).map(DType::Record)
    }

    /// A legacy field dict `{'name': (format, offset[, title]), ...}`, ordered by offset.
    fn field_dict(&mut self, lit: &Lit, align: bool, depth: usize) -> Result<DType> {
        let LitKind::Dict(items) = &lit.kind else {
            unreachable!("field_dict is called on dicts")
        };
        self.count_fields(items.len(), lit.start)?;
        let mut entries = Vec::with_capacity(items.len());
        for (key, val) in items {
            let parts = match &val.kind {
                LitKind::Tuple(p) if p.len() == 2 || p.len() == 3 => p,
                _ => {
                    return Err(err_at(
                        val.start,
                        "a field dict entry must be a (format, offset) or (format, offset, \
                         title) tuple",
                    ))
                }
            };
            let Some(name) = key.as_str() else {
                return Err(err_at(key.start, "field names must be strings"));
            };
            // Titles appear as extra keys mapping to the same tuple: skip them.
            if parts.len() == 3 && parts[2].as_str() == Some(name) {
                continue;
            }
            let offset = match as_int(&parts[1]) {
                Some(v) if v < 0 => return Err(err_at(parts[1].start, "invalid offset: negative")),
                Some(v) if v > MAX_ITEMSIZE as i128 => {
                    return Err(limit_at(parts[1].start, "offset larger than 2147483647"))
                }
                Some(v) => v as usize,
                None => return Err(err_at(parts[1].start, "a field offset must be an integer")),
            };
            let dtype = self.any(&parts[0], align, depth)?;
            let title = match parts.get(2).map(|t| &t.kind) {
                None | Some(LitKind::None) => None,
                Some(LitKind::Str { value, .. }) => Some(value.clone()),
                Some(_) => {
                    return Err(
                        Error::new(ErrorKind::Unsupported, "field titles must be strings")
                            .at(Location::Spec(parts[2].start)),
                    )
                }
            };
            entries.push(Entry {
                name: name.to_owned(),
                title,
                dtype,
                offset: Some(offset),
                at: key.start,
            });
        }
        entries.sort_by_key(|e| e.offset);
        build_record(entries, None, align, lit.start).map(DType::Record)
    }

    /// `descr_to_dtype`.
    fn descr(&mut self, lit: &Lit, depth: usize) -> Result<DType> {
        let depth = self.enter(depth, lit.start)?;
        match &lit.kind {
            LitKind::Str { value, .. } => self.string(value, StrLoc::of(lit), false, depth),
            LitKind::Tuple(items) if items.len() == 2 => {
                let base = self.descr(&items[0], depth)?;
                self.tuple_with(base, &items[1], depth)
            }
            LitKind::List(items) => {
                self.count_fields(items.len(), lit.start)?;
                let mut entries = Vec::with_capacity(items.len());
                let mut offset = 0usize;
                for item in items {
                    let parts = match &item.kind {
                        LitKind::Tuple(p) if p.len() == 2 || p.len() == 3 => p,
                        _ => {
                            return Err(err_at(
                                item.start,
                                "a descr entry must be a (name, format) or (name, format, \
                                 shape) tuple",
                            ))
                        }
                    };
                    let mut dt = self.descr(&parts[1], depth)?;
                    if let Some(shape) = parts.get(2) {
                        dt = self.tuple_with(dt, shape, depth)?;
                    }
                    let (name, title) = field_name(&parts[0])?;
                    let size = dt.itemsize();
                    let is_pad = name.is_empty()
                        && title.is_none()
                        && match &dt {
                            DType::Scalar(s) => s.kind() == ScalarKind::Void,
                            DType::Subarray(_) => true,
                            DType::Record(_) => false,
                        };
                    if !is_pad {
                        entries.push(Entry {
                            name,
                            title,
                            dtype: dt,
                            offset: Some(offset),
                            at: item.start,
                        });
                    }
                    offset = add_size(offset, size, item.start)?;
                }
                build_record(entries, Some((offset, lit.start)), false, lit.start)
                    .map(DType::Record)
            }
            _ => Err(err_at(
                lit.start,
                format!(
                    "descr is not a valid dtype descriptor: expected a type string, a list of \
                     fields or a (base, shape) tuple, got {}",
                    lit.excerpt(self.input)
                ),
            )),
        }
    }
}

/// The `repeats` of a comma-string item, evaluated as `ast.literal_eval` would: `2`,
/// `(2,3)`, `3,2` (a bare tuple), `()`.
fn repeats_literal(text: &str, at: usize) -> Result<Lit> {
    let trimmed = text.trim_matches([' ', '\t']);
    let bad = || {
        err_at(
            at,
            format!("invalid repeat count {text:?}: expected a number or a shape such as (2,3)"),
        )
    };
    if trimmed.is_empty() {
        return Err(bad());
    }
    let wrapped;
    let source = if trimmed.starts_with('(') {
        trimmed
    } else {
        wrapped = format!("({trimmed})");
        &wrapped
    };
    let mut lit = parse_literal(source, 8).map_err(|_| bad())?;
    lit.start = at;
    lit.end = at + text.len();
    if let LitKind::Tuple(items) = &mut lit.kind {
        for item in items {
            item.start = at;
            item.end = at + text.len();
        }
    }
    Ok(lit)
}

/// A field name, `'name'` or `('title', 'name')`, as `(name, title)`.
fn field_name(lit: &Lit) -> Result<(String, Option<String>)> {
    match &lit.kind {
        LitKind::Str { value, .. } => Ok((value.clone(), None)),
        LitKind::Tuple(nt) if nt.len() == 2 => {
            let Some(name) = nt[1].as_str() else {
                return Err(err_at(nt[1].start, "field name must be a str"));
            };
            match &nt[0].kind {
                LitKind::Str { value, .. } => Ok((name.to_owned(), Some(value.clone()))),
                _ => Err(
                    Error::new(ErrorKind::Unsupported, "field titles must be strings")
                        .at(Location::Spec(nt[0].start)),
                ),
            }
        }
        LitKind::Tuple(_) => Err(err_at(
            lit.start,
            "a (title, name) field name must be a two-tuple",
        )),
        _ => Err(err_at(
            lit.start,
            "the first element of a field tuple must be a name (str) or a (title, name) tuple",
        )),
    }
}

fn bad_shape(at: usize, input: &str, val: &Lit) -> Error {
    err_at(
        at,
        format!(
            "invalid shape in fixed-type tuple: expected an integer or a tuple of integers, got {}",
            val.excerpt(input)
        ),
    )
}

fn too_large(at: usize) -> Error {
    limit_at(at, "dtype is larger than 2147483647 bytes, NumPy's limit")
}

fn add_size(a: usize, b: usize, at: usize) -> Result<usize> {
    a.checked_add(b)
        .filter(|&n| n <= MAX_ITEMSIZE)
        .ok_or_else(|| too_large(at))
}

/// An element of a dict-form sequence: a literal, or one character of a string (NumPy
/// indexes `names`/`formats`/`titles` with `obj[i]`, so a string works as a sequence).
enum SeqItem<'l> {
    Lit(&'l Lit),
    Char(char, usize),
}

fn seq_items<'l>(lit: &'l Lit, what: &str) -> Result<Vec<SeqItem<'l>>> {
    match &lit.kind {
        LitKind::List(items) | LitKind::Tuple(items) => {
            Ok(items.iter().map(SeqItem::Lit).collect())
        }
        LitKind::Str { value, .. } => Ok(value
            .char_indices()
            .map(|(i, c)| SeqItem::Char(c, lit.str_pos(i)))
            .collect()),
        _ => Err(err_at(
            lit.start,
            format!("the '{what}' entry of a dtype dict must be a list or tuple"),
        )),
    }
}

/// `_convert_from_dict` after conversion of the formats: place the fields, check names and
/// titles, apply `align` and the itemsize override.
fn build_record(
    entries: Vec<Entry>,
    itemsize: Option<(usize, usize)>,
    align: bool,
    at: usize,
) -> Result<Record> {
    let mut total = 0usize;
    let mut max_align = 1;
    let mut out_of_order = false;
    let mut seen: std::collections::HashSet<String> = Default::default();
    let mut fields = Vec::with_capacity(entries.len());
    for e in entries {
        let a = e.dtype.alignment();
        if align {
            max_align = max_align.max(a);
        }
        let offset = match e.offset {
            Some(off) => {
                if off < total {
                    out_of_order = true;
                }
                if align && off % a != 0 {
                    return Err(err_at(
                        e.at,
                        format!(
                            "offset {off} for NumPy dtype with fields is not divisible by the \
                             field alignment {a} with align=True"
                        ),
                    ));
                }
                total = total.max(add_size(off, e.dtype.itemsize(), e.at)?);
                off
            }
            None => {
                if align {
                    total = round_up(total, a).ok_or_else(|| too_large(e.at))?;
                }
                let off = total;
                total = add_size(total, e.dtype.itemsize(), e.at)?;
                off
            }
        };
        if !seen.insert(e.name.clone()) {
            return Err(err_at(
                e.at,
                format!("field name {:?} already used as a name or title", e.name),
            ));
        }
        if let Some(t) = &e.title {
            if !seen.insert(t.clone()) {
                return Err(err_at(
                    e.at,
                    format!("title {t:?} already used as a name or title"),
                ));
            }
        }
        fields.push(Field {
            name: e.name,
            title: e.title,
            offset,
            dtype: e.dtype,
        });
    }
    total = round_up(total, max_align).ok_or_else(|| too_large(at))?;
    let alignment = if align { max_align } else { 1 };
    if out_of_order {
        check_object_overlap(&fields).map_err(|e| e.at(Location::Spec(at)))?;
    }
    if let Some((size, size_at)) = itemsize {
        if size < total {
            return Err(err_at(
                size_at,
                format!(
                    "NumPy dtype descriptor requires {total} bytes, cannot override to smaller \
                     itemsize of {size}"
                ),
            ));
        }
        if align && size % alignment != 0 {
            return Err(err_at(
                size_at,
                format!(
                    "NumPy dtype descriptor requires alignment of {alignment} bytes, which is \
                     not divisible into the specified itemsize {size}"
                ),
            ));
        }
        total = size;
    }
    Ok(Record {
        fields,
        itemsize: total,
        alignment,
        aligned: align,
        view_of: None,
    })
}

/// Objects may not share bytes with anything else (`_validate_object_field_overlap`).
pub(super) fn check_object_overlap(fields: &[Field]) -> Result<()> {
    for (i, a) in fields.iter().enumerate() {
        if !a.dtype.has_object() {
            continue;
        }
        for (j, b) in fields.iter().enumerate() {
            if i != j && a.offset < b.end() && b.offset < a.end() {
                return Err(Error::dtype(format!(
                    "cannot create a NumPy dtype with overlapping object fields ({:?} and {:?})",
                    a.name, b.name
                )));
            }
        }
    }
    Ok(())
}
