//! `spectro render`: the dB spectrogram as a PNG.

use std::path::PathBuf;

use anyhow::bail;
use clap::Args;
use rustfft::num_complex::Complex32;
use serde_json::json;

use super::{InputArgs, StftArgs};
use crate::edit::mask::MaskRaster;
use crate::edit::picture::{LevelPicture, PictureRequest, level_picture};
use crate::edit::render::grid_for;
use crate::io::picture::{PixelFormat, write_png};
use crate::io::{Recording, load_edit_list};
use crate::signal::raster::colorize_rgb;
use crate::signal::{Colormap, Convention, FreqScale, Progress, ReadSamples, SampleSource, Stft, StftParams};

/// Arguments of `spectro render`.
#[derive(Args, Debug)]
#[command(after_help = "Examples:\n  \
    spectro render take1.wav -o take1.png\n  \
    spectro render take1.wav -o take1-log.png --scale log --range-db 100 --colormap magma\n  \
    spectro render capture.cu8 --sample-rate 2M -o capture.png --fft 256\n\n\
    Scales: linear; log (equal height per octave, from 20 Hz or one bin up); mel (HTK,\n\
    m = 2595·log10(1 + f/700)). IQ recordings are drawn two-sided, −fs/2 at the bottom.")]
pub struct RenderArgs {
    /// The recording.
    pub file: PathBuf,
    /// Output PNG.
    #[arg(short, long, value_name = "OUT.png")]
    pub output: PathBuf,
    /// STFT geometry.
    #[command(flatten)]
    pub stft: StftArgs,
    /// Dynamic range shown, in dB below the ceiling.
    #[arg(long, value_name = "DB", default_value_t = 90.0)]
    pub range_db: f32,
    /// Level (dBFS) drawn brightest; default: the loudest cell of the picture.
    #[arg(long, value_name = "DB", allow_negative_numbers = true)]
    pub ceiling_db: Option<f32>,
    /// Colour map: inferno, magma, viridis, plasma or gray.
    #[arg(long, value_name = "NAME", default_value = "inferno")]
    pub colormap: Colormap,
    /// Frequency axis: linear, log or mel.
    #[arg(long, value_name = "SCALE", default_value = "linear")]
    pub scale: FreqScale,
    /// Picture width in pixels (default: one per STFT frame, at most 4096).
    #[arg(long, value_name = "PX")]
    pub width: Option<usize>,
    /// Picture height in pixels (default: one per bin, at most 1024).
    #[arg(long, value_name = "PX")]
    pub height: Option<usize>,
    /// Frequency range to draw, LO:HI in Hz (default: the whole band).
    #[arg(long, value_name = "LO:HI", allow_hyphen_values = true)]
    pub freq_range: Option<String>,
    /// Start time in seconds.
    #[arg(long, value_name = "S")]
    pub start: Option<f64>,
    /// End time in seconds.
    #[arg(long, value_name = "S")]
    pub end: Option<f64>,
    /// Draw one channel (from 0) instead of all channels' mean power.
    #[arg(long, value_name = "N")]
    pub channel: Option<usize>,
    /// Draw the recording with this edit list applied.
    #[arg(long, value_name = "EDITS.json")]
    pub edits: Option<PathBuf>,
    /// How to read the recording.
    #[command(flatten)]
    pub input: InputArgs,
}

/// Parses `LO:HI` in Hz.
pub fn parse_freq_range(s: &str) -> anyhow::Result<(f64, f64)> {
    let parts: Vec<&str> = s.split(':').collect();
    let parsed = match parts.as_slice() {
        [a, b] => a.trim().parse::<f64>().ok().zip(b.trim().parse::<f64>().ok()),
        _ => None,
    };
    match parsed {
        Some((lo, hi)) if lo.is_finite() && hi.is_finite() && lo < hi => Ok((lo, hi)),
        _ => bail!("--freq-range must be LO:HI in Hz with LO < HI, got '{s}'"),
    }
}

/// Runs `spectro render`.
pub fn run(args: &RenderArgs) -> anyhow::Result<()> {
    let rec = args.input.open(&args.file)?;
    if rec.is_complex() {
        render_typed::<Complex32>(args, &rec)
    } else {
        render_typed::<f32>(args, &rec)
    }
}

fn render_typed<T: ReadSamples>(args: &RenderArgs, rec: &Recording) -> anyhow::Result<()> {
    let list = args.edits.as_deref().map(load_edit_list).transpose()?;
    if let (Some(list), Some(path)) = (&list, &args.edits) {
        super::apply::check_channels(list, rec, path)?;
    }
    let params: StftParams = args
        .stft
        .resolve(list.as_ref().and_then(|l| l.stft).map(|s| s.params()));
    let stft = Stft::<T>::new(params, Convention::Scipy)?;
    let fs = rec.sample_rate();
    if T::IS_COMPLEX && args.scale != FreqScale::Linear {
        bail!(
            "the {} scale needs a real signal; IQ spectra are two-sided, use --scale linear",
            args.scale
        );
    }
    if let Some(c) = args.channel.filter(|&c| c >= rec.channels()) {
        bail!(
            "--channel {c}: the recording has {} channel(s), numbered from 0",
            rec.channels()
        );
    }
    let (low_hz, high_hz) = match &args.freq_range {
        Some(s) => parse_freq_range(s)?,
        None if T::IS_COMPLEX => (-fs / 2.0, fs / 2.0),
        None => (args.scale.default_low_hz(fs, params.fft_len), fs / 2.0),
    };
    if args.scale == FreqScale::Log && low_hz <= 0.0 {
        bail!("the log scale needs a positive lower frequency (--freq-range LO:HI with LO > 0)");
    }
    if !(args.range_db > 0.0 && args.range_db.is_finite()) {
        bail!("--range-db must be a positive number of dB");
    }
    let total = stft.num_frames(rec.len());
    let frame_at = |t: f64| ((t * fs / params.hop as f64).round().max(0.0) as usize).min(total);
    let first = args.start.map_or(0, frame_at);
    let end = args.end.map_or(total, |t| frame_at(t).max(first + 1).min(total));
    if first >= end {
        bail!(
            "--start/--end select no frames (the recording is {:.3} s long)",
            rec.duration_s()
        );
    }
    let columns = args.width.unwrap_or((end - first).min(4096)).max(1);
    let rows = args.height.unwrap_or(stft.bins().min(1024)).max(1);
    if columns > 65535 || rows > 65535 {
        bail!("pictures are limited to 65535 pixels a side");
    }
    let raster = list
        .as_ref()
        .map(|l| MaskRaster::new(&l.edits, grid_for(&stft, rec)));
    let request = PictureRequest {
        frames: first..end,
        columns,
        rows,
        scale: args.scale,
        low_hz,
        high_hz,
        channel: args.channel,
    };
    let picture: LevelPicture = level_picture(rec, &stft, raster.as_ref(), &request, &Progress::new());
    let ceiling = args.ceiling_db.unwrap_or_else(|| picture.max_db().ceil());
    let floor = ceiling - args.range_db;
    let rgb = colorize_rgb(&picture.db, &args.colormap.lut(), floor, ceiling);
    let meta = json!({
        "generator": concat!("spectro ", env!("CARGO_PKG_VERSION")),
        "sample_rate": fs,
        "iq": T::IS_COMPLEX,
        "duration_s": rec.duration_s(),
        "frames": [first, end],
        "fft": params.fft_len,
        "hop": params.hop,
        "window": params.window,
        "convention": "scipy",
        "scale": args.scale,
        "freq_hz": [low_hz, high_hz],
        "floor_db": floor,
        "ceiling_db": ceiling,
        "colormap": args.colormap,
        "channel": args.channel,
    });
    write_png(
        &args.output,
        columns as u32,
        rows as u32,
        PixelFormat::Rgb8,
        &rgb,
        &[("spectro", meta.to_string()), ("Software", "spectro".to_owned())],
    )?;
    Ok(())
}
