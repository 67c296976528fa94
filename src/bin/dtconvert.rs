//! `dtconvert`: move records between raw dumps, text, `.npy` and `.npz`.
//!
//! This version converts raw dumps to raw dumps: select records (`--offset`, `--count`),
//! change their byte order (`--byteorder`), streamed in bounded memory and written
//! atomically (a temporary file beside OUTPUT, renamed when complete).
//! Exit codes (shared/CLI.md): 0 success, 2 bad arguments or bad input, 1 other failures.

use std::fs::File;
use std::io::{self, BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, ValueEnum};
use dtkit::inspect::{self, CliError};
use dtkit::raw::RawOptions;
use dtkit::storage::{MapMode, Mapping};
use dtkit::{npy, ByteOrder, ByteOrderPlan, Order};

const EXAMPLES: &str = "\
Examples:
  Make a big-endian sensor dump native, skipping its 64-byte header:
    dtconvert dump.be dump.bin --dtype '[(\"t\",\">u8\"),(\"v\",\">f4\",(3,))]' --offset 64 --byteorder native
  A raw dump to .npy, as NumPy's np.save(np.fromfile(...)) would write it:
    dtconvert fixtures/raw/medkit_radar.bin radar.npy --dtype @formats/medkit_radar.dtype
  Keep the first 1000 records:
    dtconvert dump.bin head.bin --dtype @formats/kitti_velodyne.dtype --count 1000";

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
    /// Raw input: bytes before the first record (a header)
    #[arg(long, value_name = "BYTES", default_value_t = 0)]
    offset: u64,
    /// Raw input: records to convert (default: every whole record)
    #[arg(long, value_name = "N")]
    count: Option<u64>,
    /// Raw input: ignore a partial record at the end instead of failing
    #[arg(long)]
    allow_trailing: bool,
    /// Input kind, instead of guessing from magic bytes and extension
    #[arg(long, value_enum)]
    from: Option<Kind>,
    /// Output kind, instead of guessing from the extension
    #[arg(long, value_enum)]
    to: Option<Kind>,
    /// Output byte order
    #[arg(long, value_enum, default_value = "keep")]
    byteorder: OrderChoice,
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

#[derive(Clone, Copy, Debug, ValueEnum)]
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
    Ok(match extension(path).as_str() {
        "txt" | "csv" | "tsv" => Kind::Text,
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
    if !matches!(from, Kind::Raw | Kind::Npy) || !matches!(to, Kind::Raw | Kind::Npy) {
        return Err(CliError::input(
            format!(
                "converting {from:?} to {to:?} is not available in this version: dtconvert \
                 converts between raw dumps and .npy files (use --from / --to to force a kind)"
            )
            .to_lowercase(),
        ));
    }
    if from == Kind::Npy {
        return convert_npy(cli, to);
    }
    let Some(spec) = &cli.dtype else {
        return Err(CliError::input("a raw input needs --dtype SPEC"));
    };
    let dt = inspect::parse_cli_spec(spec, cli.align)?;
    let options = RawOptions {
        dtype: dt.clone(),
        offset: cli.offset,
        count: cli.count,
        shape: None,
        order: Order::C,
        allow_trailing: cli.allow_trailing,
    };
    let len = std::fs::metadata(&cli.input)
        .map_err(|e| CliError::io("cannot stat", &cli.input, e))?
        .len();
    let shown = cli.input.display().to_string();
    let nbytes = options
        .nbytes(len)
        .map_err(|e| CliError::from(e).context(&shown))?;
    let plan = ByteOrderPlan::new(&dt, target_order(cli.byteorder))?;
    let file = File::open(&cli.input).map_err(|e| CliError::io("cannot open", &cli.input, e))?;
    let mut input = BufReader::new(file);
    input
        .seek(SeekFrom::Start(cli.offset))
        .map_err(|e| CliError::io("cannot seek in", &cli.input, e))?;
    // Stream whole records, about 4 MiB at a time: memory stays bounded for any input.
    let itemsize = dt.itemsize().max(1);
    let records = nbytes / itemsize as u64;
    let per_chunk = ((4 << 20) / itemsize).max(1);
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
    dtkit::atomic::write_file(&cli.output, |out| {
        if let Some(h) = &header {
            out.write_all(h)?;
        }
        for chunk in dtkit::raw::chunks(&mut input, dt.clone(), records, per_chunk) {
            let (mut buf, _) = chunk?.into_parts();
            plan.apply(buf.as_bytes_mut())?;
            out.write_all(buf.as_bytes())?;
        }
        Ok(())
    })
    .map_err(|e| CliError::from(e).context(&shown))?;
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

fn target_order(choice: OrderChoice) -> ByteOrder {
    match choice {
        OrderChoice::Keep => ByteOrder::NotApplicable,
        OrderChoice::Native => ByteOrder::NATIVE,
        OrderChoice::Little => ByteOrder::Little,
        OrderChoice::Big => ByteOrder::Big,
    }
}

/// `.npy` input: mapped, converted if asked, written as raw bytes (C order) or as `.npy`
/// (which reproduces a NumPy-written file byte for byte when nothing changes).
fn convert_npy(cli: &Cli, to: Kind) -> Result<(), CliError> {
    let shown = cli.input.display().to_string();
    // SAFETY: read-only map; dtconvert neither truncates nor writes its input.
    #[allow(unsafe_code)]
    let map = unsafe { Mapping::open(&cli.input, MapMode::ReadOnly, 0) }
        .map_err(|e| CliError::from(e).context(&shown))?;
    let file = npy::MappedNpy::new(map, &npy::ReadOptions::default())
        .map_err(|e| CliError::from(e).context(&shown))?;
    let view = file.view();
    let plan = ByteOrderPlan::new(view.dtype(), target_order(cli.byteorder))?;
    let converted = if plan.is_noop() {
        None
    } else {
        Some(view.to_byte_order(target_order(cli.byteorder))?)
    };
    let out_view = converted
        .as_ref()
        .map_or_else(|| view.clone(), |a| a.view());
    dtkit::atomic::write_file(&cli.output, |out| match to {
        Kind::Npy => npy::write(&out_view, out),
        _ => out_view.write_to(out),
    })
    .map_err(|e| CliError::from(e).context(&shown))?;
    if !cli.quiet {
        eprintln!(
            "dtconvert: wrote {} elements of {} to {}",
            out_view.len(),
            out_view.dtype(),
            cli.output.display()
        );
    }
    Ok(())
}

fn main() -> ExitCode {
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
