//! `spectro reconstruct`: throw a recording's phase away and rebuild it from the magnitude
//! alone, to hear (and measure) what phase reconstruction does to it.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::time::Instant;

use clap::Args;
use rustfft::num_complex::Complex32;
use serde::Serialize;

use super::InputArgs;
use crate::edit::render::BLOCK_LEN;
use crate::io::Recording;
use crate::io::export::WriteBlock;
use crate::io::output::{AudioWriter, OutputFormat};
use crate::signal::phase::{Method, PhaseOptions, PhaseReport, magnitude, reconstruct};
use crate::signal::{Convention, Progress, SampleSource, Stft, StftParams, WindowKind};

/// Arguments of `spectro reconstruct`.
#[derive(Args, Debug)]
#[command(after_help = "Examples:\n  \
    spectro reconstruct take.wav -o take-rebuilt.wav\n  \
    spectro reconstruct take.wav -o take-gla.wav --method gla --iters 200 --json\n  \
    spectro reconstruct speech.wav -o speech-pghi.wav --method pghi --fft 1024 --hop 256\n  \
    spectro reconstruct capture.cu8 --sample-rate 2M --method fgla -o rebuilt.cu8\n\n\
    The phase of FILE's STFT is discarded and rebuilt from the magnitude; the spectral\n\
    convergence reached, 20·log10(‖S − |STFT(out)|‖ / ‖S‖) in dB (lower is better), and the time\n\
    taken are printed on stderr, or as one JSON object on stdout with --json. Methods:\n  \
    pghi+fgla  phase gradient heap integration, then fast Griffin-Lim (default, 32 iterations)\n  \
    fgla       fast Griffin-Lim (momentum 0.99) from random phase (100 iterations)\n  \
    gla        Griffin-Lim from random phase (100 iterations)\n  \
    pghi       phase gradient heap integration alone (no iterations)\n\
    The output keeps the input's format; it is written to a temporary file renamed into place.")]
pub struct ReconstructArgs {
    /// The recording.
    pub file: PathBuf,
    /// Output file: .wav, or for IQ input a raw .cu8/.cs8/.cs16/.cf32.
    #[arg(short, long, value_name = "OUT")]
    pub output: PathBuf,
    /// Method: pghi+fgla, fgla, gla or pghi.
    #[arg(long, value_name = "METHOD", default_value_t = Method::PghiFgla)]
    pub method: Method,
    /// Iterations of (fast) Griffin-Lim, 0 to 10000 (default: 32 for pghi+fgla, 100 for fgla
    /// and gla).
    #[arg(long, value_name = "N", value_parser = super::parse_iterations)]
    pub iters: Option<usize>,
    /// FFT (window) length in samples, 16 to 65536.
    #[arg(long, value_name = "N", default_value_t = 2048, value_parser = super::parse_fft)]
    pub fft: usize,
    /// Hop between frames in samples, 1 to the FFT length (default FFT/4).
    #[arg(long, value_name = "N", value_parser = super::parse_hop)]
    pub hop: Option<usize>,
    /// Window: hann, hamming, blackman, sqrt-hann or rectangular (not with PGHI).
    #[arg(long, value_name = "NAME", default_value_t = WindowKind::Hann)]
    pub window: WindowKind,
    /// Seed of the random phases: the same seed gives the same output.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub seed: u64,
    /// Print the report as one JSON object on stdout instead of a line on stderr.
    #[arg(long)]
    pub json: bool,
    /// Replace outputs that already exist (never one of the inputs).
    #[arg(long)]
    pub force: bool,
    /// How to read the recording.
    #[command(flatten)]
    pub input: InputArgs,
}

/// What `spectro reconstruct --json` prints.
#[derive(Clone, Debug, Serialize)]
pub struct ReconstructSummary {
    /// The input.
    pub file: String,
    /// The output written.
    pub output: String,
    /// Method used.
    pub method: Method,
    /// Iterations run after the start.
    pub iterations: usize,
    /// FFT length.
    pub fft: usize,
    /// Hop in samples.
    pub hop: usize,
    /// Window.
    pub window: WindowKind,
    /// Spectral convergence over all channels, in dB (null for a silent input).
    pub spectral_convergence_db: f64,
    /// Per channel: method, iterations, spectral convergence and time.
    pub channels: Vec<PhaseReport>,
    /// Seconds spent reconstructing (all channels).
    pub reconstruct_s: f64,
    /// Seconds for the whole command: reading, reconstructing and writing.
    pub elapsed_s: f64,
    /// Samples clipped to full scale on writing.
    pub clipped: u64,
}

/// Rebuilds every channel of `rec` and writes them to `output`; returns the per-channel
/// reports, their squared target norms (to combine the convergences) and the clipped count.
fn reconstruct_typed<T: WriteBlock>(
    rec: &Recording,
    params: StftParams,
    options: &PhaseOptions<'_>,
    output: &Path,
    force: bool,
) -> anyhow::Result<(Vec<PhaseReport>, Vec<f64>, u64)> {
    let stft = Stft::<T>::new(params, Convention::Scipy)?;
    let format = OutputFormat::for_target(output, rec, None)?;
    let inputs = super::files_read(Some(rec), &[]);
    let inputs = super::as_paths(&inputs);
    // Refuse before the work, not after it.
    crate::io::atomic::Group::new(&inputs, force).check(&[output])?;
    let len = rec.len() as usize;
    let progress = Progress::new();
    let mut signals = Vec::with_capacity(rec.channels());
    let mut reports = Vec::with_capacity(rec.channels());
    let mut norms = Vec::with_capacity(rec.channels());
    for channel in 0..rec.channels() {
        let mut x = vec![T::default(); len];
        T::read(rec, channel, 0, &mut x);
        let target = magnitude(&stft, &x);
        drop(x);
        norms.push(target.iter().map(|&s| s as f64 * s as f64).sum());
        let rebuilt = reconstruct(&stft, &target, len, options, &progress)?;
        signals.push(rebuilt.signal);
        reports.push(rebuilt.report);
    }
    let mut clipped = 0;
    crate::io::atomic::write_atomically(output, &inputs, force, |file: &File| -> anyhow::Result<()> {
        let mut writer = AudioWriter::new(file, output, format)?;
        let mut block: Vec<Vec<T>> = vec![Vec::with_capacity(BLOCK_LEN); signals.len()];
        for start in (0..len).step_by(BLOCK_LEN) {
            let end = (start + BLOCK_LEN).min(len);
            for (b, s) in block.iter_mut().zip(&signals) {
                b.clear();
                b.extend_from_slice(&s[start..end]);
            }
            T::write(&mut writer, &block)?;
        }
        clipped = writer.finish()?;
        Ok(())
    })?;
    Ok((reports, norms, clipped))
}

/// Runs `spectro reconstruct`.
pub fn run(args: &ReconstructArgs) -> anyhow::Result<()> {
    let started = Instant::now();
    let rec = args.input.open(&args.file)?;
    let params = StftParams {
        fft_len: args.fft,
        hop: args.hop.unwrap_or((args.fft / 4).max(1)),
        window: args.window,
    };
    params
        .validate()
        .map_err(|e| anyhow::anyhow!("--fft/--hop/--window: {e}"))?;
    let mut options = PhaseOptions::new(args.method);
    options.iterations = args.iters.unwrap_or(args.method.default_iterations());
    options.seed = args.seed;
    let (reports, norms, clipped) = if rec.is_complex() {
        reconstruct_typed::<Complex32>(&rec, params, &options, &args.output, args.force)?
    } else {
        reconstruct_typed::<f32>(&rec, params, &options, &args.output, args.force)?
    };
    // Squared errors add up over channels: err = ‖S‖²·10^(SC/10) for each.
    let (err, reference) = reports.iter().zip(&norms).fold((0.0, 0.0), |(e, r), (rep, &n)| {
        let ratio = 10f64.powf(rep.spectral_convergence_db / 10.0);
        (e + if n > 0.0 { n * ratio } else { 0.0 }, r + n)
    });
    let spectral_convergence_db = if reference > 0.0 {
        10.0 * (err / reference).log10()
    } else {
        f64::NEG_INFINITY
    };
    let summary = ReconstructSummary {
        file: args.file.display().to_string(),
        output: args.output.display().to_string(),
        method: args.method,
        iterations: reports.first().map_or(0, |r| r.iterations),
        fft: params.fft_len,
        hop: params.hop,
        window: params.window,
        spectral_convergence_db,
        reconstruct_s: reports.iter().map(|r| r.elapsed_s).sum(),
        channels: reports,
        elapsed_s: started.elapsed().as_secs_f64(),
        clipped,
    };
    super::warn_replaced(&rec);
    if clipped > 0 {
        eprintln!("spectro: warning: {clipped} samples exceeded full scale and were clipped");
    }
    if args.json {
        println!("{}", serde_json::to_string(&summary)?);
    } else {
        eprintln!(
            "spectro: wrote {} ({}, {} iterations, spectral convergence {:.2} dB, reconstruction {:.3} s, total {:.3} s)",
            summary.output,
            summary.method,
            summary.iterations,
            summary.spectral_convergence_db,
            summary.reconstruct_s,
            summary.elapsed_s
        );
    }
    Ok(())
}
