//! Shell completions and man pages for the two tools, generated from their clap
//! definitions: `dtinspect --completions bash`, `dtconvert --man > dtconvert.1`.

use std::io::Write;

/// Shells `--completions` knows.
pub const SHELLS: &str = "bash, zsh, fish, elvish, powershell";

/// If `args` (the process arguments, program name first) ask for completions or a man
/// page, write them to `out` and return `Some(Ok)`; `None` when the arguments are a normal
/// invocation.
///
/// # Errors
/// An unknown shell name; write errors.
pub fn extras(
    cmd: clap::Command,
    args: &[String],
    out: &mut dyn Write,
) -> Option<Result<(), super::CliError>> {
    match args.get(1).map(String::as_str) {
        Some("--completions") => {
            let Some(shell) = args.get(2) else {
                return Some(Err(super::CliError::input(format!(
                    "--completions needs a shell: one of {SHELLS}"
                ))));
            };
            let Ok(shell) = shell.parse::<clap_complete::Shell>() else {
                return Some(Err(super::CliError::input(format!(
                    "--completions: unknown shell {shell:?}: expected one of {SHELLS}"
                ))));
            };
            let mut cmd = cmd;
            let name = cmd.get_name().to_owned();
            clap_complete::generate(shell, &mut cmd, name, out);
            Some(Ok(()))
        }
        Some("--man") => Some(
            clap_mangen::Man::new(cmd)
                .render(out)
                .map_err(super::CliError::from),
        ),
        _ => None,
    }
}

/// A progress bar on stderr for `total` bytes (a spinner when unknown): drawn only on a
/// terminal, or when `force`d; hidden when `quiet`.
pub fn progress(
    total: Option<u64>,
    what: &str,
    quiet: bool,
    force: bool,
) -> indicatif::ProgressBar {
    use std::io::IsTerminal;
    if quiet || !(force || std::io::stderr().is_terminal()) {
        return indicatif::ProgressBar::hidden();
    }
    let bar = match total {
        Some(n) => indicatif::ProgressBar::new(n).with_style(
            indicatif::ProgressStyle::with_template(
                "{msg:12} [{bar:30}] {binary_bytes}/{binary_total_bytes} {binary_bytes_per_sec} eta {eta}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
            .progress_chars("=> "),
        ),
        None => indicatif::ProgressBar::new_spinner().with_style(
            indicatif::ProgressStyle::with_template("{msg:12} {spinner} {binary_bytes} {binary_bytes_per_sec}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
        ),
    };
    if std::io::stderr().is_terminal() {
        bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
    } else {
        // Forced onto a pipe or a log: plain lines, a few a second.
        bar.set_draw_target(indicatif::ProgressDrawTarget::term_like_with_hz(
            Box::new(PlainStderr),
            2,
        ));
    }
    bar.set_message(what.to_owned());
    bar
}

/// Progress as plain lines on stderr (no cursor movement), for `--progress` off a terminal.
#[derive(Debug)]
struct PlainStderr;

impl indicatif::TermLike for PlainStderr {
    fn width(&self) -> u16 {
        100
    }
    fn move_cursor_up(&self, _: usize) -> std::io::Result<()> {
        Ok(())
    }
    fn move_cursor_down(&self, _: usize) -> std::io::Result<()> {
        Ok(())
    }
    fn move_cursor_right(&self, _: usize) -> std::io::Result<()> {
        Ok(())
    }
    fn move_cursor_left(&self, _: usize) -> std::io::Result<()> {
        Ok(())
    }
    fn write_line(&self, s: &str) -> std::io::Result<()> {
        writeln!(std::io::stderr(), "{s}")
    }
    fn write_str(&self, s: &str) -> std::io::Result<()> {
        if !s.trim().is_empty() {
            writeln!(std::io::stderr(), "{s}")?;
        }
        Ok(())
    }
    fn clear_line(&self) -> std::io::Result<()> {
        Ok(())
    }
    fn flush(&self) -> std::io::Result<()> {
        std::io::stderr().flush()
    }
}
