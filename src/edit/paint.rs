//! Painted energy: `paint` edits raise quiet cells of a brush stroke to a level and rebuild
//! their phase (PGHI + FGLA by default), so that energy drawn where there was little or none
//! becomes sound. The result is a change to the recording itself, a [`PaintLayer`], which the
//! masks of the other edits then act on: export, the editor's picture and playback all read
//! the recording through a [`PaintedSource`].

use std::ops::Range;
use std::sync::Arc;

use rustfft::num_complex::Complex32;

use super::list::{Edit, PhaseSettings, Shape};
use super::mask::{Grid, MaskRaster};
use crate::signal::phase::{PhaseError, PhaseOptions, PhaseReport, RegionTarget, Start, reconstruct_region};
use crate::signal::{Progress, ReadSamples, SampleSource, Stft, StftSample};

/// The changes paint edits make to one channel: samples to add from `start` on.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ChannelDelta<T> {
    /// First sample changed.
    pub start: i64,
    /// What to add.
    pub delta: Vec<T>,
}

impl<T: StftSample> ChannelDelta<T> {
    fn add(&mut self, start: i64, delta: &[T]) {
        if delta.is_empty() {
            return;
        }
        if self.delta.is_empty() {
            self.start = start;
            self.delta = delta.to_vec();
            return;
        }
        // Grow to cover both ranges, then add.
        let lo = self.start.min(start);
        let hi = (self.start + self.delta.len() as i64).max(start + delta.len() as i64);
        if lo < self.start || hi > self.start + self.delta.len() as i64 {
            let mut grown = vec![T::default(); (hi - lo) as usize];
            let at = (self.start - lo) as usize;
            grown[at..at + self.delta.len()].copy_from_slice(&self.delta);
            self.delta = grown;
            self.start = lo;
        }
        let at = (start - self.start) as usize;
        for (d, &x) in self.delta[at..at + delta.len()].iter_mut().zip(delta) {
            *d += x;
        }
    }

    /// The samples changed.
    pub fn span(&self) -> Range<i64> {
        self.start..self.start + self.delta.len() as i64
    }
}

/// Everything the paint edits of a document change, per channel.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PaintLayer<T> {
    /// One entry per channel of the recording.
    pub channels: Vec<ChannelDelta<T>>,
    /// How well each painted stroke was rebuilt, in edit-list order.
    pub reports: Vec<PhaseReport>,
}

impl<T: StftSample> PaintLayer<T> {
    /// True when no paint edit changed anything.
    pub fn is_empty(&self) -> bool {
        self.channels.iter().all(|c| c.delta.is_empty())
    }

    /// The time span (seconds) the layer changes, if any.
    pub fn time_span_s(&self, sample_rate: f64) -> Option<[f64; 2]> {
        let spans: Vec<Range<i64>> = self
            .channels
            .iter()
            .filter(|c| !c.delta.is_empty())
            .map(|c| c.span())
            .collect();
        let lo = spans.iter().map(|s| s.start).min()?;
        let hi = spans.iter().map(|s| s.end).max()?;
        Some([lo as f64 / sample_rate, hi as f64 / sample_rate])
    }
}

/// True if any edit paints.
pub fn has_paint(edits: &[Edit]) -> bool {
    edits.iter().any(|e| matches!(e.shape, Shape::Paint { .. }))
}

/// A paint stroke's footprint as a brush that removes everything: its mask gain is `1 − m`,
/// with `m` the paint's weight per cell (feathered like a brush).
fn footprint(edit: &Edit) -> Option<(Edit, f64)> {
    let Shape::Paint {
        points,
        radius_s,
        radius_hz,
        level_db,
    } = &edit.shape
    else {
        return None;
    };
    let mut brush = edit.clone();
    brush.shape = Shape::Brush {
        points: points.clone(),
        radius_s: *radius_s,
        radius_hz: *radius_hz,
    };
    brush.gain_db = f64::NEG_INFINITY;
    brush.channels = None;
    Some((brush, *level_db))
}

/// Computes the layer for the paint edits among `edits`, each acting on the recording as the
/// previous ones left it, channel by channel.
pub fn paint_layer<T: ReadSamples>(
    source: &dyn SampleSource,
    stft: &Stft<T>,
    edits: &[Edit],
    settings: PhaseSettings,
    progress: &Progress,
) -> Result<PaintLayer<T>, PhaseError> {
    let channels = source.channels();
    let mut layer = PaintLayer {
        channels: vec![ChannelDelta::default(); channels],
        reports: Vec::new(),
    };
    let grid = Grid {
        sample_rate: source.sample_rate(),
        fft_len: stft.fft_len(),
        hop: stft.hop(),
        complex: T::IS_COMPLEX,
    };
    let total = stft.num_frames(source.len());
    let bins = stft.bins();
    let full_scale = stft.full_scale_magnitude();
    let paints: Vec<&Edit> = edits
        .iter()
        .filter(|e| matches!(e.shape, Shape::Paint { .. }))
        .collect();
    progress.start((paints.len() * channels) as u64);
    for edit in paints {
        let Some((brush, level_db)) = footprint(edit) else {
            continue;
        };
        let level = (10f64.powf(level_db / 20.0) * full_scale as f64) as f32;
        let raster = MaskRaster::new(std::slice::from_ref(&brush), grid);
        let Some([t0, t1]) = brush.time_extent_s(grid.default_feather_s()) else {
            continue;
        };
        let frames = grid.frames_in(t0, t1, total);
        // Two frames of context on each side let the phase join the original smoothly.
        let frames = frames.start.saturating_sub(2)..(frames.end + 2).min(total);
        if frames.is_empty() {
            continue;
        }
        for c in 0..channels {
            progress.check()?;
            if !edit.applies_to(c) {
                progress.advance(1);
                continue;
            }
            let span = stft.frames_span(frames.clone());
            let mut input = vec![T::default(); (span.end - span.start) as usize];
            T::read(source, c, span.start, &mut input);
            let cd = &layer.channels[c];
            overlap_add_into(&mut input, span.start, cd);
            let mut original = vec![Complex32::default(); frames.len() * bins];
            stft.forward(&input, span.start, frames.clone(), &mut original);
            let mut magnitude: Vec<f32> = original.iter().map(|z| z.norm()).collect();
            let mut region = vec![0.0f32; original.len()];
            let mut gains = vec![1.0f32; bins];
            for (i, k) in frames.clone().enumerate() {
                if !raster.frame_gains(0, k, None, &mut gains) {
                    continue;
                }
                let row = i * bins..(i + 1) * bins;
                for ((g, r), s) in gains
                    .iter()
                    .zip(&mut region[row.clone()])
                    .zip(&mut magnitude[row])
                {
                    let m = 1.0 - g;
                    if m > 0.0 {
                        *r = m;
                        *s += m * (level - *s).max(0.0);
                    }
                }
            }
            if region.iter().all(|&w| w == 0.0) {
                progress.advance(1);
                continue;
            }
            let target = RegionTarget {
                frames: frames.clone(),
                signal_len: source.len(),
                original: &original,
                magnitude: &magnitude,
                region: &region,
            };
            let options = PhaseOptions {
                iterations: settings.iterations(),
                start: Start::Phase(&original),
                ..PhaseOptions::new(settings.method)
            };
            let result = reconstruct_region(stft, &target, &options, &Progress::new())?;
            layer.channels[c].add(result.delta_start, &result.delta);
            layer.reports.push(result.report);
            progress.advance(1);
        }
    }
    Ok(layer)
}

fn overlap_add_into<T: StftSample>(out: &mut [T], out_start: i64, cd: &ChannelDelta<T>) {
    crate::signal::stft::overlap_add(out, out_start, &cd.delta, cd.start);
}

/// A recording with a paint layer added.
pub struct PaintedSource<T> {
    base: Arc<dyn SampleSource>,
    layer: Arc<PaintLayer<T>>,
}

impl<T: StftSample> PaintedSource<T> {
    /// `base` with `layer` added.
    pub fn new(base: Arc<dyn SampleSource>, layer: Arc<PaintLayer<T>>) -> Self {
        PaintedSource { base, layer }
    }
}

impl SampleSource for PaintedSource<f32> {
    fn sample_rate(&self) -> f64 {
        self.base.sample_rate()
    }
    fn len(&self) -> u64 {
        self.base.len()
    }
    fn channels(&self) -> usize {
        self.base.channels()
    }
    fn is_complex(&self) -> bool {
        false
    }
    fn read_real(&self, channel: usize, start: i64, out: &mut [f32]) {
        self.base.read_real(channel, start, out);
        if let Some(cd) = self.layer.channels.get(channel) {
            // Only inside the recording: the layer may reach into the padding.
            let len = self.base.len() as i64;
            let lo = (start.max(0) - start).max(0) as usize;
            let hi = ((len - start).clamp(0, out.len() as i64)) as usize;
            if lo < hi {
                crate::signal::stft::overlap_add(&mut out[lo..hi], start + lo as i64, &cd.delta, cd.start);
            }
        }
    }
    fn read_complex(&self, channel: usize, start: i64, out: &mut [Complex32]) {
        let mut re = vec![0.0f32; out.len()];
        self.read_real(channel, start, &mut re);
        for (o, r) in out.iter_mut().zip(re) {
            *o = Complex32::new(r, 0.0);
        }
    }
}

impl SampleSource for PaintedSource<Complex32> {
    fn sample_rate(&self) -> f64 {
        self.base.sample_rate()
    }
    fn len(&self) -> u64 {
        self.base.len()
    }
    fn channels(&self) -> usize {
        self.base.channels()
    }
    fn is_complex(&self) -> bool {
        true
    }
    fn read_real(&self, channel: usize, start: i64, out: &mut [f32]) {
        let mut z = vec![Complex32::default(); out.len()];
        self.read_complex(channel, start, &mut z);
        for (o, v) in out.iter_mut().zip(z) {
            *o = v.re;
        }
    }
    fn read_complex(&self, channel: usize, start: i64, out: &mut [Complex32]) {
        self.base.read_complex(channel, start, out);
        if let Some(cd) = self.layer.channels.get(channel) {
            let len = self.base.len() as i64;
            let lo = (start.max(0) - start).max(0) as usize;
            let hi = ((len - start).clamp(0, out.len() as i64)) as usize;
            if lo < hi {
                crate::signal::stft::overlap_add(&mut out[lo..hi], start + lo as i64, &cd.delta, cd.start);
            }
        }
    }
}
