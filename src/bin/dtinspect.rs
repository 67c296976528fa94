//! `dtinspect`: what is in this file, and where exactly is each byte?
//!
//! A thin front end: arguments are parsed here, everything else is `dtkit::inspect`.
//! Exit codes (shared/CLI.md): 0 success, 2 bad arguments or bad input, 1 other failures;
//! a closed pipe exits 0 quietly.

use std::io::{self, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use dtkit::inspect::{self, raw::ArrayJson, CliError, Style};
use dtkit::npz::{self, Compression, Member, Npz, NpzOptions};
use dtkit::raw::{MappedArray, RawOptions};
use dtkit::storage::{MapMode, Mapping};
use dtkit::{npy, Order};

const EXAMPLES: &str = "\
Examples:
  Describe a dtype, its offsets and padding:
    dtinspect dtype \"[('time','<u8'),('position',[('az','<f4'),('el','<f4')])]\"
    dtinspect dtype 'i1, i4, i1' --align --json
    dtinspect dtype @formats/medkit_radar.dtype
  Inspect a raw dump of records, skipping a 16-byte header:
    dtinspect dump.bin --dtype '<f4,<f4,<f4,<f4' --offset 16
    dtinspect matrix.bin --dtype '>f8' --shape 3,-1 --order F --json
  One record's bytes, each labelled with its field, and the first records as a table:
    dtinspect fixtures/raw/medkit_radar.bin --dtype @formats/medkit_radar.dtype --bytes 2
    dtinspect fixtures/npy/records_aligned.npy --head 5
  Plot a field in the terminal (a line, or a heatmap for 2-D data), or as a PNG image:
    dtinspect fixtures/raw/medkit_radar.bin --dtype @formats/medkit_radar.dtype --field samples --plot
    dtinspect fixtures/raw/medkit_radar.bin --dtype @formats/medkit_radar.dtype --field samples --plot samples.png
  Every member of an archive, with sizes and compression ratios:
    dtinspect data.npz
  Shell completions and the man page:
    dtinspect --completions bash > /etc/bash_completion.d/dtinspect
    dtinspect --man > dtinspect.1";

#[derive(Parser, Debug)]
#[command(
    name = "dtinspect",
    version,
    about = "Inspect NumPy dtypes and binary data: fields, offsets, strides, flags",
    after_help = EXAMPLES,
    args_conflicts_with_subcommands = true,
    subcommand_negates_reqs = true
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,

    /// A raw binary dump to inspect (needs --dtype)
    #[arg(required = true)]
    file: Option<PathBuf>,

    #[command(flatten)]
    file_args: FileArgs,
}

#[derive(clap::Args, Debug)]
struct FileArgs {
    /// Record dtype of the dump: a NumPy dtype description, or @PATH to read it from a file
    #[arg(long, value_name = "SPEC")]
    dtype: Option<String>,

    /// Lay out --dtype records like C structs (NumPy's align=True)
    #[arg(long)]
    align: bool,

    /// Read a raw file with a layout file (header, records, where they start and how many):
    /// a path, or the name of a built-in format (stl, wav_pcm16, elf64, ...)
    #[arg(long, value_name = "FILE.dtype", conflicts_with_all = ["dtype", "align", "offset", "count"])]
    format: Option<String>,

    /// Bytes before the first record (a file header)
    #[arg(long, value_name = "BYTES", default_value_t = 0)]
    offset: u64,

    /// Number of records to use (default: every whole record)
    #[arg(long, value_name = "N")]
    count: Option<u64>,

    /// Array shape; one dimension may be -1
    #[arg(
        long,
        value_name = "D0,D1,..",
        value_delimiter = ',',
        allow_hyphen_values = true
    )]
    shape: Option<Vec<isize>>,

    /// Memory order of a multi-dimensional dump
    #[arg(long, value_enum, default_value = "C", ignore_case = true)]
    order: OrderArg,

    /// Accept bytes after the last whole record instead of reporting them as an error
    #[arg(long)]
    allow_trailing: bool,

    /// .npz input: inspect this member (default: list every member)
    #[arg(long, value_name = "NAME")]
    member: Option<String>,

    /// Inspect only this field (a name or dotted path such as position.az)
    #[arg(long, value_name = "PATH")]
    field: Option<String>,

    /// Show the first N records
    #[arg(long, value_name = "N")]
    head: Option<usize>,

    /// Show record INDEX (flat, C order) as a hexdump with every field's bytes labelled
    #[arg(long, value_name = "INDEX")]
    bytes: Option<usize>,

    /// Draw a numeric field (pick it with --field): a line chart for 1-D data, a heatmap
    /// for 2-D data, in the terminal; or a PNG image with axes and a colour bar when a
    /// .png path is given
    #[arg(long, value_name = "FILE.png", num_args = 0..=1, default_missing_value = "")]
    plot: Option<String>,

    /// Print JSON (the keys are a stable contract) instead of tables
    #[arg(long)]
    json: bool,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Describe a dtype: size, alignment, NumPy's str and descr, and every field's offset
    Dtype {
        /// A NumPy dtype description ('<i4', 'i4, (2,3)f8, S5', a list of fields, a dict),
        /// or @PATH to read it from a file
        spec: String,
        /// Lay out records like C structs (NumPy's align=True)
        #[arg(long)]
        align: bool,
        /// Print JSON (the keys are a stable contract) instead of a table
        #[arg(long)]
        json: bool,
    },
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum OrderArg {
    C,
    F,
}

fn run(cli: Cli, out: &mut dyn Write, style: Style) -> Result<(), CliError> {
    match cli.command {
        Some(Command::Dtype { spec, align, json }) => {
            let dt = inspect::parse_cli_spec(&spec, align)?;
            if json {
                inspect::write_dtype_json(out, &dt)?;
            } else {
                inspect::write_dtype_human(out, &dt, style)?;
            }
        }
        None => {
            let path = cli.file.expect("clap requires FILE without a subcommand");
            inspect_file(&path, &cli.file_args, out, style)?;
        }
    }
    Ok(())
}

fn inspect_file(
    path: &std::path::Path,
    args: &FileArgs,
    out: &mut dyn Write,
    style: Style,
) -> Result<(), CliError> {
    let shown = path.display().to_string();
    let mut magic = [0u8; 6];
    let n = std::fs::File::open(path)
        .and_then(|mut f| io::Read::read(&mut f, &mut magic))
        .map_err(|e| CliError::io("cannot read", path, e))?;
    let magic = &magic[..n];
    if magic.starts_with(b"PK\x03\x04") || magic.starts_with(b"PK\x05\x06") {
        return inspect_npz(path, args, out, style);
    }
    if magic.starts_with(npy::MAGIC) {
        // SAFETY: read-only map; dtinspect neither truncates nor writes the file.
        #[allow(unsafe_code)]
        let map = unsafe { Mapping::open(path, MapMode::ReadOnly, 0) }?;
        let file = npy::MappedNpy::new(map, &npy::ReadOptions::default())
            .map_err(|e| CliError::from(e).context(&shown))?;
        let h = file.header();
        let mut view = file.view();
        if let Some(field) = &args.field {
            view = view.field(field)?;
        }
        let mut info = ArrayJson::new("npy", &view, h.data_offset as u64);
        let (major, minor) = h.version.numbers();
        info.version = Some(inspect::npz::version_text(h.version));
        info.header_len = Some(h.header_len);
        return print_array(
            out,
            &format!(
                "{shown} (.npy {major}.{minor}, header {} bytes)",
                h.header_len
            ),
            info,
            (&view, 0),
            args,
            style,
        );
    }
    let placed = match &args.format {
        Some(arg) => Some(inspect::place_format(path, arg)?),
        None => None,
    };
    let (dt, offset, count) = match (&placed, &args.dtype) {
        (Some((format, p)), _) => (format.records().clone(), p.offset, Some(p.count)),
        (None, Some(spec)) => (
            inspect::parse_cli_spec(spec, args.align)?,
            args.offset,
            args.count,
        ),
        (None, None) => {
            return Err(CliError::input(format!(
                "{shown} is a raw dump (no .npy or .npz magic bytes): give its record dtype \
                 with --dtype SPEC, or a layout with --format FILE.dtype"
            )))
        }
    };
    let options = RawOptions {
        dtype: dt,
        offset,
        count,
        shape: args.shape.clone(),
        order: match args.order {
            OrderArg::C => Order::C,
            OrderArg::F => Order::F,
        },
        allow_trailing: args.allow_trailing,
    };
    // SAFETY: the map is read-only and dtinspect neither truncates nor writes the file; a
    // concurrent writer in another process is outside what a file inspector can prevent.
    #[allow(unsafe_code)]
    let map = unsafe { Mapping::open(path, MapMode::ReadOnly, 0) }?;
    let file_len = map.as_bytes().len() as u64;
    let mapped = MappedArray::new(map, &options).map_err(|e| CliError::from(e).context(&shown))?;
    let mut view = mapped.view();
    if let Some(field) = &args.field {
        view = view.field(field)?;
    }
    let nbytes = options.nbytes(file_len)?;
    let mut info = ArrayJson::new("raw", &view, options.offset);
    info.trailing_bytes = Some(file_len - options.offset - nbytes);
    let title = match &placed {
        Some((format, p)) => {
            info.format = Some(inspect::raw::FormatJson::new(format, p));
            format!("{shown} ({} format)", format.name())
        }
        None => format!("{shown} (raw dump)"),
    };
    print_array(out, &title, info, (&view, 0), args, style)
}

/// An `.npz` archive: every member (from the central directory and each member's `.npy`
/// header; nothing is decompressed beyond the headers), or one member with `--member`.
fn inspect_npz(
    path: &std::path::Path,
    args: &FileArgs,
    out: &mut dyn Write,
    style: Style,
) -> Result<(), CliError> {
    let shown = path.display().to_string();
    let ctx = |e: dtkit::Error| CliError::from(e).context(&shown);
    let options = NpzOptions::default();
    let mut z = Npz::open(path, &options).map_err(ctx)?;
    if let Some(key) = &args.member {
        let Some(info) = z.member(key).map(|(_, m)| m.clone()) else {
            let names: Vec<&str> = z.members().iter().map(|m| m.name.as_str()).collect();
            return Err(CliError::input(format!(
                "{shown}: {key:?} is not a file in the archive: expected one of {names:?}"
            )));
        };
        if info.compression == Compression::Stored {
            // SAFETY: read-only map; dtinspect neither truncates nor writes the file.
            #[allow(unsafe_code)]
            let map = unsafe { Mapping::open(path, MapMode::ReadOnly, 0) }.map_err(ctx)?;
            let (h, mut view) =
                npz::view_member(map.as_bytes(), &info, &options.read).map_err(ctx)?;
            if let Some(field) = &args.field {
                view = view.field(field)?;
            }
            let mut json =
                ArrayJson::new("npz-member", &view, info.data_start + h.data_offset as u64);
            json.version = Some(inspect::npz::version_text(h.version));
            json.header_len = Some(h.header_len);
            let title = format!("{shown} member {:?} (stored)", info.name);
            return print_array(out, &title, json, (&view, 0), args, style);
        }
        let Member::Array(h, array) = z.load(key).map_err(ctx)? else {
            return Err(CliError::input(format!(
                "{shown}: member {key:?} is not an .npy array"
            )));
        };
        let mut view = array.view();
        if let Some(field) = &args.field {
            view = view.field(field)?;
        }
        let mut json = ArrayJson::new("npz-member", &view, h.data_offset as u64);
        json.version = Some(inspect::npz::version_text(h.version));
        json.header_len = Some(h.header_len);
        let title = format!("{shown} member {:?} (deflated)", info.name);
        return print_array(
            out,
            &title,
            json,
            (&view, h.data_offset as u64),
            args,
            style,
        );
    }
    let members: Vec<npz::MemberInfo> = z.members().to_vec();
    let mut rows = Vec::with_capacity(members.len());
    for m in members {
        let header = z.header(&m.name).map_err(ctx)?;
        rows.push((m, header));
    }
    inspect::npz::write_npz_summary(out, &shown, &rows, args.json, style)?;
    Ok(())
}

/// `base`: where the view's buffer starts in the file (0 for a mapped file, whose view
/// covers it all).
fn print_array(
    out: &mut dyn Write,
    title: &str,
    mut info: ArrayJson,
    (view, base): (&dtkit::ArrayView<'_>, u64),
    args: &FileArgs,
    style: Style,
) -> Result<(), CliError> {
    if let Some(target) = &args.plot {
        let (values, shape) = inspect::plot::numbers(view)?;
        if target.is_empty() {
            // COLUMNS and LINES when set, else the terminal's size, else 80 x 24.
            let term =
                terminal_size::terminal_size().map(|(w, h)| (usize::from(w.0), usize::from(h.0)));
            let size = |var: &str, from_term: Option<usize>, default: usize| {
                std::env::var(var)
                    .ok()
                    .and_then(|v| v.parse::<usize>().ok())
                    .or(from_term)
                    .filter(|&v| v >= 10)
                    .unwrap_or(default)
            };
            let (width, height) = (
                size("COLUMNS", term.map(|t| t.0), 80),
                size("LINES", term.map(|t| t.1), 24),
            );
            writeln!(out, "{}", style.bold(title))?;
            match shape.as_slice() {
                [h, w] => inspect::plot::heatmap(
                    out,
                    &values,
                    (*h, *w),
                    width,
                    height.saturating_sub(6),
                    style.is_color(),
                )?,
                _ => inspect::plot::line_chart(
                    out,
                    &values,
                    width,
                    height.saturating_sub(8).clamp(4, 16),
                )?,
            }
        } else {
            let path = std::path::Path::new(target);
            if !path
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("png"))
            {
                return Err(CliError::input(format!(
                    "--plot writes PNG images: give a path ending in .png, not {target:?}"
                )));
            }
            let png = inspect::plot::png(&values, &shape)?;
            dtkit::atomic::write_file(path, |w| Ok(w.write_all(&png)?))?;
            writeln!(
                out,
                "wrote a {} plot of {} values to {target}",
                if shape.len() == 2 { "heatmap" } else { "line" },
                values.len()
            )?;
        }
        return Ok(());
    }
    if let Some(index) = args.bytes {
        let n = view.len();
        if index >= n {
            return Err(CliError::input(if n == 0 {
                format!("--bytes {index}: the array has no records")
            } else {
                format!(
                    "--bytes {index}: the array has {n} records (indices 0 to {})",
                    n - 1
                )
            }));
        }
        // The flat index in C order, as NumPy's `a.flat[index]`.
        let mut idx = vec![0usize; view.ndim()];
        let mut rest = index;
        for (k, &d) in view.shape().iter().enumerate().rev() {
            idx[k] = rest % d;
            rest /= d;
        }
        let record = view.element_bytes(&idx)?;
        let file_offset = base + view.layout().byte_offset(&idx)? as u64;
        if args.json {
            let spans = inspect::bytes::spans(view.dtype(), record);
            let json = inspect::bytes::RecordBytes {
                index,
                file_offset,
                itemsize: record.len(),
                spans,
            };
            serde_json::to_writer_pretty(&mut *out, &json).map_err(io::Error::from)?;
            writeln!(out)?;
        } else {
            writeln!(out, "{}", style.bold(title))?;
            inspect::bytes::write_record_bytes(
                out,
                view.dtype(),
                record,
                index,
                file_offset,
                style,
            )?;
        }
        return Ok(());
    }
    if args.json {
        if let Some(n) = args.head {
            info = info.with_head(view, n);
        }
        serde_json::to_writer_pretty(&mut *out, &info).map_err(io::Error::from)?;
        writeln!(out)?;
    } else {
        inspect::write_array_human(out, title, &info, view, args.head, style)?;
    }
    Ok(())
}

fn main() -> ExitCode {
    use clap::CommandFactory;
    let args: Vec<String> = std::env::args().collect();
    if let Some(r) = inspect::shell::extras(Cli::command(), &args, &mut io::stdout().lock()) {
        return CliError::finish("dtinspect", r);
    }
    let cli = Cli::parse();
    let stdout = io::stdout();
    let style = Style::for_terminal(stdout.is_terminal());
    let mut out = io::BufWriter::new(stdout.lock());
    let result = run(cli, &mut out, style).and_then(|()| out.flush().map_err(CliError::from));
    CliError::finish("dtinspect", result)
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
