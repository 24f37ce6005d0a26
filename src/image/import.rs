//! Turning a spectrogram picture back into sound.
//!
//! 1. [`plan_import`] decides how the picture maps to sound: from Spectro's metadata when the
//!    picture has it, otherwise from [`ImportOptions`] (what the picture cannot tell) and
//!    defaults.
//! 2. [`plot_levels`] reads each plot pixel as a level, a fraction of the dB range: the index
//!    of the nearest entry of the colour map (or the 16-bit grey value).
//! 3. [`grid_levels`] resamples those onto the STFT grid: a frame (bin) takes the mean of the
//!    columns (rows) whose centres fall inside it, or, when it is narrower than a pixel, the
//!    interpolation between the two nearest pixel centres. Rows map to frequency through the
//!    inverse of the picture's frequency scale.
//! 4. [`import_picture`] turns levels into magnitudes and rebuilds the phase, over the whole
//!    picture, or with an original recording only where the picture differs from the original's
//!    own picture ([`reconstruct_region`](crate::signal::phase::reconstruct_region), in blocks
//!    of bounded size), leaving every other sample as it was.

use std::collections::HashMap;
use std::time::Instant;

use rayon::prelude::*;
use rustfft::num_complex::Complex32;

use super::ImageError;
use crate::io::picture::{Picture, PictureColors, PictureMeta, PixelRect, Pixels};
use crate::pipeline::picture::{Levels, PictureRequest, level_picture};
use crate::signal::colormap::level_index;
use crate::signal::phase::{
    BLOCK_CELLS, BlockSignal, PhaseOptions, PhaseReport, plan_blocks, rebuild_block, reconstruct_known,
};
use crate::signal::raster::FreqAxis;
use crate::signal::stft::overlap_add;
use crate::signal::{
    Colormap, Convention, FreqScale, Progress, ReadSamples, SampleSource, Stft, StftParams, WindowKind,
};
use std::ops::Range;

/// Default dynamic range of a picture without metadata: librosa's `top_db`.
pub const DEFAULT_RANGE_DB: f32 = 80.0;

/// Most STFT cells an import may have: an import holds about 40 bytes per cell at its peak
/// (the phase reconstruction, the magnitudes and which cells the picture shows), so this
/// (16 Mi cells) bounds it to about 700 MB, besides the picture itself (see
/// [`crate::io::picture::MAX_PIXELS`]).
pub const MAX_CELLS: usize = 1 << 24;

/// A level that differs from the original's picture by more than this fraction of the range
/// (one and a half colour steps) marks an edited pixel.
pub const CHANGE_TOLERANCE: f32 = 1.5 / 255.0;

/// What the picture cannot tell, given by the user. Unset fields come from the picture's
/// metadata or defaults.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ImportOptions {
    /// Samples per second of the sound.
    pub sample_rate: Option<f64>,
    /// Length of the sound, seconds.
    pub duration_s: Option<f64>,
    /// Samples between the picture's frames (one column per frame, unless a duration is
    /// given too).
    pub hop: Option<usize>,
    /// FFT length of the picture and of the reconstruction.
    pub fft: Option<usize>,
    /// Frequency axis.
    pub scale: Option<FreqScale>,
    /// Frequencies at the bottom and top edges of the plot, Hz.
    pub freq_hz: Option<[f64; 2]>,
    /// Colour map; `None` picks the one that fits the picture best.
    pub colormap: Option<Colormap>,
    /// Dynamic range from the darkest to the brightest colour, dB.
    pub range_db: Option<f32>,
    /// Level of the brightest colour, dBFS; without it levels are relative and the sound is
    /// normalised to a peak of [`NORMALISED_PEAK_DB`].
    pub ceiling_db: Option<f32>,
    /// The plot inside the picture (axes and margins outside it are ignored).
    pub crop: Option<PixelRect>,
    /// The picture shows a two-sided (IQ) spectrum, negative frequencies at the bottom.
    pub iq: bool,
    /// Ignore Spectro metadata in the picture and use these options instead.
    pub ignore_meta: bool,
}

impl ImportOptions {
    /// The options that describe the picture, by their command-line names, that are set.
    pub fn describing(&self) -> Vec<&'static str> {
        let mut v = Vec::new();
        let mut add = |set: bool, name| {
            if set {
                v.push(name)
            }
        };
        add(self.sample_rate.is_some(), "--sample-rate");
        add(self.duration_s.is_some(), "--duration");
        add(self.hop.is_some(), "--hop");
        add(self.fft.is_some(), "--fft");
        add(self.scale.is_some(), "--scale");
        add(self.freq_hz.is_some(), "--freq-range");
        add(self.colormap.is_some(), "--colormap");
        add(self.range_db.is_some(), "--range-db");
        add(self.ceiling_db.is_some(), "--ceiling-db");
        add(self.crop.is_some(), "--crop");
        add(self.iq, "--iq");
        v
    }
}

/// Iterations of (fast) Griffin-Lim an import runs unless told otherwise: a picture is
/// imported once, and 100 iterations after PGHI fit it markedly better than 32 (issue 6's
/// figures in BENCHMARKS.md).
pub const DEFAULT_IMPORT_ITERATIONS: usize = 100;

/// Peak level of the sound made from a picture with relative levels, dBFS.
pub const NORMALISED_PEAK_DB: f64 = -1.0;

/// How colour indices stand for levels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LevelCoding {
    /// Spectro's: entry `i` of 256 is the level `i/255` of the range (rounded).
    Spectro,
    /// matplotlib's: values from `i/256` to `(i+1)/256` get entry `i`, which stands for
    /// `(i + ½)/256`.
    Matplotlib,
}

/// How a picture maps to sound, resolved from metadata or options.
#[derive(Clone, Debug, PartialEq)]
pub struct ImportPlan {
    /// Spectro's metadata, when used.
    pub meta: Option<PictureMeta>,
    /// Samples per second.
    pub sample_rate: f64,
    /// Two-sided (IQ) spectrum.
    pub iq: bool,
    /// Centre frequency of an IQ recording, Hz.
    pub center_freq_hz: Option<f64>,
    /// The plot inside the picture.
    pub plot: PixelRect,
    /// How pixels code levels.
    pub colors: PictureColors,
    /// How colour indices stand for levels.
    pub coding: LevelCoding,
    /// Root-mean-square RGB distance between the plot's pixels and their nearest palette
    /// entries (0 to 441; 0 for a perfect fit and for 16-bit grey).
    pub color_rms: f64,
    /// True when the colour map was chosen by fit.
    pub colors_guessed: bool,
    /// Frequency axis.
    pub scale: FreqScale,
    /// Frequencies at the bottom and top edges of the plot, Hz.
    pub freq_hz: [f64; 2],
    /// Level of the darkest colour, dBFS.
    pub floor_db: f32,
    /// Level of the brightest colour, dBFS.
    pub ceiling_db: f32,
    /// True when the levels are only relative (no ceiling known): the sound is normalised.
    pub relative: bool,
    /// The STFT the sound is rebuilt with.
    pub stft: StftParams,
    /// Samples of the sound.
    pub signal_len: usize,
    /// Where the plot's left and right edges are, in samples of the sound (frame `k` is
    /// centred on sample `k·hop`).
    pub span_samples: [f64; 2],
}

impl ImportPlan {
    /// STFT frames of the sound.
    pub fn frames(&self) -> usize {
        let stft = |t| Stft::<f32>::new(self.stft, t).map(|s| s.num_frames(self.signal_len as u64));
        stft(Convention::Scipy).unwrap_or(0)
    }

    /// Display bins of the sound's STFT.
    pub fn axis(&self) -> FreqAxis {
        FreqAxis {
            fft_len: self.stft.fft_len,
            complex: self.iq,
            sample_rate: self.sample_rate,
        }
    }
}

/// Decides how `picture` maps to sound.
pub fn plan_import(picture: &Picture, options: &ImportOptions) -> Result<ImportPlan, ImageError> {
    let meta = if options.ignore_meta {
        None
    } else {
        picture.meta().transpose().map_err(ImageError::Geometry)?
    };
    match meta {
        Some(meta) => plan_from_meta(picture, options, meta),
        None => plan_from_options(picture, options),
    }
}

fn plan_from_meta(
    picture: &Picture,
    options: &ImportOptions,
    meta: PictureMeta,
) -> Result<ImportPlan, ImageError> {
    let given = options.describing();
    if !given.is_empty() {
        return Err(ImageError::Settings(format!(
            "the picture carries Spectro metadata, which sets {}; add --ignore-metadata to describe it yourself",
            given.join(", ")
        )));
    }
    if (picture.width, picture.height) != (meta.width, meta.height) {
        return Err(ImageError::Geometry(format!(
            "the picture is {} × {} pixels but its Spectro metadata says {} × {}: it was resized or cropped; \
             use --ignore-metadata with --crop and the other options",
            picture.width, picture.height, meta.width, meta.height
        )));
    }
    if !meta.plot.fits(picture.width, picture.height) {
        return Err(ImageError::Geometry(format!(
            "the plot {} of the Spectro metadata does not fit the {} × {} picture",
            meta.plot, picture.width, picture.height
        )));
    }
    let colors = match (meta.colors, &picture.pixels) {
        (PictureColors::Gray16, Pixels::Rgb8(_)) => {
            return Err(ImageError::Geometry(
                "the metadata says 16-bit grey but the picture is 8-bit: it was re-saved; use --ignore-metadata".into(),
            ));
        }
        (c, _) => c,
    };
    let stft = StftParams {
        fft_len: meta.fft,
        hop: meta.hop,
        window: meta.window,
    };
    let [first, end] = meta.frames;
    if first >= end || meta.hop == 0 {
        return Err(ImageError::Geometry(
            "the Spectro metadata shows no frames".into(),
        ));
    }
    let n = end - first;
    let start = (first * meta.hop) as u64;
    let signal_len = meta
        .signal_len
        .saturating_sub(start)
        .min(((n - 1) * meta.hop + 1) as u64) as usize;
    let hop = meta.hop as f64;
    let plan = ImportPlan {
        sample_rate: meta.sample_rate,
        iq: meta.iq,
        center_freq_hz: meta.center_freq_hz,
        plot: meta.plot,
        colors,
        coding: LevelCoding::Spectro,
        color_rms: 0.0,
        colors_guessed: false,
        scale: meta.scale,
        freq_hz: meta.freq_hz,
        floor_db: meta.floor_db,
        ceiling_db: meta.ceiling_db,
        relative: false,
        stft,
        signal_len: signal_len.max(1),
        span_samples: [-hop / 2.0, (n as f64 - 0.5) * hop],
        meta: Some(meta),
    };
    finish_plan(picture, plan)
}

fn plan_from_options(picture: &Picture, o: &ImportOptions) -> Result<ImportPlan, ImageError> {
    let missing_time = o.duration_s.is_none() && o.hop.is_none();
    match (o.sample_rate, missing_time) {
        (None, true) => {
            return Err(ImageError::Settings(
                "the picture has no Spectro metadata: give at least --sample-rate HZ and --duration S or --hop N"
                    .into(),
            ));
        }
        (None, false) => {
            return Err(ImageError::Settings(
                "the picture has no Spectro metadata: give its --sample-rate HZ".into(),
            ));
        }
        (Some(_), true) => {
            return Err(ImageError::Settings(
                "the picture has no Spectro metadata: give its length with --duration S or its frame spacing with --hop N"
                    .into(),
            ));
        }
        _ => {}
    }
    let fs = o.sample_rate.unwrap_or(1.0);
    if !(fs.is_finite() && fs > 0.0) {
        return Err(ImageError::Settings(
            "the sample rate must be a positive number".into(),
        ));
    }
    let plot = o.crop.unwrap_or(PixelRect::whole(picture.width, picture.height));
    if !plot.fits(picture.width, picture.height) {
        return Err(ImageError::Geometry(format!(
            "--crop {plot} does not fit the {} × {} picture",
            picture.width, picture.height
        )));
    }
    let columns = plot.width() as f64;
    if let Some(d) = o.duration_s
        && !(d.is_finite() && d > 0.0)
    {
        return Err(ImageError::Settings(
            "--duration must be a positive number of seconds".into(),
        ));
    }
    if o.hop == Some(0) {
        return Err(ImageError::Settings("--hop must be at least 1 sample".into()));
    }
    // Time axis: with a hop the picture's frames are centred on multiples of it, drawn from
    // half a hop before the first to half a hop after the last (specshow's and Spectro's
    // layout); with only a duration the plot spans exactly that long.
    let (signal_len, span) = match (o.duration_s, o.hop) {
        (Some(d), Some(h)) => {
            let len = (d * fs).round().max(1.0);
            let frames = (len as usize / h + 1) as f64;
            (len, [-(h as f64) / 2.0, (frames - 0.5) * h as f64])
        }
        (None, Some(h)) => {
            let h = h as f64;
            (((columns - 1.0) * h).max(1.0), [-h / 2.0, (columns - 0.5) * h])
        }
        (Some(d), None) => {
            let len = (d * fs).round().max(1.0);
            (len, [0.0, len])
        }
        (None, None) => unreachable!("checked above"),
    };
    let fft = o
        .fft
        .unwrap_or_else(|| o.hop.map_or(2048, |h| (4 * h).clamp(16, 65536)));
    let hop = o.hop.unwrap_or((fft / 4).max(1));
    let stft = StftParams {
        fft_len: fft,
        hop,
        window: WindowKind::Hann,
    };
    let scale = o.scale.unwrap_or_default();
    if o.iq && scale != FreqScale::Linear {
        return Err(ImageError::Settings(
            "a two-sided (IQ) picture has a linear frequency axis; leave out --scale".into(),
        ));
    }
    let df = fs / fft as f64;
    let freq_hz = match (o.freq_hz, scale) {
        (Some(r), _) => r,
        (None, _) if o.iq => [-fs / 2.0, fs / 2.0],
        (None, FreqScale::Log) => {
            return Err(ImageError::Settings(
                "the log scale cannot start at 0 Hz: give the plot's --freq-range LO:HI".into(),
            ));
        }
        // specshow draws its bins from −Δf/2 to fs/2 + Δf/2.
        (None, FreqScale::LibrosaLog) => [-df / 2.0, fs / 2.0 + df / 2.0],
        (None, _) => [0.0, fs / 2.0],
    };
    if freq_hz[0] >= freq_hz[1]
        || !freq_hz.iter().all(|f| f.is_finite())
        || (scale == FreqScale::Log && freq_hz[0] <= 0.0)
    {
        return Err(ImageError::Settings(format!(
            "the frequency range {}:{} Hz does not work on the {scale} scale",
            freq_hz[0], freq_hz[1]
        )));
    }
    let range_db = o.range_db.unwrap_or(DEFAULT_RANGE_DB);
    if !(range_db.is_finite() && range_db > 0.0) {
        return Err(ImageError::Settings(
            "--range-db must be a positive number of dB".into(),
        ));
    }
    let ceiling_db = o.ceiling_db.unwrap_or(0.0);
    let (colors, colors_guessed) = match (&picture.pixels, o.colormap) {
        (Pixels::Gray16(_), None | Some(Colormap::Gray)) => (PictureColors::Gray16, false),
        (_, Some(map)) => (PictureColors::Palette(map), false),
        (Pixels::Rgb8(_), None) => (PictureColors::Palette(Colormap::Inferno), true),
    };
    let plan = ImportPlan {
        meta: None,
        sample_rate: fs,
        iq: o.iq,
        center_freq_hz: None,
        plot,
        colors,
        coding: LevelCoding::Matplotlib,
        color_rms: 0.0,
        colors_guessed,
        scale,
        freq_hz,
        floor_db: ceiling_db - range_db,
        ceiling_db,
        relative: o.ceiling_db.is_none(),
        stft,
        signal_len: signal_len as usize,
        span_samples: span,
    };
    finish_plan(picture, plan)
}

/// Checks the STFT and the size, and fits the colour map.
fn finish_plan(picture: &Picture, mut plan: ImportPlan) -> Result<ImportPlan, ImageError> {
    Stft::<f32>::new(plan.stft, Convention::Scipy)?;
    let cells = plan.frames() as u128 * plan.axis().len() as u128;
    if cells > MAX_CELLS as u128 {
        return Err(ImageError::Settings(format!(
            "{} frames of {} bins is more than the {MAX_CELLS} STFT cells Spectro rebuilds at once: \
             shorten the duration or raise the hop",
            plan.frames(),
            plan.axis().len()
        )));
    }
    if let Pixels::Rgb8(pixels) = &picture.pixels {
        let colours = unique_colours(pixels, picture.width, plan.plot);
        let fits = palette_fits(&colours);
        match plan.colors {
            PictureColors::Palette(map) if !plan.colors_guessed => {
                plan.color_rms = fits.iter().find(|(m, _)| *m == map).map_or(0.0, |f| f.1);
            }
            PictureColors::Palette(_) => {
                let best = fits
                    .iter()
                    .min_by(|a, b| a.1.total_cmp(&b.1))
                    .copied()
                    .unwrap_or((Colormap::Inferno, 0.0));
                plan.colors = PictureColors::Palette(best.0);
                plan.color_rms = best.1;
            }
            PictureColors::Gray16 => {}
        }
    }
    Ok(plan)
}

/// The distinct colours of the plot and how often each occurs.
fn unique_colours(pixels: &[[u8; 3]], width: u32, plot: PixelRect) -> Vec<([u8; 3], u32)> {
    let mut counts: HashMap<[u8; 3], u32> = HashMap::new();
    for y in plot.top..plot.bottom {
        let row = y as usize * width as usize;
        for p in &pixels[row + plot.left as usize..row + plot.right as usize] {
            *counts.entry(*p).or_insert(0) += 1;
        }
    }
    counts.into_iter().collect()
}

fn dist2(a: [u8; 3], b: [u8; 3]) -> u32 {
    a.iter()
        .zip(&b)
        .map(|(&x, &y)| {
            let d = x as i32 - y as i32;
            (d * d) as u32
        })
        .sum()
}

/// The entry of `lut` nearest to `c` and the squared distance.
fn nearest(lut: &[[u8; 3]; 256], c: [u8; 3]) -> (u8, u32) {
    let mut best = (0u8, u32::MAX);
    for (i, &e) in lut.iter().enumerate() {
        let d = dist2(e, c);
        if d < best.1 {
            best = (i as u8, d);
            if d == 0 {
                break;
            }
        }
    }
    best
}

/// Root-mean-square distance from the colours to each colour map, over at most 20 000 distinct
/// colours (the most frequent) for speed.
pub fn palette_fits(colours: &[([u8; 3], u32)]) -> Vec<(Colormap, f64)> {
    let mut sample: Vec<([u8; 3], u32)> = colours.to_vec();
    if sample.len() > 20_000 {
        sample.sort_by_key(|c| std::cmp::Reverse(c.1));
        sample.truncate(20_000);
    }
    let total: f64 = sample.iter().map(|c| c.1 as f64).sum::<f64>().max(1.0);
    Colormap::ALL
        .par_iter()
        .map(|&map| {
            let lut = map.lut();
            let err: f64 = sample
                .iter()
                .map(|&(c, n)| nearest(&lut, c).1 as f64 * n as f64)
                .sum();
            (map, (err / total).sqrt())
        })
        .collect()
}

/// Levels of the plot's pixels as fractions `0..=1` of the dB range.
#[derive(Clone, Debug, PartialEq)]
pub struct PlotLevels {
    /// Columns.
    pub width: usize,
    /// Rows.
    pub height: usize,
    /// `t[row * width + column]`, top row first.
    pub t: Vec<f32>,
}

/// Reads the plot's pixels as levels.
pub fn plot_levels(picture: &Picture, plan: &ImportPlan) -> PlotLevels {
    let plot = plan.plot;
    let (w, h) = (plot.width() as usize, plot.height() as usize);
    let stride = picture.width as usize;
    let index_level = |i: u8| -> f32 {
        match plan.coding {
            LevelCoding::Spectro => i as f32 / 255.0,
            LevelCoding::Matplotlib => (i as f32 + 0.5) / 256.0,
        }
    };
    let mut t = Vec::with_capacity(w * h);
    match (&picture.pixels, plan.colors) {
        (Pixels::Gray16(p), PictureColors::Gray16) => {
            for y in plot.top as usize..plot.bottom as usize {
                let row = &p[y * stride + plot.left as usize..y * stride + plot.right as usize];
                t.extend(row.iter().map(|&v| v as f32 / 65535.0));
            }
        }
        (pixels, colors) => {
            let lut = match colors {
                PictureColors::Palette(map) => map.lut(),
                PictureColors::Gray16 => Colormap::Gray.lut(),
            };
            let rgb = |i: usize| match pixels {
                Pixels::Rgb8(p) => p[i],
                Pixels::Gray16(p) => [(p[i] >> 8) as u8; 3],
            };
            let mut cache: HashMap<[u8; 3], f32> = HashMap::new();
            for y in plot.top as usize..plot.bottom as usize {
                for x in plot.left as usize..plot.right as usize {
                    let c = rgb(y * stride + x);
                    let v = *cache.entry(c).or_insert_with(|| index_level(nearest(&lut, c).0));
                    t.push(v);
                }
            }
        }
    }
    PlotLevels {
        width: w,
        height: h,
        t,
    }
}

/// Which pixels (columns or rows) feed one frame (or bin), with weights summing to 1; empty
/// when the frame (bin) lies outside the picture.
type Taps = Vec<Vec<(u32, f32)>>;

/// Taps from `n` pixels (pixel `i` spans `i..i+1`) to cells centred at `centres` (in pixel
/// units) that are `width` pixels wide: the mean of the pixels whose centres fall inside the
/// cell, or, for a cell between two pixel centres, the interpolation between them. Also says
/// which cells hold a pixel centre: those the picture shows; the others are guesses.
fn taps(n: usize, centres: impl Iterator<Item = (f64, f64)>) -> (Taps, Vec<bool>) {
    centres
        .map(|(c, width)| {
            let half = width.abs() / 2.0;
            // A cell whose centre lies past the picture's edge is not shown at all.
            if !c.is_finite() || c < -1e-9 || c > n as f64 + 1e-9 {
                return (Vec::new(), false);
            }
            // Pixel centres i + ½ in [c − half, c + half).
            let first = (c - half - 0.5).ceil().max(0.0) as usize;
            let end = ((c + half - 0.5).ceil().max(0.0) as usize).min(n);
            if first < end {
                let w = 1.0 / (end - first) as f32;
                return ((first..end).map(|i| (i as u32, w)).collect(), true);
            }
            let p = (c - 0.5).clamp(0.0, (n - 1) as f64);
            let a = (p.floor() as usize).min(n.saturating_sub(2));
            let t = (p - a as f64).clamp(0.0, 1.0) as f32;
            if n == 1 || t == 0.0 {
                (vec![(a as u32, 1.0)], false)
            } else {
                (vec![(a as u32, 1.0 - t), (a as u32 + 1, t)], false)
            }
        })
        .unzip()
}

/// Taps from the plot's columns to the sound's frames.
fn frame_taps(plan: &ImportPlan, columns: usize, frames: usize) -> (Taps, Vec<bool>) {
    let [a, b] = plan.span_samples;
    let per_sample = columns as f64 / (b - a);
    let hop = plan.stft.hop as f64;
    taps(
        columns,
        (0..frames).map(|k| ((k as f64 * hop - a) * per_sample, hop * per_sample)),
    )
}

/// Taps from the plot's rows (top first) to the sound's display bins (lowest first).
fn bin_taps(plan: &ImportPlan, rows: usize) -> (Taps, Vec<bool>) {
    let axis = plan.axis();
    let [lo, hi] = plan.freq_hz;
    let df = axis.bin_hz();
    let row_of = |f: f64| (1.0 - plan.scale.position_of(f, lo, hi)) * rows as f64;
    taps(
        rows,
        (0..axis.len()).map(|d| {
            let f = axis.freq_of_display(d);
            (row_of(f), row_of(f - df / 2.0) - row_of(f + df / 2.0))
        }),
    )
}

/// Levels on the STFT grid, `frames × bins` in display order (lowest frequency first); NaN
/// where the picture shows nothing.
#[derive(Clone, Debug, PartialEq)]
pub struct GridLevels {
    /// Frames.
    pub frames: usize,
    /// Display bins per frame.
    pub bins: usize,
    /// `t[frame * bins + bin]`, fractions of the dB range.
    pub t: Vec<f32>,
    /// Per cell: true if a pixel centre falls in it (the picture shows it); false for cells
    /// between pixel centres (interpolated) or outside the picture (NaN).
    pub shown: Vec<bool>,
}

/// Resamples plot levels onto the plan's STFT grid.
pub fn grid_levels(levels: &PlotLevels, plan: &ImportPlan) -> GridLevels {
    let frames = plan.frames();
    let (ft, frame_shown) = frame_taps(plan, levels.width, frames);
    let (bt, bin_shown) = bin_taps(plan, levels.height);
    let bins = bt.len();
    let t: Vec<Vec<f32>> = ft
        .par_iter()
        .map(|ftaps| {
            if ftaps.is_empty() {
                return vec![f32::NAN; bins];
            }
            // This frame's column: the weighted mean over its columns, per row.
            let column: Vec<f32> = (0..levels.height)
                .map(|r| {
                    let row = &levels.t[r * levels.width..(r + 1) * levels.width];
                    ftaps.iter().map(|&(c, w)| w * row[c as usize]).sum()
                })
                .collect();
            bt.iter()
                .map(|btaps| {
                    if btaps.is_empty() {
                        f32::NAN
                    } else {
                        btaps.iter().map(|&(r, w)| w * column[r as usize]).sum()
                    }
                })
                .collect()
        })
        .collect();
    let shown = frame_shown
        .iter()
        .flat_map(|&f| bin_shown.iter().map(move |&b| f && b))
        .collect();
    GridLevels {
        frames,
        bins,
        t: t.concat(),
        shown,
    }
}

/// Marks the grid cells fed by any marked pixel (`marks` row-major over the plot).
fn grid_marks(marks: &[bool], width: usize, height: usize, plan: &ImportPlan) -> Vec<bool> {
    let frames = plan.frames();
    let (ft, _) = frame_taps(plan, width, frames);
    let (bt, _) = bin_taps(plan, height);
    let bins = bt.len();
    let out: Vec<Vec<bool>> = ft
        .par_iter()
        .map(|ftaps| {
            let column: Vec<bool> = (0..height)
                .map(|r| {
                    ftaps
                        .iter()
                        .any(|&(c, w)| w > 0.0 && marks[r * width + c as usize])
                })
                .collect();
            bt.iter()
                .map(|btaps| btaps.iter().any(|&(r, w)| w > 0.0 && column[r as usize]))
                .collect()
        })
        .collect();
    debug_assert!(out.iter().all(|f| f.len() == bins));
    out.concat()
}

/// Which cells (FFT bin order) the picture shows.
fn shown_cells(grid: &GridLevels, plan: &ImportPlan, bins: usize) -> Vec<bool> {
    let axis = plan.axis();
    let mut out = vec![false; grid.frames * bins];
    for k in 0..grid.frames {
        for d in 0..grid.bins {
            out[k * bins + axis.bin_of_display(d)] = grid.shown[k * grid.bins + d];
        }
    }
    out
}

/// Raw STFT magnitudes (FFT bin order, `frames × stft.bins()`) of grid levels.
fn magnitudes<T: ReadSamples>(grid: &GridLevels, plan: &ImportPlan, stft: &Stft<T>) -> Vec<f32> {
    let axis = plan.axis();
    let full_scale = stft.full_scale_magnitude() as f64;
    let (floor, range) = (plan.floor_db as f64, (plan.ceiling_db - plan.floor_db) as f64);
    let bins = stft.bins();
    let mut out = vec![0.0f32; grid.frames * bins];
    out.par_chunks_mut(bins).enumerate().for_each(|(k, frame)| {
        for d in 0..grid.bins {
            let t = grid.t[k * grid.bins + d];
            if t.is_finite() {
                let db = floor + t as f64 * range;
                frame[axis.bin_of_display(d)] = (full_scale * 10f64.powf(db / 20.0)) as f32;
            }
        }
    });
    out
}

/// What an import did.
#[derive(Clone, Debug, PartialEq)]
pub struct ImportReport {
    /// Frames of the sound's STFT.
    pub frames: usize,
    /// Bins per frame.
    pub bins: usize,
    /// Cells re-phased because the picture differs from the original's (with an original).
    pub changed_cells: Option<usize>,
    /// Phase reconstruction of each channel rebuilt.
    pub phase: Vec<PhaseReport>,
    /// Gain applied to normalise relative levels, dB (0 when levels were absolute).
    pub gain_db: f64,
    /// Seconds taken.
    pub elapsed_s: f64,
}

/// Sound made from a picture.
#[derive(Clone, Debug)]
pub struct ImportedSound<T> {
    /// One signal per channel.
    pub channels: Vec<Vec<T>>,
    /// Samples per second.
    pub sample_rate: f64,
    /// Centre frequency of IQ, Hz.
    pub center_freq_hz: Option<f64>,
    /// What was done.
    pub report: ImportReport,
}

/// Turns `picture` into sound following `plan`.
///
/// Without `original`, the phase of every cell is rebuilt from the picture's magnitudes (mono
/// sound). With `original`, the recording the picture was exported from (plans from Spectro
/// metadata only), the original's own picture is drawn the same way and compared pixel by pixel;
/// only the cells fed by pixels that differ by more than [`CHANGE_TOLERANCE`] get the picture's
/// magnitude and a rebuilt phase
/// ([`reconstruct_region`](crate::signal::phase::reconstruct_region), in blocks of bounded
/// size), and every sample out of their reach is returned exactly as in the original, for
/// every channel.
pub fn import_picture<T: ReadSamples>(
    picture: &Picture,
    plan: &ImportPlan,
    original: Option<&dyn SampleSource>,
    phase: &PhaseOptions<'_>,
    progress: &Progress,
) -> Result<ImportedSound<T>, ImageError> {
    let started = Instant::now();
    if T::IS_COMPLEX != plan.iq {
        return Err(ImageError::Settings(
            "internal: sample type does not match the picture's spectrum".into(),
        ));
    }
    let stft = Stft::<T>::new(plan.stft, Convention::Scipy)?;
    let levels = plot_levels(picture, plan);
    progress.check()?;
    let grid = grid_levels(&levels, plan);
    // Only a comparison with the original needs the pixels' levels again.
    let levels = if original.is_some() {
        levels
    } else {
        PlotLevels {
            t: Vec::new(),
            ..levels
        }
    };
    let target = magnitudes(&grid, plan, &stft);
    progress.check()?;
    let mut report = ImportReport {
        frames: grid.frames,
        bins: stft.bins(),
        changed_cells: None,
        phase: Vec::new(),
        gain_db: 0.0,
        elapsed_s: 0.0,
    };
    let Some(original) = original else {
        // Only the cells the picture shows are held to it; the others are guesses.
        let shown = shown_cells(&grid, plan, stft.bins());
        drop(grid);
        let rebuilt = reconstruct_known(&stft, &target, &shown, plan.signal_len, phase, progress)?;
        let mut signal = rebuilt.signal;
        report.phase.push(rebuilt.report);
        if plan.relative {
            let peak = signal.iter().map(|s| s.norm_sqr().sqrt()).fold(0.0f32, f32::max);
            if peak > 0.0 {
                let gain = 10f64.powf(NORMALISED_PEAK_DB / 20.0) / peak as f64;
                for s in &mut signal {
                    *s = *s * gain as f32;
                }
                report.gain_db = 20.0 * gain.log10();
            }
        }
        report.elapsed_s = started.elapsed().as_secs_f64();
        return Ok(ImportedSound {
            channels: vec![signal],
            sample_rate: plan.sample_rate,
            center_freq_hz: plan.center_freq_hz,
            report,
        });
    };

    let Some(meta) = &plan.meta else {
        return Err(ImageError::Settings(
            "--original needs a picture exported by Spectro, with its metadata".into(),
        ));
    };
    check_original(original, meta, T::IS_COMPLEX)?;
    // The original's own picture, drawn exactly as the picture was exported.
    let [first, end] = meta.frames;
    let request = PictureRequest {
        frames: first..end,
        columns: levels.width,
        rows: levels.height,
        scale: meta.scale,
        low_hz: meta.freq_hz[0],
        high_hz: meta.freq_hz[1],
        channel: meta.channel,
    };
    let drawn = level_picture(original, &stft, Levels::Original, &request, &Progress::new());
    progress.check()?;
    let marks: Vec<bool> = drawn
        .db
        .iter()
        .zip(&levels.t)
        .map(|(&db, &t)| {
            let own = match meta.colors {
                PictureColors::Palette(_) => level_index(db, meta.floor_db, meta.ceiling_db) as f32 / 255.0,
                PictureColors::Gray16 => {
                    super::export::gray16_code(db, meta.floor_db, meta.ceiling_db) as f32 / 65535.0
                }
            };
            (own - t).abs() > CHANGE_TOLERANCE
        })
        .collect();
    let changed = grid_marks(&marks, levels.width, levels.height, plan);
    let axis = plan.axis();
    let bins = stft.bins();
    // Region weights in FFT bin order.
    let mut region_local = vec![0.0f32; grid.frames * bins];
    for k in 0..grid.frames {
        for d in 0..grid.bins {
            if changed[k * grid.bins + d] {
                region_local[k * bins + axis.bin_of_display(d)] = 1.0;
            }
        }
    }
    let changed_cells = region_local.iter().filter(|&&w| w > 0.0).count();
    report.changed_cells = Some(changed_cells);

    let len = original.len() as usize;
    let mut channels: Vec<Vec<T>> = (0..original.channels())
        .map(|c| {
            let mut x = vec![T::default(); len];
            T::read(original, c, 0, &mut x);
            x
        })
        .collect();
    let has = |k: usize| region_local[k * bins..(k + 1) * bins].iter().any(|&w| w > 0.0);
    let (Some(a), Some(b)) = (
        (0..grid.frames).find(|&k| has(k)),
        (0..grid.frames).rev().find(|&k| has(k)),
    ) else {
        report.elapsed_s = started.elapsed().as_secs_f64();
        return Ok(ImportedSound {
            channels,
            sample_rate: plan.sample_rate,
            center_freq_hz: plan.center_freq_hz,
            report,
        });
    };
    // Frames of the whole recording to hold: the changed ones and two on each side.
    let total = stft.num_frames(original.len());
    let frames = (first + a).saturating_sub(2)..(first + b + 3).min(total);
    let n = frames.len();
    let mut magnitude = vec![0.0f32; n * bins];
    let mut region = vec![0.0f32; n * bins];
    for (i, k) in frames.clone().enumerate() {
        if k < first || k - first >= grid.frames {
            continue;
        }
        let local = (k - first) * bins..(k - first + 1) * bins;
        magnitude[i * bins..(i + 1) * bins].copy_from_slice(&target[local.clone()]);
        region[i * bins..(i + 1) * bins].copy_from_slice(&region_local[local]);
    }
    let targets: Vec<usize> = match meta.channel {
        Some(c) => vec![c],
        None => (0..channels.len()).collect(),
    };
    // Rebuilt in blocks of at most BLOCK_CELLS cells (one block, exactly as a single regional
    // reconstruction, when the changed frames fit).
    let blocks = plan_blocks(&stft, frames.clone(), BLOCK_CELLS);
    for c in targets {
        let mut changed = Changed {
            signal: &mut channels[c],
            frames: frames.start,
            bins,
            magnitude: &magnitude,
            region: &region,
        };
        let (mut err, mut reference, mut block_report) = (0.0, 0.0, None);
        for block in &blocks {
            progress.check()?;
            // Outside the region only the original is read; inside, the picture's magnitude.
            if let Some(outcome) =
                rebuild_block(&stft, original.len(), block, &mut changed, phase, false, progress)?
            {
                err += outcome.error_sq;
                reference += outcome.reference_sq;
                block_report.get_or_insert(outcome.report);
            }
        }
        if let Some(mut r) = block_report {
            if blocks.len() > 1 {
                r.spectral_convergence_db = if reference > 0.0 {
                    10.0 * (err / reference).log10()
                } else {
                    f64::NEG_INFINITY
                };
                r.history_db.clear();
            }
            report.phase.push(r);
        }
    }
    report.elapsed_s = started.elapsed().as_secs_f64();
    Ok(ImportedSound {
        channels,
        sample_rate: plan.sample_rate,
        center_freq_hz: plan.center_freq_hz,
        report,
    })
}

/// A channel of the original being changed where the picture differs: what a block reads and
/// wants (the picture's magnitude and the changed cells, prepared for `frames..`).
struct Changed<'a, T> {
    signal: &'a mut Vec<T>,
    /// First frame of `magnitude` and `region`.
    frames: usize,
    bins: usize,
    magnitude: &'a [f32],
    region: &'a [f32],
}

impl<T: ReadSamples> BlockSignal<T> for Changed<'_, T> {
    fn read(&mut self, start: i64, out: &mut [T]) {
        out.fill(T::default());
        overlap_add(out, start, self.signal, 0);
    }

    fn target(&mut self, frames: Range<usize>, _: &[Complex32], magnitude: &mut [f32], region: &mut [f32]) {
        let cells = (frames.start - self.frames) * self.bins..(frames.end - self.frames) * self.bins;
        magnitude.copy_from_slice(&self.magnitude[cells.clone()]);
        region.copy_from_slice(&self.region[cells]);
    }

    fn commit(&mut self, start: i64, delta: &[T]) {
        overlap_add(self.signal, 0, delta, start);
    }
}

/// The original must be the recording the picture was drawn from.
fn check_original(original: &dyn SampleSource, meta: &PictureMeta, complex: bool) -> Result<(), ImageError> {
    let mismatch = |what: String| {
        Err(ImageError::Original(format!(
            "the original is not the recording this picture was exported from: {what}"
        )))
    };
    if (original.sample_rate() - meta.sample_rate).abs() > 1e-6 * meta.sample_rate {
        return mismatch(format!(
            "its rate is {} Hz, the picture's {} Hz",
            original.sample_rate(),
            meta.sample_rate
        ));
    }
    if original.len() != meta.signal_len {
        return mismatch(format!(
            "it has {} samples, the picture's recording {}",
            original.len(),
            meta.signal_len
        ));
    }
    if original.channels() != meta.channels {
        return mismatch(format!(
            "it has {} channel(s), the picture's recording {}",
            original.channels(),
            meta.channels
        ));
    }
    if complex != meta.iq {
        return mismatch(if meta.iq {
            "the picture is of IQ, the original is real audio (open it with --iq?)".into()
        } else {
            "the picture is of real audio, the original is IQ".into()
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn taps_average_inside_and_interpolate_between() {
        // Cells 2 pixels wide over 6 pixels: each cell averages its two pixels.
        let (t, shown) = taps(6, (0..3).map(|k| (2.0 * k as f64 + 1.0, 2.0)));
        assert_eq!(t[0], vec![(0, 0.5), (1, 0.5)]);
        assert_eq!(t[2], vec![(4, 0.5), (5, 0.5)]);
        assert_eq!(shown, vec![true; 3]);
        // Cells a quarter pixel wide: interpolation between pixel centres, except for the
        // cell holding a pixel centre.
        let (t, shown) = taps(2, [(1.0, 0.25), (0.5, 0.25), (5.0, 0.25)].into_iter());
        assert_eq!(t[0], vec![(0, 0.5), (1, 0.5)]);
        assert_eq!(t[1], vec![(0, 1.0)]);
        assert!(t[2].is_empty(), "outside the picture");
        assert_eq!(shown, vec![false, true, false]);
    }

    #[test]
    fn matplotlib_and_spectro_codings_differ_by_half_a_step() {
        let picture = Picture {
            width: 2,
            height: 1,
            pixels: Pixels::Rgb8(vec![Colormap::Magma.lut()[0], Colormap::Magma.lut()[255]]),
            text: Vec::new(),
        };
        let options = ImportOptions {
            sample_rate: Some(8000.0),
            duration_s: Some(1.0),
            ..Default::default()
        };
        let plan = plan_import(&picture, &options).unwrap();
        assert_eq!(plan.colors, PictureColors::Palette(Colormap::Magma));
        assert!(plan.color_rms < 1e-9);
        let levels = plot_levels(&picture, &plan);
        assert_eq!(levels.t, vec![0.5 / 256.0, 255.5 / 256.0]);
    }

    #[test]
    fn missing_options_are_named() {
        let picture = Picture {
            width: 4,
            height: 4,
            pixels: Pixels::Rgb8(vec![[0; 3]; 16]),
            text: Vec::new(),
        };
        let err = |o: ImportOptions| plan_import(&picture, &o).unwrap_err().to_string();
        assert!(err(ImportOptions::default()).contains("--sample-rate"));
        let e = err(ImportOptions {
            sample_rate: Some(8000.0),
            ..Default::default()
        });
        assert!(e.contains("--duration") && e.contains("--hop"), "{e}");
        let e = err(ImportOptions {
            sample_rate: Some(8000.0),
            hop: Some(64),
            crop: Some(PixelRect {
                left: 0,
                top: 0,
                right: 5,
                bottom: 4,
            }),
            ..Default::default()
        });
        assert!(e.contains("does not fit"), "{e}");
    }
}
