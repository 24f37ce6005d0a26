//! Spectrogram pictures: dB levels on a grid of columns (time) and rows (frequency), computed
//! by range from any source, original or with edits applied.

use std::ops::Range;

use rayon::prelude::*;
use rustfft::num_complex::Complex32;

use super::mask::MaskRaster;
use crate::signal::levels::power_dbfs;
use crate::signal::raster::{FreqAxis, RowMap, column_frames};
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

/// Computes a level picture of `source`, with `edits` applied when given.
pub fn level_picture<T: ReadSamples>(
    source: &dyn SampleSource,
    stft: &Stft<T>,
    edits: Option<&MaskRaster>,
    request: &PictureRequest,
    progress: &Progress,
) -> LevelPicture {
    let axis = FreqAxis {
        fft_len: stft.fft_len(),
        complex: T::IS_COMPLEX,
        sample_rate: source.sample_rate(),
    };
    let rows = RowMap::new(
        &axis,
        request.scale,
        request.low_hz,
        request.high_hz,
        request.rows,
    );
    let total_frames = stft.num_frames(source.len());
    let channels: Vec<usize> = match request.channel {
        Some(c) => vec![c],
        None => (0..source.channels()).collect(),
    };
    let bins = stft.bins();
    let full_scale = stft.full_scale_magnitude();
    progress.start(request.columns as u64);
    let columns: Vec<Vec<f32>> = (0..request.columns)
        .into_par_iter()
        .map_init(
            || {
                let inputs: Vec<Vec<T>> = vec![Vec::new(); channels.len()];
                (
                    stft.scratch(),
                    inputs,
                    vec![Complex32::default(); bins],
                    vec![1.0f32; bins],
                )
            },
            |(scratch, inputs, spectrum, gains), c| {
                let frames = column_frames(c, request.columns, request.frames.clone());
                let frames =
                    frames.start.min(total_frames.saturating_sub(1))..frames.end.min(total_frames).max(1);
                // Power per display bin: max over the column's frames of the channel mean.
                let mut peak = vec![0.0f32; bins];
                let mut mean = vec![0.0f32; bins];
                let span = stft.frames_span(frames.clone());
                for (input, &ch) in inputs.iter_mut().zip(&channels) {
                    input.resize((span.end - span.start) as usize, T::default());
                    T::read(source, ch, span.start, input);
                }
                for k in frames {
                    mean.fill(0.0);
                    let at = (stft.frame_start(k) - span.start) as usize;
                    for (ci, &ch) in channels.iter().enumerate() {
                        stft.analyse_frame(&inputs[ci][at..at + stft.fft_len()], spectrum, scratch);
                        let gained = edits.is_some_and(|raster| {
                            let levels: Option<Vec<f32>> = raster.needs_levels(ch).then(|| {
                                spectrum
                                    .iter()
                                    .map(|z| power_dbfs(z.norm_sqr(), full_scale))
                                    .collect()
                            });
                            raster.frame_may_change(ch, k)
                                && raster.frame_gains(ch, k, levels.as_deref(), gains)
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
                        *pk = pk.max(m / channels.len() as f32);
                    }
                }
                let bin_db: Vec<f32> = peak.iter().map(|&p| power_dbfs(p, full_scale)).collect();
                let mut col = vec![0.0f32; request.rows];
                rows.apply(&bin_db, &mut col);
                progress.advance(1);
                col
            },
        )
        .collect();
    let mut db = vec![0.0f32; request.rows * request.columns];
    for (c, col) in columns.iter().enumerate() {
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
