//! Spectral repair of a region: a rect, lasso or brush edit with `"repair"` fills its region
//! from what surrounds it instead of applying a gain (see [`crate::signal::repair`] for the
//! algorithms and [`choose_mode`] for what `auto` picks).
//!
//! Like a paint stroke, a repair is a change to the recording itself, computed once per edit
//! and channel on the recording as the earlier signal edits left it, and held as a
//! [`ChannelDelta`] over its own span:
//! - attenuate keeps the phase: a gain per cell, rendered in difference form
//!   (`ISTFT((Y − X))` over the frames it changes, as [`super::render`] does);
//! - replace and pattern set a magnitude inside the region and rebuild its phase with
//!   [`reconstruct_region_blocks`], every cell outside keeping its value.
//!
//! The region's weights are the shape's footprint, feathered like a mask that removes
//! everything (weight `1 − g`). Memory is bounded by blocks of at most `max_cells` cells,
//! plus, for pattern, a few dozen band energies per frame of the searched stretch.

use std::ops::Range;

use rustfft::num_complex::Complex32;

use super::paint::{ChannelDelta, PaintLayer};
use crate::edit::list::{Edit, PhaseSettings, Shape};
use crate::edit::mask::{Grid, MaskRaster};
use crate::signal::phase::{BlockSignal, PhaseError, PhaseOptions, PhaseReport, reconstruct_region_blocks};
use crate::signal::repair::{
    AUTO_FULL_BAND_FRACTION, BandFeatures, Partials, PatternMatch, RepairMode, attenuate_cell, best_match,
    choose_mode, context_level, dominated_cells, interpolate_frame, match_partials, neighbour_level,
    predicted_level,
};
use crate::signal::stft::overlap_add;
use crate::signal::{Progress, ReadSamples, SampleSource, Stft};

/// Seconds of context on each side whose level attenuate predicts from, and whose match
/// pattern searches for.
pub const CONTEXT_S: f64 = 0.15;

/// Fewest context frames on each side, whatever the hop.
const MIN_CONTEXT_FRAMES: usize = 4;

/// Frames on each side whose spectra replace interpolates between (averaged: one frame's
/// accident does not decide the whole fill).
const ANCHOR_FRAMES: usize = 2;

/// Seconds on each side of a region that pattern searches for a match.
pub const PATTERN_SEARCH_S: f64 = 30.0;

/// Bands per frame pattern matches on.
const PATTERN_BANDS: usize = 48;

/// Largest frequency ratio between a partial before a region and after it that replace
/// follows as one partial (about two semitones).
const PARTIAL_RATIO: f32 = 1.12;

/// Hz on each side whose median predicts a cell under a narrow intrusion (attenuate on a
/// band-limited region): wide enough that a chirp smeared over a frame covers less than half.
const NEIGHBOUR_HZ: f64 = 300.0;

/// How far above both predictions (amplitude ratio, 12 dB) a cell stands when an intrusion
/// dominates it.
const DOMINANCE: f32 = 4.0;

/// Bins on each side of a dominated cell that count as dominated too when above their
/// neighbours' level (a window's main lobe).
const SPREAD_BINS: usize = 2;

/// What one repair did.
#[derive(Clone, Debug, PartialEq)]
pub struct RepairReport {
    /// The mode used (what `auto` chose, or the mode asked for; pattern falls back to replace
    /// when no stretch fits in the recording).
    pub mode: RepairMode,
    /// The frames whose cells the region weighs.
    pub frames: Range<usize>,
    /// For pattern (and auto on long full-band regions): the best match found.
    pub pattern: Option<PatternMatch>,
    /// For replace and pattern: how well the phase was rebuilt.
    pub phase: Option<PhaseReport>,
}

/// The recording as the earlier signal edits left it, on one channel.
struct Reader<'a, T> {
    source: &'a dyn SampleSource,
    prior: &'a PaintLayer<T>,
    channel: usize,
}

impl<T: ReadSamples> Reader<'_, T> {
    fn read(&self, start: i64, out: &mut [T]) {
        T::read(self.source, self.channel, start, out);
        self.prior.add_to(self.channel, start, self.source.len(), out);
    }

    /// The raw spectra of `frames` (all inside the recording's frames).
    fn spectrum(
        &self,
        stft: &Stft<T>,
        frames: Range<usize>,
        extra: Option<&ChannelDelta<T>>,
    ) -> Vec<Complex32> {
        let span = stft.frames_span(frames.clone());
        let mut input = vec![T::default(); (span.end - span.start).max(0) as usize];
        self.read(span.start, &mut input);
        if let Some(d) = extra {
            overlap_add(&mut input, span.start, &d.delta, d.start);
        }
        let mut out = vec![Complex32::default(); frames.len() * stft.bins()];
        stft.forward(&input, span.start, frames, &mut out);
        out
    }
}

/// The region of a repair edit on the STFT grid.
struct Region {
    raster: MaskRaster,
    /// Frames with any weight.
    frames: Range<usize>,
    /// Fraction of the bins with weight above one half somewhere.
    band_fraction: f64,
    /// Bins with any weight.
    bins_touched: Vec<bool>,
}

impl Region {
    fn new(edit: &Edit, grid: Grid, total: usize) -> Option<Region> {
        let mut footprint = edit.clone();
        footprint.repair = None;
        footprint.gain_db = f64::NEG_INFINITY;
        footprint.channels = None;
        footprint.invert = false;
        let [t0, t1] = footprint.time_extent_s(grid.default_feather_s())?;
        let raster = MaskRaster::new(std::slice::from_ref(&footprint), grid);
        let hop_s = grid.hop as f64 / grid.sample_rate;
        let scan = grid.frames_in(t0 - hop_s, t1 + hop_s, total);
        let bins = grid.bins();
        let mut gains = vec![1.0f32; bins];
        let mut strong = vec![false; bins];
        let mut bins_touched = vec![false; bins];
        let (mut first, mut end) = (usize::MAX, 0);
        for k in scan {
            if !raster.frame_gains(0, k, None, &mut gains) {
                continue;
            }
            let mut any = false;
            for (b, &g) in gains.iter().enumerate() {
                let w = 1.0 - g;
                if w > 0.0 {
                    any = true;
                    bins_touched[b] = true;
                }
                if w > 0.5 {
                    strong[b] = true;
                }
            }
            if any {
                first = first.min(k);
                end = k + 1;
            }
        }
        if first >= end {
            return None;
        }
        let band_fraction = strong.iter().filter(|&&s| s).count() as f64 / bins as f64;
        Some(Region {
            raster,
            frames: first..end,
            band_fraction,
            bins_touched,
        })
    }

    /// The weights of frame `frame` into `weights`; false when it has none.
    fn weights(&self, frame: usize, weights: &mut [f32]) -> bool {
        if !self.raster.frame_gains(0, frame, None, weights) {
            return false;
        }
        for w in weights.iter_mut() {
            *w = (1.0 - *w).clamp(0.0, 1.0);
        }
        true
    }
}

/// Repairs `edit`'s region on `channel` of the recording `source` plus the changes of the
/// earlier signal edits (`prior`), through `stft`: returns the samples to add and what was
/// done, or `None` when the edit is not a repair, applies nowhere, or changes nothing (strength
/// 0). Replace and pattern rebuild phase with `settings`; every computation holds at most
/// `max_cells` cells at once (and at least a few frames).
#[allow(clippy::too_many_arguments)]
pub fn repair_edit<T: ReadSamples>(
    source: &dyn SampleSource,
    prior: &PaintLayer<T>,
    stft: &Stft<T>,
    edit: &Edit,
    channel: usize,
    settings: PhaseSettings,
    max_cells: usize,
    progress: &Progress,
) -> Result<Option<(ChannelDelta<T>, RepairReport)>, PhaseError> {
    let Some(repair) = edit.repair else {
        return Ok(None);
    };
    if matches!(edit.shape, Shape::Declick { .. }) || !edit.applies_to(channel) || repair.strength <= 0.0 {
        return Ok(None);
    }
    let grid = super::render::grid_for(stft, source);
    let total = stft.num_frames(source.len());
    let Some(region) = Region::new(edit, grid, total) else {
        return Ok(None);
    };
    let reader = Reader {
        source,
        prior,
        channel,
    };
    let hop_s = grid.hop as f64 / grid.sample_rate;
    let context = ((CONTEXT_S / hop_s).ceil() as usize).max(MIN_CONTEXT_FRAMES);
    let wants_pattern = match repair.mode {
        RepairMode::Pattern => true,
        RepairMode::Auto => region.band_fraction >= AUTO_FULL_BAND_FRACTION,
        _ => false,
    };
    progress.check()?;
    let pattern = if wants_pattern {
        search_pattern(&reader, stft, &region, context, total, max_cells, progress)?
    } else {
        None
    };
    let mode = match repair.mode {
        RepairMode::Auto => choose_mode(region.band_fraction, pattern.as_ref()),
        RepairMode::Pattern if pattern.is_none() => RepairMode::Replace,
        m => m,
    };
    let strength = repair.strength.clamp(0.0, 1.0) as f32;
    let mut report = RepairReport {
        mode,
        frames: region.frames.clone(),
        pattern: pattern.clone(),
        phase: None,
    };
    let delta = match mode {
        RepairMode::Attenuate | RepairMode::Auto => attenuate(
            &reader, stft, &region, context, total, strength, max_cells, progress,
        )?,
        RepairMode::Replace | RepairMode::Pattern => {
            let kind = match (mode, &pattern) {
                (RepairMode::Pattern, Some(m)) => FillKind::Pattern {
                    offset_frames: m.offset_frames,
                },
                _ => {
                    let (before, after) = anchors(&reader, stft, &region, total);
                    let partials = match (&before, &after) {
                        (Some(b), Some(a)) => match_partials(b, a, PARTIAL_RATIO),
                        _ => Partials::default(),
                    };
                    let fallback = vec![0.0; stft.bins()];
                    let before = before
                        .or_else(|| after.clone())
                        .unwrap_or_else(|| fallback.clone());
                    let after = after.unwrap_or_else(|| before.clone());
                    FillKind::Replace {
                        before,
                        after,
                        partials,
                    }
                }
            };
            let frames = region.frames.start.saturating_sub(2)..(region.frames.end + 2).min(total);
            let mut fill = Fill {
                reader: &reader,
                stft,
                region: &region,
                kind,
                strength,
                weights: vec![0.0; stft.bins()],
                delta: ChannelDelta::default(),
            };
            let options = PhaseOptions {
                iterations: settings.iterations(),
                ..PhaseOptions::new(settings.method)
            };
            report.phase = reconstruct_region_blocks(
                stft,
                source.len(),
                frames,
                max_cells,
                &mut fill,
                &options,
                true,
                progress,
            )?;
            fill.delta
        }
    };
    if delta.delta.iter().all(|&v| v == T::default()) {
        return Ok(None);
    }
    Ok(Some((delta, report)))
}

/// Frames per block for `max_cells` cells of `bins` bins.
fn block_frames(max_cells: usize, bins: usize) -> usize {
    (max_cells / bins.max(1)).max(8)
}

/// Mean magnitude of the [`ANCHOR_FRAMES`] frames just before and just after the region (each
/// `None` at an end of the recording).
fn anchors<T: ReadSamples>(
    reader: &Reader<'_, T>,
    stft: &Stft<T>,
    region: &Region,
    total: usize,
) -> (Option<Vec<f32>>, Option<Vec<f32>>) {
    let bins = stft.bins();
    let mean = |frames: Range<usize>| -> Option<Vec<f32>> {
        if frames.is_empty() {
            return None;
        }
        let n = frames.len() as f32;
        let spectrum = reader.spectrum(stft, frames, None);
        let mut out = vec![0.0f32; bins];
        for frame in spectrum.chunks_exact(bins) {
            for (o, z) in out.iter_mut().zip(frame) {
                *o += z.norm() / n;
            }
        }
        Some(out)
    };
    let r = &region.frames;
    (
        mean(r.start.saturating_sub(ANCHOR_FRAMES)..r.start),
        mean(r.end.min(total)..(r.end + ANCHOR_FRAMES).min(total)),
    )
}

/// Position of `frame` between the frame before the region (0) and the frame after it (1).
fn fraction(region: &Range<usize>, frame: usize) -> f32 {
    (frame as f32 - region.start as f32 + 1.0) / (region.len() as f32 + 1.0)
}

/// Attenuate, in difference form block by block: the change of the cells that stand above the
/// level the context predicts.
#[allow(clippy::too_many_arguments)]
fn attenuate<T: ReadSamples>(
    reader: &Reader<'_, T>,
    stft: &Stft<T>,
    region: &Region,
    context: usize,
    total: usize,
    strength: f32,
    max_cells: usize,
    progress: &Progress,
) -> Result<ChannelDelta<T>, PhaseError> {
    let bins = stft.bins();
    let r = region.frames.clone();
    let level = |frames: Range<usize>| -> Option<Vec<f32>> {
        if frames.is_empty() {
            return None;
        }
        let magnitude: Vec<f32> = reader
            .spectrum(stft, frames, None)
            .iter()
            .map(|z| z.norm())
            .collect();
        Some(context_level(&magnitude, bins, 1))
    };
    let before = level(r.start.saturating_sub(context)..r.start);
    let after = level(r.end.min(total)..(r.end + context).min(total));
    let mut delta = ChannelDelta::default();
    let mut weights = vec![0.0f32; bins];
    let mut predicted = vec![0.0f32; bins];
    let mut in_frequency = vec![0.0f32; bins];
    let mut magnitude = vec![0.0f32; bins];
    let mut dominated = vec![false; bins];
    // A band-limited region holds an intrusion over material that goes on through it: only
    // the cells the intrusion dominates change, down to what their neighbours predict. A
    // full-band one (a knock) leaves no neighbours to ask: cells come down to the level
    // predicted from before and after.
    let band_limited = region.band_fraction < AUTO_FULL_BAND_FRACTION;
    let bin_hz = reader.source.sample_rate() / stft.fft_len() as f64;
    let neighbour_bins = ((NEIGHBOUR_HZ / bin_hz).round() as usize).max(2);
    let step = block_frames(max_cells, bins);
    let mut start = r.start;
    while start < r.end {
        progress.check()?;
        let block = start..(start + step).min(r.end);
        start = block.end;
        let spectrum = reader.spectrum(stft, block.clone(), None);
        let span = stft.frames_span(block.clone());
        let touching = stft.frames_touching(span.clone(), total);
        let mut change = vec![Complex32::default(); touching.len() * bins];
        let mut any = false;
        for k in block.clone() {
            if !region.weights(k, &mut weights) {
                continue;
            }
            predicted_level(
                before.as_deref(),
                after.as_deref(),
                fraction(&r, k),
                &mut predicted,
            );
            let x = &spectrum[(k - block.start) * bins..(k - block.start + 1) * bins];
            let d = &mut change[(k - touching.start) * bins..(k - touching.start + 1) * bins];
            for (m, z) in magnitude.iter_mut().zip(x) {
                *m = z.norm();
            }
            if band_limited {
                neighbour_level(&magnitude, neighbour_bins, &mut in_frequency);
                dominated_cells(
                    &magnitude,
                    &predicted,
                    &in_frequency,
                    DOMINANCE,
                    SPREAD_BINS,
                    &mut dominated,
                );
                for b in 0..bins {
                    predicted[b] = if dominated[b] {
                        in_frequency[b]
                    } else {
                        f32::INFINITY
                    };
                }
            }
            for b in 0..bins {
                if weights[b] <= 0.0 {
                    continue;
                }
                let g = attenuate_cell(magnitude[b], predicted[b], weights[b], strength);
                if g != 1.0 {
                    d[b] = x[b] * (g - 1.0);
                    any = true;
                }
            }
        }
        if any {
            let mut out = vec![T::default(); (span.end - span.start) as usize];
            stft.inverse(&change, touching, total, span.start, &mut out);
            delta.add(span.start, &out);
        }
    }
    Ok(delta)
}

/// Band energies of the frames within [`PATTERN_SEARCH_S`] of the region, and the best match
/// for its context among them.
fn search_pattern<T: ReadSamples>(
    reader: &Reader<'_, T>,
    stft: &Stft<T>,
    region: &Region,
    context: usize,
    total: usize,
    max_cells: usize,
    progress: &Progress,
) -> Result<Option<PatternMatch>, PhaseError> {
    let bins = stft.bins();
    let hop_s = stft.hop() as f64 / reader.source.sample_rate();
    let reach = (PATTERN_SEARCH_S / hop_s).ceil() as usize;
    let r = region.frames.clone();
    let window = r.start.saturating_sub(reach + context)..(r.end + reach + context).min(total);
    let mut features = BandFeatures::new(window.clone(), bins, PATTERN_BANDS, T::IS_COMPLEX);
    let step = block_frames(max_cells, bins).min(512);
    let mut magnitude = vec![0.0f32; bins];
    let mut start = window.start;
    while start < window.end {
        progress.check()?;
        let block = start..(start + step).min(window.end);
        start = block.end;
        let spectrum = reader.spectrum(stft, block.clone(), None);
        for (i, frame) in spectrum.chunks_exact(bins).enumerate() {
            for (m, z) in magnitude.iter_mut().zip(frame) {
                *m = z.norm();
            }
            features.set(block.start + i, &magnitude);
        }
    }
    let band_weights: Vec<f32> = (0..features.bands())
        .map(|band| {
            f32::from(u8::from(
                region.bins_touched[features.band_bins(band)].iter().any(|&t| t),
            ))
        })
        .collect();
    Ok(best_match(&features, r, context, &band_weights))
}

/// How replace or pattern sets the wanted magnitude inside the region.
enum FillKind {
    /// Interpolated between the two sides.
    Replace {
        before: Vec<f32>,
        after: Vec<f32>,
        partials: Partials,
    },
    /// Copied from the frames `offset_frames` away.
    Pattern { offset_frames: i64 },
}

/// A replace or pattern repair being rebuilt on one channel, block by block.
struct Fill<'a, T: ReadSamples> {
    reader: &'a Reader<'a, T>,
    stft: &'a Stft<T>,
    region: &'a Region,
    kind: FillKind,
    strength: f32,
    weights: Vec<f32>,
    delta: ChannelDelta<T>,
}

impl<T: ReadSamples> BlockSignal<T> for Fill<'_, T> {
    fn read(&mut self, start: i64, out: &mut [T]) {
        self.reader.read(start, out);
        overlap_add(out, start, &self.delta.delta, self.delta.start);
    }

    fn target(
        &mut self,
        frames: Range<usize>,
        original: &[Complex32],
        magnitude: &mut [f32],
        region: &mut [f32],
    ) {
        let bins = self.stft.bins();
        for (m, z) in magnitude.iter_mut().zip(original) {
            *m = z.norm();
        }
        let source = match &self.kind {
            FillKind::Pattern { offset_frames } => {
                let from = (frames.start as i64 + offset_frames).max(0) as usize;
                Some(self.reader.spectrum(self.stft, from..from + frames.len(), None))
            }
            FillKind::Replace { .. } => None,
        };
        let mut wanted = vec![0.0f32; bins];
        for (i, k) in frames.clone().enumerate() {
            if !self.region.weights(k, &mut self.weights) {
                continue;
            }
            match &self.kind {
                FillKind::Replace {
                    before,
                    after,
                    partials,
                } => interpolate_frame(
                    before,
                    after,
                    partials,
                    fraction(&self.region.frames, k),
                    &mut wanted,
                ),
                FillKind::Pattern { .. } => {
                    if let Some(s) = &source {
                        for (w, z) in wanted.iter_mut().zip(&s[i * bins..(i + 1) * bins]) {
                            *w = z.norm();
                        }
                    }
                }
            }
            let row = i * bins..(i + 1) * bins;
            for ((w, r), (m, &want)) in self
                .weights
                .iter()
                .zip(&mut region[row.clone()])
                .zip(magnitude[row].iter_mut().zip(&wanted))
            {
                if *w > 0.0 {
                    *r = w * self.strength;
                    *m = want;
                }
            }
        }
    }

    fn commit(&mut self, start: i64, delta: &[T]) {
        self.delta.add(start, delta);
    }
}
