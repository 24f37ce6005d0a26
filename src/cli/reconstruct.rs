//! `spectro reconstruct`: throw a recording's phase away and rebuild it from the magnitude
//! alone, to hear (and measure) what phase reconstruction does to it.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::time::Instant;

use clap::Args;
use rustfft::num_complex::Complex32;
use serde::Serialize;

use super::InputArgs;
use crate::io::Recording;
use crate::io::output::{AudioWriter, OutputFormat};
use crate::pipeline::export::WriteBlock;
use crate::pipeline::render::BLOCK_LEN;
use crate::signal::phase::{
    BLOCK_CELLS, BlockSignal, Method, PhaseOptions, PhaseReport, magnitude, plan_blocks, rebuild_block,
    reconstruct,
};
use crate::signal::stft::overlap_add;
use crate::signal::{Convention, Progress, ReadSamples, SampleSource, Stft, StftParams, WindowKind};
use std::ops::Range;

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
    /// Output file: .wav (RF64 past 4 GB) or .flac, or for IQ input a raw .cu8/.cs8/.cs16/.cf32.
    /// Lossy formats (.mp3, .ogg) are never written.
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
///
/// A recording whose STFT fits in [`BLOCK_CELLS`] cells per channel is rebuilt whole; a longer
/// one block by block ([`rebuild_block`]), all channels in step, each block's samples written
/// as soon as no later block can change them: memory stays at a few blocks whatever the
/// length.
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
    let frames = stft.num_frames(rec.len());
    if frames.saturating_mul(stft.bins()) > BLOCK_CELLS {
        return reconstruct_in_blocks(rec, &stft, options, output, &inputs, format, force);
    }
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

/// One channel being rebuilt block by block: the samples rebuilt so far that later blocks
/// still read or that are not written yet.
struct Rebuilt<'a, T: ReadSamples> {
    rec: &'a Recording,
    stft: &'a Stft<T>,
    channel: usize,
    /// First sample of `samples`.
    start: i64,
    /// The rebuilt signal from `start` on (zero past what was committed).
    samples: Vec<T>,
}

impl<T: ReadSamples> BlockSignal<T> for Rebuilt<'_, T> {
    fn read(&mut self, start: i64, out: &mut [T]) {
        out.fill(T::default());
        let lo = start.max(self.start);
        let hi = (start + out.len() as i64).min(self.start + self.samples.len() as i64);
        if lo < hi {
            out[(lo - start) as usize..(hi - start) as usize]
                .copy_from_slice(&self.samples[(lo - self.start) as usize..(hi - self.start) as usize]);
        }
    }

    fn target(&mut self, frames: Range<usize>, _: &[Complex32], magnitude: &mut [f32], region: &mut [f32]) {
        // The wanted magnitude is the recording's own.
        let span = self.stft.frames_span(frames.clone());
        let mut x = vec![T::default(); (span.end - span.start) as usize];
        T::read(self.rec, self.channel, span.start, &mut x);
        let mut spectrum = vec![Complex32::default(); magnitude.len()];
        self.stft.forward(&x, span.start, frames, &mut spectrum);
        for (m, z) in magnitude.iter_mut().zip(&spectrum) {
            *m = z.norm_sqr().sqrt();
        }
        region.fill(1.0);
    }

    fn commit(&mut self, start: i64, delta: &[T]) {
        let end = start + delta.len() as i64;
        let have = self.start + self.samples.len() as i64;
        if end > have {
            self.samples
                .resize(self.samples.len() + (end - have) as usize, T::default());
        }
        overlap_add(&mut self.samples, self.start, delta, start);
    }
}

impl<T: ReadSamples> Rebuilt<'_, T> {
    /// Samples `range` (zero where nothing was committed).
    fn samples(&self, range: Range<i64>) -> Vec<T> {
        let mut out = vec![T::default(); (range.end - range.start).max(0) as usize];
        overlap_add(&mut out, range.start, &self.samples, self.start);
        out
    }

    /// Forgets the samples before `start`.
    fn forget_before(&mut self, start: i64) {
        let cut = (start - self.start).clamp(0, self.samples.len() as i64) as usize;
        self.samples.drain(..cut);
        self.start += cut as i64;
    }
}

/// The squared magnitude error and reference of `frames` of the rebuilt `channel` against the
/// recording's own STFT: the spectral convergence of the output, frame range by frame range.
fn measure_frames<T: ReadSamples>(
    stft: &Stft<T>,
    rebuilt: &Rebuilt<'_, T>,
    frames: Range<usize>,
) -> (f64, f64) {
    let bins = stft.bins();
    let chunk = (BLOCK_CELLS / bins).max(1);
    let (mut err, mut reference) = (0.0f64, 0.0f64);
    let mut first = frames.start;
    while first < frames.end {
        let part = first..(first + chunk).min(frames.end);
        let span = stft.frames_span(part.clone());
        let mut x = vec![T::default(); (span.end - span.start) as usize];
        T::read(rebuilt.rec, rebuilt.channel, span.start, &mut x);
        let y = rebuilt.samples(span.clone());
        let mut sx = vec![Complex32::default(); part.len() * bins];
        let mut sy = vec![Complex32::default(); part.len() * bins];
        stft.forward(&x, span.start, part.clone(), &mut sx);
        stft.forward(&y, span.start, part.clone(), &mut sy);
        for (a, b) in sx.iter().zip(&sy) {
            let (s, g) = (a.norm_sqr().sqrt() as f64, b.norm_sqr().sqrt() as f64);
            err += (s - g) * (s - g);
            reference += s * s;
        }
        first = part.end;
    }
    (err, reference)
}

fn reconstruct_in_blocks<T: WriteBlock>(
    rec: &Recording,
    stft: &Stft<T>,
    options: &PhaseOptions<'_>,
    output: &Path,
    inputs: &[&Path],
    format: OutputFormat,
    force: bool,
) -> anyhow::Result<(Vec<PhaseReport>, Vec<f64>, u64)> {
    let len = rec.len() as i64;
    let total = stft.num_frames(rec.len());
    let blocks = plan_blocks(stft, 0..total, BLOCK_CELLS);
    let channels = rec.channels();
    let mut states: Vec<Rebuilt<'_, T>> = (0..channels)
        .map(|channel| Rebuilt {
            rec,
            stft,
            channel,
            start: 0,
            samples: Vec::new(),
        })
        .collect();
    let mut elapsed = vec![0.0f64; channels];
    let mut sums = vec![(0.0f64, 0.0f64); channels];
    let mut clipped = 0;
    crate::io::atomic::write_atomically(output, inputs, force, |file: &File| -> anyhow::Result<()> {
        let mut writer = AudioWriter::new(file, output, format)?;
        let mut written = 0i64;
        let mut measured = 0usize;
        for (j, block) in blocks.iter().enumerate() {
            for (c, state) in states.iter_mut().enumerate() {
                let started = Instant::now();
                rebuild_block(stft, rec.len(), block, state, options, false, &Progress::new())?;
                elapsed[c] += started.elapsed().as_secs_f64();
            }
            // Later blocks change frames from their first rebuilt one on: the samples
            // before it are final.
            let next = blocks.get(j + 1);
            let (final_end, measure_end) = match next {
                Some(next) => {
                    let end = stft.frame_start(next.rebuilt.start).clamp(0, len);
                    // Frames that lie wholly in the final samples can be measured.
                    let mut m = measured;
                    while m < total && stft.frame_start(m) + stft.fft_len() as i64 <= end {
                        m += 1;
                    }
                    (end, m)
                }
                None => (len, total),
            };
            for (c, state) in states.iter().enumerate() {
                let (e, r) = measure_frames(stft, state, measured..measure_end);
                sums[c].0 += e;
                sums[c].1 += r;
            }
            measured = measure_end;
            let mut out: Vec<Vec<T>> = states.iter().map(|s| s.samples(written..final_end)).collect();
            for start in (0..out[0].len()).step_by(BLOCK_LEN) {
                let end = (start + BLOCK_LEN).min(out[0].len());
                let part: Vec<Vec<T>> = out.iter().map(|o| o[start..end].to_vec()).collect();
                T::write(&mut writer, &part)?;
            }
            out.clear();
            written = final_end;
            // What the next block reads and what is still to be measured stay.
            let keep = next.map_or(len, |n| stft.frames_span(n.held.clone()).start);
            let keep = keep.min(stft.frame_start(measured)).min(written);
            for state in &mut states {
                state.forget_before(keep);
            }
        }
        clipped = writer.finish()?;
        Ok(())
    })?;
    let reports = sums
        .iter()
        .zip(&elapsed)
        .map(|(&(err, reference), &elapsed_s)| PhaseReport {
            method: options.method,
            iterations: if options.method == Method::Pghi {
                0
            } else {
                options.iterations
            },
            spectral_convergence_db: convergence_db(err, reference),
            elapsed_s,
            history_db: Vec::new(),
        })
        .collect();
    Ok((reports, sums.iter().map(|s| s.1).collect(), clipped))
}

/// `20·log10(sqrt(err / reference))`, −∞ for a silent target rebuilt silent.
fn convergence_db(err: f64, reference: f64) -> f64 {
    if reference > 0.0 {
        10.0 * (err / reference).log10()
    } else if err > 0.0 {
        f64::INFINITY
    } else {
        f64::NEG_INFINITY
    }
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
