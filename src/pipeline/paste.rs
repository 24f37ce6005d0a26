//! A pasted region (see [`crate::edit::paste`]): the band-limited copy of a stretch, moved in
//! time, as a change to the recording itself.
//!
//! The source is read as the earlier signal-changing edits left it; its STFT is weighed by the
//! region's footprint (a rectangle over `from_s` × `freq_hz`, feathered like a mask, weight
//! `1 − g` of a rectangle that removes everything) and inverted, difference form, block by
//! block: `ISTFT(W · X)` is the region's content with its phase, and moved by a whole number
//! of samples it keeps that phase. It is added at the target, scaled by the gain; in replace
//! mode `ISTFT(W' · X')` of the target's own band is taken away first. Like a paint stroke it
//! is held as a [`ChannelDelta`] over the target's span, and memory is bounded by blocks of at
//! most `max_cells` cells.

use std::ops::Range;

use rustfft::num_complex::Complex32;

use super::paint::{ChannelDelta, PaintLayer};
use crate::edit::list::{Edit, Shape};
use crate::edit::mask::{Grid, MaskRaster};
use crate::edit::paste::{Paste, PasteMode};
use crate::signal::{Progress, ReadSamples, SampleSource, Stft};

/// The samples `paste` adds to `channel` of `source` plus `prior` (the earlier signal edits'
/// changes), through `stft`; `None` when it changes nothing there (another channel, a source
/// outside the recording, silence copied). Cancelled through `progress`.
#[allow(clippy::too_many_arguments)]
pub fn paste_channel<T: ReadSamples>(
    source: &dyn SampleSource,
    prior: &PaintLayer<T>,
    stft: &Stft<T>,
    edit: &Edit,
    channel: usize,
    max_cells: usize,
    progress: &Progress,
) -> Result<Option<ChannelDelta<T>>, crate::signal::Cancelled> {
    let Shape::Paste(paste) = &edit.shape else {
        return Ok(None);
    };
    if !edit.applies_to(channel) {
        return Ok(None);
    }
    let grid = super::render::grid_for(stft, source);
    let total = stft.num_frames(source.len());
    let shift = (paste.offset_s() * grid.sample_rate).round() as i64;
    let gain = 10f64.powf(edit.gain_db / 20.0) as f32;
    let mut delta = ChannelDelta::default();
    let reader = |start: i64, out: &mut [T]| {
        T::read(source, channel, start, out);
        prior.add_to(channel, start, source.len(), out);
    };
    if paste.mode == PasteMode::Replace {
        let target = footprint(edit, paste, paste.target_s(), grid, total);
        if let Some((raster, frames)) = target {
            weighed(
                stft, &reader, &raster, frames, total, -1.0, 0, max_cells, &mut delta, progress,
            )?;
        }
    }
    if gain > 0.0
        && let Some((raster, frames)) = footprint(edit, paste, paste.from_s, grid, total)
    {
        weighed(
            stft, &reader, &raster, frames, total, gain, shift, max_cells, &mut delta, progress,
        )?;
    }
    if delta.delta.iter().all(|&v| v == T::default()) {
        return Ok(None);
    }
    Ok(Some(delta))
}

/// The region `time_s` × the paste's band as weights on the grid, and the frames it weighs.
fn footprint(
    edit: &Edit,
    paste: &Paste,
    time_s: [f64; 2],
    grid: Grid,
    total: usize,
) -> Option<(MaskRaster, Range<usize>)> {
    let mut rect = Edit::new(
        Shape::Rect {
            time_s,
            freq_hz: paste.freq_hz,
        },
        f64::NEG_INFINITY,
    );
    rect.feather_s = edit.feather_s;
    rect.feather_hz = edit.feather_hz;
    let [t0, t1] = rect.time_extent_s(grid.default_feather_s())?;
    let frames = grid.frames_in(t0, t1, total);
    (!frames.is_empty()).then(|| (MaskRaster::new(std::slice::from_ref(&rect), grid), frames))
}

/// Adds `scale · ISTFT(W · X)` over `frames`, moved by `shift` samples, to `delta`.
#[allow(clippy::too_many_arguments)]
fn weighed<T: ReadSamples>(
    stft: &Stft<T>,
    read: &impl Fn(i64, &mut [T]),
    raster: &MaskRaster,
    frames: Range<usize>,
    total: usize,
    scale: f32,
    shift: i64,
    max_cells: usize,
    delta: &mut ChannelDelta<T>,
    progress: &Progress,
) -> Result<(), crate::signal::Cancelled> {
    let bins = stft.bins();
    let step = (max_cells / bins.max(1)).max(8);
    let mut gains = vec![1.0f32; bins];
    let mut start = frames.start;
    while start < frames.end {
        progress.check()?;
        let block = start..(start + step).min(frames.end);
        start = block.end;
        let span = stft.frames_span(block.clone());
        let mut input = vec![T::default(); (span.end - span.start) as usize];
        read(span.start, &mut input);
        let mut spectrum = vec![Complex32::default(); block.len() * bins];
        stft.forward(&input, span.start, block.clone(), &mut spectrum);
        let touching = stft.frames_touching(span.clone(), total);
        let mut change = vec![Complex32::default(); touching.len() * bins];
        let mut any = false;
        for k in block.clone() {
            if !raster.frame_gains(0, k, None, &mut gains) {
                continue;
            }
            let x = &spectrum[(k - block.start) * bins..(k - block.start + 1) * bins];
            let d = &mut change[(k - touching.start) * bins..(k - touching.start + 1) * bins];
            for ((d, z), g) in d.iter_mut().zip(x).zip(&gains) {
                let w = (1.0 - g).clamp(0.0, 1.0);
                if w > 0.0 {
                    *d = z * (w * scale);
                    any = true;
                }
            }
        }
        if any {
            let mut out = vec![T::default(); input.len()];
            stft.inverse(&change, touching, total, span.start, &mut out);
            delta.add(span.start + shift, &out);
        }
    }
    Ok(())
}
