//! `dtconvert`: move records between raw dumps, text, `.npy`, `.npz` and JSON lines.
//!
//! A thin front end over the library: select records, fields, byte and memory order, and
//! write atomically (a temporary file beside OUTPUT, renamed when complete).
//! Exit codes (shared/CLI.md): 0 success, 2 bad arguments or bad input, 1 other failures.

use std::fs::File;
use std::io::{self, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, ValueEnum};
use dtkit::inspect::{self, CliError};
use dtkit::npz::{Member, Npz, NpzOptions, NpzWriter};
use dtkit::raw::{self, RawOptions};
use dtkit::storage::{MapMode, Mapping};
use dtkit::text::{
    fromregex_path_encoded, genfromtxt_bytes, genfromtxt_path, loadtxt_path, loadtxt_reader_sized,
    read_file, savetxt_path, Encoding, Fmt, GenFromTxtOptions, LoadTxtOptions, Names,
    SaveTxtOptions,
};
use dtkit::{npy, Array, ArrayView, ByteOrder, ByteOrderPlan, Order};

const EXAMPLES: &str = "\
Examples:
  Make a big-endian sensor dump native, skipping its 64-byte header:
    dtconvert dump.be dump.bin --dtype '[(\"t\",\">u8\"),(\"v\",\">f4\",(3,))]' --offset 64 --byteorder native
  A raw dump to .npy, as NumPy's np.save(np.fromfile(...)) would write it:
    dtconvert fixtures/raw/medkit_radar.bin radar.npy --dtype @formats/medkit_radar.dtype
  Word ranks in a text file with % comments to .npy:
    dtconvert words.txt words.npy --comments % --dtype \"[('rank','i8'),('lemma','S8'),('frequency','i8'),('dispersion','f8')]\"
  A 2-D .npy as CSV with three decimals:
    dtconvert matrix.npy matrix.csv --fmt %.3f
  Every member of an archive, compressed on every core:
    dtconvert data.npz small.npz --compress
  One member of an archive, made native:
    dtconvert data.npz x.npy --member x --byteorder native
  Keep the first 1000 records:
    dtconvert dump.bin head.bin --dtype @formats/kitti_velodyne.dtype --count 1000
  One field of the records, and records as JSON lines:
    dtconvert fixtures/raw/medkit_radar.bin az.npy --dtype @formats/medkit_radar.dtype --field position.az
    dtconvert data.npy data.jsonl
  Shell completions and the man page:
    dtconvert --completions zsh > _dtconvert
    dtconvert --man > dtconvert.1";

#[derive(Parser, Debug)]
#[command(name = "dtconvert", version, about = "Convert structured binary data between raw dumps, text, .npy and .npz", after_help = EXAMPLES)]
struct Cli {
    /// Input file
    input: PathBuf,
    /// Output file; written beside its final name and renamed into place when complete
    output: PathBuf,
    /// Record dtype of a raw input: a NumPy dtype description, or @PATH
    #[arg(long, value_name = "SPEC")]
    dtype: Option<String>,
    /// Lay out --dtype records like C structs (NumPy's align=True)
    #[arg(long)]
    align: bool,
    /// Raw input: a layout file giving the header, the records and where they are: a path,
    /// or the name of a built-in format (stl, wav_pcm16, elf64, ...)
    #[arg(long, value_name = "FILE.dtype", conflicts_with_all = ["dtype", "align", "offset", "count"])]
    format: Option<String>,
    /// Raw input: bytes before the first record (a header)
    #[arg(long, value_name = "BYTES", default_value_t = 0)]
    offset: u64,
    /// Raw input: records to convert (default: every whole record)
    #[arg(long, value_name = "N")]
    count: Option<u64>,
    /// Raw input: ignore a partial record at the end instead of failing
    #[arg(long)]
    allow_trailing: bool,
    /// Input kind, instead of guessing from magic bytes and extension (`.txt`, `.csv`,
    /// `.tsv`, and those gzipped, are text)
    #[arg(long, value_enum)]
    from: Option<Kind>,
    /// Output kind, instead of guessing from the extension
    #[arg(long, value_enum)]
    to: Option<Kind>,
    /// Output byte order
    #[arg(long, value_enum, default_value = "keep")]
    byteorder: OrderChoice,
    /// Text input: comment marker (repeatable; default #)
    #[arg(long, value_name = "STR")]
    comments: Vec<String>,
    /// Text input: no comment markers at all
    #[arg(long)]
    no_comments: bool,
    /// Text input: field delimiter (default: runs of whitespace)
    #[arg(long, value_name = "CHAR")]
    delimiter: Option<String>,
    /// Text input: physical lines to skip first
    #[arg(long, value_name = "N", default_value_t = 0)]
    skiprows: usize,
    /// Text input: most data rows to read
    #[arg(long, value_name = "N")]
    max_rows: Option<usize>,
    /// Text input: columns to read (negative counts from the end)
    #[arg(
        long,
        value_name = "I,J,..",
        value_delimiter = ',',
        allow_hyphen_values = true
    )]
    usecols: Option<Vec<isize>>,
    /// Text input: quote character
    #[arg(long, value_name = "CHAR")]
    quotechar: Option<String>,
    /// Text input: encoding
    #[arg(long, value_enum, default_value = "utf-8")]
    encoding: EncodingArg,
    /// Text input: field names from the first line (genfromtxt names=True)
    #[arg(long)]
    names: bool,
    /// Text input: a text that marks a missing value (repeatable; genfromtxt)
    #[arg(long, value_name = "STR")]
    missing: Vec<String>,
    /// Text input: the value of missing fields (genfromtxt filling_values)
    #[arg(long, value_name = "VALUE", allow_hyphen_values = true)]
    filling: Option<String>,
    /// Text input: a regular expression whose capture groups fill the fields of --dtype
    /// (NumPy's fromregex)
    #[arg(long, value_name = "PATTERN")]
    regex: Option<String>,
    /// .npz input: member to convert (repeatable; default: every member when OUTPUT is .npz,
    /// else the only member)
    #[arg(long, value_name = "NAME")]
    member: Vec<String>,
    /// .npz output: member name for a single array (default: the input member name, else arr_0)
    #[arg(long, value_name = "NAME")]
    name: Option<String>,
    /// Text output: the value format, as NumPy's savetxt fmt (default %.18e; several %
    /// conversions format a whole row)
    #[arg(long, value_name = "FMT")]
    fmt: Option<String>,
    /// .npz output: deflate members like np.savez_compressed (on every core)
    #[arg(long)]
    compress: bool,
    /// Keep only this field (repeatable; dotted paths for nested fields). One field gives
    /// an array of that field, several a record of them
    #[arg(long, value_name = "PATH")]
    field: Vec<String>,

    /// Output memory order
    #[arg(long, value_enum, default_value = "keep", ignore_case = true)]
    out_order: OutOrder,

    /// Raw input: array shape (one dimension may be -1)
    #[arg(
        long,
        value_name = "D0,D1,..",
        value_delimiter = ',',
        allow_hyphen_values = true
    )]
    shape: Option<Vec<isize>>,

    /// Raw input: memory order
    #[arg(long, value_enum, default_value = "C", ignore_case = true)]
    order: InOrder,

    /// A progress bar on stderr even when it is not a terminal (on a terminal it is shown
    /// for long conversions anyway)
    #[arg(long, conflicts_with = "quiet")]
    progress: bool,

    /// No progress output
    #[arg(long)]
    quiet: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Kind {
    Npy,
    Npz,
    Text,
    Jsonl,
    Raw,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum OutOrder {
    Keep,
    C,
    F,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum InOrder {
    C,
    F,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum EncodingArg {
    #[value(name = "utf-8", alias = "utf8")]
    Utf8,
    #[value(name = "latin-1", alias = "latin1")]
    Latin1,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum OrderChoice {
    Keep,
    Native,
    Little,
    Big,
}

fn input_kind(path: &Path) -> io::Result<Kind> {
    let mut magic = [0u8; 6];
    let n = File::open(path)?.read(&mut magic)?;
    let magic = &magic[..n];
    if magic.starts_with(b"\x93NUMPY") {
        return Ok(Kind::Npy);
    }
    if magic.starts_with(b"PK\x03\x04") || magic.starts_with(b"PK\x05\x06") {
        return Ok(Kind::Npz);
    }
    // Gzipped text (`log.csv.gz`) is text too: the text loaders decompress it on the fly.
    let inner = if extension(path) == "gz" {
        path.file_stem().map(|stem| extension(Path::new(stem)))
    } else {
        None
    };
    Ok(match (extension(path).as_str(), inner.as_deref()) {
        ("txt" | "csv" | "tsv", _) | ("gz", Some("txt" | "csv" | "tsv")) => Kind::Text,
        ("jsonl", _) => Kind::Jsonl,
        _ => Kind::Raw,
    })
}

fn extension(path: &Path) -> String {
    path.extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase()
}

fn output_kind(path: &Path) -> Kind {
    match extension(path).as_str() {
        "npy" => Kind::Npy,
        "npz" => Kind::Npz,
        "csv" | "txt" | "tsv" => Kind::Text,
        "jsonl" => Kind::Jsonl,
        _ => Kind::Raw,
    }
}

fn run(cli: &Cli) -> Result<(), CliError> {
    let from = match cli.from {
        Some(k) => k,
        None => input_kind(&cli.input).map_err(|e| CliError::io("cannot open", &cli.input, e))?,
    };
    let to = cli.to.unwrap_or_else(|| output_kind(&cli.output));
    if from != Kind::Raw
        || matches!(to, Kind::Npz | Kind::Text)
        || !cli.field.is_empty()
        || cli.out_order != OutOrder::Keep
        || cli.shape.is_some()
        || cli.order != InOrder::C
        || to == Kind::Jsonl
    {
        return convert_arrays(cli, from, to);
    }
    let options = raw_input(cli)?;
    let dt = options.dtype.clone();
    let len = std::fs::metadata(&cli.input)
        .map_err(|e| CliError::io("cannot stat", &cli.input, e))?
        .len();
    let shown = cli.input.display().to_string();
    let nbytes = options
        .nbytes(len)
        .map_err(|e| CliError::from(e).context(&shown))?;
    let plan = ByteOrderPlan::new(&dt, target_order(cli.byteorder))?;
    let input = File::open(&cli.input).map_err(|e| CliError::io("cannot open", &cli.input, e))?;
    // Whole records, converted on every core a block at a time: memory stays bounded
    // for any input.
    let itemsize = dt.itemsize().max(1);
    let records = nbytes / itemsize as u64;
    // An .npy header for the converted records; a subarray dtype becomes trailing axes,
    // as NumPy's fromfile makes them.
    let header = if to == Kind::Npy {
        Some(dtkit::npy::header_for(
            plan.target(),
            &[records as usize],
            Order::C,
        )?)
    } else {
        None
    };
    let bar = inspect::shell::progress(Some(nbytes), "converting", cli.quiet, cli.progress);
    dtkit::atomic::write_file_seekable(&cli.output, |out| {
        let mut at = 0;
        if let Some(h) = &header {
            out.write_all(h)?;
            at = h.len() as u64;
        }
        dtkit::raw::convert_records(&input, options.offset, out, at, records, &plan, &|n| {
            bar.inc(n);
        })
    })
    .map_err(|e| CliError::from(e).context(&shown))?;
    bar.finish_and_clear();
    if !cli.quiet {
        eprintln!(
            "dtconvert: wrote {} records of {} ({} bytes) to {}",
            records,
            plan.target(),
            nbytes,
            cli.output.display()
        );
    }
    Ok(())
}

/// The records of a raw input: from `--format` (the layout file places them), or from
/// `--dtype`, `--offset` and `--count`.
fn raw_input(cli: &Cli) -> Result<RawOptions, CliError> {
    if let Some(arg) = &cli.format {
        let (format, placement) = inspect::place_format(&cli.input, arg)?;
        return Ok(format.raw_options(&placement));
    }
    let Some(spec) = &cli.dtype else {
        return Err(CliError::input(
            "a raw input needs --dtype SPEC, or a layout file with --format FILE.dtype",
        ));
    };
    Ok(RawOptions {
        dtype: inspect::parse_cli_spec(spec, cli.align)?,
        offset: cli.offset,
        count: cli.count,
        shape: None,
        order: Order::C,
        allow_trailing: cli.allow_trailing,
    })
}

fn target_order(choice: OrderChoice) -> ByteOrder {
    match choice {
        OrderChoice::Keep => ByteOrder::NotApplicable,
        OrderChoice::Native => ByteOrder::NATIVE,
        OrderChoice::Little => ByteOrder::Little,
        OrderChoice::Big => ByteOrder::Big,
    }
}

/// An input array: mapped from an `.npy` file, or owned.
enum Source {
    Mapped(npy::MappedNpy),
    MappedRaw(raw::MappedArray),
    Owned(Array),
}

impl Source {
    fn view(&self) -> ArrayView<'_> {
        match self {
            Source::Mapped(m) => m.view(),
            Source::MappedRaw(m) => m.view(),
            Source::Owned(a) => a.view(),
        }
    }
}

/// Inputs as whole arrays (`.npy` mapped, `.npz` members loaded, raw read), written as raw
/// bytes (C order), one `.npy` (as np.save; a NumPy-written file is reproduced byte for
/// byte) or an `.npz` archive.
fn convert_arrays(cli: &Cli, from: Kind, to: Kind) -> Result<(), CliError> {
    let shown = cli.input.display().to_string();
    let ctx = |e: dtkit::Error| CliError::from(e).context(&shown);
    if from == Kind::Npy
        && to == Kind::Npz
        && cli.field.is_empty()
        && cli.out_order == OutOrder::Keep
        && cli.byteorder == OrderChoice::Keep
    {
        // Streamed: the data is read a block at a time, never mapped or held.
        let file =
            File::open(&cli.input).map_err(|e| CliError::io("cannot open", &cli.input, e))?;
        let size = file.metadata().map(|m| m.len()).unwrap_or(0);
        let mut reader = BufReader::with_capacity(1 << 20, file);
        let header = npy::read_header(&mut reader, &npy::ReadOptions::default()).map_err(ctx)?;
        let name = cli.name.clone().unwrap_or_else(|| "arr_0".to_owned());
        let bar = inspect::shell::progress(Some(size), "writing .npz", cli.quiet, cli.progress);
        let mut w = NpzWriter::create(&cli.output, cli.compress)?;
        w.add_npy_stream(&name, &header, bar.wrap_read(reader))
            .map_err(ctx)?;
        w.finish()?;
        bar.finish_and_clear();
        if !cli.quiet {
            eprintln!("dtconvert: wrote [{name:?}] to {}", cli.output.display());
        }
        return Ok(());
    }
    let mut sources: Vec<(String, Source)> = Vec::new();
    match from {
        Kind::Npy => {
            // SAFETY: read-only map; dtconvert neither truncates nor writes its input.
            #[allow(unsafe_code)]
            let map = unsafe { Mapping::open(&cli.input, MapMode::ReadOnly, 0) }.map_err(ctx)?;
            let file = npy::MappedNpy::new(map, &npy::ReadOptions::default()).map_err(ctx)?;
            sources.push(("arr_0".to_owned(), Source::Mapped(file)));
        }
        Kind::Npz => {
            let mut z = Npz::open(&cli.input, &NpzOptions::default()).map_err(ctx)?;
            let keys: Vec<String> = if cli.member.is_empty() {
                z.members().iter().map(|m| m.name.clone()).collect()
            } else {
                cli.member.clone()
            };
            for key in keys {
                match z.load(&key).map_err(ctx)? {
                    Member::Array(_, a) => sources.push((key, Source::Owned(*a))),
                    Member::Bytes(_) if !cli.member.is_empty() => {
                        return Err(CliError::input(format!(
                            "{shown}: member {key:?} is not an .npy array"
                        )))
                    }
                    Member::Bytes(_) => {}
                }
            }
        }
        Kind::Text => {
            let one = |s: &Option<String>, what: &str| -> Result<Option<char>, CliError> {
                match s.as_deref() {
                    None => Ok(None),
                    Some("\\t") => Ok(Some('\t')),
                    Some(t) if t.chars().count() == 1 => Ok(t.chars().next()),
                    Some(t) => Err(CliError::input(format!(
                        "--{what} must be one character, got {t:?}"
                    ))),
                }
            };
            let mut options = LoadTxtOptions {
                delimiter: one(&cli.delimiter, "delimiter")?,
                quotechar: one(&cli.quotechar, "quotechar")?,
                skiprows: cli.skiprows,
                max_rows: cli.max_rows,
                usecols: cli.usecols.clone(),
                encoding: match cli.encoding {
                    EncodingArg::Utf8 => Encoding::Utf8,
                    EncodingArg::Latin1 => Encoding::Latin1,
                },
                ..LoadTxtOptions::default()
            };
            if let Some(spec) = &cli.dtype {
                options.dtype = inspect::parse_cli_spec(spec, cli.align)?;
            }
            if cli.no_comments {
                options.comments.clear();
            } else if !cli.comments.is_empty() {
                options.comments.clone_from(&cli.comments);
            }
            let genfromtxt = cli.names || !cli.missing.is_empty() || cli.filling.is_some();
            // The whole text (a .gz decompressed), read by every core; decoded in place
            // when it is UTF-8.
            let bytes = || {
                std::fs::metadata(&cli.input)
                    .map_err(|e| CliError::io("cannot read", &cli.input, e))?;
                read_file(&cli.input).map_err(ctx)
            };
            let array = if let Some(pattern) = &cli.regex {
                std::fs::metadata(&cli.input)
                    .map_err(|e| CliError::io("cannot read", &cli.input, e))?;
                fromregex_path_encoded(&cli.input, pattern, &options.dtype, options.encoding)
                    .map_err(ctx)?
            } else if genfromtxt {
                if options.comments.len() > 1 || options.quotechar.is_some() {
                    return Err(CliError::input(
                        "--names, --missing and --filling take one comment marker and no --quotechar",
                    ));
                }
                let gen = GenFromTxtOptions {
                    dtype: Some(options.dtype.clone()),
                    comments: options.comments.first().cloned(),
                    delimiter: cli.delimiter.as_deref().map(|d| {
                        if d == "\\t" {
                            "\t".to_owned()
                        } else {
                            d.to_owned()
                        }
                    }),
                    skip_header: cli.skiprows,
                    names: if cli.names {
                        Names::Header
                    } else {
                        Names::None
                    },
                    usecols: cli.usecols.clone(),
                    missing_values: cli.missing.clone(),
                    filling_values: cli.filling.clone(),
                    max_rows: cli.max_rows,
                    ..GenFromTxtOptions::default()
                };
                if options.encoding == Encoding::Utf8 {
                    // Streamed in blocks where the options allow it.
                    std::fs::metadata(&cli.input)
                        .map_err(|e| CliError::io("cannot read", &cli.input, e))?;
                    genfromtxt_path(&cli.input, &gen).map_err(ctx)?.data
                } else {
                    genfromtxt_bytes(bytes()?.as_bytes(), options.encoding, &gen)
                        .map_err(ctx)?
                        .data
                }
            } else {
                let file = File::open(&cli.input)
                    .map_err(|e| CliError::io("cannot open", &cli.input, e))?;
                let size = file.metadata().map(|m| m.len()).unwrap_or(0);
                if cli.input.extension().is_some_and(|e| e == "gz") {
                    loadtxt_path(&cli.input, &options).map_err(ctx)?
                } else {
                    let bar = inspect::shell::progress(
                        Some(size),
                        "reading text",
                        cli.quiet,
                        cli.progress,
                    );
                    if matches!(to, Kind::Npy | Kind::Raw)
                        && cli.field.is_empty()
                        && cli.out_order == OutOrder::Keep
                    {
                        // Streamed: memory stays at a few blocks, whatever the size.
                        stream_text(cli, to, &options, bar.wrap_read(file), size).map_err(ctx)?;
                        bar.finish_and_clear();
                        if !cli.quiet {
                            eprintln!("dtconvert: wrote [\"arr_0\"] to {}", cli.output.display());
                        }
                        return Ok(());
                    }
                    let a =
                        loadtxt_reader_sized(bar.wrap_read(file), &options, size).map_err(ctx)?;
                    bar.finish_and_clear();
                    a
                }
            };
            sources.push(("arr_0".to_owned(), Source::Owned(array)));
        }
        Kind::Jsonl => {
            let Some(spec) = &cli.dtype else {
                return Err(CliError::input(
                    "a JSON lines input needs --dtype SPEC (the dtype of its records)",
                ));
            };
            let dtype = inspect::parse_cli_spec(spec, cli.align)?;
            let file =
                File::open(&cli.input).map_err(|e| CliError::io("cannot open", &cli.input, e))?;
            let array = inspect::jsonl::read_jsonl(BufReader::new(file), &dtype).map_err(ctx)?;
            sources.push(("arr_0".to_owned(), Source::Owned(array)));
        }
        _ => {
            let mut options = raw_input(cli)?;
            options.shape = cli.shape.clone();
            options.order = match cli.order {
                InOrder::C => Order::C,
                InOrder::F => Order::F,
            };
            // A regular file is mapped: the copies below read the page cache in place,
            // with no fresh memory for a second copy of the input.
            let regular = std::fs::metadata(&cli.input).is_ok_and(|m| m.is_file() && m.len() > 0);
            let mapped = if regular {
                // SAFETY: read-only map; dtconvert neither truncates nor writes its input.
                #[allow(unsafe_code)]
                let map = unsafe { Mapping::open(&cli.input, MapMode::ReadOnly, 0) };
                map.ok()
                    .map(|m| raw::MappedArray::new(m, &options).map_err(ctx))
                    .transpose()?
            } else {
                None
            };
            let source = match mapped {
                Some(m) => Source::MappedRaw(m),
                None => Source::Owned(raw::read(&cli.input, &options).map_err(ctx)?),
            };
            sources.push(("arr_0".to_owned(), source));
        }
    }
    if to != Kind::Npz && sources.len() != 1 {
        let names: Vec<&str> = sources.iter().map(|(n, _)| n.as_str()).collect();
        return Err(CliError::input(format!(
            "{shown} holds {} arrays {names:?}: choose one with --member",
            sources.len()
        )));
    }
    if let (Some(name), [(n, _)]) = (&cli.name, &mut sources[..]) {
        n.clone_from(name);
    }
    // Field selection and memory order, before the byte order. C order into `.npy` or raw
    // bytes needs no copy first: the writer copies bands of rows in C order as it goes.
    let c_by_writer = cli.out_order == OutOrder::C && matches!(to, Kind::Npy | Kind::Raw);
    if !cli.field.is_empty() || cli.out_order != OutOrder::Keep {
        let mut picked = Vec::with_capacity(sources.len());
        for (name, src) in sources {
            let view = src.view();
            let selected = match cli.field.as_slice() {
                [] => None,
                [one] => Some(
                    view.field(one)
                        .map_err(ctx)?
                        .to_contiguous(Order::C)
                        .map_err(ctx)?,
                ),
                many => {
                    let names: Vec<&str> = many.iter().map(String::as_str).collect();
                    Some(view.extract_fields(&names).map_err(ctx)?)
                }
            };
            let current = selected.as_ref().map_or_else(|| src.view(), Array::view);
            let reordered = match cli.out_order {
                OutOrder::Keep => None,
                OutOrder::C if c_by_writer => None,
                OutOrder::C if current.flags().c_contiguous => None,
                OutOrder::F if current.flags().f_contiguous && current.ndim() > 1 => None,
                OutOrder::C => Some(current.to_contiguous(Order::C).map_err(ctx)?),
                OutOrder::F => Some(current.to_contiguous(Order::F).map_err(ctx)?),
            };
            let out = match (reordered, selected) {
                (Some(a), _) | (None, Some(a)) => Source::Owned(a),
                (None, None) => src,
            };
            picked.push((name, out));
        }
        sources = picked;
    }
    let order = target_order(cli.byteorder);
    let mut outputs: Vec<(String, Source)> = Vec::with_capacity(sources.len());
    for (name, src) in sources {
        let plan = ByteOrderPlan::new(src.view().dtype(), order)?;
        if plan.is_noop() {
            outputs.push((name, src));
        } else {
            let converted = src.view().to_byte_order(order)?;
            outputs.push((name, Source::Owned(converted)));
        }
    }
    match to {
        Kind::Npz => {
            let total: u64 = outputs.iter().map(|(_, s)| s.view().nbytes() as u64).sum();
            let bar =
                inspect::shell::progress(Some(total), "writing .npz", cli.quiet, cli.progress);
            let mut w = NpzWriter::create(&cli.output, cli.compress)?;
            for (name, src) in &outputs {
                bar.set_message(format!("member {name}"));
                w.add(name, &src.view())?;
                bar.inc(src.view().nbytes() as u64);
            }
            w.finish()?;
            bar.finish_and_clear();
        }
        Kind::Text => {
            let view = outputs[0].1.view();
            let ext = cli
                .output
                .extension()
                .and_then(|e| e.to_str())
                .unwrap_or("")
                .to_ascii_lowercase();
            let delimiter = match (cli.delimiter.as_deref(), ext.as_str()) {
                (Some("\\t"), _) => "\t".to_owned(),
                (Some(d), _) => d.to_owned(),
                (None, "csv") => ",".to_owned(),
                (None, "tsv") => "\t".to_owned(),
                (None, _) => " ".to_owned(),
            };
            let options = SaveTxtOptions {
                fmt: Fmt::Str(cli.fmt.clone().unwrap_or_else(|| "%.18e".to_owned())),
                delimiter,
                ..SaveTxtOptions::default()
            };
            savetxt_path(&view, &cli.output, &options).map_err(ctx)?;
        }
        _ => {
            let view = outputs[0].1.view();
            let total = (to != Kind::Jsonl).then_some(view.nbytes() as u64);
            let bar = inspect::shell::progress(total, "writing", cli.quiet, cli.progress);
            if to == Kind::Npy && c_by_writer && !view.flags().c_contiguous && bar.is_hidden() {
                // A C-ordered file of a view that is not: bands of rows on every core.
                npy::save_c(&view, &cli.output).map_err(ctx)?;
            } else if to == Kind::Npy && c_by_writer && !view.flags().c_contiguous {
                dtkit::atomic::write_file(&cli.output, |out| {
                    npy::write_c(&view, &mut bar.wrap_write(out))
                })
                .map_err(ctx)?;
            } else if to == Kind::Npy && bar.is_hidden() {
                // Without a bar to move, the data is written on every core.
                npy::save(&view, &cli.output).map_err(ctx)?;
            } else {
                dtkit::atomic::write_file(&cli.output, |out| {
                    let mut out = bar.wrap_write(out);
                    let out: &mut dyn std::io::Write = &mut out;
                    match to {
                        Kind::Npy => npy::write(&view, out),
                        Kind::Jsonl => {
                            let mut w = std::io::BufWriter::new(out);
                            inspect::raw::write_jsonl(&mut w, &view)?;
                            std::io::Write::flush(&mut w)?;
                            Ok(())
                        }
                        _ => view.write_to(out),
                    }
                })
                .map_err(ctx)?;
            }
        }
    }
    if !cli.quiet {
        let names: Vec<&str> = outputs.iter().map(|(n, _)| n.as_str()).collect();
        eprintln!("dtconvert: wrote {names:?} to {}", cli.output.display());
    }
    Ok(())
}

/// Text to `.npy` or raw bytes, block by block: the records go to the output as they are
/// parsed (byte order changed on the way), so memory stays at a few blocks.
fn stream_text(
    cli: &Cli,
    to: Kind,
    options: &LoadTxtOptions,
    reader: impl Read,
    size: u64,
) -> dtkit::Result<()> {
    let plan = ByteOrderPlan::new(&options.dtype, target_order(cli.byteorder))?;
    let mut scratch = Vec::new();
    let mut convert = move |bytes: &[u8], sink: &mut dyn FnMut(&[u8]) -> dtkit::Result<()>| {
        if plan.is_noop() {
            return sink(bytes);
        }
        scratch.clear();
        scratch.extend_from_slice(bytes);
        plan.apply(&mut scratch)?;
        sink(&scratch)
    };
    let target = ByteOrderPlan::new(&options.dtype, target_order(cli.byteorder))?
        .target()
        .clone();
    if to == Kind::Npy {
        npy::save_streamed(&cli.output, &target, |sink| {
            dtkit::text::loadtxt_each(reader, options, Some(size), &mut |b| convert(b, sink))
        })
    } else {
        dtkit::atomic::write_file(&cli.output, |out| {
            dtkit::text::loadtxt_each(reader, options, Some(size), &mut |b| {
                convert(b, &mut |x: &[u8]| Ok(out.write_all(x)?))
            })?;
            Ok(())
        })
    }
}

fn main() -> ExitCode {
    use clap::CommandFactory;
    let args: Vec<String> = std::env::args().collect();
    if let Some(r) = inspect::shell::extras(Cli::command(), &args, &mut io::stdout().lock()) {
        return CliError::finish("dtconvert", r);
    }
    let cli = Cli::parse();
    CliError::finish("dtconvert", run(&cli))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_is_well_formed() {
        Cli::command().debug_assert();
    }
}
