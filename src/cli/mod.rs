//! The `spectro` command line: argument definitions and dispatch. Every command that reads
//! audio takes `--iq` and `--sample-rate`; every failure is one line on stderr and exit code 2.

pub mod apply;
pub mod declick;
pub mod dehum;
pub mod demo;
pub mod denoise;
pub mod edits_arg;
pub mod extract;
pub mod features;
pub mod from_image;
pub mod info;
pub mod one_edit;
pub mod play;
pub mod reconstruct;
pub mod render;
pub mod repair;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::bail;
use clap::{Args, Parser, Subcommand};

use crate::edit::EditList;
use crate::io::{OpenOptions, Recording};
use crate::signal::limits::{self, MAX_FFT_LEN, MIN_FFT_LEN};
use crate::signal::{StftParams, WindowKind};

/// Exit code for bad input or usage.
pub const EXIT_BAD_INPUT: u8 = 2;

/// Spectro: see a recording's spectrogram, paint or threshold what you want gone, and
/// resynthesise clean audio or IQ.
#[derive(Parser, Debug)]
#[command(name = "spectro", version, args_conflicts_with_subcommands = true)]
#[command(after_help = "Run `spectro COMMAND --help` for the options of each command.")]
pub struct Cli {
    /// A command; without one, Spectro opens the editor.
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Recording to open in the editor (the bundled demo when omitted), or a session
    /// (.spectro) to reopen where it was left.
    pub file: Option<PathBuf>,
    /// How to read FILE.
    #[command(flatten)]
    pub input: InputArgs,
    /// Open the window, wait until the spectrogram is fully drawn, save a PNG of the window to
    /// this path and exit (exit code 2 if the file cannot be opened).
    #[arg(long, value_name = "OUT.png")]
    pub screenshot: Option<PathBuf>,
    /// Show this picture in the Open image as sound window once the editor is up (with
    /// --screenshot, the window is captured with the dialog open).
    #[arg(long, value_name = "PICTURE.png")]
    pub open_image: Option<PathBuf>,
    /// Edit list to load with FILE.
    #[arg(long, value_name = "EDITS.json")]
    pub edits: Option<PathBuf>,
    /// Which version to show and play first: the original, the edited recording, or what the
    /// edits remove (O switches in the window).
    #[arg(long, value_name = "VERSION", default_value = "edited",
          value_parser = ["original", "edited", "removed"])]
    pub show: String,
    /// Window size in points, WIDTHxHEIGHT.
    #[arg(long, value_name = "WxH", value_parser = parse_size)]
    pub size: Option<[f32; 2]>,
    /// The tool selected at start (hand, select, rectangle, brush, eraser, lasso, paint,
    /// threshold, harmonics, tune), e.g. to take a screenshot of its options.
    #[arg(long, value_name = "TOOL", value_parser = parse_tool)]
    pub tool: Option<crate::ui::tools::Tool>,
    /// Run a scripted session of pans, zooms and a brush stroke in the window, print frame-time
    /// percentiles and the time to the first full view as JSON, and exit.
    #[arg(long)]
    pub bench_ui: bool,
    /// STFT to draw FILE with (also changeable in the window).
    #[command(flatten)]
    pub stft: StftArgs,
    /// Start with the Harmonics tool clicked on a partial: START:END:HZ (seconds, seconds, a
    /// frequency near one partial); the tracked selection is shown pending, as after a drag.
    #[arg(long, value_name = "START:END:HZ", value_parser = parse_harmonics_seed)]
    pub harmonics_seed: Option<[f64; 3]>,
    /// Start with edit N (1 is the first) of the edit list selected, with the Pointer tool: its
    /// handles on the picture and its settings in the side panel.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub select_edit: Option<u64>,
}

/// Parses `--harmonics-seed START:END:HZ`.
pub fn parse_harmonics_seed(s: &str) -> Result<[f64; 3], String> {
    let v: Vec<f64> = s
        .split(':')
        .map(|p| p.trim().parse::<f64>())
        .collect::<Result<_, _>>()
        .map_err(|_| format!("'{s}' is not START:END:HZ (numbers)"))?;
    match v.as_slice() {
        &[a, b, f] if a.is_finite() && b.is_finite() && a < b && f.is_finite() && f > 0.0 => Ok([a, b, f]),
        _ => Err(format!(
            "'{s}' is not START:END:HZ with START < END and HZ above 0"
        )),
    }
}

/// The files a command reads, which none of its outputs may replace: the recording's own files
/// (its samples and, for raw IQ, the SigMF sidecar it reads) and `others` (edit lists,
/// pictures).
pub fn files_read(rec: Option<&Recording>, others: &[Option<&std::path::Path>]) -> Vec<PathBuf> {
    let mut files = rec.map(Recording::files).unwrap_or_default();
    files.extend(others.iter().flatten().map(|p| p.to_path_buf()));
    files
}

/// `files` as the borrowed list the writers take.
pub fn as_paths(files: &[PathBuf]) -> Vec<&std::path::Path> {
    files.iter().map(PathBuf::as_path).collect()
}

/// Parses a tool's name as the toolbar shows it, in any case (`rect` for the rectangle too).
pub fn parse_tool(s: &str) -> Result<crate::ui::tools::Tool, String> {
    use crate::ui::tools::Tool;
    let s = s.trim();
    if s.eq_ignore_ascii_case("rect") {
        return Ok(Tool::Rect);
    }
    Tool::ALL
        .into_iter()
        .find(|t| t.label().eq_ignore_ascii_case(s))
        .ok_or_else(|| {
            let names: Vec<String> = Tool::ALL.iter().map(|t| t.label().to_lowercase()).collect();
            format!("unknown tool '{s}' (expected one of {})", names.join(", "))
        })
}

/// Parses `WIDTHxHEIGHT`.
pub fn parse_size(s: &str) -> Result<[f32; 2], String> {
    let parts: Vec<&str> = s.split(['x', 'X']).collect();
    match parts.as_slice() {
        [w, h] => match (w.trim().parse::<f32>(), h.trim().parse::<f32>()) {
            (Ok(w), Ok(h)) if (320.0..=8192.0).contains(&w) && (240.0..=8192.0).contains(&h) => Ok([w, h]),
            _ => Err(format!("'{s}' is not a window size like 1400x860")),
        },
        _ => Err(format!("'{s}' is not a window size like 1400x860")),
    }
}

/// Checks an edit list a command built itself (`denoise`, `repair`, `declick`) against `rec`
/// with the check every command runs; the error names `file` and says what is wrong.
pub(crate) fn check_built_list(
    list: &crate::edit::EditList,
    rec: &Recording,
    params: crate::signal::StftParams,
    file: &std::path::Path,
) -> Result<(), crate::io::FileError> {
    list.check_against(rec, params).map_err(|e| {
        let message = match e {
            crate::edit::EditError::Entry { message, .. } => message,
            other => other.to_string(),
        };
        crate::io::FileError::new(file, crate::io::FileErrorKind::Content(message))
    })
}

/// Warns on stderr when writing `output` clipped samples.
pub(crate) fn warn_clipped(output: &std::path::Path, clipped: u64) {
    if clipped > 0 {
        eprintln!(
            "spectro: warning: {}: {clipped} samples exceeded full scale and were clipped",
            output.display()
        );
    }
}

/// The headless commands.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Print a recording's format, length and rate.
    Info(info::InfoArgs),
    /// Draw a recording's dB spectrogram to a PNG that can be turned back into sound.
    Render(render::RenderArgs),
    /// Turn a spectrogram picture (PNG) back into sound.
    FromImage(from_image::FromImageArgs),
    /// Apply an edit list to a recording and write the result.
    Apply(apply::ApplyArgs),
    /// Write per-frame features (spectral statistics, bands, MFCCs) and detected bursts of a
    /// recording, with its edits applied, as CSV.
    Features(features::FeaturesArgs),
    /// Remove noise learnt from a stretch of noise alone (or estimated), from one or more files.
    Denoise(denoise::DenoiseArgs),
    /// Fill a time-frequency region from its surroundings (spectral repair).
    Repair(repair::RepairArgs),
    /// Find clicks and crackle and repair each one.
    Declick(declick::DeclickArgs),
    /// Find mains hum, follow its drift and remove its harmonics, keeping what lies under them.
    Dehum(dehum::DehumArgs),
    /// Play a recording (with its edits) to an output device and return when done.
    Play(play::PlayArgs),
    /// Write a time-frequency region as a new file (IQ: tuned to baseband and decimated).
    Extract(extract::ExtractArgs),
    /// Discard a recording's phase and rebuild it from the magnitude (PGHI, Griffin-Lim).
    Reconstruct(reconstruct::ReconstructArgs),
    /// Write the demo recording (tones with harmonics, hum, hiss and a whistle).
    #[command(hide = true)]
    MakeDemo(demo::DemoArgs),
}

/// How to read an input recording.
#[derive(Args, Debug, Clone, Copy, Default)]
pub struct InputArgs {
    /// Read a stereo WAV as complex IQ: I on the left, Q on the right.
    #[arg(long, global = true)]
    pub iq: bool,
    /// Sample rate in Hz (2e6, 2M and 250k work too). Required for raw IQ (.cu8, .cs8, .cs16,
    /// .cf32); overrides a WAV header's rate.
    #[arg(long, value_name = "HZ", value_parser = parse_rate, global = true)]
    pub sample_rate: Option<f64>,
}

impl InputArgs {
    /// Opens `path` with these options.
    pub fn open(&self, path: &std::path::Path) -> Result<Recording, crate::io::FileError> {
        Recording::open(
            path,
            OpenOptions {
                iq: self.iq,
                sample_rate: self.sample_rate,
            },
        )
    }
}

/// STFT geometry options.
#[derive(Args, Debug, Clone, Copy, Default)]
pub struct StftArgs {
    /// FFT (window) length in samples, 16 to 65536, any length (default 2048, or the edit
    /// list's).
    #[arg(long, value_name = "N", value_parser = parse_fft)]
    pub fft: Option<usize>,
    /// Hop between frames in samples, 1 to the FFT length (default FFT/4, or the edit list's).
    #[arg(long, value_name = "N", value_parser = parse_hop)]
    pub hop: Option<usize>,
    /// Window: hann, hamming, blackman, sqrt-hann or rectangular.
    #[arg(long, value_name = "NAME")]
    pub window: Option<WindowKind>,
}

impl StftArgs {
    /// These options laid over `base`, unchecked.
    pub fn resolve(&self, base: Option<StftParams>) -> StftParams {
        let base = base.unwrap_or_default();
        let fft_len = self.fft.unwrap_or(base.fft_len);
        let hop = match (self.hop, self.fft) {
            (Some(h), _) => h,
            (None, Some(f)) if f != base.fft_len => (f / 4).max(1),
            _ => base.hop,
        };
        StftParams {
            fft_len,
            hop,
            window: self.window.unwrap_or(base.window),
        }
    }

    /// True if any of `--fft`, `--hop`, `--window` was given.
    pub fn given(&self) -> bool {
        self.fft.is_some() || self.hop.is_some() || self.window.is_some()
    }

    /// These options laid over the edit list's STFT (`list`, read from `path`), checked: the
    /// lengths and the overlap-add condition. The error names the options when they set the
    /// STFT, the edit list's file otherwise.
    pub fn checked(&self, list: Option<(&EditList, &Path)>) -> anyhow::Result<StftParams> {
        let base = list.and_then(|(l, _)| l.stft).map(|s| s.params());
        let params = self.resolve(base);
        if let Err(e) = params.validate() {
            match list {
                Some((l, path)) if !self.given() && l.stft.is_some() => {
                    bail!("{}: stft: {e}", path.display())
                }
                _ => bail!("--fft/--hop/--window: {e}"),
            }
        }
        Ok(params)
    }
}

/// Checks an edit list read from `path` against the recording `source` and the STFT `params`
/// it will be rendered with ([`EditList::check_against`]: channels, denoise stretches, profiles
/// and windows). Every command that takes `--edits` runs this one check before any work; the
/// error names the file.
pub fn check_edits(
    list: &EditList,
    path: &Path,
    source: &dyn crate::signal::SampleSource,
    params: StftParams,
) -> anyhow::Result<()> {
    list.check_against(source, params)
        .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
}

/// Prints the warning every command gives when a float recording held NaN, infinite or absurd
/// samples (replaced as it was read; see [`Recording::replaced_samples`]).
pub fn warn_replaced(rec: &Recording) {
    let n = rec.replaced_samples();
    if n > 0 {
        eprintln!(
            "spectro: warning: {}: {n} non-finite or out-of-range samples replaced (NaN and infinities by 0, others clamped to ±{})",
            rec.path().display(),
            limits::MAX_SAMPLE_ABS
        );
    }
}

/// Parses `--fft`: 16 to 65536.
pub fn parse_fft(s: &str) -> Result<usize, String> {
    let n: usize = s.trim().parse().map_err(|_| {
        format!("'{s}' is not an FFT length (a whole number from {MIN_FFT_LEN} to {MAX_FFT_LEN})")
    })?;
    limits::check_fft_len(n)?;
    Ok(n)
}

/// Parses `--hop`: 1 to 65536 (and at most the FFT length, checked once both are known).
pub fn parse_hop(s: &str) -> Result<usize, String> {
    match s.trim().parse::<usize>() {
        Ok(n) if (1..=MAX_FFT_LEN).contains(&n) => Ok(n),
        _ => Err(format!(
            "'{s}' is not a hop (a whole number of samples from 1 to the FFT length, at most {MAX_FFT_LEN})"
        )),
    }
}

/// Parses a number with an optional engineering suffix (`k`, `M`, `G`).
fn parse_scaled(s: &str) -> Option<f64> {
    let t = s.trim();
    let (num, mult) = match t.chars().last() {
        Some('k' | 'K') => (&t[..t.len() - 1], 1e3),
        Some('M') => (&t[..t.len() - 1], 1e6),
        Some('G') => (&t[..t.len() - 1], 1e9),
        _ => (t, 1.0),
    };
    num.parse::<f64>().ok().map(|v| v * mult)
}

/// Parses a centre frequency such as `1090M` or `433.92e6`: 0 to 10¹² Hz.
pub fn parse_center_freq(s: &str) -> Result<f64, String> {
    let hz =
        parse_scaled(s).ok_or_else(|| format!("'{s}' is not a frequency in Hz (try 433.92M or 1.09e9)"))?;
    if !(hz.is_finite() && (0.0..=limits::MAX_FREQ_HZ).contains(&hz)) {
        return Err(format!(
            "'{s}' is not a centre frequency from 0 to {:e} Hz",
            limits::MAX_FREQ_HZ
        ));
    }
    Ok(hz)
}

/// Parses a signed frequency in Hz within ±10¹² Hz.
pub fn parse_freq(s: &str) -> Result<f64, String> {
    let hz = parse_scaled(s).ok_or_else(|| format!("'{s}' is not a frequency in Hz"))?;
    limits::check_freq(hz)
}

/// Parses a bandwidth in Hz above 0 and at most 10¹² Hz.
pub fn parse_bandwidth(s: &str) -> Result<f64, String> {
    let hz = parse_scaled(s).ok_or_else(|| format!("'{s}' is not a bandwidth in Hz"))?;
    limits::check_bandwidth(hz, true)
}

/// Parses a frequency width in Hz from 0 to 10¹² Hz.
pub fn parse_width_hz(s: &str) -> Result<f64, String> {
    let hz = parse_scaled(s).ok_or_else(|| format!("'{s}' is not a number of Hz"))?;
    limits::check_bandwidth(hz, false)
}

/// Parses a time in seconds within ±10⁹ s.
pub fn parse_time(s: &str) -> Result<f64, String> {
    let t: f64 = s
        .trim()
        .parse()
        .map_err(|_| format!("'{s}' is not a time in seconds"))?;
    limits::check_time(t)
}

/// Parses a duration in seconds from 0 to 10⁹ s.
pub fn parse_duration(s: &str) -> Result<f64, String> {
    let t: f64 = s
        .trim()
        .parse()
        .map_err(|_| format!("'{s}' is not a number of seconds"))?;
    limits::check_duration(t, false)
}

/// Parses a duration in seconds above 0 and at most 10⁹ s.
pub fn parse_positive_duration(s: &str) -> Result<f64, String> {
    let t: f64 = s
        .trim()
        .parse()
        .map_err(|_| format!("'{s}' is not a number of seconds"))?;
    limits::check_duration(t, true)
}

/// Parses a level in dB within ±1000 dB.
pub fn parse_level_db(s: &str) -> Result<f32, String> {
    let v: f64 = s
        .trim()
        .parse()
        .map_err(|_| format!("'{s}' is not a number of dB"))?;
    limits::check_level_db(v).map(|v| v as f32)
}

/// Parses a dynamic range in dB: above 0 and at most 1000 dB.
pub fn parse_range_db(s: &str) -> Result<f32, String> {
    match s.trim().parse::<f64>() {
        Ok(v) if v > 0.0 && v <= 1000.0 => Ok(v as f32),
        _ => Err(format!("'{s}' is not a range above 0 and at most 1000 dB")),
    }
}

/// Parses an iteration count: 0 to 10 000.
pub fn parse_iterations(s: &str) -> Result<usize, String> {
    let n: usize = s
        .trim()
        .parse()
        .map_err(|_| format!("'{s}' is not a whole number of iterations"))?;
    limits::check_iterations(n)
}

/// Parses a sample rate such as `48000`, `2e6`, `2M`, `2.4M` or `250k`: 1 Hz to 2³¹ − 1 Hz,
/// what a WAV header holds.
pub fn parse_rate(s: &str) -> Result<f64, String> {
    let hz = parse_scaled(s).ok_or_else(|| format!("'{s}' is not a rate in Hz (try 48000, 2e6 or 2M)"))?;
    limits::check_sample_rate(hz)
}

/// Parses the command line; on a usage error prints one line `spectro: error: ...` and returns
/// exit code 2 (`--help` and `--version` print as clap prints them and return 0).
pub fn parse_args() -> Result<Cli, ExitCode> {
    parse_from(std::env::args_os())
}

/// [`parse_args`] over given arguments (the first is the program name).
pub fn parse_from<I, T>(args: I) -> Result<Cli, ExitCode>
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    match Cli::try_parse_from(args) {
        Ok(cli) => Ok(cli),
        Err(e) => {
            use clap::error::ErrorKind;
            if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) {
                let _ = e.print();
                return Err(ExitCode::SUCCESS);
            }
            eprintln!("spectro: error: {}", usage_error_line(&e));
            Err(ExitCode::from(EXIT_BAD_INPUT))
        }
    }
}

/// A clap error as one line: its message and tips, without the usage block.
pub fn usage_error_line(e: &clap::Error) -> String {
    let text = e.render().to_string();
    let mut parts: Vec<String> = Vec::new();
    let mut current = String::new();
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with("Usage:") || line.starts_with("For more information") {
            break;
        }
        if line.is_empty() {
            if !current.is_empty() {
                parts.push(std::mem::take(&mut current));
            }
            continue;
        }
        if !current.is_empty() {
            current.push(' ');
        }
        current.push_str(line);
    }
    if !current.is_empty() {
        parts.push(current);
    }
    let joined = parts.join("; ");
    let joined = joined.strip_prefix("error: ").unwrap_or(&joined).to_owned();
    format!("{joined} (see --help)")
}

/// Exit code after Ctrl-C, SIGTERM or SIGHUP (128 + SIGINT, as shells report an interrupt).
pub const EXIT_INTERRUPTED: i32 = 130;

/// On Ctrl-C, SIGTERM or SIGHUP, removes the temporary files being written before exiting, so
/// an interrupted command leaves its outputs exactly as they were.
fn remove_temporaries_when_interrupted() {
    // The handler runs on its own thread (ctrlc's), where taking a lock and unlinking is safe.
    let installed = ctrlc::set_handler(|| {
        crate::io::atomic::remove_temporaries();
        std::process::exit(EXIT_INTERRUPTED);
    });
    if let Err(e) = installed {
        eprintln!("spectro: warning: cannot clean up after an interrupt: {e}");
    }
}

/// Runs the command line and returns the process exit code.
pub fn run(cli: Cli) -> ExitCode {
    let started = std::time::Instant::now();
    remove_temporaries_when_interrupted();
    let result = match cli.command {
        Some(Command::Info(args)) => info::run(&args),
        Some(Command::Render(args)) => render::run(&args),
        Some(Command::FromImage(args)) => from_image::run(&args),
        Some(Command::Apply(args)) => apply::run(&args),
        Some(Command::Features(args)) => features::run(&args),
        Some(Command::Denoise(args)) => denoise::run(&args),
        Some(Command::Repair(args)) => repair::run(&args),
        Some(Command::Declick(args)) => declick::run(&args),
        Some(Command::Dehum(args)) => dehum::run(&args),
        Some(Command::Play(args)) => play::run(&args),
        Some(Command::Extract(args)) => extract::run(&args),
        Some(Command::Reconstruct(args)) => reconstruct::run(&args),
        Some(Command::MakeDemo(args)) => demo::run(&args),
        None => launch_window(cli, started),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("spectro: error: {e:#}");
            ExitCode::from(EXIT_BAD_INPUT)
        }
    }
}

/// Checks the window's launch options the way the commands check theirs, then opens it.
fn launch_window(cli: Cli, started: std::time::Instant) -> anyhow::Result<()> {
    let stft = if cli.stft.given() {
        Some(cli.stft.checked(None)?)
    } else {
        None
    };
    crate::ui::run(crate::ui::LaunchOptions {
        file: cli.file,
        edits: cli.edits,
        open: OpenOptions {
            iq: cli.input.iq,
            sample_rate: cli.input.sample_rate,
        },
        screenshot: cli.screenshot,
        size: cli.size.unwrap_or([1400.0, 860.0]),
        bench_ui: cli.bench_ui,
        started,
        native_dialogs: true,
        open_image: cli.open_image,
        stft,
        show: crate::ui::view::Version::ALL
            .into_iter()
            .find(|v| v.name() == cli.show)
            .unwrap_or_default(),
        tool: cli.tool,
        autosave_dir: crate::ui::autosave::default_dir(),
        harmonics_seed: cli.harmonics_seed,
        select_edit: cli.select_edit.map(|n| (n - 1) as usize),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn rates_accept_engineering_suffixes() {
        assert_eq!(parse_rate("2M"), Ok(2e6));
        assert_eq!(parse_rate("250k"), Ok(250e3));
        assert_eq!(parse_rate("2.4e6"), Ok(2.4e6));
        assert!(parse_rate("0").is_err());
        assert!(parse_rate("fast").is_err());
    }
}
