//! Painted energy: `paint` edits raise quiet cells of a brush stroke to a level and rebuild
//! their phase (PGHI + FGLA by default), so that energy drawn where there was little or none
//! becomes sound. The result is a change to the recording itself, a [`PaintLayer`], which the
//! masks of the other edits then act on: export, the editor's picture and playback all read
//! the recording through a [`PaintedSource`].
//!
//! Memory follows the strokes, not the recording: each stroke's change is stored over its own
//! time span (two short strokes at the two ends of an hour hold two short buffers), and each
//! stroke is rebuilt in blocks of at most [`BLOCK_CELLS`] STFT cells
//! ([`reconstruct_region_blocks`]), so an hour-long stroke never needs an hour-long STFT.

use std::ops::{Deref, Range};
use std::sync::Arc;

use rustfft::num_complex::Complex32;

use super::declick::declick_channel;
use super::repair::{RepairReport, repair_edit};
use crate::edit::list::{Edit, PhaseSettings, Shape};
use crate::edit::mask::MaskRaster;
use crate::signal::declick::{Click, DeclickSample};
use crate::signal::dehum::model::Complex64;
use crate::signal::dehum::{DehumReport, DehumSettings, HumModel, dehum_channel};
use crate::signal::phase::{
    BLOCK_CELLS, BlockSignal, PhaseError, PhaseOptions, PhaseReport, reconstruct_region_blocks,
};
use crate::signal::stft::overlap_add;
use crate::signal::{Progress, ReadSamples, SampleSource, Stft, StftSample};

/// The change one paint stroke makes to one channel: samples to add from `start` on.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ChannelDelta<T> {
    /// First sample changed.
    pub start: i64,
    /// What to add.
    pub delta: Vec<T>,
}

impl<T: StftSample> ChannelDelta<T> {
    /// Adds `delta`, for samples from `start`, growing the span to cover it.
    pub(crate) fn add(&mut self, start: i64, delta: &[T]) {
        if delta.is_empty() {
            return;
        }
        if self.delta.is_empty() {
            self.start = start;
            self.delta = delta.to_vec();
            return;
        }
        let end = self.start + self.delta.len() as i64;
        let hi = end.max(start + delta.len() as i64);
        if start < self.start {
            let mut grown = vec![T::default(); (hi - start) as usize];
            let at = (self.start - start) as usize;
            grown[at..at + self.delta.len()].copy_from_slice(&self.delta);
            self.delta = grown;
            self.start = start;
        } else if hi > end {
            // Blocks of one stroke arrive in time order: grow in place, exactly (a doubling
            // would hold up to twice an hour-long stroke).
            let more = (hi - end) as usize;
            self.delta.reserve_exact(more);
            self.delta.resize(self.delta.len() + more, T::default());
        }
        overlap_add(&mut self.delta, self.start, delta, start);
    }

    /// The samples changed.
    pub fn span(&self) -> Range<i64> {
        self.start..self.start + self.delta.len() as i64
    }
}

/// Everything the paint edits of a document change: per channel, each stroke's change over
/// its own span, in edit-list order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PaintLayer<T> {
    /// One entry per channel of the recording: the changes of the strokes painted on it.
    pub channels: Vec<Vec<ChannelDelta<T>>>,
    /// How well each painted stroke was rebuilt, in edit-list order.
    pub reports: Vec<PhaseReport>,
    /// What each repair did (per edit and channel it changed), in edit-list order.
    pub repairs: Vec<RepairReport>,
    /// The clicks de-click steps found and repaired: `(channel, click)`, in edit-list order.
    pub clicks: Vec<(usize, Click)>,
    /// The hum de-hum steps remove: `(channel, model)`, in edit-list order. A model is
    /// compact (a track and amplitudes a quarter second apart); its hum is synthesised
    /// whenever a range is read, never stored as samples.
    pub hums: Vec<(usize, HumModel)>,
    /// What each de-hum step found: `(channel, report)`, in edit-list order.
    pub dehums: Vec<(usize, DehumReport)>,
}

impl<T: StftSample> PaintLayer<T> {
    /// True when no paint edit changed anything.
    pub fn is_empty(&self) -> bool {
        self.channels.iter().flatten().all(|d| d.delta.is_empty())
            && self.hums.iter().all(|(_, h)| h.is_empty())
    }

    /// Samples held, over all channels and strokes: what the layer costs in memory.
    pub fn samples_held(&self) -> usize {
        self.channels.iter().flatten().map(|d| d.delta.len()).sum()
    }

    /// Adds channel `channel`'s changes to `out`, which holds samples `start..start +
    /// out.len()` of a recording `len` samples long; nothing is added outside `0..len` (the
    /// changes may reach into the padding around the recording).
    ///
    /// Where strokes overlap, their changes are summed first, in stroke order, and the sum
    /// added: the same arithmetic as one buffer holding every stroke's change.
    pub fn add_to(&self, channel: usize, start: i64, len: u64, out: &mut [T]) {
        self.add_deltas(channel, start, len, out);
        self.subtract_hums(channel, start, len, out);
    }

    /// Subtracts the hum of the de-hum steps on `channel` from `out` (samples `start..start +
    /// out.len()`), within the recording.
    fn subtract_hums(&self, channel: usize, start: i64, len: u64, out: &mut [T]) {
        let end = start + out.len() as i64;
        let mut touching = self.hums.iter().filter(|(c, h)| {
            let span = h.span();
            *c == channel && !h.is_empty() && span.start < end && start < span.end && span.start < len as i64
        });
        let Some(first) = touching.next() else {
            return;
        };
        let mut hum = vec![Complex64::default(); out.len()];
        for (_, h) in std::iter::once(first).chain(touching) {
            h.add_hum(start, &mut hum, 1.0);
        }
        for (y, h) in out.iter_mut().zip(&hum) {
            if h.re != 0.0 || h.im != 0.0 {
                *y += T::from_parts(-h.re as f32, -h.im as f32);
            }
        }
    }

    fn add_deltas(&self, channel: usize, start: i64, len: u64, out: &mut [T]) {
        let Some(strokes) = self.channels.get(channel) else {
            return;
        };
        let lo = (start.max(0) - start).max(0) as usize;
        let hi = ((len as i64 - start).clamp(0, out.len() as i64)) as usize;
        if lo >= hi {
            return;
        }
        let range = start + lo as i64..start + hi as i64;
        let overlaps = |d: &&ChannelDelta<T>| {
            let span = d.span();
            span.start < range.end && range.start < span.end && !d.delta.is_empty()
        };
        let mut touching = strokes.iter().filter(overlaps);
        let Some(first) = touching.next() else {
            return;
        };
        let out = &mut out[lo..hi];
        match touching.next() {
            None => overlap_add(out, range.start, &first.delta, first.start),
            Some(_) => {
                let mut sum = vec![T::default(); out.len()];
                for d in strokes.iter().filter(overlaps) {
                    overlap_add(&mut sum, range.start, &d.delta, d.start);
                }
                for (y, &s) in out.iter_mut().zip(&sum) {
                    *y += s;
                }
            }
        }
    }

    /// The time span (seconds) the layer changes, if any.
    pub fn time_span_s(&self, sample_rate: f64) -> Option<[f64; 2]> {
        let spans: Vec<Range<i64>> = self
            .channels
            .iter()
            .flatten()
            .filter(|d| !d.delta.is_empty())
            .map(|d| d.span())
            .chain(
                self.hums
                    .iter()
                    .filter(|(_, h)| !h.is_empty())
                    .map(|(_, h)| h.span()),
            )
            .collect();
        let lo = spans.iter().map(|s| s.start).min()?;
        let hi = spans.iter().map(|s| s.end).max()?;
        Some([lo as f64 / sample_rate, hi as f64 / sample_rate])
    }
}

/// True if any edit paints, repairs or de-clicks: the edits [`paint_layer`] computes.
pub fn has_signal_edits(edits: &[Edit]) -> bool {
    edits.iter().any(is_layer_edit)
}

/// A paint, repair or de-click edit that is not bypassed.
fn is_layer_edit(edit: &Edit) -> bool {
    edit.changes_signal() && edit.is_active()
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

/// Computes the layer for the paint and repair edits among `edits`, in list order, each acting
/// on the recording as the previous ones left it, channel by channel, each stroke or repair in
/// blocks of at most [`BLOCK_CELLS`] cells (see [`repair_edit`]).
pub fn paint_layer<T: ReadSamples + DeclickSample>(
    source: &dyn SampleSource,
    stft: &Stft<T>,
    edits: &[Edit],
    settings: PhaseSettings,
    progress: &Progress,
) -> Result<PaintLayer<T>, PhaseError>
where
    for<'a> PaintedSource<T, &'a dyn SampleSource, &'a PaintLayer<T>>: SampleSource,
{
    paint_layer_in_blocks(source, stft, edits, settings, BLOCK_CELLS, progress)
}

/// [`paint_layer`] with blocks of at most `max_cells` cells (tests use small blocks to
/// exercise the joins on short signals).
pub fn paint_layer_in_blocks<T: ReadSamples + DeclickSample>(
    source: &dyn SampleSource,
    stft: &Stft<T>,
    edits: &[Edit],
    settings: PhaseSettings,
    max_cells: usize,
    progress: &Progress,
) -> Result<PaintLayer<T>, PhaseError>
where
    for<'a> PaintedSource<T, &'a dyn SampleSource, &'a PaintLayer<T>>: SampleSource,
{
    let channels = source.channels();
    let mut layer = PaintLayer {
        channels: vec![Vec::new(); channels],
        reports: Vec::new(),
        repairs: Vec::new(),
        clicks: Vec::new(),
        hums: Vec::new(),
        dehums: Vec::new(),
    };
    let grid = super::render::grid_for(stft, source);
    let total = stft.num_frames(source.len());
    let full_scale = stft.full_scale_magnitude();
    let layered: Vec<&Edit> = edits.iter().filter(|e| is_layer_edit(e)).collect();
    progress.start((layered.len() * channels) as u64);
    for edit in layered {
        if let Shape::Declick { time_s, sensitivity } = edit.shape {
            let fs = source.sample_rate();
            let span = match time_s {
                Some([t0, t1]) => (t0 * fs).floor() as i64..(t1 * fs).ceil() as i64,
                None => 0..source.len() as i64,
            };
            for c in 0..channels {
                progress.check()?;
                if edit.applies_to(c) {
                    let layered = PaintedSource::<T, _, _>::new(source, &layer);
                    let (deltas, clicks) =
                        declick_channel::<T>(&layered, c, span.clone(), sensitivity, &Progress::new())
                            .map_err(|_| PhaseError::Cancelled)?;
                    layer.channels[c].extend(deltas);
                    layer.clicks.extend(clicks.into_iter().map(|k| (c, k)));
                }
                progress.advance(1);
            }
            continue;
        }
        if let Shape::Dehum {
            time_s,
            f0,
            harmonics,
        } = edit.shape
        {
            let fs = source.sample_rate();
            let span = match time_s {
                Some([t0, t1]) => (t0 * fs).floor() as i64..(t1 * fs).ceil() as i64,
                None => 0..source.len() as i64,
            };
            let settings = DehumSettings { f0, harmonics };
            for c in 0..channels {
                progress.check()?;
                if edit.applies_to(c) {
                    let layered = PaintedSource::<T, _, _>::new(source, &layer);
                    let found = dehum_channel::<T>(&layered, c, span.clone(), settings, progress)
                        .map_err(|_| PhaseError::Cancelled)?;
                    if let Some((model, report)) = found {
                        layer.hums.push((c, model));
                        layer.dehums.push((c, report));
                    }
                }
                progress.advance(1);
            }
            continue;
        }
        if matches!(edit.shape, Shape::Paste(_)) {
            for c in 0..channels {
                progress.check()?;
                let layered = &layer;
                let pasted =
                    super::paste::paste_channel(source, layered, stft, edit, c, max_cells, &Progress::new())
                        .map_err(|_| PhaseError::Cancelled)?;
                if let Some(delta) = pasted {
                    layer.channels[c].push(delta);
                }
                progress.advance(1);
            }
            continue;
        }
        if edit.repair.is_some() {
            for c in 0..channels {
                progress.check()?;
                let done = repair_edit(
                    source,
                    &layer,
                    stft,
                    edit,
                    c,
                    settings,
                    max_cells,
                    &Progress::new(),
                )?;
                if let Some((delta, report)) = done {
                    layer.channels[c].push(delta);
                    layer.repairs.push(report);
                }
                progress.advance(1);
            }
            continue;
        }
        let Some((brush, level_db)) = footprint(edit) else {
            progress.advance(channels as u64);
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
            let options = PhaseOptions {
                iterations: settings.iterations(),
                ..PhaseOptions::new(settings.method)
            };
            let mut stroke = Stroke {
                source,
                layer: &layer,
                channel: c,
                raster: &raster,
                level,
                bins: stft.bins(),
                gains: vec![1.0; stft.bins()],
                delta: ChannelDelta::default(),
            };
            // Each block starts from the phase of the signal as read (`warm_start`).
            let report = reconstruct_region_blocks(
                stft,
                source.len(),
                frames.clone(),
                max_cells,
                &mut stroke,
                &options,
                true,
                progress,
            )?;
            let delta = stroke.delta;
            if let Some(report) = report {
                layer.channels[c].push(delta);
                layer.reports.push(report);
            }
            progress.advance(1);
        }
    }
    Ok(layer)
}

/// One stroke being rebuilt on one channel: the recording with the strokes before it and the
/// blocks of this one done so far.
struct Stroke<'a, T> {
    source: &'a dyn SampleSource,
    layer: &'a PaintLayer<T>,
    channel: usize,
    raster: &'a MaskRaster,
    /// The painted level, raw STFT magnitude.
    level: f32,
    bins: usize,
    gains: Vec<f32>,
    /// This stroke's change so far.
    delta: ChannelDelta<T>,
}

impl<T: ReadSamples> BlockSignal<T> for Stroke<'_, T> {
    fn read(&mut self, start: i64, out: &mut [T]) {
        T::read(self.source, self.channel, start, out);
        self.layer.add_to(self.channel, start, self.source.len(), out);
        overlap_add(out, start, &self.delta.delta, self.delta.start);
    }

    fn target(
        &mut self,
        frames: Range<usize>,
        original: &[Complex32],
        magnitude: &mut [f32],
        region: &mut [f32],
    ) {
        let bins = self.bins;
        for (m, z) in magnitude.iter_mut().zip(original) {
            *m = z.norm();
        }
        for (i, k) in frames.enumerate() {
            if !self.raster.frame_gains(0, k, None, &mut self.gains) {
                continue;
            }
            let row = i * bins..(i + 1) * bins;
            for ((g, r), s) in self
                .gains
                .iter()
                .zip(&mut region[row.clone()])
                .zip(&mut magnitude[row])
            {
                let m = 1.0 - g;
                if m > 0.0 {
                    *r = m;
                    *s += m * (self.level - *s).max(0.0);
                }
            }
        }
    }

    fn commit(&mut self, start: i64, delta: &[T]) {
        self.delta.add(start, delta);
    }
}

/// Where a [`PaintedSource`] reads the recording: shared ([`Arc`], for the editor and export)
/// or borrowed (for one computation, such as features).
pub trait BaseSource: Send + Sync {
    /// The recording.
    fn base(&self) -> &dyn SampleSource;
}

impl BaseSource for Arc<dyn SampleSource> {
    fn base(&self) -> &dyn SampleSource {
        self.as_ref()
    }
}

impl BaseSource for &dyn SampleSource {
    fn base(&self) -> &dyn SampleSource {
        *self
    }
}

/// A recording with a paint layer added.
///
/// Base and layer are shared (`Arc`) for the editor and export, or borrowed while the layer
/// is still being computed (a de-click step reads the recording as the edits before it left
/// it).
pub struct PaintedSource<T, B = Arc<dyn SampleSource>, L = Arc<PaintLayer<T>>> {
    base: B,
    layer: L,
    sample: std::marker::PhantomData<fn() -> T>,
}

impl<T: StftSample, B: BaseSource, L: Deref<Target = PaintLayer<T>>> PaintedSource<T, B, L> {
    /// `base` with `layer` added.
    pub fn new(base: B, layer: L) -> Self {
        PaintedSource {
            base,
            layer,
            sample: std::marker::PhantomData,
        }
    }
}

impl<B: BaseSource, L: Deref<Target = PaintLayer<f32>> + Send + Sync> SampleSource
    for PaintedSource<f32, B, L>
{
    fn sample_rate(&self) -> f64 {
        self.base.base().sample_rate()
    }
    fn len(&self) -> u64 {
        self.base.base().len()
    }
    fn channels(&self) -> usize {
        self.base.base().channels()
    }
    fn is_complex(&self) -> bool {
        false
    }
    fn read_real(&self, channel: usize, start: i64, out: &mut [f32]) {
        self.base.base().read_real(channel, start, out);
        self.layer.add_to(channel, start, self.len(), out);
    }
    fn read_complex(&self, channel: usize, start: i64, out: &mut [Complex32]) {
        let mut re = vec![0.0f32; out.len()];
        self.read_real(channel, start, &mut re);
        for (o, r) in out.iter_mut().zip(re) {
            *o = Complex32::new(r, 0.0);
        }
    }
}

impl<B: BaseSource, L: Deref<Target = PaintLayer<Complex32>> + Send + Sync> SampleSource
    for PaintedSource<Complex32, B, L>
{
    fn sample_rate(&self) -> f64 {
        self.base.base().sample_rate()
    }
    fn len(&self) -> u64 {
        self.base.base().len()
    }
    fn channels(&self) -> usize {
        self.base.base().channels()
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
        self.base.base().read_complex(channel, start, out);
        self.layer.add_to(channel, start, self.len(), out);
    }
}
