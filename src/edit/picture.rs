//! Spectrogram pictures: dB levels on a grid of columns (time) and rows (frequency), computed
//! by range from any source, original or with edits applied.

use std::ops::Range;

use rayon::prelude::*;
use rustfft::num_complex::Complex32;

use super::mask::MaskRaster;
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
    column_levels_sampled(
        source,
        stft,
        edits,
        frames,
        columns,
        channel,
        usize::MAX,
        progress,
    )
}

/// [`column_levels`] looking at no more than `max_frames_per_column` evenly spaced frames of
/// each column: a quick preview of a long stretch (an hour, a gigabyte capture) that reads
/// only those frames' samples. Short bursts between the sampled frames can be missed, so the
/// exact pass follows.
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
    let max_frames_per_column = max_frames_per_column.max(1);
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
    let db: Vec<Vec<f32>> = (0..columns)
        .into_par_iter()
        .map_init(
            || {
                let inputs: Vec<Vec<T>> = vec![Vec::new(); channels.len()];
                (
                    stft.scratch(),
                    inputs,
                    vec![Complex32::default(); bins],
                    vec![1.0f32; bins],
                    vec![0.0f32; bins],
                )
            },
            |(scratch, inputs, spectrum, gains, levels), c| {
                if progress.is_cancelled() {
                    return Vec::new();
                }
                let frames = column_frames(c, columns, frames.clone());
                let frames =
                    frames.start.min(total_frames.saturating_sub(1))..frames.end.min(total_frames).max(1);
                // Power per display bin: max over the column's frames of the channel mean.
                let mut peak = vec![0.0f32; bins];
                let mut mean = vec![0.0f32; bins];
                let every = frames.len() <= max_frames_per_column;
                let span = stft.frames_span(frames.clone());
                let picks: Vec<usize> = if every {
                    for (input, &ch) in inputs.iter_mut().zip(&channels) {
                        input.resize((span.end - span.start) as usize, T::default());
                        T::read(source, ch, span.start, input);
                    }
                    frames.collect()
                } else {
                    let (n, m) = (frames.len(), max_frames_per_column);
                    (0..m).map(|i| frames.start + (2 * i + 1) * n / (2 * m)).collect()
                };
                for k in picks {
                    mean.fill(0.0);
                    let at = if every {
                        (stft.frame_start(k) - span.start) as usize
                    } else {
                        // Sampled: read just this frame.
                        for (input, &ch) in inputs.iter_mut().zip(&channels) {
                            input.resize(stft.fft_len(), T::default());
                            T::read(source, ch, stft.frame_start(k), input);
                        }
                        0
                    };
                    for (ci, &ch) in channels.iter().enumerate() {
                        stft.analyse_frame(&inputs[ci][at..at + stft.fft_len()], spectrum, scratch);
                        let gained = edits.is_some_and(|raster| {
                            if !raster.frame_may_change(ch, k) {
                                return false;
                            }
                            let lv = raster.needs_levels(ch).then(|| {
                                for (l, z) in levels.iter_mut().zip(spectrum.iter()) {
                                    *l = power_dbfs(z.norm_sqr(), full_scale);
                                }
                                &levels[..]
                            });
                            raster.frame_gains(ch, k, lv, gains)
                        });
                        for (d, m) in mean.iter_mut().enumerate() {
                            let b = axis.bin_of_display(d);
                            let mut p = spectrum[b].norm_sqr();
                            if gained {
                                p *= gains[b] * gains[b];
                            }
                            *m += p;
                        }
                    }
                    for (pk, &m) in peak.iter_mut().zip(&mean) {
                        *pk = pk.max(m * per_channel);
                    }
                }
                progress.advance(1);
                peak.chunks(group)
                    .map(|g| power_dbfs(g.iter().cloned().fold(0.0, f32::max), full_scale))
                    .collect()
            },
        )
        .collect();
    ColumnLevels {
        columns,
        bins: level_bins,
        db: db.concat(),
    }
}

/// Computes a level picture of `source`, with `edits` applied when given.
pub fn level_picture<T: ReadSamples>(
    source: &dyn SampleSource,
    stft: &Stft<T>,
    edits: Option<&MaskRaster>,
    request: &PictureRequest,
    progress: &Progress,
) -> LevelPicture {
    progress.start(request.columns as u64);
    let levels = column_levels(
        source,
        stft,
        edits,
        request.frames.clone(),
        request.columns,
        request.channel,
        progress,
    );
    let rows = RowMap::new(
        &levels.bins,
        request.scale,
        request.low_hz,
        request.high_hz,
        request.rows,
    );
    let mut db = vec![0.0f32; request.rows * request.columns];
    let mut col = vec![0.0f32; request.rows];
    for c in 0..levels.columns {
        rows.apply(levels.column(c), &mut col);
        for (r, &v) in col.iter().enumerate() {
            db[r * request.columns + c] = v;
        }
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
}
