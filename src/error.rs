//! The one error type of the crate.
//!
//! Every error says *what* was expected and, where it applies, *where*: a byte offset in a
//! dtype description, a byte offset in a file, or a line and column of a text file.

use std::fmt;

/// A specialised `Result` whose error is [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What went wrong, broadly. Match on this; read the message for the details.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// A dtype description could not be parsed or describes an impossible layout.
    DType,
    /// A documented resource limit (nesting depth, field count, size) was exceeded.
    Limit,
    /// The operation is valid NumPy but not supported by dtkit (for example `StringDType`).
    Unsupported,
    /// Bad input data: a malformed file, a value that does not fit.
    Data,
    /// Bad arguments from the caller.
    Argument,
    /// An I/O error from the operating system.
    Io,
}

/// Where in the input an error was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Location {
    /// A byte offset into a dtype description (the text given to [`crate::DType::parse`]).
    Spec(usize),
    /// A byte offset into a file or buffer.
    Byte(u64),
    /// A 1-based line and 1-based column (in characters) of a text input.
    Line {
        /// 1-based physical line number.
        line: u64,
        /// 1-based column, counted in characters.
        column: u64,
    },
}

/// The error type of every fallible dtkit operation.
///
/// It is one pointer wide, so `Result<T>` stays small on hot paths.
pub struct Error {
    inner: Box<Inner>,
}

struct Inner {
    kind: ErrorKind,
    message: String,
    location: Option<Location>,
    /// The dtype description the location refers to, when there is one.
    input: Option<String>,
    source: Option<std::io::Error>,
    /// A fast path declining the input (not an error of the input): the caller takes
    /// another path. Never seen outside the crate.
    declined: bool,
}

impl Error {
    /// A new error of `kind` with a message that says what was expected.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error {
            inner: Box::new(Inner {
                kind,
                message: message.into(),
                location: None,
                input: None,
                source: None,
                declined: false,
            }),
        }
    }

    /// This error marked as a fast path declining the input (see [`Error::is_declined`]).
    pub(crate) fn declined(mut self) -> Self {
        self.inner.declined = true;
        self
    }

    /// Whether this is a fast path declining the input rather than an error in it.
    pub(crate) fn is_declined(&self) -> bool {
        self.inner.declined
    }

    pub(crate) fn dtype(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::DType, message)
    }

    /// The same error with a new message (kind, location and source kept).
    pub(crate) fn with_message(mut self, message: impl Into<String>) -> Self {
        self.inner.message = message.into();
        self
    }

    /// Attach a location; an existing location is kept (the innermost one is the most precise).
    pub(crate) fn at(mut self, location: Location) -> Self {
        if self.inner.location.is_none() {
            self.inner.location = Some(location);
        }
        self
    }

    /// Attach a location, replacing any existing one.
    pub(crate) fn at_exact(mut self, location: Location) -> Self {
        self.inner.location = Some(location);
        self
    }

    /// Attach the dtype description the location refers to, unless one is already attached.
    pub(crate) fn with_input(mut self, input: &str) -> Self {
        if self.inner.input.is_none() {
            self.inner.input = Some(input.to_owned());
        }
        self
    }

    /// The broad category of the error.
    pub fn kind(&self) -> ErrorKind {
        self.inner.kind
    }

    /// The message alone, without the location.
    pub fn message(&self) -> &str {
        &self.inner.message
    }

    /// Where the error was found, if known.
    pub fn location(&self) -> Option<Location> {
        self.inner.location
    }

    /// The dtype description that [`Location::Spec`] offsets refer to.
    pub fn input(&self) -> Option<&str> {
        self.inner.input.as_deref()
    }

    /// A multi-line rendering for terminals: the message, then the input with a caret under
    /// the offending position when the error points into a dtype description.
    pub fn snippet(&self) -> String {
        let mut out = self.to_string();
        if let (Some(Location::Spec(offset)), Some(input)) = (self.location(), self.input()) {
            if !input.contains('\n') && input.len() <= 200 {
                let col = input
                    .get(..offset.min(input.len()))
                    .map_or(offset, |s| s.chars().count());
                out.push_str("\n    ");
                out.push_str(input);
                out.push_str("\n    ");
                out.push_str(&" ".repeat(col));
                out.push('^');
            }
        }
        out
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = &self.inner;
        match (inner.location, inner.input.as_deref()) {
            (Some(Location::Spec(offset)), Some(input)) => {
                write!(f, "{} (at offset {} of dtype ", inner.message, offset)?;
                if input.chars().count() > 80 {
                    let short: String = input.chars().take(77).collect();
                    write!(f, "{:?}...)", short)
                } else {
                    write!(f, "{:?})", input)
                }
            }
            (Some(Location::Spec(offset)), None) => {
                write!(f, "{} (at offset {} of the dtype)", inner.message, offset)
            }
            (Some(Location::Byte(offset)), _) => {
                write!(f, "{} (at byte offset {})", inner.message, offset)
            }
            (Some(Location::Line { line, column }), _) => {
                write!(f, "{} (at line {}, column {})", inner.message, line, column)
            }
            (None, _) => f.write_str(&inner.message),
        }
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Error")
            .field("kind", &self.inner.kind)
            .field("message", &self.inner.message)
            .field("location", &self.inner.location)
            .field("input", &self.inner.input)
            .field("source", &self.inner.source)
            .finish()
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.inner
            .source
            .as_ref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

impl From<std::io::Error> for Error {
    fn from(err: std::io::Error) -> Self {
        let mut e = Error::new(ErrorKind::Io, err.to_string());
        e.inner.source = Some(err);
        e
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_the_offset_and_input() {
        let e = Error::dtype("expected ')'")
            .at(Location::Spec(3))
            .with_input("i4,(2,3f8");
        assert_eq!(
            e.to_string(),
            "expected ')' (at offset 3 of dtype \"i4,(2,3f8\")"
        );
        assert_eq!(
            e.snippet(),
            "expected ')' (at offset 3 of dtype \"i4,(2,3f8\")\n    i4,(2,3f8\n       ^"
        );
    }

    #[test]
    fn innermost_location_wins() {
        let e = Error::dtype("x")
            .at(Location::Spec(5))
            .at(Location::Spec(1));
        assert_eq!(e.location(), Some(Location::Spec(5)));
        assert_eq!(std::mem::size_of::<Error>(), std::mem::size_of::<usize>());
    }
}
