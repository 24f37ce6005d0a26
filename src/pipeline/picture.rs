//! Spectrogram pictures: dB levels on a grid of columns (time) and rows (frequency), computed
//! by range from any source, original or with edits applied.

use std::ops::Range;

use rayon::prelude::*;

use super::render::GainBlock;
use crate::edit::mask::MaskRaster;
use crate::signal::levels::power_dbfs;
use crate::signal::raster::{FreqAxis, LinearBins, RowMap, column_frames};
use crate::signal::{FreqScale, Progress, ReadSamples, SampleSource, Stft};

/// What picture to compute.
#[derive(Clone, Debug)]
pub struct PictureRequest {
    /// STFT frames to show, left to right.
    pub frames: Range<usize>,
    /// Picture width.
    pub columns: usize,
    /// Picture height.
    pub rows: usize,
    /// Frequency axis.
    pub scale: FreqScale,
    /// Lowest frequency shown (bottom edge), Hz.
    pub low_hz: f64,
    /// Highest frequency shown (top edge), Hz.
    pub high_hz: f64,
    /// One channel, or `None` for all channels (power averaged over channels).
    pub channel: Option<usize>,
}

/// Levels in dBFS, `rows × columns`, top row first.
#[derive(Clone, Debug, PartialEq)]
pub struct LevelPicture {
    /// Width.
    pub columns: usize,
    /// Height.
    pub rows: usize,
    /// `db[row * columns + column]`.
    pub db: Vec<f32>,
}

impl LevelPicture {
    /// The highest level in the picture.
    pub fn max_db(&self) -> f32 {
        self.db.iter().cloned().fold(f32::NEG_INFINITY, f32::max)
    }
}

/// Most level bins a column keeps: longer FFTs are grouped (maximum per group) down to this.
pub const MAX_LEVEL_BINS: usize = 4096;

/// Levels of picture columns in dBFS: `columns × bins.len`, column-major (one column's bins
/// from the lowest frequency up, then the next column).
#[derive(Clone, Debug, PartialEq)]
pub struct ColumnLevels {
    /// Number of columns.
    pub columns: usize,
    /// The frequency bins each column holds.
    pub bins: LinearBins,
    /// `db[column * bins.len + bin]`.
    pub db: Vec<f32>,
}

impl ColumnLevels {
    /// One column's levels, lowest frequency first.
    pub fn column(&self, c: usize) -> &[f32] {
        &self.db[c * self.bins.len..(c + 1) * self.bins.len]
    }
}

/// Most frames analysed together when computing column levels: bounds the memory a worker
/// holds, while denoise steps, which need neighbouring frames, share that context across
/// the columns of a group. Longer when the context is (see [`group_frames`]).
const GROUP_FRAMES: usize = 256;

/// Most STFT cells analysed together: long FFTs (many bins) analyse fewer frames at a time.
const GROUP_CELLS: usize = 1 << 20;
/// Column levels (columns × level bins) a picture holds at a time while drawing.
const LEVEL_SLICE_CELLS: usize = 1 << 22;

/// Frames analysed together under `edits`: [`GROUP_FRAMES`], or four times the context a
/// denoise step analyses on each side (seconds for the automatic estimate), so that the
/// context adds at most half the work; but no more than hold [`GROUP_CELLS`] cells of `bins`.
fn group_frames(edits: Option<&MaskRaster>, channels: &[usize], bins: usize) -> usize {
    let context = edits.map_or(0, |r| {
        channels.iter().map(|&c| r.context_frames(c)).max().unwrap_or(0)
    });
    GROUP_FRAMES.max(4 * context).min((GROUP_CELLS / bins).max(1))
}

/// Computes column levels of `source` (with `edits` applied when given): column `c` of
/// `columns` takes the maximum over its frames (of `frames`) of the power averaged over the
/// chosen channels, per display bin, with bins grouped to at most [`MAX_LEVEL_BINS`].
pub fn column_levels<T: ReadSamples>(
    source: &dyn SampleSource,
    stft: &Stft<T>,
    edits: Option<&MaskRaster>,
    frames: Range<usize>,
    columns: usize,
    channel: Option<usize>,
    progress: &Progress,
) -> ColumnLevels {
    let what = edits.map_or(Levels::Original, Levels::Edited);
    levels_of(source, stft, what, frames, columns, channel, progress)
}

/// Which levels a picture shows.
#[derive(Clone, Copy)]
pub enum Levels<'a> {
    /// The recording's.
    Original,
    /// With these edits applied.
    Edited(&'a MaskRaster),
    /// What these edits remove: each cell's power times `(1 − g)²`, its gain `g` (the gain
    /// mask made visible: bright where much is taken away).
    Removed(&'a MaskRaster),
}

/// As [`column_levels`], for any of the [`Levels`].
pub fn levels_of<T: ReadSamples>(
    source: &dyn SampleSource,
    stft: &Stft<T>,
    what: Levels<'_>,
    frames: Range<usize>,
    columns: usize,
    channel: Option<usize>,
    progress: &Progress,
) -> ColumnLevels {
    levels_of_sampled(source, stft, what, frames, columns, channel, usize::MAX, progress)
}

/// [`column_levels`] looking at no more than `max_frames_per_column` evenly spaced frames of
/// each column: a quick preview of a long stretch (an hour, a gigabyte capture) that reads
/// only those frames' samples (and the context a denoise step needs). Short bursts between
/// the sampled frames can be missed, so the exact pass follows.
#[allow(clippy::too_many_arguments)]
pub fn column_levels_sampled<T: ReadSamples>(
    source: &dyn SampleSource,
    stft: &Stft<T>,
    edits: Option<&MaskRaster>,
    frames: Range<usize>,
    columns: usize,
    channel: Option<usize>,
    max_frames_per_column: usize,
    progress: &Progress,
) -> ColumnLevels {
    let what = edits.map_or(Levels::Original, Levels::Edited);
    levels_of_sampled(
        source,
        stft,
        what,
        frames,
        columns,
        channel,
        max_frames_per_column,
        progress,
    )
}

/// [`levels_of`] with at most `max_frames_per_column` frames per column, as
/// [`column_levels_sampled`].
#[allow(clippy::too_many_arguments)]
pub fn levels_of_sampled<T: ReadSamples>(
    source: &dyn SampleSource,
    stft: &Stft<T>,
    what: Levels<'_>,
    frames: Range<usize>,
    columns: usize,
    channel: Option<usize>,
    max_frames_per_column: usize,
    progress: &Progress,
) -> ColumnLevels {
    levels_of_columns(
        source,
        stft,
        what,
        frames,
        columns,
        0..columns,
        channel,
        max_frames_per_column,
        progress,
    )
}

/// [`levels_of_sampled`] for the columns `cols` of the `columns` only (a picture is computed a
/// slice of columns at a time, so its levels of every bin are never all held at once).
#[allow(clippy::too_many_arguments)]
fn levels_of_columns<T: ReadSamples>(
    source: &dyn SampleSource,
    stft: &Stft<T>,
    what: Levels<'_>,
    frames: Range<usize>,
    columns: usize,
    cols: Range<usize>,
    channel: Option<usize>,
    max_frames_per_column: usize,
    progress: &Progress,
) -> ColumnLevels {
    let max_frames_per_column = max_frames_per_column.max(1);
    let (edits, removed) = match what {
        Levels::Original => (None, false),
        Levels::Edited(r) => (Some(r), false),
        Levels::Removed(r) => (Some(r), true),
    };
    let axis = FreqAxis {
        fft_len: stft.fft_len(),
        complex: T::IS_COMPLEX,
        sample_rate: source.sample_rate(),
    };
    let group = axis.len().div_ceil(MAX_LEVEL_BINS);
    let level_bins = axis.grouped_bins(group);
    let total_frames = stft.num_frames(source.len());
    let channels: Vec<usize> = match channel {
        Some(c) => vec![c],
        None => (0..source.channels()).collect(),
    };
    let bins = stft.bins();
    let full_scale = stft.full_scale_magnitude();
    let per_channel = 1.0 / channels.len() as f32;
    // The frames of each column, clamped to the recording.
    let column_range = |c: usize| {
        let f = column_frames(c, columns, frames.clone());
        f.start.min(total_frames.saturating_sub(1))..f.end.min(total_frames).max(1)
    };
    let group_len = group_frames(edits, &channels, bins);
    // Runs of consecutive columns spanning at most `group_len` frames (or one column).
    let mut groups: Vec<Range<usize>> = Vec::new();
    let mut c = cols.start;
    while c < cols.end {
        let start = column_range(c).start;
        let mut end = c + 1;
        while end < cols.end && column_range(end).end - start <= group_len {
            end += 1;
        }
        groups.push(c..end);
        c = end;
    }
    let db: Vec<Vec<f32>> = groups
        .into_par_iter()
        .map_init(
            || (GainBlock::new(stft), Vec::<f32>::new()),
            |(block, mean), cols| {
                if progress.is_cancelled() {
                    return vec![Vec::new(); cols.len()];
                }
                let ranges: Vec<Range<usize>> = cols.clone().map(column_range).collect();
                let union = ranges[0].start..ranges.iter().map(|r| r.end).max().unwrap_or(ranges[0].end);
                // The runs of frames to analyse: all of them, at most `group_len` at a time,
                // or, sampling, single frames evenly spaced in each column.
                let chunks: Vec<Range<usize>> = if ranges.iter().any(|r| r.len() > max_frames_per_column) {
                    let m = max_frames_per_column;
                    ranges
                        .iter()
                        .flat_map(|r| {
                            let picks = m.min(r.len());
                            (0..picks).map(move |i| {
                                let k = r.start + (2 * i + 1) * r.len() / (2 * picks);
                                k..k + 1
                            })
                        })
                        .collect()
                } else {
                    (union.start..union.end)
                        .step_by(group_len)
                        .map(|at| at..(at + group_len).min(union.end))
                        .collect()
                };
                // Power per display bin: max over each column's frames of the channel mean.
                let mut peaks = vec![vec![0.0f32; bins]; cols.len()];
                for chunk in chunks {
                    mean.clear();
                    mean.resize(chunk.len() * bins, 0.0);
                    for &ch in &channels {
                        block.compute(source, stft, edits, ch, chunk.clone(), total_frames, false);
                        for k in chunk.clone() {
                            let spectrum = block.spectrum(k);
                            let gains = block.gains(k);
                            let row = &mut mean[(k - chunk.start) * bins..(k - chunk.start + 1) * bins];
                            for (d, m) in row.iter_mut().enumerate() {
                                let b = axis.bin_of_display(d);
                                let mut p = spectrum[b].norm_sqr();
                                match (gains, removed) {
                                    (Some(g), false) => p *= g[b] * g[b],
                                    (Some(g), true) => p *= (1.0 - g[b]) * (1.0 - g[b]),
                                    (None, true) => p = 0.0,
                                    (None, false) => {}
                                }
                                *m += p;
                            }
                        }
                    }
                    for (peak, r) in peaks.iter_mut().zip(&ranges) {
                        for k in r.start.max(chunk.start)..r.end.min(chunk.end) {
                            let row = &mean[(k - chunk.start) * bins..(k - chunk.start + 1) * bins];
                            for (pk, &m) in peak.iter_mut().zip(row) {
                                *pk = pk.max(m * per_channel);
                            }
                        }
                    }
                }
                progress.advance(cols.len() as u64);
                peaks
                    .iter()
                    .map(|peak| {
                        peak.chunks(group)
                            .map(|g| power_dbfs(g.iter().cloned().fold(0.0, f32::max), full_scale))
                            .collect()
                    })
                    .collect::<Vec<Vec<f32>>>()
            },
        )
        .flatten()
        .collect();
    ColumnLevels {
        columns: cols.len(),
        bins: level_bins,
        db: db.concat(),
    }
}

/// Computes a level picture of `source`, with `edits` applied when given.
pub fn level_picture<T: ReadSamples>(
    source: &dyn SampleSource,
    stft: &Stft<T>,
    what: Levels<'_>,
    request: &PictureRequest,
    progress: &Progress,
) -> LevelPicture {
    progress.start(request.columns as u64);
    let axis = FreqAxis {
        fft_len: stft.fft_len(),
        complex: T::IS_COMPLEX,
        sample_rate: source.sample_rate(),
    };
    let level_bins = axis.len().min(MAX_LEVEL_BINS);
    // Columns computed at a time: a wide picture of a long FFT would otherwise hold every
    // column's levels of every bin (65535 columns of 32769 bins: 8 GB) before mapping rows.
    let slice = (LEVEL_SLICE_CELLS / level_bins.max(1)).max(1);
    let mut db = vec![0.0f32; request.rows * request.columns];
    let mut col = vec![0.0f32; request.rows];
    let mut first = 0;
    while first < request.columns {
        let cols = first..(first + slice).min(request.columns);
        let levels = levels_of_columns(
            source,
            stft,
            what,
            request.frames.clone(),
            request.columns,
            cols.clone(),
            request.channel,
            usize::MAX,
            progress,
        );
        let rows = RowMap::new(
            &levels.bins,
            request.scale,
            request.low_hz,
            request.high_hz,
            request.rows,
        );
        for (i, c) in cols.clone().enumerate() {
            rows.apply(levels.column(i), &mut col);
            for (r, &v) in col.iter().enumerate() {
                db[r * request.columns + c] = v;
            }
        }
        first = cols.end;
    }
    LevelPicture {
        columns: request.columns,
        rows: request.rows,
        db,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::signal::{Convention, MemorySource, StftParams};

    fn source() -> MemorySource<f32> {
        // A steady 1 kHz sine at -6 dBFS, plus one 5 ms click at 0.5 s.
        let fs = 48_000.0;
        let x = (0..96_000)
            .map(|n| {
                let click = if (24_000..24_240).contains(&n) { 0.9 } else { 0.0 };
                (0.5 * (std::f64::consts::TAU * 1000.0 * n as f64 / fs).sin()) as f32 + click
            })
            .collect();
        MemorySource {
            sample_rate: fs,
            channels: vec![x],
        }
    }

    #[test]
    fn sampled_levels_agree_on_steady_sound_and_equal_exact_when_not_sampling() {
        let src = source();
        let stft = Stft::<f32>::new(StftParams::with_fft(1024), Convention::Scipy).unwrap();
        let frames = 0..stft.num_frames(src.len());
        let p = Progress::new();
        let exact = column_levels(&src, &stft, None, frames.clone(), 8, None, &p);
        let all = column_levels_sampled(&src, &stft, None, frames.clone(), 8, None, 10_000, &p);
        assert_eq!(exact, all);
        let preview = column_levels_sampled(&src, &stft, None, frames, 8, None, 2, &p);
        let bin = exact.bins.position(1000.0).round() as usize;
        for c in 0..8 {
            let (e, s) = (exact.column(c)[bin], preview.column(c)[bin]);
            assert!((e - s).abs() < 0.5, "column {c}: exact {e} dB, preview {s} dB");
        }
        // The exact pass sees the click at 10 kHz around 0.5 s; the preview's two frames of
        // that column do not.
        let hi = exact.bins.position(10_000.0).round() as usize;
        let c = (0..8)
            .max_by(|&a, &b| exact.column(a)[hi].total_cmp(&exact.column(b)[hi]))
            .unwrap();
        assert!((1..=2).contains(&c), "the click is at 0.5 s of 2 s: column {c}");
        assert!(exact.column(c)[hi] > preview.column(c)[hi] + 20.0);
    }

    #[test]
    fn sampled_levels_apply_denoise_and_show_what_it_removes() {
        // A 1 kHz tone from 0.25 s on, in white noise throughout; the noise learnt from the
        // first 0.25 s.
        let fs = 48_000.0;
        let mut state = 1u32;
        let x = (0..96_000)
            .map(|n| {
                state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                let noise = 0.02 * (state as f32 / u32::MAX as f32 - 0.5);
                let tone = if n >= 12_000 {
                    0.3 * (std::f64::consts::TAU * 1000.0 * n as f64 / fs).sin()
                } else {
                    0.0
                };
                noise + tone as f32
            })
            .collect();
        let src = MemorySource {
            sample_rate: fs,
            channels: vec![x],
        };
        let stft = Stft::<f32>::new(StftParams::with_fft(1024), Convention::Scipy).unwrap();
        let edits = [crate::edit::Edit::denoise(crate::edit::Denoise::learn(
            [0.0, 0.25],
            None,
        ))];
        let raster = MaskRaster::new(&edits, crate::pipeline::render::grid_for(&stft, &src));
        let frames = 0..stft.num_frames(src.len());
        let p = Progress::new();
        let levels =
            |what, per_column| levels_of_sampled(&src, &stft, what, frames.clone(), 8, None, per_column, &p);
        let original = levels(Levels::Original, 2);
        let edited = levels(Levels::Edited(&raster), 2);
        let exact = levels(Levels::Edited(&raster), usize::MAX);
        let removed = levels(Levels::Removed(&raster), 2);
        let tone = exact.bins.position(1000.0).round() as usize;
        let hiss = exact.bins.position(15_000.0).round() as usize;
        for c in 2..8 {
            let at = |l: &ColumnLevels, b: usize| l.column(c)[b];
            assert!(
                (at(&edited, tone) - at(&exact, tone)).abs() < 0.5,
                "column {c}: the tone"
            );
            assert!(
                (at(&edited, tone) - at(&original, tone)).abs() < 0.5,
                "column {c}: the tone kept"
            );
            assert!(
                at(&edited, hiss) < at(&original, hiss) - 10.0,
                "column {c}: the noise goes"
            );
            assert!(
                at(&removed, hiss) > at(&original, hiss) - 3.0,
                "column {c}: removed is the noise: {} vs {} dB",
                at(&removed, hiss),
                at(&original, hiss)
            );
            assert!(
                at(&removed, tone) < at(&original, tone) - 20.0,
                "column {c}: not the tone"
            );
        }
    }
}
