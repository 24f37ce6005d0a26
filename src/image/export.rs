//! Exporting a spectrogram picture: the plot (one pixel per STFT cell or any size), optional
//! axes and colour bar around it, and the metadata that lets [`super::import`] turn it back into
//! sound without options.

use std::ops::Range;
use std::path::Path;

use super::ImageError;
use super::font::{self, Canvas};
use crate::io::FileError;
use crate::io::picture::{
    MAX_SIDE, META_KEY, META_VERSION, PictureColors, PictureMeta, PixelFormat, PixelRect, png_bytes,
    write_png,
};
use crate::pipeline::picture::{Levels, MAX_LEVEL_BINS, PictureRequest, level_picture};
use crate::signal::colormap::level_index;
use crate::signal::raster::FreqAxis;
use crate::signal::{Convention, FreqScale, Progress, ReadSamples, SampleSource, Stft};

/// How large the plot is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PlotSize {
    /// One pixel per STFT cell: a column per frame, a row per bin (linear axis only).
    Cells,
    /// A chosen size; columns take the maximum over their frames, rows over their bins.
    Pixels {
        /// Columns.
        width: usize,
        /// Rows.
        height: usize,
    },
}

/// What picture to export.
#[derive(Clone, Debug, PartialEq)]
pub struct ExportSettings {
    /// STFT frames shown, left to right.
    pub frames: Range<usize>,
    /// Plot size.
    pub size: PlotSize,
    /// Frequency axis.
    pub scale: FreqScale,
    /// Frequencies at the bottom and top edges, Hz; `None` for the whole band (its bin edges
    /// with [`PlotSize::Cells`]).
    pub freq_hz: Option<[f64; 2]>,
    /// One channel, or `None` for the mean power of all.
    pub channel: Option<usize>,
    /// Dynamic range below the ceiling, dB.
    pub range_db: f32,
    /// Level drawn brightest, dBFS; `None` for the loudest cell shown (rounded up to 1 dB).
    pub ceiling_db: Option<f32>,
    /// How levels become pixels.
    pub colors: PictureColors,
    /// Draw axes with labels and a colour bar around the plot.
    pub axes: bool,
}

/// An exported picture, ready to write.
#[derive(Clone, Debug, PartialEq)]
pub struct ExportedPicture {
    /// What it shows and how, as stored in the PNG.
    pub meta: PictureMeta,
    /// Pixel layout.
    pub format: PixelFormat,
    /// Pixel bytes as PNG stores them (RGB triplets, or big-endian 16-bit grey).
    pub bytes: Vec<u8>,
}

impl ExportedPicture {
    fn text(&self) -> [(&'static str, String); 2] {
        [
            (META_KEY, self.meta.to_json()),
            (
                "Software",
                concat!("spectro ", env!("CARGO_PKG_VERSION")).to_owned(),
            ),
        ]
    }

    /// Writes the PNG atomically, never over one of `inputs`, over another existing file only
    /// when `force`.
    pub fn write(&self, path: &Path, inputs: &[&Path], force: bool) -> Result<(), FileError> {
        write_png(
            path,
            self.meta.width,
            self.meta.height,
            self.format,
            &self.bytes,
            &self.text(),
            inputs,
            force,
        )
    }

    /// The PNG file's bytes.
    pub fn png(&self) -> Vec<u8> {
        // Encoding into memory only fails for inconsistent sizes, which export never makes.
        png_bytes(
            self.meta.width,
            self.meta.height,
            self.format,
            &self.bytes,
            &self.text(),
        )
        .unwrap_or_default()
    }
}

/// The bottom and top frequencies of a plot of `axis` showing every bin edge to edge.
pub fn cell_edges_hz(axis: &FreqAxis) -> [f64; 2] {
    let half = axis.bin_hz() / 2.0;
    [axis.first_hz() - half, axis.last_hz() + half]
}

/// Draws the spectrogram of `source` (the recording, edited, or what edits remove) as a
/// picture.
///
/// `center_freq_hz` is recorded for IQ recordings. Cancelling through `progress` returns
/// [`ImageError::Cancelled`].
pub fn export_picture<T: ReadSamples>(
    source: &dyn SampleSource,
    center_freq_hz: Option<f64>,
    stft: &Stft<T>,
    what: Levels<'_>,
    settings: &ExportSettings,
    progress: &Progress,
) -> Result<ExportedPicture, ImageError> {
    let fs = source.sample_rate();
    let axis = FreqAxis {
        fft_len: stft.fft_len(),
        complex: T::IS_COMPLEX,
        sample_rate: fs,
    };
    let bad = |m: String| Err(ImageError::Settings(m));
    if T::IS_COMPLEX && settings.scale != FreqScale::Linear {
        return bad(format!(
            "the {} scale needs a real signal; IQ spectra are two-sided, use the linear scale",
            settings.scale
        ));
    }
    if let Some(c) = settings.channel.filter(|&c| c >= source.channels()) {
        return bad(format!(
            "channel {c}: the recording has {} channel(s), numbered from 0",
            source.channels()
        ));
    }
    if !(settings.range_db > 0.0 && settings.range_db.is_finite()) {
        return bad("the dB range must be a positive number".into());
    }
    let total = stft.num_frames(source.len());
    let frames = settings.frames.start.min(total)..settings.frames.end.min(total);
    if frames.is_empty() {
        return bad(format!(
            "the time range selects no frames (the recording is {:.3} s long)",
            source.duration_s()
        ));
    }
    let (columns, rows, [low_hz, high_hz]) = match settings.size {
        PlotSize::Cells => {
            if settings.scale != FreqScale::Linear {
                return bad("one pixel per cell needs the linear scale".into());
            }
            if axis.len() > MAX_LEVEL_BINS {
                return bad(format!(
                    "one pixel per cell needs at most {MAX_LEVEL_BINS} bins (an FFT of {} or less)",
                    if T::IS_COMPLEX {
                        MAX_LEVEL_BINS
                    } else {
                        2 * (MAX_LEVEL_BINS - 1)
                    }
                ));
            }
            if settings.freq_hz.is_some() {
                return bad("one pixel per cell shows the whole band; leave out the frequency range".into());
            }
            (frames.len(), axis.len(), cell_edges_hz(&axis))
        }
        PlotSize::Pixels { width, height } => {
            let range = settings.freq_hz.unwrap_or(if T::IS_COMPLEX {
                [-fs / 2.0, fs / 2.0]
            } else {
                [settings.scale.default_low_hz(fs, stft.fft_len()), fs / 2.0]
            });
            (width.max(1), height.max(1), range)
        }
    };
    if !(low_hz < high_hz && low_hz.is_finite() && high_hz.is_finite()) {
        return bad(format!("the frequency range {low_hz}..{high_hz} Hz is empty"));
    }
    if settings.scale == FreqScale::Log && low_hz <= 0.0 {
        return bad("the log scale needs a positive lower frequency".into());
    }
    if columns > MAX_SIDE as usize || rows > MAX_SIDE as usize {
        return bad(format!(
            "the plot would be {columns} × {rows} pixels; pictures are limited to {MAX_SIDE} a side"
        ));
    }
    let layout = if settings.axes {
        Layout::with_axes(columns as u32, rows as u32, settings.colors)
    } else {
        Layout::bare(columns as u32, rows as u32)
    };
    if layout.width > MAX_SIDE || layout.height > MAX_SIDE {
        return bad(format!(
            "with axes the picture would exceed {MAX_SIDE} pixels a side"
        ));
    }
    // Bounded before the levels are computed below: about 10 bytes of memory per pixel.
    crate::signal::limits::check_picture_size(layout.width as usize, layout.height as usize)
        .map_err(ImageError::Settings)?;
    let request = PictureRequest {
        frames: frames.clone(),
        columns,
        rows,
        scale: settings.scale,
        low_hz,
        high_hz,
        channel: settings.channel,
    };
    let picture = level_picture(source, stft, what, &request, progress);
    progress.check()?;
    let ceiling_db = settings.ceiling_db.unwrap_or_else(|| picture.max_db().ceil());
    let floor_db = ceiling_db - settings.range_db;

    let mut canvas = Canvas::new(layout.width, layout.height, BACKGROUND);
    let times = TimeAxis {
        first_frame: frames.start,
        frames: frames.len(),
        seconds_per_frame: stft.hop() as f64 / fs,
    };
    if settings.axes {
        draw_axes(
            &mut canvas,
            &layout,
            settings.scale,
            [low_hz, high_hz],
            &times,
            [floor_db, ceiling_db],
            settings.colors,
        );
    }
    let plot = layout.plot;
    let in_plot = |x: u32, y: u32| x >= plot.left && x < plot.right && y >= plot.top && y < plot.bottom;
    let level_at = |x: u32, y: u32| picture.db[(y - plot.top) as usize * columns + (x - plot.left) as usize];
    let (format, bytes) = match settings.colors {
        PictureColors::Palette(map) => {
            let lut = map.lut();
            let mut bytes = canvas.rgb;
            for y in plot.top..plot.bottom {
                for x in plot.left..plot.right {
                    let i = (y as usize * layout.width as usize + x as usize) * 3;
                    let c = lut[level_index(level_at(x, y), floor_db, ceiling_db) as usize];
                    bytes[i..i + 3].copy_from_slice(&c);
                }
            }
            (PixelFormat::Rgb8, bytes)
        }
        PictureColors::Gray16 => {
            let mut bytes = Vec::with_capacity(layout.width as usize * layout.height as usize * 2);
            for y in 0..layout.height {
                for x in 0..layout.width {
                    let v = if in_plot(x, y) {
                        gray16_code(level_at(x, y), floor_db, ceiling_db)
                    } else {
                        canvas.rgb[(y as usize * layout.width as usize + x as usize) * 3] as u16 * 257
                    };
                    bytes.extend_from_slice(&v.to_be_bytes());
                }
            }
            (PixelFormat::Gray16, bytes)
        }
    };
    let hop = stft.hop();
    let meta = PictureMeta {
        version: META_VERSION,
        generator: concat!("spectro ", env!("CARGO_PKG_VERSION")).to_owned(),
        sample_rate: fs,
        iq: T::IS_COMPLEX,
        center_freq_hz: if T::IS_COMPLEX { center_freq_hz } else { None },
        duration_s: source.duration_s(),
        signal_len: source.len(),
        start_s: (frames.start * hop) as f64 / fs,
        frames: [frames.start, frames.end],
        fft: stft.fft_len(),
        hop,
        window: stft.params().window,
        convention: Convention::Scipy,
        scale: settings.scale,
        freq_hz: [low_hz, high_hz],
        floor_db,
        ceiling_db,
        colors: settings.colors,
        channel: settings.channel,
        channels: source.channels(),
        cells: settings.size == PlotSize::Cells,
        width: layout.width,
        height: layout.height,
        plot,
    };
    Ok(ExportedPicture { meta, format, bytes })
}

/// The 16-bit grey code of a level: `0` at the floor, `65535` at the ceiling.
pub fn gray16_code(db: f32, floor_db: f32, ceiling_db: f32) -> u16 {
    let t = (db - floor_db) / (ceiling_db - floor_db);
    (t.clamp(0.0, 1.0) * 65535.0 + 0.5) as u16
}

const BACKGROUND: [u8; 3] = [24, 24, 24];
const INK: [u8; 3] = [220, 220, 220];

/// Where the plot, the axes and the colour bar go.
struct Layout {
    width: u32,
    height: u32,
    plot: PixelRect,
    /// Glyph scale.
    scale: u32,
    /// Colour bar columns, `None` without axes.
    bar: Option<(u32, u32)>,
}

impl Layout {
    fn bare(columns: u32, rows: u32) -> Self {
        Layout {
            width: columns,
            height: rows,
            plot: PixelRect::whole(columns, rows),
            scale: 1,
            bar: None,
        }
    }

    fn with_axes(columns: u32, rows: u32, _colors: PictureColors) -> Self {
        let s = if rows >= 480 { 2 } else { 1 };
        let text_h = font::HEIGHT * s;
        // Left: labels of up to six characters ("-1.25M"), a gap and the tick.
        let left = font::text_width("-1.25M", s) + 10 * s;
        let top = text_h + 8 * s;
        let bottom = 6 * s + text_h + 6 * s;
        // Right: a gap, the bar, its ticks and labels of up to four characters ("-120").
        let bar0 = columns + left + 10 * s;
        let bar1 = bar0 + 12 * s;
        let right = 10 * s + 12 * s + 6 * s + font::text_width("-120", s) + 6 * s;
        Layout {
            width: left + columns + right,
            height: top + rows + bottom,
            plot: PixelRect {
                left,
                top,
                right: left + columns,
                bottom: top + rows,
            },
            scale: s,
            bar: Some((bar0, bar1)),
        }
    }
}

/// The time axis of a plot: frames shown and their spacing.
struct TimeAxis {
    first_frame: usize,
    frames: usize,
    seconds_per_frame: f64,
}

/// A "nice" step (1, 2 or 5 × 10^k) at least `raw`.
fn nice_step(raw: f64) -> f64 {
    let p = 10f64.powf(raw.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * p)
        .find(|&s| s >= raw)
        .unwrap_or(10.0 * p)
}

/// A short label for a value: `1.5k`, `250`, `-2M`.
fn short_label(v: f64) -> String {
    let (scaled, suffix) = match v.abs() {
        a if a >= 1e9 => (v / 1e9, "G"),
        a if a >= 1e6 => (v / 1e6, "M"),
        a if a >= 1e3 => (v / 1e3, "k"),
        _ => (v, ""),
    };
    let mut s = format!("{scaled:.2}");
    while s.contains('.') && (s.ends_with('0') || s.ends_with('.')) {
        s.pop();
    }
    if s == "-0" {
        s = "0".into();
    }
    format!("{s}{suffix}")
}

/// Frequencies to label on a `rows`-pixel axis, at least `spacing` pixels apart: for a linear
/// axis multiples of a nice step; otherwise 0, powers of ten and their doubles and fives, most
/// important first.
fn freq_ticks(scale: FreqScale, range: [f64; 2], rows: f64, spacing: f64) -> Vec<f64> {
    let [lo, hi] = range;
    let mut candidates: Vec<f64> = Vec::new();
    if scale == FreqScale::Linear {
        let step = nice_step((hi - lo) * spacing / rows.max(1.0));
        let mut f = (lo / step).ceil() * step;
        while f <= hi {
            candidates.push(f);
            f += step;
        }
    } else {
        candidates.push(0.0);
        for m in [1.0, 2.0, 5.0] {
            for e in 0..=10 {
                let f = m * 10f64.powi(e);
                candidates.push(f);
                candidates.push(-f);
            }
        }
    }
    let pos = |f: f64| scale.position_of(f, lo, hi) * rows;
    let mut chosen: Vec<f64> = Vec::new();
    for f in candidates {
        if f < lo || f > hi || (scale == FreqScale::Log && f <= 0.0) {
            continue;
        }
        let p = pos(f);
        if p.is_finite() && chosen.iter().all(|&c| (pos(c) - p).abs() >= spacing) {
            chosen.push(f);
        }
    }
    chosen
}

fn draw_axes(
    canvas: &mut Canvas,
    layout: &Layout,
    scale: FreqScale,
    freq_hz: [f64; 2],
    times: &TimeAxis,
    levels_db: [f32; 2],
    colors: PictureColors,
) {
    let s = layout.scale;
    let si = s as i64;
    let plot = layout.plot;
    let (l, t, r, b) = (
        plot.left as i64,
        plot.top as i64,
        plot.right as i64,
        plot.bottom as i64,
    );
    let text_h = (font::HEIGHT * s) as i64;
    // Frame around the plot.
    canvas.fill(l - 1, t - 1, r + 1, t, INK);
    canvas.fill(l - 1, b, r + 1, b + 1, INK);
    canvas.fill(l - 1, t - 1, l, b + 1, INK);
    canvas.fill(r, t - 1, r + 1, b + 1, INK);

    // Frequency axis: ticks and labels on the left, the unit above.
    let rows = plot.height() as f64;
    for f in freq_ticks(scale, freq_hz, rows, (text_h + 6 * si) as f64) {
        let y = b - (scale.position_of(f, freq_hz[0], freq_hz[1]) * rows).round() as i64;
        canvas.fill(l - 1 - 4 * si, y, l - 1, y + 1, INK);
        let label = short_label(f);
        let w = font::text_width(&label, s) as i64;
        let ty = (y - text_h / 2).clamp(0, canvas.height as i64 - text_h);
        canvas.text(l - 1 - 6 * si - w, ty, &label, s, INK);
    }
    canvas.text(
        l - font::text_width("Hz", s) as i64 - 6 * si,
        t - text_h - 4 * si,
        "Hz",
        s,
        INK,
    );

    // Time axis: ticks and labels below, the unit at the right end.
    let t0 = times.first_frame as f64 * times.seconds_per_frame;
    let span = times.frames as f64 * times.seconds_per_frame;
    let columns = plot.width() as f64;
    let label_w = font::text_width("00.000", s) as f64 + 12.0 * s as f64;
    let step = nice_step((span * label_w / columns.max(1.0)).max(1e-6));
    let mut k = (t0 / step).ceil();
    while k * step <= t0 + span {
        let time = k * step;
        let x = l + ((time - t0) / span * columns).round() as i64;
        canvas.fill(x, b + 1, x + 1, b + 1 + 4 * si, INK);
        let label = short_label_time(time, step);
        let w = font::text_width(&label, s) as i64;
        canvas.text(x - w / 2, b + 6 * si, &label, s, INK);
        k += 1.0;
    }
    canvas.text(r + 4 * si, b + 6 * si, "s", s, INK);

    // Colour bar: the palette from the ceiling (top) to the floor, with dB labels.
    if let Some((x0, x1)) = layout.bar {
        let lut = match colors {
            PictureColors::Palette(map) => map.lut(),
            PictureColors::Gray16 => crate::signal::Colormap::Gray.lut(),
        };
        let h = (b - t).max(1);
        for y in t..b {
            let v = 1.0 - (y - t) as f64 / (h - 1).max(1) as f64;
            let c = lut[(v * 255.0).round() as usize];
            canvas.fill(x0 as i64, y, x1 as i64, y + 1, c);
        }
        let [floor, ceiling] = levels_db;
        let range = (ceiling - floor) as f64;
        let step = nice_step(range * (2 * text_h + 6 * si) as f64 / h as f64).max(1.0);
        let mut k = (floor as f64 / step).ceil();
        while k * step <= ceiling as f64 + 1e-9 {
            let db = k * step;
            let y = b - 1 - ((db - floor as f64) / range * (h - 1) as f64).round() as i64;
            canvas.fill(x1 as i64, y, x1 as i64 + 3 * si, y + 1, INK);
            let ty = (y - text_h / 2).clamp(0, canvas.height as i64 - text_h);
            canvas.text(x1 as i64 + 5 * si, ty, &format!("{db:.0}"), s, INK);
            k += 1.0;
        }
        canvas.text(x0 as i64, t - text_h - 4 * si, "dB", s, INK);
    }
}

/// A time label with as many decimals as the step needs.
fn short_label_time(time: f64, step: f64) -> String {
    let decimals = if step >= 1.0 {
        0
    } else {
        (-step.log10()).ceil() as usize
    };
    format!("{time:.decimals$}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_and_steps_are_short() {
        assert_eq!(short_label(1500.0), "1.5k");
        assert_eq!(short_label(250.0), "250");
        assert_eq!(short_label(-2e6), "-2M");
        assert_eq!(short_label(0.0), "0");
        assert_eq!(nice_step(0.3), 0.5);
        assert_eq!(nice_step(7.0), 10.0);
        assert_eq!(short_label_time(1.5, 0.5), "1.5");
        assert_eq!(short_label_time(2.0, 1.0), "2");
    }

    #[test]
    fn log_ticks_are_spaced() {
        let ticks = freq_ticks(FreqScale::Log, [20.0, 20000.0], 300.0, 20.0);
        assert!(ticks.contains(&100.0) && ticks.contains(&1000.0) && ticks.contains(&10000.0));
        let pos: Vec<f64> = ticks
            .iter()
            .map(|&f| FreqScale::Log.position_of(f, 20.0, 20000.0) * 300.0)
            .collect();
        for (i, a) in pos.iter().enumerate() {
            for b in &pos[i + 1..] {
                assert!((a - b).abs() >= 20.0);
            }
        }
        let lin = freq_ticks(FreqScale::Linear, [0.0, 24000.0], 400.0, 20.0);
        assert_eq!(lin[0], 0.0);
        assert!(lin.len() >= 5 && lin.len() <= 21, "{lin:?}");
    }
}
