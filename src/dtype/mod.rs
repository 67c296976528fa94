//! NumPy data types: the model, its parser and its renderings.
//!
//! A [`DType`] describes the bytes of one array element and holds no data. It is one of
//!
//! * a [`Scalar`]: a number, a boolean, a datetime, a fixed-size byte or unicode string, raw
//!   void bytes or a Python object reference, each with its [`ByteOrder`];
//! * a [`Subarray`]: a fixed-shape block of a base dtype (`('<f8', (2, 3))`);
//! * a [`Record`]: named [`Field`]s at byte offsets, with optional titles, gaps, padding and
//!   overlaps, nested to any depth.
//!
//! Build one with [`DType::parse`], which accepts every form `np.dtype` accepts as a string
//! or Python literal, or with the constructors below. Render it back with
//! [`DType::typestr`] (NumPy's `dtype.str`), [`DType::descr`] (`repr(dtype.descr)`),
//! [`DType::npy_descr`] (the `descr` of an `.npy` header) and `Display` (a description that
//! parses back to an equal dtype).
//!
//! # Limits
//!
//! NumPy stores sizes, offsets and subarray dimensions in C `int`s, so no dtype may be larger
//! than `i32::MAX` bytes ([`MAX_ITEMSIZE`]); subarrays have at most [`MAX_DIMS`] dimensions.
//! The parser also bounds the nesting depth and the total number of fields; see
//! [`ParseOptions`].

mod convert;
mod display;
pub(crate) mod layout;
mod literal;
mod parse;

use std::fmt;

pub(crate) use convert::descr_from_lit;
pub use display::{py_repr_shape, py_repr_str};
pub(crate) use layout::c_strides;
pub use layout::{FieldRef, LeafField};
pub(crate) use literal::{parse_literal, Lit, LitKind};

use crate::error::{Error, Result};

/// The largest itemsize, offset or subarray element count NumPy can represent (a C `int`).
pub const MAX_ITEMSIZE: usize = i32::MAX as usize;

/// The most dimensions a subarray (or an array) may have, as in NumPy 2 (`NPY_MAXDIMS`).
pub const MAX_DIMS: usize = 64;

/// Byte order of a scalar type.
///
/// NumPy's `=` (native) is resolved when a dtype is built, so a `ByteOrder` is always one of
/// these three states: `<`, `>` or `|` (not applicable: one-byte types, byte strings, void,
/// objects).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ByteOrder {
    /// Least significant byte first (`<`).
    Little,
    /// Most significant byte first (`>`).
    Big,
    /// Byte order does not apply (`|`).
    NotApplicable,
}

impl ByteOrder {
    /// The byte order of the machine dtkit runs on.
    #[cfg(target_endian = "little")]
    pub const NATIVE: ByteOrder = ByteOrder::Little;
    /// The byte order of the machine dtkit runs on.
    #[cfg(target_endian = "big")]
    pub const NATIVE: ByteOrder = ByteOrder::Big;

    /// `<`, `>` or `|`, as in `dtype.str`.
    pub fn as_char(self) -> char {
        match self {
            ByteOrder::Little => '<',
            ByteOrder::Big => '>',
            ByteOrder::NotApplicable => '|',
        }
    }

    /// True for the machine's own order and for [`ByteOrder::NotApplicable`].
    pub fn is_native(self) -> bool {
        self == Self::NATIVE || self == ByteOrder::NotApplicable
    }

    /// The opposite order; `NotApplicable` stays as it is.
    pub fn swapped(self) -> ByteOrder {
        match self {
            ByteOrder::Little => ByteOrder::Big,
            ByteOrder::Big => ByteOrder::Little,
            ByteOrder::NotApplicable => ByteOrder::NotApplicable,
        }
    }
}

/// The family of a scalar type, NumPy's `dtype.kind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ScalarKind {
    /// `?`, `b1`: one byte, zero is false.
    Bool,
    /// Signed integers `i1`, `i2`, `i4`, `i8`.
    Int,
    /// Unsigned integers `u1`, `u2`, `u4`, `u8`.
    UInt,
    /// IEEE floats `f2`, `f4`, `f8`, and `f16` (x86 long double, kept as 16 opaque bytes).
    Float,
    /// Complex numbers `c8`, `c16`, `c32` (two floats of half the size).
    Complex,
    /// `M8[unit]`: a signed 64-bit count of [`TimeUnit`]s since the epoch.
    DateTime,
    /// `m8[unit]`: a signed 64-bit count of [`TimeUnit`]s.
    TimeDelta,
    /// `S<n>`: n bytes, NUL padded.
    Bytes,
    /// `U<n>`: n UCS-4 code points (4n bytes), NUL padded.
    Unicode,
    /// `V<n>`: n raw bytes.
    Void,
    /// `O`: a Python object pointer. Described, never decoded.
    Object,
}

impl ScalarKind {
    /// NumPy's one-letter `dtype.kind`.
    pub fn kind_char(self) -> char {
        match self {
            ScalarKind::Bool => 'b',
            ScalarKind::Int => 'i',
            ScalarKind::UInt => 'u',
            ScalarKind::Float => 'f',
            ScalarKind::Complex => 'c',
            ScalarKind::DateTime => 'M',
            ScalarKind::TimeDelta => 'm',
            ScalarKind::Bytes => 'S',
            ScalarKind::Unicode => 'U',
            ScalarKind::Void => 'V',
            ScalarKind::Object => 'O',
        }
    }
}

/// The base unit of a datetime or timedelta.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TimeUnit {
    /// `Y`
    Year,
    /// `M`
    Month,
    /// `W`
    Week,
    /// `D`
    Day,
    /// `h`
    Hour,
    /// `m`
    Minute,
    /// `s`
    Second,
    /// `ms`
    Millisecond,
    /// `us` (also written `μs`)
    Microsecond,
    /// `ns`
    Nanosecond,
    /// `ps`
    Picosecond,
    /// `fs`
    Femtosecond,
    /// `as`
    Attosecond,
}

impl TimeUnit {
    /// Every unit, coarsest first.
    pub const ALL: [TimeUnit; 13] = [
        TimeUnit::Year,
        TimeUnit::Month,
        TimeUnit::Week,
        TimeUnit::Day,
        TimeUnit::Hour,
        TimeUnit::Minute,
        TimeUnit::Second,
        TimeUnit::Millisecond,
        TimeUnit::Microsecond,
        TimeUnit::Nanosecond,
        TimeUnit::Picosecond,
        TimeUnit::Femtosecond,
        TimeUnit::Attosecond,
    ];

    /// The unit's symbol as NumPy prints it (`ns`, `D`, ...).
    pub fn symbol(self) -> &'static str {
        match self {
            TimeUnit::Year => "Y",
            TimeUnit::Month => "M",
            TimeUnit::Week => "W",
            TimeUnit::Day => "D",
            TimeUnit::Hour => "h",
            TimeUnit::Minute => "m",
            TimeUnit::Second => "s",
            TimeUnit::Millisecond => "ms",
            TimeUnit::Microsecond => "us",
            TimeUnit::Nanosecond => "ns",
            TimeUnit::Picosecond => "ps",
            TimeUnit::Femtosecond => "fs",
            TimeUnit::Attosecond => "as",
        }
    }

    /// Parse a unit symbol (`μs` is accepted for `us`).
    pub fn from_symbol(s: &str) -> Option<TimeUnit> {
        Some(match s {
            "Y" => TimeUnit::Year,
            "M" => TimeUnit::Month,
            "W" => TimeUnit::Week,
            "D" => TimeUnit::Day,
            "h" => TimeUnit::Hour,
            "m" => TimeUnit::Minute,
            "s" => TimeUnit::Second,
            "ms" => TimeUnit::Millisecond,
            "us" | "\u{3bc}s" => TimeUnit::Microsecond,
            "ns" => TimeUnit::Nanosecond,
            "ps" => TimeUnit::Picosecond,
            "fs" => TimeUnit::Femtosecond,
            "as" => TimeUnit::Attosecond,
            _ => return None,
        })
    }
}

/// The unit of a datetime or timedelta: `count` × `unit`, or generic (no unit, `M8`).
///
/// NumPy normalises a divisor into a finer unit when a dtype is parsed:
/// `M8[us/2]` becomes `M8[500ns]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DateTimeUnit {
    /// The base unit; `None` for generic units.
    pub unit: Option<TimeUnit>,
    /// The multiplier (1 for `[ns]`, 500 for `[500ns]`). Generic units keep a multiplier
    /// too (`M8[2generic]`), which NumPy compares but does not print in `.str`.
    pub count: u32,
}

impl DateTimeUnit {
    /// Generic units: `M8`, `m8`.
    pub const GENERIC: DateTimeUnit = DateTimeUnit {
        unit: None,
        count: 1,
    };

    /// `count` × `unit`.
    pub fn new(unit: TimeUnit, count: u32) -> Self {
        DateTimeUnit {
            unit: Some(unit),
            count,
        }
    }
}

impl fmt::Display for DateTimeUnit {
    /// `[ns]`, `[500ns]`, or nothing for generic units.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.unit {
            None => Ok(()),
            Some(u) if self.count == 1 => write!(f, "[{}]", u.symbol()),
            Some(u) => write!(f, "[{}{}]", self.count, u.symbol()),
        }
    }
}

/// A scalar type: kind, size in bytes, byte order, and the unit of datetimes.
///
/// Invariants, kept by the constructors: the size is one NumPy allows for the kind; the byte
/// order is [`ByteOrder::NotApplicable`] exactly for one-byte numbers, booleans, byte strings,
/// void and objects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Scalar {
    kind: ScalarKind,
    size: u32,
    order: ByteOrder,
    unit: DateTimeUnit,
}

impl Scalar {
    /// A scalar of `kind` with `size` bytes in byte order `order` (ignored where it does not
    /// apply).
    ///
    /// # Errors
    /// When NumPy has no such type (`i3`, `f12`, `U` with a size not a multiple of 4, a size
    /// over [`MAX_ITEMSIZE`]).
    pub fn new(kind: ScalarKind, size: usize, order: ByteOrder) -> Result<Scalar> {
        let valid = match kind {
            ScalarKind::Bool => size == 1,
            ScalarKind::Int | ScalarKind::UInt => matches!(size, 1 | 2 | 4 | 8),
            ScalarKind::Float => matches!(size, 2 | 4 | 8 | 16),
            ScalarKind::Complex => matches!(size, 8 | 16 | 32),
            ScalarKind::DateTime | ScalarKind::TimeDelta | ScalarKind::Object => size == 8,
            ScalarKind::Bytes | ScalarKind::Void => size <= MAX_ITEMSIZE,
            ScalarKind::Unicode => size % 4 == 0 && size <= MAX_ITEMSIZE,
        };
        if !valid {
            return Err(Error::dtype(format!(
                "no {:?} type of {} bytes exists",
                kind, size
            )));
        }
        Ok(Self::new_unchecked(kind, size as u32, order))
    }

    /// Build without validating the size; the byte order is still normalised.
    pub(crate) fn new_unchecked(kind: ScalarKind, size: u32, order: ByteOrder) -> Scalar {
        let applicable = match kind {
            ScalarKind::Bool | ScalarKind::Bytes | ScalarKind::Void | ScalarKind::Object => false,
            ScalarKind::Int | ScalarKind::UInt => size > 1,
            _ => true,
        };
        let order = match (applicable, order) {
            (false, _) => ByteOrder::NotApplicable,
            (true, ByteOrder::NotApplicable) => ByteOrder::NATIVE,
            (true, o) => o,
        };
        Scalar {
            kind,
            size,
            order,
            unit: DateTimeUnit::GENERIC,
        }
    }

    /// A datetime (`M8`) or timedelta (`m8`) with a unit.
    pub fn datetime(timedelta: bool, unit: DateTimeUnit, order: ByteOrder) -> Scalar {
        let kind = if timedelta {
            ScalarKind::TimeDelta
        } else {
            ScalarKind::DateTime
        };
        Scalar {
            unit,
            ..Self::new_unchecked(kind, 8, order)
        }
    }

    /// The kind of scalar.
    pub fn kind(&self) -> ScalarKind {
        self.kind
    }

    /// Size in bytes (`U3` is 12 bytes).
    pub fn size(&self) -> usize {
        self.size as usize
    }

    /// Byte order, never NumPy's `=`: native order is resolved to `<` or `>`.
    pub fn byte_order(&self) -> ByteOrder {
        self.order
    }

    /// The unit of a datetime or timedelta; generic for other kinds.
    pub fn datetime_unit(&self) -> DateTimeUnit {
        self.unit
    }

    /// NumPy's `dtype.alignment` on x86-64.
    pub fn alignment(&self) -> usize {
        match self.kind {
            ScalarKind::Bool | ScalarKind::Bytes | ScalarKind::Void => 1,
            ScalarKind::Int | ScalarKind::UInt | ScalarKind::Float => self.size(),
            ScalarKind::Complex => self.size() / 2,
            ScalarKind::DateTime | ScalarKind::TimeDelta | ScalarKind::Object => 8,
            ScalarKind::Unicode => 4,
        }
    }

    /// The same scalar in another byte order (unchanged where order does not apply).
    pub fn with_byte_order(&self, order: ByteOrder) -> Scalar {
        Scalar {
            order: if self.order == ByteOrder::NotApplicable {
                ByteOrder::NotApplicable
            } else if order == ByteOrder::NotApplicable {
                ByteOrder::NATIVE
            } else {
                order
            },
            ..*self
        }
    }

    /// True when the size is zero and flexible: `S0`, `U0`, `V0` (NumPy's "unsized").
    pub fn is_unsized(&self) -> bool {
        self.size == 0
            && matches!(
                self.kind,
                ScalarKind::Bytes | ScalarKind::Unicode | ScalarKind::Void
            )
    }

    /// The byte order applied to this element must be swapped for multi-byte swapping
    /// purposes: the width of one swapped unit (2, 4, 8 or 16 bytes), or 1 when no swap
    /// applies. Complex numbers swap each half; unicode swaps each code point.
    pub fn swap_unit(&self) -> usize {
        match self.kind {
            ScalarKind::Bool | ScalarKind::Bytes | ScalarKind::Void | ScalarKind::Object => 1,
            ScalarKind::Complex => self.size() / 2,
            ScalarKind::Unicode => 4,
            _ => self.size(),
        }
    }
}

/// A fixed-shape block of a base dtype, NumPy's `dtype.subdtype`.
///
/// Nested subarrays are kept nested, as NumPy keeps them: `(('i4', (2,)), (3,))` has shape
/// `(3,)` and base `('i4', (2,))`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Subarray {
    base: DType,
    shape: Vec<usize>,
    itemsize: usize,
}

impl Subarray {
    /// The element dtype.
    pub fn base(&self) -> &DType {
        &self.base
    }

    /// The shape, C order; may contain zeros.
    pub fn shape(&self) -> &[usize] {
        &self.shape
    }

    /// Number of base elements (product of the shape).
    pub fn len(&self) -> usize {
        crate::array::layout::shape_size(&self.shape)
    }

    /// True when the shape has a zero dimension.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// One named field of a [`Record`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Field {
    name: String,
    title: Option<String>,
    offset: usize,
    dtype: DType,
}

impl Field {
    /// A field named `name` of type `dtype` at byte `offset`.
    pub fn new(name: impl Into<String>, dtype: DType, offset: usize) -> Field {
        Field {
            name: name.into(),
            title: None,
            offset,
            dtype,
        }
    }

    /// The same field with a title (NumPy's `(title, name)` field names).
    pub fn with_title(mut self, title: impl Into<String>) -> Field {
        self.title = Some(title.into());
        self
    }

    /// The field's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The field's title, if it has one.
    pub fn title(&self) -> Option<&str> {
        self.title.as_deref()
    }

    /// Byte offset of the field within its record.
    pub fn offset(&self) -> usize {
        self.offset
    }

    /// The field's dtype.
    pub fn dtype(&self) -> &DType {
        &self.dtype
    }

    /// Byte offset one past the field's end.
    pub fn end(&self) -> usize {
        self.offset + self.dtype.itemsize()
    }
}

/// A structured type: fields in declaration order at explicit offsets.
///
/// Fields may leave gaps, come out of offset order, or overlap; NumPy allows all three (but
/// cannot write a `descr` for the last two). Equality ignores the alignment and the
/// `align=True` flag, as NumPy's does.
#[derive(Debug, Clone, Eq)]
pub struct Record {
    fields: Vec<Field>,
    itemsize: usize,
    alignment: usize,
    aligned: bool,
    /// NumPy's `(base, fields)` form: a non-void type with named views of its bytes
    /// (`('<i4', {'lo': ('<i2', 0), 'hi': ('<i2', 2)})`).
    view_of: Option<Scalar>,
}

impl PartialEq for Record {
    fn eq(&self, other: &Record) -> bool {
        self.fields == other.fields
            && self.itemsize == other.itemsize
            && self.view_of == other.view_of
    }
}

impl std::hash::Hash for Record {
    /// Hashes what equality compares: fields, itemsize and the viewed type.
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.fields.hash(state);
        self.itemsize.hash(state);
        self.view_of.hash(state);
    }
}

impl Record {
    /// The fields in declaration order (NumPy's `dtype.names` order).
    pub fn fields(&self) -> &[Field] {
        &self.fields
    }

    /// Size of one record in bytes, padding included.
    pub fn itemsize(&self) -> usize {
        self.itemsize
    }

    /// NumPy's `dtype.alignment`: the largest field alignment for `align=True` records, 1
    /// for packed ones.
    pub fn alignment(&self) -> usize {
        self.alignment
    }

    /// NumPy's `isalignedstruct`: the record was built with `align=True`.
    pub fn is_aligned_struct(&self) -> bool {
        self.aligned
    }

    /// For NumPy's `(base, fields)` union form, the scalar type the record is a view of.
    pub fn view_of(&self) -> Option<&Scalar> {
        self.view_of.as_ref()
    }

    /// The field with this name, or with this title.
    pub fn field(&self, name: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.name == name).or_else(|| {
            self.fields
                .iter()
                .find(|f| f.title.as_deref() == Some(name))
        })
    }

    /// True when fields come in offset order without overlapping: the records `descr` can
    /// describe.
    pub fn is_ordered(&self) -> bool {
        let mut end = 0;
        for f in &self.fields {
            if f.offset < end {
                return false;
            }
            end = f.end();
        }
        true
    }
}

/// A NumPy data type. See the [module documentation](self).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum DType {
    /// A scalar type.
    Scalar(Scalar),
    /// A fixed-shape block of a base type.
    Subarray(Box<Subarray>),
    /// Named fields at offsets.
    Record(Record),
}

/// Options for [`DType::parse_with`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseOptions {
    /// NumPy's `align=True`: lay out records like C structs (each field at a multiple of its
    /// alignment, the itemsize a multiple of the largest).
    pub align: bool,
    /// Deepest nesting of lists, tuples, dicts and dtypes accepted (default 64).
    pub max_depth: usize,
    /// Most fields accepted in total, over all nesting levels (default 1,048,576).
    pub max_fields: usize,
}

impl Default for ParseOptions {
    fn default() -> Self {
        ParseOptions {
            align: false,
            max_depth: 64,
            max_fields: 1 << 20,
        }
    }
}

impl ParseOptions {
    /// Default options with `align` set.
    pub fn aligned(align: bool) -> Self {
        ParseOptions {
            align,
            ..Self::default()
        }
    }
}

impl DType {
    /// Parse a dtype description as `np.dtype(spec)` would.
    ///
    /// `spec` is either a NumPy type string (`"<i4"`, `"float64"`, `"M8[us/2]"`,
    /// `"i4, (2,3)f8, S5"`) or a Python literal: a list of field tuples, a dict with
    /// `names`/`formats`/`offsets`/`titles`/`itemsize`/`aligned`, a legacy field dict, a
    /// `(base, shape)` tuple, or a quoted string. A text that parses completely as a Python
    /// string, list, tuple or dict literal is taken as that object, anything else as a type
    /// string, exactly as NumPy would receive it.
    ///
    /// # Errors
    /// An [`ErrorKind::DType`](crate::ErrorKind::DType) error with the byte offset in `spec`
    /// and what was expected, when NumPy would reject the description; an
    /// [`ErrorKind::Limit`](crate::ErrorKind::Limit) error past the limits of
    /// [`ParseOptions`]; [`ErrorKind::Unsupported`](crate::ErrorKind::Unsupported) for
    /// NumPy's `StringDType` (`'T'`).
    ///
    /// # Examples
    /// ```
    /// use dtkit::DType;
    /// let dt = DType::parse("[('time','<u8'),('position',[('az','<f4'),('el','<f4')])]")?;
    /// assert_eq!(dt.itemsize(), 16);
    /// assert_eq!(dt.field_path("position.el")?.offset, 12);
    /// assert_eq!(dt.typestr(), "|V16");
    /// # Ok::<(), dtkit::Error>(())
    /// ```
    pub fn parse(spec: &str) -> Result<DType> {
        Self::parse_with(spec, &ParseOptions::default())
    }

    /// [`DType::parse`] with options (`align=True`, limits).
    ///
    /// # Errors
    /// As [`DType::parse`].
    pub fn parse_with(spec: &str, options: &ParseOptions) -> Result<DType> {
        convert::parse_spec(spec, options).map_err(|e| e.with_input(spec))
    }

    /// Build a dtype from the `descr` of an `.npy` header, given as Python literal text, the
    /// way NumPy's `descr_to_dtype` does: padding entries `('', '|V4')` become gaps, not
    /// fields, and the itemsize is the sum of all entries.
    ///
    /// # Errors
    /// As [`DType::parse`].
    pub fn from_descr(descr: &str) -> Result<DType> {
        Self::from_descr_with(descr, &ParseOptions::default())
    }

    /// [`DType::from_descr`] with limits.
    ///
    /// # Errors
    /// As [`DType::parse`].
    pub fn from_descr_with(descr: &str, options: &ParseOptions) -> Result<DType> {
        convert::parse_descr(descr, options).map_err(|e| e.with_input(descr))
    }

    /// A scalar dtype.
    ///
    /// # Errors
    /// As [`Scalar::new`]: when NumPy has no such type.
    pub fn scalar(kind: ScalarKind, size: usize, order: ByteOrder) -> Result<DType> {
        Scalar::new(kind, size, order).map(DType::Scalar)
    }

    /// A subarray of `base` with `shape`.
    ///
    /// # Errors
    /// More than [`MAX_DIMS`] dimensions, or a total size over [`MAX_ITEMSIZE`].
    pub fn subarray(base: DType, shape: &[usize]) -> Result<DType> {
        layout::make_subarray(base, shape.to_vec())
    }

    /// A record from fields at explicit offsets; `itemsize` defaults to the end of the
    /// last-ending field. The record is packed (alignment 1).
    ///
    /// # Errors
    /// Duplicate names or titles, an itemsize smaller than the fields need, sizes over
    /// [`MAX_ITEMSIZE`].
    pub fn record(fields: Vec<Field>, itemsize: Option<usize>) -> Result<DType> {
        layout::make_record(fields, itemsize, 1, false)
    }

    /// A packed record of `(name, dtype)` fields laid end to end, like NumPy's list form.
    ///
    /// # Errors
    /// As [`DType::record`].
    pub fn packed(fields: Vec<(String, DType)>) -> Result<DType> {
        let mut offset = 0usize;
        let mut out = Vec::with_capacity(fields.len());
        for (name, dtype) in fields {
            let size = dtype.itemsize();
            out.push(Field::new(name, dtype, offset));
            offset = offset
                .checked_add(size)
                .filter(|&n| n <= MAX_ITEMSIZE)
                .ok_or_else(|| Error::new(crate::ErrorKind::Limit, "record too large"))?;
        }
        layout::make_record(out, Some(offset), 1, false)
    }

    /// Size of one element in bytes.
    pub fn itemsize(&self) -> usize {
        match self {
            DType::Scalar(s) => s.size(),
            DType::Subarray(s) => s.itemsize,
            DType::Record(r) => r.itemsize,
        }
    }

    /// NumPy's `dtype.alignment`.
    pub fn alignment(&self) -> usize {
        match self {
            DType::Scalar(s) => s.alignment(),
            DType::Subarray(s) => s.base.alignment(),
            DType::Record(r) => r.alignment,
        }
    }

    /// The scalar, if this is one.
    pub fn as_scalar(&self) -> Option<&Scalar> {
        match self {
            DType::Scalar(s) => Some(s),
            _ => None,
        }
    }

    /// The subarray, if this is one (NumPy's `dtype.subdtype`).
    pub fn as_subarray(&self) -> Option<&Subarray> {
        match self {
            DType::Subarray(s) => Some(s),
            _ => None,
        }
    }

    /// The record, if this is one.
    pub fn as_record(&self) -> Option<&Record> {
        match self {
            DType::Record(r) => Some(r),
            _ => None,
        }
    }

    /// The fields of a record; empty for other dtypes.
    pub fn fields(&self) -> &[Field] {
        match self {
            DType::Record(r) => &r.fields,
            _ => &[],
        }
    }

    /// True for records (NumPy's `dtype.names is not None`).
    pub fn has_fields(&self) -> bool {
        matches!(self, DType::Record(_))
    }

    /// NumPy's `dtype.shape`: the subarray shape, or `()`.
    pub fn shape(&self) -> &[usize] {
        match self {
            DType::Subarray(s) => &s.shape,
            _ => &[],
        }
    }

    /// NumPy's `dtype.base`: the element type of a subarray, or the dtype itself.
    pub fn base(&self) -> &DType {
        match self {
            DType::Subarray(s) => &s.base,
            _ => self,
        }
    }

    /// NumPy's `dtype.kind`.
    pub fn kind_char(&self) -> char {
        match self {
            DType::Scalar(s) => s.kind.kind_char(),
            DType::Record(Record {
                view_of: Some(s), ..
            }) => s.kind.kind_char(),
            _ => 'V',
        }
    }

    /// NumPy's `dtype.byteorder`: `=` for native, `<`/`>` for non-native, `|` where byte
    /// order does not apply (records, subarrays, one-byte types).
    pub fn byteorder_char(&self) -> char {
        let order = match self {
            DType::Scalar(s) => s.order,
            DType::Record(Record {
                view_of: Some(s), ..
            }) => s.order,
            _ => ByteOrder::NotApplicable,
        };
        match order {
            ByteOrder::NotApplicable => '|',
            o if o == ByteOrder::NATIVE => '=',
            o => o.as_char(),
        }
    }

    /// True when every scalar inside is in native byte order (or order does not apply).
    pub fn is_native(&self) -> bool {
        match self {
            DType::Scalar(s) => s.order.is_native(),
            DType::Subarray(s) => s.base.is_native(),
            DType::Record(r) => {
                r.view_of.is_none_or(|s| s.order.is_native())
                    && r.fields.iter().all(|f| f.dtype.is_native())
            }
        }
    }

    /// True when the dtype contains a Python object (`O`) anywhere.
    pub fn has_object(&self) -> bool {
        match self {
            DType::Scalar(s) => s.kind == ScalarKind::Object,
            DType::Subarray(s) => s.base.has_object(),
            DType::Record(r) => r.fields.iter().any(|f| f.dtype.has_object()),
        }
    }

    /// The same dtype with every scalar in byte order `order` (NumPy's `newbyteorder`,
    /// applied recursively). One-byte types keep `|`.
    pub fn with_byte_order(&self, order: ByteOrder) -> DType {
        self.map_scalars(&|s| s.with_byte_order(order))
    }

    /// The same dtype with every byte order swapped (NumPy's `newbyteorder('S')`).
    pub fn byte_swapped(&self) -> DType {
        self.map_scalars(&|s| s.with_byte_order(s.order.swapped()))
    }

    /// The same dtype in native byte order.
    pub fn to_native(&self) -> DType {
        self.with_byte_order(ByteOrder::NATIVE)
    }

    fn map_scalars(&self, f: &dyn Fn(&Scalar) -> Scalar) -> DType {
        match self {
            DType::Scalar(s) => DType::Scalar(f(s)),
            DType::Subarray(s) => DType::Subarray(Box::new(Subarray {
                base: s.base.map_scalars(f),
                shape: s.shape.clone(),
                itemsize: s.itemsize,
            })),
            DType::Record(r) => DType::Record(Record {
                fields: r
                    .fields
                    .iter()
                    .map(|fd| Field {
                        dtype: fd.dtype.map_scalars(f),
                        ..fd.clone()
                    })
                    .collect(),
                view_of: r.view_of.as_ref().map(f),
                ..r.clone()
            }),
        }
    }
}

impl std::str::FromStr for DType {
    type Err = Error;

    fn from_str(s: &str) -> Result<DType> {
        DType::parse(s)
    }
}

impl From<Scalar> for DType {
    fn from(s: Scalar) -> DType {
        DType::Scalar(s)
    }
}
