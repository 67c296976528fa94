//! Layout queries: field lookup by name and dotted path, flattened leaf fields with absolute
//! offsets, and the checked constructors of subarrays and records.

use super::{DType, Field, Record, Scalar, Subarray, MAX_DIMS, MAX_ITEMSIZE};
use crate::error::{Error, ErrorKind, Result};

/// `offset` rounded up to a multiple of `align` (a power of two, or 1); `None` on overflow.
pub(crate) fn round_up(offset: usize, align: usize) -> Option<usize> {
    if align <= 1 {
        return Some(offset);
    }
    offset
        .checked_add(align - 1)
        .map(|n| n / align * align)
        .filter(|&n| n <= MAX_ITEMSIZE)
}

/// A subarray of `base`, with NumPy's limits on dimensions and total size.
pub(crate) fn make_subarray(base: DType, shape: Vec<usize>) -> Result<DType> {
    if shape.len() > MAX_DIMS {
        return Err(Error::dtype(format!(
            "invalid shape in fixed-type tuple: {} dimensions, at most {MAX_DIMS}",
            shape.len()
        )));
    }
    let too_big = || {
        Error::new(
            ErrorKind::Limit,
            "invalid shape in fixed-type tuple: dtype size in bytes must fit into a C int \
             (2147483647)",
        )
    };
    let mut items: usize = 1;
    for &d in &shape {
        if d > MAX_ITEMSIZE {
            return Err(too_big());
        }
        items = items.checked_mul(d).ok_or_else(too_big)?;
    }
    if items > MAX_ITEMSIZE {
        return Err(too_big());
    }
    let itemsize = base
        .itemsize()
        .checked_mul(items)
        .filter(|&n| n <= MAX_ITEMSIZE)
        .ok_or_else(too_big)?;
    Ok(DType::Subarray(Box::new(Subarray {
        base,
        shape,
        itemsize,
    })))
}

/// A record from placed fields; checks names, titles, sizes and object overlap.
pub(crate) fn make_record(
    fields: Vec<Field>,
    itemsize: Option<usize>,
    alignment: usize,
    aligned: bool,
) -> Result<DType> {
    let mut seen = std::collections::HashSet::new();
    let mut end = 0usize;
    for f in &fields {
        if !seen.insert(f.name.as_str()) {
            return Err(Error::dtype(format!(
                "field name {:?} already used as a name or title",
                f.name
            )));
        }
        if let Some(t) = &f.title {
            if !seen.insert(t.as_str()) {
                return Err(Error::dtype(format!(
                    "title {t:?} already used as a name or title"
                )));
            }
        }
        let field_end = f
            .offset
            .checked_add(f.dtype.itemsize())
            .filter(|&n| n <= MAX_ITEMSIZE)
            .ok_or_else(|| Error::new(ErrorKind::Limit, "record larger than 2147483647 bytes"))?;
        end = end.max(field_end);
    }
    super::convert::check_object_overlap(&fields)?;
    let itemsize = match itemsize {
        None => end,
        Some(n) if n < end => {
            return Err(Error::dtype(format!(
                "the fields need {end} bytes, more than the itemsize of {n}"
            )))
        }
        Some(n) if n > MAX_ITEMSIZE => {
            return Err(Error::new(
                ErrorKind::Limit,
                "record larger than 2147483647 bytes",
            ))
        }
        Some(n) => n,
    };
    Ok(DType::Record(Record {
        fields,
        itemsize,
        alignment,
        aligned,
        view_of: None,
    }))
}

/// C-order strides (in bytes) of a block of `shape` elements of `itemsize` bytes.
pub(crate) fn c_strides(shape: &[usize], itemsize: usize) -> Vec<usize> {
    let mut strides = vec![0; shape.len()];
    let mut acc = itemsize;
    for (s, &d) in strides.iter_mut().zip(shape).rev() {
        *s = acc;
        acc = acc.saturating_mul(d);
    }
    strides
}

/// A field found by [`DType::field_path`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldRef<'a> {
    /// Byte offset of the field from the start of the element (first subarray element
    /// when the path passes through subarrays of records).
    pub offset: usize,
    /// The field's dtype (a subarray field keeps its subarray dtype).
    pub dtype: &'a DType,
    /// Axes added by subarrays of records that the path passes through (usually empty).
    pub outer_shape: Vec<usize>,
    /// Byte strides of `outer_shape`.
    pub outer_strides: Vec<usize>,
}

/// One leaf (scalar) field of a dtype, with its absolute offset: what
/// [`DType::leaf_fields`] yields, and what text loaders fill column by column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeafField {
    /// Dotted path of names from the top (`"position.az"`); `""` for a dtype without fields.
    pub path: String,
    /// The field's title, when it has one.
    pub title: Option<String>,
    /// Byte offset of the (first element of the) leaf within the element.
    pub offset: usize,
    /// The scalar type of the leaf.
    pub dtype: Scalar,
    /// Shape of the subarrays the leaf sits in, outermost first (`[]` for a plain scalar).
    pub shape: Vec<usize>,
    /// Byte strides of `shape` within the element.
    pub strides: Vec<usize>,
}

impl LeafField {
    /// Number of scalar values in the leaf (product of its shape).
    pub fn count(&self) -> usize {
        crate::array::layout::shape_size(&self.shape)
    }
}

impl DType {
    /// The field named `name` (or titled `name`) of a record.
    ///
    /// # Errors
    /// When the dtype has no fields or no such field; the message lists the fields.
    pub fn field(&self, name: &str) -> Result<&Field> {
        match self {
            DType::Record(r) => r.field(name).ok_or_else(|| no_field(r, name, "")),
            _ => Err(Error::new(
                ErrorKind::Argument,
                format!(
                    "no field {name:?}: the dtype {} has no fields",
                    self.typestr()
                ),
            )),
        }
    }

    /// The field at a dotted path (`"position.az"`), with its absolute offset.
    ///
    /// At each level a field whose whole remaining path is its name wins (so a name
    /// containing dots can still be reached); otherwise the path is split at the first dot.
    /// A path may pass through subarrays of records; their axes are returned in
    /// [`FieldRef::outer_shape`].
    ///
    /// # Errors
    /// When a component does not name a field; the message lists the fields at that level.
    pub fn field_path(&self, path: &str) -> Result<FieldRef<'_>> {
        let mut cur = self;
        let mut offset = 0usize;
        let mut outer_shape = Vec::new();
        let mut outer_strides = Vec::new();
        let mut rest = path;
        let mut done = String::new();
        loop {
            // Step through subarrays of records.
            while let DType::Subarray(sub) = cur {
                if !sub.base.has_fields() {
                    break;
                }
                let strides = c_strides(&sub.shape, sub.base.itemsize());
                outer_shape.extend_from_slice(&sub.shape);
                outer_strides.extend(strides);
                cur = &sub.base;
            }
            let DType::Record(rec) = cur else {
                return Err(Error::new(
                    ErrorKind::Argument,
                    format!(
                        "no field {path:?}: {} is not a record",
                        if done.is_empty() {
                            "the dtype".to_owned()
                        } else {
                            format!("{done:?}")
                        }
                    ),
                ));
            };
            let (field, tail) = match rec.field(rest) {
                Some(f) => (f, None),
                None => match rest.split_once('.') {
                    Some((head, tail)) => match rec.field(head) {
                        Some(f) => (f, Some(tail)),
                        None => return Err(no_field(rec, head, &done)),
                    },
                    None => return Err(no_field(rec, rest, &done)),
                },
            };
            offset += field.offset;
            if !done.is_empty() {
                done.push('.');
            }
            done.push_str(&field.name);
            match tail {
                None => {
                    return Ok(FieldRef {
                        offset,
                        dtype: &field.dtype,
                        outer_shape,
                        outer_strides,
                    })
                }
                Some(t) => {
                    rest = t;
                    cur = &field.dtype;
                }
            }
        }
    }

    /// Every scalar leaf in declaration order, nested records flattened into dotted paths
    /// and subarrays into shapes (C order), with absolute offsets. This is the column order
    /// of NumPy's text loaders. A dtype without fields yields one leaf with path `""`; a
    /// record without fields yields none.
    pub fn leaf_fields(&self) -> Vec<LeafField> {
        let mut out = Vec::new();
        walk(
            self,
            String::new(),
            None,
            0,
            &mut Vec::new(),
            &mut Vec::new(),
            &mut out,
        );
        out
    }
}

fn walk(
    dt: &DType,
    path: String,
    title: Option<&str>,
    offset: usize,
    shape: &mut Vec<usize>,
    strides: &mut Vec<usize>,
    out: &mut Vec<LeafField>,
) {
    match dt {
        DType::Scalar(s) => out.push(LeafField {
            path,
            title: title.map(str::to_owned),
            offset,
            dtype: *s,
            shape: shape.clone(),
            strides: strides.clone(),
        }),
        DType::Subarray(sub) => {
            let n = shape.len();
            shape.extend_from_slice(&sub.shape);
            strides.extend(c_strides(&sub.shape, sub.base.itemsize()));
            walk(&sub.base, path, title, offset, shape, strides, out);
            shape.truncate(n);
            strides.truncate(n);
        }
        DType::Record(r) => {
            for f in &r.fields {
                let p = if path.is_empty() {
                    f.name.clone()
                } else {
                    format!("{path}.{}", f.name)
                };
                walk(
                    &f.dtype,
                    p,
                    f.title.as_deref(),
                    offset + f.offset,
                    shape,
                    strides,
                    out,
                );
            }
        }
    }
}

fn no_field(rec: &Record, name: &str, parent: &str) -> Error {
    let names: Vec<String> = rec.fields.iter().map(|f| format!("{:?}", f.name)).collect();
    let at = if parent.is_empty() {
        String::new()
    } else {
        format!(" in {parent:?}")
    };
    Error::new(
        ErrorKind::Argument,
        format!(
            "no field {name:?}{at}: expected one of {}",
            if names.is_empty() {
                "(no fields)".to_owned()
            } else {
                names.join(", ")
            }
        ),
    )
}
