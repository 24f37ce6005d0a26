//! `spectro render`: the dB spectrogram as a PNG.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::bail;
use clap::Args;
use rustfft::num_complex::Complex32;

use super::{InputArgs, StftArgs};
use crate::image::{ExportSettings, PlotSize, export_picture};
use crate::io::Recording;
use crate::io::picture::PictureColors;
use crate::pipeline::Edited;
use crate::pipeline::picture::Levels;
use crate::signal::raster::FreqAxis;
use crate::signal::{
    Colormap, Convention, FreqScale, Progress, ReadSamples, SampleSource, Stft, StftParams, limits,
};

/// Arguments of `spectro render`.
#[derive(Args, Debug)]
#[command(after_help = "Examples:\n  \
    spectro render take1.wav -o take1.png\n  \
    spectro render take1.wav -o take1-log.png --scale log --range-db 100 --colormap magma\n  \
    spectro render capture.cu8 --sample-rate 2M -o capture.png --fft 256\n  \
    spectro render take1.wav -o cells.png --cells          (one pixel per STFT cell)\n  \
    spectro render take1.wav -o plot.png --size 1200x500 --axes --scale log --freq-range 50:8000\n  \
    spectro render take1.wav -o levels.png --cells --gray16 (16-bit grey, for numeric work)\n\n\
    Scales: linear; log (equal height per octave, from 20 Hz or one bin up); mel (HTK,\n\
    m = 2595·log10(1 + f/700)); librosa-log (librosa specshow's y_axis='log': f below\n\
    65.406 Hz, 65.406·(1 + log2(f/65.406)) above). IQ recordings are drawn two-sided, −fs/2 at\n\
    the bottom.\n\n\
    The PNG carries, in an iTXt chunk named \"spectro\", everything needed to turn it back\n\
    into sound: `spectro from-image OUT.png -o sound.wav` needs no other option.")]
pub struct RenderArgs {
    /// The recording.
    pub file: PathBuf,
    /// Output PNG.
    #[arg(short, long, value_name = "OUT.png")]
    pub output: PathBuf,
    /// Replace OUT.png if it exists (never one of the inputs).
    #[arg(long)]
    pub force: bool,
    /// STFT geometry.
    #[command(flatten)]
    pub stft: StftArgs,
    /// Dynamic range shown, in dB below the ceiling (above 0, at most 1000).
    #[arg(long, value_name = "DB", default_value_t = 90.0, value_parser = super::parse_range_db)]
    pub range_db: f32,
    /// Level (dBFS) drawn brightest, within ±1000 dB; default: the loudest cell of the picture.
    #[arg(long, value_name = "DB", allow_negative_numbers = true, value_parser = super::parse_level_db)]
    pub ceiling_db: Option<f32>,
    /// Colour map: inferno, magma, viridis, plasma or gray.
    #[arg(long, value_name = "NAME", default_value = "inferno")]
    pub colormap: Colormap,
    /// Frequency axis: linear, log, mel or librosa-log.
    #[arg(long, value_name = "SCALE", default_value = "linear")]
    pub scale: FreqScale,
    /// Plot width in pixels, 1 to 65535, at most 2^28 pixels in all (default: one per STFT
    /// frame, at most 4096).
    #[arg(long, value_name = "PX")]
    pub width: Option<usize>,
    /// Plot height in pixels, 1 to 65535 (default: one per bin, at most 1024).
    #[arg(long, value_name = "PX")]
    pub height: Option<usize>,
    /// Plot size in pixels, WIDTHxHEIGHT (the same as --width and --height).
    #[arg(long, value_name = "WxH", value_parser = parse_plot_size)]
    pub size: Option<[usize; 2]>,
    /// One pixel per STFT cell: a column per frame, a row per bin, the whole band on a
    /// linear axis. Lossless apart from the colour steps.
    #[arg(long)]
    pub cells: bool,
    /// Draw frequency and time axes and a dB colour bar around the plot.
    #[arg(long)]
    pub axes: bool,
    /// 16-bit grey levels (black at the floor, white at the ceiling) instead of colours.
    #[arg(long)]
    pub gray16: bool,
    /// Frequency range to draw, LO:HI in Hz within ±1e12 (default: the whole band).
    #[arg(long, value_name = "LO:HI", allow_hyphen_values = true)]
    pub freq_range: Option<String>,
    /// Start time in seconds (within ±1e9).
    #[arg(long, value_name = "S", value_parser = super::parse_time, allow_negative_numbers = true)]
    pub start: Option<f64>,
    /// End time in seconds (within ±1e9).
    #[arg(long, value_name = "S", value_parser = super::parse_time, allow_negative_numbers = true)]
    pub end: Option<f64>,
    /// Draw one channel (from 0) instead of all channels' mean power.
    #[arg(long, value_name = "N")]
    pub channel: Option<usize>,
    /// Draw the recording with this edit list applied. A session (.spectro) works too: its edit list is used.
    #[arg(long, value_name = "EDITS.json")]
    pub edits: Option<PathBuf>,
    /// How to read the recording.
    #[command(flatten)]
    pub input: InputArgs,
}

/// Parses a plot size `WIDTHxHEIGHT` in pixels.
pub fn parse_plot_size(s: &str) -> Result<[usize; 2], String> {
    let parts: Vec<&str> = s.split(['x', 'X']).collect();
    match parts.as_slice() {
        [w, h] => match (w.trim().parse::<usize>(), h.trim().parse::<usize>()) {
            (Ok(w), Ok(h)) if (1..=65535).contains(&w) && (1..=65535).contains(&h) => Ok([w, h]),
            _ => Err(format!(
                "'{s}' is not a size like 1200x500 (1 to 65535 pixels a side)"
            )),
        },
        _ => Err(format!("'{s}' is not a size like 1200x500")),
    }
}

/// Parses `LO:HI` in Hz.
pub fn parse_freq_range(s: &str) -> anyhow::Result<(f64, f64)> {
    let parts: Vec<&str> = s.split(':').collect();
    let parsed = match parts.as_slice() {
        [a, b] => a.trim().parse::<f64>().ok().zip(b.trim().parse::<f64>().ok()),
        _ => None,
    };
    match parsed {
        Some((lo, hi)) if lo < hi && limits::check_freq(lo).is_ok() && limits::check_freq(hi).is_ok() => {
            Ok((lo, hi))
        }
        _ => bail!(
            "--freq-range must be LO:HI in Hz with LO < HI, both within ±{:e} Hz, got '{s}'",
            limits::MAX_FREQ_HZ
        ),
    }
}

/// Runs `spectro render`.
pub fn run(args: &RenderArgs) -> anyhow::Result<()> {
    let rec = Arc::new(args.input.open(&args.file)?);
    let inputs = super::files_read(Some(&rec), &[args.edits.as_deref()]);
    // Refuse before the work, not after it.
    crate::io::atomic::Group::new(&super::as_paths(&inputs), args.force).check(&[&args.output])?;
    if rec.is_complex() {
        render_typed::<Complex32>(args, &rec, &inputs)
    } else {
        render_typed::<f32>(args, &rec, &inputs)
    }
}

fn render_typed<T: ReadSamples>(
    args: &RenderArgs,
    rec: &Arc<Recording>,
    inputs: &[PathBuf],
) -> anyhow::Result<()> {
    let list = args
        .edits
        .as_deref()
        .map(|p| super::edits_arg::read_edits(p, rec))
        .transpose()?;
    let params: StftParams = args.stft.checked(list.as_ref().zip(args.edits.as_deref()))?;
    if let (Some(list), Some(path)) = (&list, &args.edits) {
        super::check_edits(list, path, rec.as_ref(), params)?;
    }
    if let Some(c) = args.channel.filter(|&c| c >= rec.channels()) {
        bail!(
            "--channel {c}: the recording has {} channel(s), numbered from 0",
            rec.channels()
        );
    }
    let stft = Stft::<T>::new(params, Convention::Scipy)?;
    let fs = rec.sample_rate();
    let freq_hz = args
        .freq_range
        .as_deref()
        .map(parse_freq_range)
        .transpose()?
        .map(|(lo, hi)| [lo, hi]);
    if args.scale == FreqScale::Log && freq_hz.is_some_and(|[lo, _]| lo <= 0.0) {
        bail!("the log scale needs a positive lower frequency (--freq-range LO:HI with LO > 0)");
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
    let size = if args.cells {
        if args.width.is_some() || args.height.is_some() || args.size.is_some() {
            bail!("--cells sets the size (one pixel per STFT cell); leave out --size, --width and --height");
        }
        PlotSize::Cells
    } else {
        let [w, h] = args.size.map_or([None, None], |[w, h]| [Some(w), Some(h)]);
        let bins = FreqAxis {
            fft_len: params.fft_len,
            complex: T::IS_COMPLEX,
            sample_rate: fs,
        }
        .len();
        let width = args.width.or(w).unwrap_or((end - first).min(4096));
        let height = args.height.or(h).unwrap_or(bins.min(1024));
        limits::check_picture_size(width, height)
            .map_err(|e| anyhow::anyhow!("--width/--height/--size: {e}"))?;
        PlotSize::Pixels { width, height }
    };
    // The picture of the edited recording, as every other output renders it.
    let edited = list
        .as_ref()
        .map(|l| {
            Edited::prepare(
                rec.clone(),
                &l.edits,
                l.phase.unwrap_or_default(),
                params,
                &Progress::new(),
            )
        })
        .transpose()?;
    let source: &dyn SampleSource = match &edited {
        Some(e) => e.source().as_ref(),
        None => rec.as_ref(),
    };
    let settings = ExportSettings {
        frames: first..end,
        size,
        scale: args.scale,
        freq_hz,
        channel: args.channel,
        range_db: args.range_db,
        ceiling_db: args.ceiling_db,
        colors: if args.gray16 {
            PictureColors::Gray16
        } else {
            PictureColors::Palette(args.colormap)
        },
        axes: args.axes,
    };
    let picture = export_picture(
        source,
        rec.center_freq_hz(),
        &stft,
        edited
            .as_ref()
            .map_or(Levels::Original, |e| Levels::Edited(e.raster())),
        &settings,
        &Progress::new(),
    )?;
    picture.write(&args.output, &super::as_paths(inputs), args.force)?;
    super::warn_replaced(rec);
    Ok(())
}
