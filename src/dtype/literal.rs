//! A parser for the Python literals NumPy's dtype and `.npy` header forms are written in:
//! strings (both quotes, escapes, `b`/`r`/`u` prefixes, triple quotes), integers, floats,
//! `True`/`False`/`None`, tuples, lists and dicts, with any whitespace and comments Python
//! allows between tokens (what `ast.literal_eval` accepts, minus complex numbers and sets).
//!
//! Every node keeps its byte span so that later errors can point into the input.

use nom::branch::alt;
use nom::bytes::complete::{tag, take_while, take_while1};
use nom::character::complete::{char, one_of};
use nom::combinator::{opt, recognize};
use nom::error::{ErrorKind as NomKind, ParseError};
use nom::{IResult, Parser};

use crate::error::{Error, ErrorKind, Location, Result};

/// A parsed literal with its byte span in the input.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Lit {
    /// Byte offset of the first character.
    pub start: usize,
    /// Byte offset one past the last character.
    pub end: usize,
    pub kind: LitKind,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum LitKind {
    /// A `str` (or `bytes`, decoded as Latin-1) value. `content` is the offset of the first
    /// character inside the quotes; `exact` says whether the value is a verbatim copy of the
    /// source from there (no escapes), so that offsets into the value map onto the source.
    Str {
        value: String,
        content: usize,
        exact: bool,
    },
    Int(i128),
    Float(f64),
    Bool(bool),
    None,
    Tuple(Vec<Lit>),
    List(Vec<Lit>),
    Dict(Vec<(Lit, Lit)>),
}

impl Lit {
    /// A short name of the literal's Python type, for messages.
    pub fn type_name(&self) -> &'static str {
        match self.kind {
            LitKind::Str { .. } => "str",
            LitKind::Int(_) => "int",
            LitKind::Float(_) => "float",
            LitKind::Bool(_) => "bool",
            LitKind::None => "None",
            LitKind::Tuple(_) => "tuple",
            LitKind::List(_) => "list",
            LitKind::Dict(_) => "dict",
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            LitKind::Str { value, .. } => Some(value),
            _ => None,
        }
    }

    /// Where an offset into the string value lies in the source: exact when the string has
    /// no escapes, else the start of the string's content.
    pub fn str_pos(&self, offset_in_value: usize) -> usize {
        match &self.kind {
            LitKind::Str { content, exact, .. } => {
                if *exact {
                    content + offset_in_value
                } else {
                    *content
                }
            }
            _ => self.start,
        }
    }

    /// The dict entry with a string key equal to `key`.
    pub fn dict_get(&self, key: &str) -> Option<&Lit> {
        match &self.kind {
            LitKind::Dict(entries) => entries
                .iter()
                .find(|(k, _)| k.as_str() == Some(key))
                .map(|(_, v)| v),
            _ => None,
        }
    }

    /// A short Python-like rendering of the source span, for messages.
    pub fn excerpt<'a>(&self, input: &'a str) -> &'a str {
        let s = input.get(self.start..self.end).unwrap_or("");
        if s.len() > 60 {
            let mut cut = 57;
            while !s.is_char_boundary(cut) {
                cut -= 1;
            }
            &s[..cut]
        } else {
            s
        }
    }
}

/// Parser error: where (the remaining input) and what was expected.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct PErr<'a> {
    rest: &'a str,
    expected: &'static str,
    limit: bool,
}

impl<'a> ParseError<&'a str> for PErr<'a> {
    fn from_error_kind(input: &'a str, _kind: NomKind) -> Self {
        PErr {
            rest: input,
            expected: "a Python literal",
            limit: false,
        }
    }

    fn append(_input: &'a str, _kind: NomKind, other: Self) -> Self {
        other
    }

    fn or(self, other: Self) -> Self {
        // Keep the error that got further into the input.
        if other.rest.len() <= self.rest.len() {
            other
        } else {
            self
        }
    }
}

type PResult<'a, T> = IResult<&'a str, T, PErr<'a>>;

fn fail<'a, T>(rest: &'a str, expected: &'static str) -> PResult<'a, T> {
    Err(nom::Err::Error(PErr {
        rest,
        expected,
        limit: false,
    }))
}

fn failure<'a, T>(rest: &'a str, expected: &'static str) -> PResult<'a, T> {
    Err(nom::Err::Failure(PErr {
        rest,
        expected,
        limit: false,
    }))
}

/// Parser state: the whole input (for offsets) and the depth limit.
struct Cx<'a> {
    input: &'a str,
    max_depth: usize,
}

impl<'a> Cx<'a> {
    fn offset(&self, rest: &str) -> usize {
        self.input.len() - rest.len()
    }
}

/// Whitespace, comments, and backslash line continuations between tokens.
fn ws(mut i: &str) -> PResult<'_, ()> {
    loop {
        let trimmed = i.trim_start_matches([' ', '\t', '\n', '\r', '\x0c']);
        if let Some(rest) = trimmed.strip_prefix('#') {
            i = rest.find('\n').map_or("", |n| &rest[n..]);
        } else if let Some(rest) = trimmed
            .strip_prefix("\\\n")
            .or_else(|| trimmed.strip_prefix("\\\r\n"))
        {
            i = rest;
        } else {
            return Ok((trimmed, ()));
        }
    }
}

fn is_ident_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

fn keyword<'a>(word: &'static str) -> impl Parser<&'a str, Output = &'a str, Error = PErr<'a>> {
    move |i: &'a str| {
        let (rest, w) = tag(word).parse(i)?;
        if rest.starts_with(is_ident_char) {
            return fail(i, "a Python literal");
        }
        Ok((rest, w))
    }
}

/// Digits with single underscores between them, as Python allows.
fn digits<'a>(pred: fn(char) -> bool) -> impl Parser<&'a str, Output = &'a str, Error = PErr<'a>> {
    move |i: &'a str| {
        recognize((
            take_while1(pred),
            nom::multi::many0((char('_'), take_while1(pred))),
        ))
        .parse(i)
    }
}

fn number(i: &str) -> PResult<'_, LitKind> {
    let (i, sign) = opt(one_of("+-")).parse(i)?;
    let (i, _) = if sign.is_some() { ws(i)? } else { (i, ()) };
    let negative = sign == Some('-');
    // Hex, octal, binary.
    for (prefix, radix) in [("0x", 16), ("0o", 8), ("0b", 2)] {
        let upper = prefix.to_ascii_uppercase();
        if let Some(rest) = i
            .strip_prefix(prefix)
            .or_else(|| i.strip_prefix(&upper[..]))
        {
            let rest = rest.strip_prefix('_').unwrap_or(rest);
            let pred: fn(char) -> bool = match radix {
                16 => |c: char| c.is_ascii_hexdigit(),
                8 => |c: char| ('0'..='7').contains(&c),
                _ => |c: char| c == '0' || c == '1',
            };
            let (rest, text) = match digits(pred).parse(rest) {
                Ok(ok) => ok,
                Err(_) => return failure(rest, "digits after the radix prefix"),
            };
            if rest.starts_with(is_ident_char) {
                return failure(rest, "the end of the number");
            }
            let clean: String = text.chars().filter(|&c| c != '_').collect();
            return match i128::from_str_radix(&clean, radix) {
                Ok(v) => Ok((rest, LitKind::Int(if negative { -v } else { v }))),
                Err(_) => failure(i, "an integer that fits in 128 bits"),
            };
        }
    }
    let dec = |c: char| c.is_ascii_digit();
    let (rest, text) = recognize((
        alt((
            recognize((digits(dec), opt((char('.'), opt(digits(dec)))))),
            recognize((char('.'), digits(dec))),
        )),
        opt((one_of("eE"), opt(one_of("+-")), digits(dec))),
    ))
    .parse(i)?;
    if rest.starts_with(['j', 'J']) {
        return failure(rest, "a real number (complex literals are not dtype parts)");
    }
    if rest.starts_with(is_ident_char) {
        return failure(rest, "the end of the number");
    }
    let clean: String = text.chars().filter(|&c| c != '_').collect();
    if clean.contains(['.', 'e', 'E']) {
        let v: f64 = clean.parse().unwrap_or(f64::NAN);
        return Ok((rest, LitKind::Float(if negative { -v } else { v })));
    }
    if clean.len() > 1 && clean.starts_with('0') && clean.bytes().any(|b| b != b'0') {
        return failure(i, "no leading zeros in a decimal integer");
    }
    match clean.parse::<i128>() {
        Ok(v) => Ok((rest, LitKind::Int(if negative { -v } else { v }))),
        Err(_) => failure(i, "an integer that fits in 128 bits"),
    }
}

/// A string literal with optional prefix; returns the value, the content offset and
/// whether the value is a verbatim copy of the source.
fn string<'a>(cx: &Cx<'a>, i: &'a str) -> PResult<'a, LitKind> {
    let (i, prefix) = take_while(|c: char| "rRbBuU".contains(c)).parse(i)?;
    let lower = prefix.to_ascii_lowercase();
    let (raw, bytes) = match lower.as_str() {
        "" | "u" => (false, false),
        "r" => (true, false),
        "b" => (false, true),
        "rb" | "br" => (true, true),
        _ => return fail(i, "a Python literal"),
    };
    let quote = match i.chars().next() {
        Some(q @ ('\'' | '"')) => q,
        _ => return fail(i, "a Python literal"),
    };
    let triple: &str = if quote == '\'' { "'''" } else { "\"\"\"" };
    let (delim, body) = if let Some(body) = i.strip_prefix(triple) {
        (triple, body)
    } else {
        (&i[..1], &i[1..])
    };
    let content = cx.offset(body);
    let mut value = String::new();
    let mut exact = true;
    let mut chars = body.char_indices().peekable();
    while let Some((pos, c)) = chars.next() {
        if body[pos..].starts_with(delim) {
            let rest = &body[pos + delim.len()..];
            return Ok((
                rest,
                LitKind::Str {
                    value,
                    content,
                    exact,
                },
            ));
        }
        if c == '\n' && delim.len() == 1 {
            return failure(&body[pos..], "the closing quote before the end of the line");
        }
        if bytes && !c.is_ascii() {
            return failure(&body[pos..], "only ASCII characters in a bytes literal");
        }
        if c != '\\' {
            value.push(c);
            continue;
        }
        let Some(&(epos, e)) = chars.peek() else {
            break;
        };
        if raw {
            // A raw string keeps the backslash; it still cannot end with an odd backslash.
            value.push('\\');
            value.push(e);
            chars.next();
            continue;
        }
        exact = false;
        chars.next();
        match e {
            '\n' => {}
            '\\' => value.push('\\'),
            '\'' => value.push('\''),
            '"' => value.push('"'),
            'a' => value.push('\x07'),
            'b' => value.push('\x08'),
            'f' => value.push('\x0c'),
            'n' => value.push('\n'),
            'r' => value.push('\r'),
            't' => value.push('\t'),
            'v' => value.push('\x0b'),
            '0'..='7' => {
                let mut v = e.to_digit(8).unwrap_or(0);
                for _ in 0..2 {
                    match chars.peek() {
                        Some(&(_, d @ '0'..='7')) => {
                            v = v * 8 + d.to_digit(8).unwrap_or(0);
                            chars.next();
                        }
                        _ => break,
                    }
                }
                match char::from_u32(v) {
                    Some(ch) => value.push(ch),
                    None => return failure(&body[epos..], "a valid octal escape"),
                }
            }
            'x' | 'u' | 'U' if !(bytes && e != 'x') => {
                let n = match e {
                    'x' => 2,
                    'u' => 4,
                    _ => 8,
                };
                let start = epos + 1;
                let hex = body.get(start..start + n).unwrap_or("");
                if hex.len() != n || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
                    return failure(&body[epos..], "hexadecimal digits in the escape");
                }
                let v = u32::from_str_radix(hex, 16).unwrap_or(u32::MAX);
                match char::from_u32(v) {
                    Some(ch) => value.push(ch),
                    None => return failure(&body[epos..], "a valid code point in the escape"),
                }
                for _ in 0..n {
                    chars.next();
                }
            }
            'N' if !bytes => {
                return failure(&body[epos..], "no \\N{...} escapes (not supported)");
            }
            other => {
                // Python keeps unknown escapes verbatim (with a warning).
                value.push('\\');
                value.push(other);
            }
        }
    }
    failure(i, "the closing quote of the string")
}

fn sequence<'a>(
    cx: &Cx<'a>,
    i: &'a str,
    close: char,
    depth: usize,
) -> PResult<'a, (Vec<Lit>, bool)> {
    // Returns the items and whether a comma was seen (to tell `(x)` from `(x,)`).
    let mut items = Vec::new();
    let mut comma = false;
    let (mut i, _) = ws(i)?;
    loop {
        if let Some(rest) = i.strip_prefix(close) {
            return Ok((rest, (items, comma)));
        }
        let (rest, item) = value(cx, i, depth)?;
        items.push(item);
        let (rest, _) = ws(rest)?;
        if let Some(rest) = rest.strip_prefix(',') {
            comma = true;
            let (rest, _) = ws(rest)?;
            i = rest;
        } else if let Some(rest) = rest.strip_prefix(close) {
            return Ok((rest, (items, comma)));
        } else {
            return failure(
                rest,
                match close {
                    ')' => "',' or ')'",
                    ']' => "',' or ']'",
                    _ => "',' or '}'",
                },
            );
        }
    }
}

fn dict<'a>(cx: &Cx<'a>, i: &'a str, depth: usize) -> PResult<'a, LitKind> {
    let mut entries = Vec::new();
    let (mut i, _) = ws(i)?;
    loop {
        if let Some(rest) = i.strip_prefix('}') {
            return Ok((rest, LitKind::Dict(entries)));
        }
        let (rest, key) = value(cx, i, depth)?;
        if matches!(
            key.kind,
            LitKind::List(_) | LitKind::Dict(_) | LitKind::Float(_)
        ) {
            return failure(i, "a string, integer or tuple as a dict key");
        }
        let (rest, _) = ws(rest)?;
        let Some(rest) = rest.strip_prefix(':') else {
            return failure(rest, "':' after the dict key");
        };
        let (rest, _) = ws(rest)?;
        let (rest, val) = value(cx, rest, depth)?;
        entries.push((key, val));
        let (rest, _) = ws(rest)?;
        if let Some(rest) = rest.strip_prefix(',') {
            let (rest, _) = ws(rest)?;
            i = rest;
        } else if let Some(rest) = rest.strip_prefix('}') {
            return Ok((rest, LitKind::Dict(entries)));
        } else {
            return failure(rest, "',' or '}'");
        }
    }
}

fn value<'a>(cx: &Cx<'a>, i: &'a str, depth: usize) -> PResult<'a, Lit> {
    let start = cx.offset(i);
    if depth >= cx.max_depth {
        return Err(nom::Err::Failure(PErr {
            rest: i,
            expected: "less deeply nested literals",
            limit: true,
        }));
    }
    let (rest, kind) = match i.chars().next() {
        Some('(') => {
            let (rest, (mut items, comma)) = sequence(cx, &i[1..], ')', depth + 1)?;
            if items.len() == 1 && !comma {
                // A parenthesised expression, not a tuple.
                let mut inner = items.pop().expect("one item");
                inner.start = start;
                inner.end = cx.offset(rest);
                return Ok((rest, inner));
            }
            (rest, LitKind::Tuple(items))
        }
        Some('[') => {
            let (rest, (items, _)) = sequence(cx, &i[1..], ']', depth + 1)?;
            (rest, LitKind::List(items))
        }
        Some('{') => dict(cx, &i[1..], depth + 1)?,
        Some(c) if c.is_ascii_digit() || c == '.' || c == '-' || c == '+' => number(i)?,
        Some('\'' | '"') => string(cx, i)?,
        Some(_) => {
            if let Ok((rest, _)) = keyword("True").parse(i) {
                (rest, LitKind::Bool(true))
            } else if let Ok((rest, _)) = keyword("False").parse(i) {
                (rest, LitKind::Bool(false))
            } else if let Ok((rest, _)) = keyword("None").parse(i) {
                (rest, LitKind::None)
            } else {
                string(cx, i)?
            }
        }
        None => return fail(i, "a Python literal"),
    };
    Ok((
        rest,
        Lit {
            start,
            end: cx.offset(rest),
            kind,
        },
    ))
}

/// Parse `input` as one complete Python literal.
///
/// # Errors
/// A [`ErrorKind::DType`] error at the offset where the literal stops making sense, or an
/// [`ErrorKind::Limit`] error when it nests deeper than `max_depth`.
pub(crate) fn parse_literal(input: &str, max_depth: usize) -> Result<Lit> {
    let cx = Cx { input, max_depth };
    let run = |i| -> PResult<'_, Lit> {
        let (i, _) = ws(i)?;
        let (i, v) = value(&cx, i, 0)?;
        let (i, _) = ws(i)?;
        if !i.is_empty() {
            return failure(i, "the end of the literal");
        }
        Ok((i, v))
    };
    match run(input) {
        Ok((_, v)) => Ok(v),
        Err(nom::Err::Error(e) | nom::Err::Failure(e)) => {
            let kind = if e.limit {
                ErrorKind::Limit
            } else {
                ErrorKind::DType
            };
            let msg = if e.limit {
                format!("literal nests deeper than the limit of {max_depth} levels")
            } else {
                format!("expected {}", e.expected)
            };
            Err(Error::new(kind, msg).at(Location::Spec(cx.offset(e.rest))))
        }
        Err(nom::Err::Incomplete(_)) => {
            Err(Error::dtype("unexpected end of input").at(Location::Spec(input.len())))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lit(s: &str) -> LitKind {
        parse_literal(s, 64).unwrap().kind
    }

    fn strv(s: &str) -> String {
        match lit(s) {
            LitKind::Str { value, .. } => value,
            other => panic!("not a string: {other:?}"),
        }
    }

    #[test]
    fn scalars() {
        assert_eq!(lit("12"), LitKind::Int(12));
        assert_eq!(lit("-12"), LitKind::Int(-12));
        assert_eq!(lit("- 12"), LitKind::Int(-12));
        assert_eq!(lit("1_000"), LitKind::Int(1000));
        assert_eq!(lit("0x1F"), LitKind::Int(31));
        assert_eq!(lit("0"), LitKind::Int(0));
        assert_eq!(lit("00"), LitKind::Int(0));
        assert_eq!(lit("2.5"), LitKind::Float(2.5));
        assert_eq!(lit("1e3"), LitKind::Float(1000.0));
        assert_eq!(lit(".5"), LitKind::Float(0.5));
        assert_eq!(lit("True"), LitKind::Bool(true));
        assert_eq!(lit("None"), LitKind::None);
        assert!(parse_literal("012", 64).is_err());
        assert!(parse_literal("1j", 64).is_err());
        assert!(parse_literal("Nonex", 64).is_err());
    }

    #[test]
    fn strings() {
        assert_eq!(strv("'a'"), "a");
        assert_eq!(strv("\"it's\""), "it's");
        assert_eq!(strv(r"'tab\there'"), "tab\there");
        assert_eq!(strv(r"'\x41\u00e9\101'"), "A\u{e9}A");
        assert_eq!(strv(r"r'\d'"), "\\d");
        assert_eq!(strv("b'i4'"), "i4");
        assert_eq!(strv("'''a'b'''"), "a'b");
        assert_eq!(strv("'中'"), "中");
        assert!(parse_literal("'abc", 64).is_err());
        assert!(parse_literal("'a\nb'", 64).is_err());
        assert!(parse_literal("b'\u{e9}'", 64).is_err());
    }

    #[test]
    fn containers() {
        let v = parse_literal("[('a', '<i4'), ('b', [('c', 'f8')], (2, 3)),]", 64).unwrap();
        let LitKind::List(items) = v.kind else {
            panic!()
        };
        assert_eq!(items.len(), 2);
        assert_eq!(lit("(1)"), LitKind::Int(1));
        assert_eq!(
            lit("(1,)"),
            LitKind::Tuple(vec![Lit {
                start: 1,
                end: 2,
                kind: LitKind::Int(1)
            }])
        );
        assert_eq!(lit("()"), LitKind::Tuple(vec![]));
        let d = parse_literal(
            "{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }",
            64,
        )
        .unwrap();
        assert_eq!(d.dict_get("descr").and_then(Lit::as_str), Some("<f8"));
        assert!(matches!(
            d.dict_get("fortran_order").unwrap().kind,
            LitKind::Bool(false)
        ));
    }

    #[test]
    fn whitespace_and_comments() {
        let v = parse_literal(" [ # fields\n ( 'a' ,\n\t'i4' ) , \\\n ]  \n", 64).unwrap();
        assert!(matches!(v.kind, LitKind::List(ref items) if items.len() == 1));
    }

    #[test]
    fn errors_point_at_the_problem() {
        let e = parse_literal("[('a', 'i4'), ('b' 'f8')]", 64).unwrap_err();
        assert_eq!(e.location(), Some(Location::Spec(19)), "{e}");
        assert!(e.message().contains("',' or ')'"), "{e}");
        let e = parse_literal("{'a' 1}", 64).unwrap_err();
        assert_eq!(e.location(), Some(Location::Spec(5)));
        let e = parse_literal("[1, 2", 64).unwrap_err();
        assert_eq!(e.location(), Some(Location::Spec(5)));
    }

    #[test]
    fn depth_is_bounded() {
        let deep = "[".repeat(100_000);
        let e = parse_literal(&deep, 64).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Limit);
        let ok = format!("{}{}", "[".repeat(60), "]".repeat(60));
        assert!(parse_literal(&ok, 64).is_ok());
    }
}
