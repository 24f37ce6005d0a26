//! `spectro from-image`: turn a spectrogram picture (PNG) back into sound.

use std::fs::File;
use std::path::{Path, PathBuf};

use anyhow::bail;
use clap::Args;
use rustfft::num_complex::Complex32;
use serde::Serialize;

use super::render::parse_freq_range;
use crate::image::{
    DEFAULT_IMPORT_ITERATIONS, ImportOptions, ImportPlan, ImportedSound, import_picture, plan_import,
};
use crate::io::output::{AudioWriter, OutputFormat};
use crate::io::picture::{PictureColors, PixelRect, read_png};
use crate::io::{Container, Encoding, OpenOptions, Recording};
use crate::pipeline::export::WriteBlock;
use crate::pipeline::render::BLOCK_LEN;
use crate::signal::phase::{Method, PhaseOptions};
use crate::signal::{Colormap, FreqScale, Progress, ReadSamples, SampleSource, limits};

/// Arguments of `spectro from-image`.
#[derive(Args, Debug)]
#[command(after_help = "Examples:\n  \
    spectro render take.wav -o take.png --cells && spectro from-image take.png -o back.wav\n  \
    spectro from-image painted.png -o painted.wav --original take.wav\n  \
    spectro from-image specshow.png -o out.wav --sample-rate 22050 --hop 512 --duration 5 \\\n      \
    --scale librosa-log --colormap magma --range-db 80\n  \
    spectro from-image figure.png -o out.wav --sample-rate 16000 --duration 3 --crop 80,40,720,440\n\n\
    A picture written by `spectro render` or the window's Export image carries its settings:\n\
    no other option is needed (the options that describe the picture are refused unless\n\
    --ignore-metadata is given). Any other picture needs at least its sample rate and its\n\
    length (--duration) or frame spacing (--hop, one column per frame).\n\n\
    How the picture is read: each pixel's colour becomes the level of the nearest entry of the\n\
    colour map (auto: the map that fits the picture best), from the floor (darkest) to the\n\
    ceiling (brightest) of the dB range; rows map to frequencies through the scale, columns\n\
    to time; the levels are resampled onto the STFT grid and the phase is rebuilt (PGHI +\n\
    fast Griffin-Lim by default).\n\n\
    Frequency scales, for a position y from the bottom of the plot:\n  \
    linear       equal spacing in Hz\n  \
    log          equal spacing in log2(f) (octaves equally tall); needs --freq-range\n  \
    mel          equal spacing in HTK mel, m = 2595·log10(1 + f/700)\n  \
    librosa-log  librosa specshow's y_axis='log', matplotlib's symlog with base 2, linear\n               \
    threshold 65.406 Hz (C2) and linscale 0.5: y = f below 65.406 Hz and\n               \
    y = 65.406·(1 + log2(f/65.406)) above; default range the bin edges from\n               \
    −Δf/2 to fs/2 + Δf/2 (Δf = fs/FFT), as specshow draws them\n\n\
    Time: with --hop the picture's frames are centred on multiples of the hop and drawn from\n\
    half a hop before the first to half a hop after the last (as specshow and Spectro draw\n\
    them); with --duration alone the plot spans exactly that long.\n\n\
    Without a known ceiling (--ceiling-db) levels are relative and the sound is normalised\n\
    to a peak of −1 dBFS. Colours are read the way matplotlib assigns them (a colour stands\n\
    for the middle of its step).\n\n\
    --original FILE: the recording the picture was exported from. Its own picture is drawn\n\
    again and compared pixel by pixel; only cells whose pixels changed (by more than one and a\n\
    half colour steps) get the picture's level and a rebuilt phase. Every other sample of\n\
    every channel is written exactly as in FILE, in FILE's format.\n\n\
    The output is written to a temporary file renamed into place; a 32-bit float WAV (IQ: a\n\
    stereo WAV, or raw .cu8/.cs8/.cs16/.cf32 by the extension) unless --original is given.")]
pub struct FromImageArgs {
    /// The picture (PNG).
    pub file: PathBuf,
    /// Output sound: .wav, or for IQ pictures a raw .cu8/.cs8/.cs16/.cf32.
    #[arg(short, long, value_name = "OUT")]
    pub output: PathBuf,
    /// Sample rate of the sound in Hz (2e6, 2M and 250k work too).
    #[arg(long, value_name = "HZ", value_parser = super::parse_rate)]
    pub sample_rate: Option<f64>,
    /// Length of the sound, seconds (above 0, at most 1e9).
    #[arg(long, value_name = "S", value_parser = super::parse_positive_duration)]
    pub duration: Option<f64>,
    /// Samples between the picture's frames, 1 to the FFT length: one column per frame unless
    /// --duration is given too. Also the hop of the reconstruction.
    #[arg(long, value_name = "N", value_parser = super::parse_hop)]
    pub hop: Option<usize>,
    /// FFT length of the picture and of the reconstruction, 16 to 65536 (default 4 × hop, or
    /// 2048).
    #[arg(long, value_name = "N", value_parser = super::parse_fft)]
    pub fft: Option<usize>,
    /// Frequency axis of the picture: linear, log, mel or librosa-log (default linear).
    #[arg(long, value_name = "SCALE")]
    pub scale: Option<FreqScale>,
    /// Frequencies at the bottom and top edges of the plot, LO:HI in Hz.
    #[arg(long, value_name = "LO:HI", allow_hyphen_values = true)]
    pub freq_range: Option<String>,
    /// Colour map: auto, inferno, magma, viridis, plasma or gray (default auto).
    #[arg(long, value_name = "NAME")]
    pub colormap: Option<String>,
    /// Dynamic range from the darkest to the brightest colour, dB (above 0, at most 1000;
    /// default 80).
    #[arg(long, value_name = "DB", value_parser = super::parse_range_db)]
    pub range_db: Option<f32>,
    /// Level of the brightest colour, dBFS within ±1000 (default: relative levels, normalised
    /// output).
    #[arg(long, value_name = "DB", allow_negative_numbers = true, value_parser = super::parse_level_db)]
    pub ceiling_db: Option<f32>,
    /// The plot inside the picture, LEFT,TOP,RIGHT,BOTTOM in pixels (right and bottom
    /// exclusive): cuts away axes, labels and a colour bar.
    #[arg(long, value_name = "L,T,R,B")]
    pub crop: Option<PixelRect>,
    /// The picture shows a two-sided (IQ) spectrum, −fs/2 at the bottom.
    #[arg(long)]
    pub iq: bool,
    /// Ignore Spectro metadata in the picture (for a picture resized or cropped since).
    #[arg(long)]
    pub ignore_metadata: bool,
    /// The recording the picture was exported from: unchanged regions keep it sample for
    /// sample, only the changed cells are re-phased.
    #[arg(long, value_name = "FILE")]
    pub original: Option<PathBuf>,
    /// Phase reconstruction: pghi+fgla, fgla, gla or pghi.
    #[arg(long, value_name = "METHOD", default_value_t = Method::PghiFgla)]
    pub method: Method,
    /// Iterations of (fast) Griffin-Lim, 0 to 10000 (default 100; none for pghi).
    #[arg(long, value_name = "N", value_parser = super::parse_iterations)]
    pub iters: Option<usize>,
    /// Print what was done as one JSON object on stdout.
    #[arg(long)]
    pub json: bool,
    /// Replace outputs that already exist (never one of the inputs).
    #[arg(long)]
    pub force: bool,
}

/// What `spectro from-image --json` prints.
#[derive(Clone, Debug, Serialize)]
pub struct FromImageSummary {
    /// The picture.
    pub file: String,
    /// The sound written.
    pub output: String,
    /// True if the settings came from Spectro's metadata.
    pub metadata: bool,
    /// Colour coding used (a colour map name or "gray16").
    pub colors: String,
    /// RMS RGB distance of the plot's colours from the colour map.
    pub color_rms: f64,
    /// Samples per second.
    pub sample_rate: f64,
    /// Samples per channel written.
    pub samples: usize,
    /// STFT frames and bins rebuilt.
    pub frames: usize,
    /// Bins per frame.
    pub bins: usize,
    /// FFT length.
    pub fft: usize,
    /// Hop.
    pub hop: usize,
    /// Cells re-phased (with --original).
    pub changed_cells: Option<usize>,
    /// Spectral convergence reached by the phase reconstruction, dB, per channel rebuilt.
    pub spectral_convergence_db: Vec<f64>,
    /// Normalisation gain, dB.
    pub gain_db: f64,
    /// Seconds taken by the import.
    pub elapsed_s: f64,
    /// Samples clipped on writing.
    pub clipped: u64,
}

impl FromImageArgs {
    fn options(&self) -> anyhow::Result<ImportOptions> {
        let colormap = match self.colormap.as_deref() {
            None => None,
            Some(s) if s.eq_ignore_ascii_case("auto") => None,
            Some(s) => Some(
                s.parse::<Colormap>()
                    .map_err(|e| anyhow::anyhow!("{}", e.replace("(expected ", "(expected auto, ")))?,
            ),
        };
        let freq_hz = self
            .freq_range
            .as_deref()
            .map(parse_freq_range)
            .transpose()?
            .map(|(lo, hi)| [lo, hi]);
        Ok(ImportOptions {
            sample_rate: self.sample_rate,
            duration_s: self.duration,
            hop: self.hop,
            fft: self.fft,
            scale: self.scale,
            freq_hz,
            colormap,
            range_db: self.range_db,
            ceiling_db: self.ceiling_db,
            crop: self.crop,
            iq: self.iq,
            ignore_meta: self.ignore_metadata,
        })
    }
}

/// Runs `spectro from-image`.
pub fn run(args: &FromImageArgs) -> anyhow::Result<()> {
    let picture = read_png(&args.file)?;
    let options = args.options()?;
    // The picture's metadata or its fit with the options: the error names the picture.
    let plan =
        plan_import(&picture, &options).map_err(|e| anyhow::anyhow!("{}: {e}", args.file.display()))?;
    if plan.colors_guessed && plan.color_rms > 12.0 {
        eprintln!(
            "spectro: warning: the picture's colours fit no colour map well (closest {}, RMS distance {:.1}); \
             choose one with --colormap, or --crop away what is not the plot",
            colors_name(&plan),
            plan.color_rms
        );
    }
    let original = args
        .original
        .as_deref()
        .map(|p| {
            // The picture says whether the original is IQ; a raw capture takes its rate.
            let raw = p
                .extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| Encoding::from_raw_extension(&e.to_ascii_lowercase()).is_some());
            Recording::open(
                p,
                OpenOptions {
                    iq: plan.iq,
                    sample_rate: raw.then_some(plan.sample_rate),
                },
            )
        })
        .transpose()?;
    let mut phase = PhaseOptions::new(args.method);
    phase.iterations = args.iters.unwrap_or(match args.method {
        Method::Pghi => 0,
        _ => DEFAULT_IMPORT_ITERATIONS,
    });
    let progress = Progress::new();
    let source = original.as_ref().map(|r| r as &dyn SampleSource);
    let inputs = super::files_read(original.as_ref(), &[Some(&args.file), args.original.as_deref()]);
    let inputs = super::as_paths(&inputs);
    // Refuse before the work, not after it.
    crate::io::atomic::Group::new(&inputs, args.force).check(&[&args.output])?;
    let (report, samples, clipped) = if plan.iq {
        let sound = import_picture::<Complex32>(&picture, &plan, source, &phase, &progress)?;
        write_sound(args, &plan, original.as_ref(), &inputs, &sound)?
    } else {
        let sound = import_picture::<f32>(&picture, &plan, source, &phase, &progress)?;
        write_sound(args, &plan, original.as_ref(), &inputs, &sound)?
    };
    let summary = FromImageSummary {
        file: args.file.display().to_string(),
        output: args.output.display().to_string(),
        metadata: plan.meta.is_some(),
        colors: colors_name(&plan),
        color_rms: plan.color_rms,
        sample_rate: plan.sample_rate,
        samples,
        frames: report.frames,
        bins: report.bins,
        fft: plan.stft.fft_len,
        hop: plan.stft.hop,
        changed_cells: report.changed_cells,
        spectral_convergence_db: report.phase.iter().map(|p| p.spectral_convergence_db).collect(),
        gain_db: report.gain_db,
        elapsed_s: report.elapsed_s,
        clipped,
    };
    if let Some(rec) = &original {
        super::warn_replaced(rec);
    }
    if clipped > 0 {
        eprintln!("spectro: warning: {clipped} samples exceeded full scale and were clipped");
    }
    if args.json {
        println!("{}", serde_json::to_string(&summary)?);
    } else {
        let what = match summary.changed_cells {
            Some(n) => format!("{n} changed cells re-phased, the rest kept from the original"),
            None => format!(
                "{} frames × {} bins, spectral convergence {:.1} dB",
                summary.frames,
                summary.bins,
                summary
                    .spectral_convergence_db
                    .first()
                    .copied()
                    .unwrap_or(f64::NAN)
            ),
        };
        eprintln!(
            "spectro: wrote {} ({:.3} s at {} Hz from {} colours{}; {what}; {:.2} s)",
            summary.output,
            samples as f64 / plan.sample_rate,
            plan.sample_rate,
            summary.colors,
            if summary.metadata {
                " with Spectro metadata"
            } else {
                ""
            },
            summary.elapsed_s
        );
    }
    Ok(())
}

fn colors_name(plan: &ImportPlan) -> String {
    match plan.colors {
        PictureColors::Palette(m) => m.name().to_owned(),
        PictureColors::Gray16 => "gray16".to_owned(),
    }
}

/// The format to write: the original's, or 32-bit float WAV (raw IQ by extension).
fn output_format(
    path: &Path,
    plan: &ImportPlan,
    original: Option<&Recording>,
) -> anyhow::Result<OutputFormat> {
    if let Some(rec) = original {
        return Ok(OutputFormat::for_target(path, rec, None)?);
    }
    limits::check_sample_rate(plan.sample_rate).map_err(|e| anyhow::anyhow!("the sound's {e}"))?;
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    if let Some(raw) = Encoding::from_raw_extension(&ext) {
        if !plan.iq {
            bail!(
                "{}: a real sound cannot be written as raw IQ (.{ext}); write a .wav",
                path.display()
            );
        }
        return Ok(OutputFormat::new(Container::Raw, raw, 2, plan.sample_rate));
    }
    Ok(OutputFormat::new(
        Container::Wav,
        Encoding::Float32,
        if plan.iq { 2 } else { 1 },
        plan.sample_rate,
    ))
}

fn write_sound<T: ReadSamples + WriteBlock>(
    args: &FromImageArgs,
    plan: &ImportPlan,
    original: Option<&Recording>,
    inputs: &[&Path],
    sound: &ImportedSound<T>,
) -> anyhow::Result<(crate::image::ImportReport, usize, u64)> {
    let format = output_format(&args.output, plan, original)?;
    format.check(&args.output)?;
    let len = sound.channels.first().map_or(0, Vec::len);
    let mut clipped = 0;
    crate::io::atomic::write_atomically(
        &args.output,
        inputs,
        args.force,
        |file: &File| -> anyhow::Result<()> {
            let mut writer = AudioWriter::new(file, &args.output, format)?;
            let mut block: Vec<Vec<T>> = vec![Vec::with_capacity(BLOCK_LEN); sound.channels.len()];
            for start in (0..len).step_by(BLOCK_LEN) {
                let end = (start + BLOCK_LEN).min(len);
                for (b, s) in block.iter_mut().zip(&sound.channels) {
                    b.clear();
                    b.extend_from_slice(&s[start..end]);
                }
                T::write(&mut writer, &block)?;
            }
            clipped = writer.finish()?;
            Ok(())
        },
    )?;
    Ok((sound.report.clone(), len, clipped))
}
