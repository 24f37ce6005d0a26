//! Rendering an edited recording: mask the complex STFT, run the least-squares inverse.
//!
//! Computed in difference form, `y = x + ISTFT((M − 1)·STFT(x))`, which equals
//! `ISTFT(M·STFT(x))` because the inverse reproduces `x` exactly from its own STFT. Frames
//! whose mask is all ones contribute nothing and are never transformed, so samples far from
//! any edit are copied bit for bit and an edit on one second of an hour costs one second.
//! Every block reads what it needs from the source, so any range renders on its own with
//! results identical to the whole file.

use std::ops::Range;

use rayon::prelude::*;
use rustfft::num_complex::Complex32;

use super::mask::{Grid, MaskRaster};
use crate::signal::levels::power_dbfs;
use crate::signal::stft::overlap_add;
use crate::signal::{Cancelled, Progress, ReadSamples, SampleSource, Scratch, Stft};

/// Samples per channel in one parallel task of [`render_stream`].
pub const BLOCK_LEN: usize = 1 << 16;

/// Buffers reused by [`render_range`] across blocks.
pub struct RenderScratch<T: ReadSamples> {
    stft: Scratch<T>,
    input: Vec<T>,
    correction: Vec<T>,
    spectrum: Vec<Complex32>,
    gains: Vec<f32>,
    levels: Vec<f32>,
}

impl<T: ReadSamples> RenderScratch<T> {
    /// Buffers for `stft`.
    pub fn new(stft: &Stft<T>) -> Self {
        RenderScratch {
            stft: stft.scratch(),
            input: Vec::new(),
            correction: Vec::new(),
            spectrum: vec![Complex32::default(); stft.bins()],
            gains: vec![1.0; stft.bins()],
            levels: vec![0.0; stft.bins()],
        }
    }
}

/// The grid an STFT puts on a source.
pub fn grid_for<T: ReadSamples>(stft: &Stft<T>, source: &dyn SampleSource) -> Grid {
    Grid {
        sample_rate: source.sample_rate(),
        fft_len: stft.fft_len(),
        hop: stft.hop(),
        complex: T::IS_COMPLEX,
    }
}

/// What a render needs besides the output buffer: the source, the STFT plan and the edits.
pub struct Renderer<'a, T: ReadSamples> {
    /// The unedited recording.
    pub source: &'a dyn SampleSource,
    /// STFT plan.
    pub stft: &'a Stft<T>,
    /// The edits, rasterised for `stft`'s grid.
    pub raster: &'a MaskRaster,
    /// STFT frame count of the whole source.
    pub total_frames: usize,
}

impl<'a, T: ReadSamples> Renderer<'a, T> {
    /// A renderer of `source` with `raster` applied through `stft`.
    pub fn new(source: &'a dyn SampleSource, stft: &'a Stft<T>, raster: &'a MaskRaster) -> Self {
        Renderer {
            source,
            stft,
            raster,
            total_frames: stft.num_frames(source.len()),
        }
    }

    /// Renders samples `out_start .. out_start + out.len()` of `channel`. The result does not
    /// depend on how the output is split into ranges.
    pub fn render_range(
        &self,
        channel: usize,
        out_start: i64,
        out: &mut [T],
        scratch: &mut RenderScratch<T>,
    ) {
        let Renderer {
            source,
            stft,
            raster,
            total_frames,
        } = *self;
        T::read(source, channel, out_start, out);
        if raster.is_identity(channel) {
            return;
        }
        let out_range = out_start..out_start + out.len() as i64;
        let frames = stft.frames_touching(out_range, total_frames);
        let Some(first) = frames.clone().find(|&k| raster.frame_may_change(channel, k)) else {
            return;
        };
        let last = frames
            .clone()
            .rev()
            .find(|&k| raster.frame_may_change(channel, k))
            .unwrap_or(first);
        let span = stft.frames_span(first..last + 1);
        scratch
            .input
            .resize((span.end - span.start) as usize, T::default());
        T::read(source, channel, span.start, &mut scratch.input);
        scratch.correction.clear();
        scratch.correction.resize(out.len(), T::default());

        let n = stft.fft_len();
        let full_scale = stft.full_scale_magnitude();
        let needs_levels = raster.needs_levels(channel);
        let mut any = false;
        for k in first..=last {
            if !raster.frame_may_change(channel, k) {
                continue;
            }
            let at = (stft.frame_start(k) - span.start) as usize;
            stft.analyse_frame(
                &scratch.input[at..at + n],
                &mut scratch.spectrum,
                &mut scratch.stft,
            );
            let levels = if needs_levels {
                for (l, c) in scratch.levels.iter_mut().zip(&scratch.spectrum) {
                    *l = power_dbfs(c.norm_sqr(), full_scale);
                }
                Some(scratch.levels.as_slice())
            } else {
                None
            };
            if !raster.frame_gains(channel, k, levels, &mut scratch.gains) {
                continue;
            }
            for ((d, &x), &g) in scratch
                .stft
                .spectrum
                .iter_mut()
                .zip(&scratch.spectrum)
                .zip(&scratch.gains)
            {
                *d = x * (g - 1.0);
            }
            stft.synthesise_scratch(&mut scratch.stft);
            overlap_add(
                &mut scratch.correction,
                out_start,
                &scratch.stft.time,
                stft.frame_start(k),
            );
            any = true;
        }
        if any {
            stft.normalise(&mut scratch.correction, out_start, total_frames);
            for (y, &c) in out.iter_mut().zip(&scratch.correction) {
                *y += c;
            }
        }
    }
}

/// Renders the whole source block by block, in parallel, handing each block to `sink` in
/// order: `sink(first_sample, per_channel_samples)`. While `sink` writes one batch of blocks
/// the next batch renders, and memory stays at two batches whatever the recording's length.
pub fn render_stream<T: ReadSamples, E: From<Cancelled> + Send>(
    source: &dyn SampleSource,
    stft: &Stft<T>,
    raster: &MaskRaster,
    progress: &Progress,
    mut sink: impl FnMut(u64, &[Vec<T>]) -> Result<(), E> + Send,
) -> Result<(), E> {
    let len = source.len();
    let channels = source.channels();
    let renderer = Renderer::new(source, stft, raster);
    let blocks = len.div_ceil(BLOCK_LEN as u64) as usize;
    let batch = (2 * rayon::current_num_threads()).max(2);
    progress.start(len * channels as u64);

    // Renders blocks `range`, all channels: one vector per (block, channel), block-major.
    let render_batch = |range: Range<usize>| -> Vec<Vec<T>> {
        let tasks: Vec<(usize, usize)> = range.flat_map(|b| (0..channels).map(move |c| (b, c))).collect();
        tasks
            .par_iter()
            .map_init(
                || RenderScratch::new(stft),
                |scratch, &(b, c)| {
                    let start = (b * BLOCK_LEN) as u64;
                    let n = (len - start).min(BLOCK_LEN as u64) as usize;
                    let mut out = vec![T::default(); n];
                    renderer.render_range(c, start as i64, &mut out, scratch);
                    progress.advance(n as u64);
                    out
                },
            )
            .collect()
    };
    let mut write_batch = |first_block: usize, rendered: Vec<Vec<T>>| -> Result<(), E> {
        for (i, block) in rendered.chunks(channels).enumerate() {
            sink(((first_block + i) * BLOCK_LEN) as u64, block)?;
        }
        Ok(())
    };

    let mut pending: Option<(usize, Vec<Vec<T>>)> = None;
    for first_block in (0..blocks).step_by(batch) {
        progress.check()?;
        let range = first_block..(first_block + batch).min(blocks);
        let (written, rendered) = rayon::join(
            || pending.take().map_or(Ok(()), |(b, r)| write_batch(b, r)),
            || render_batch(range),
        );
        written?;
        pending = Some((first_block, rendered));
    }
    if let Some((b, r)) = pending {
        write_batch(b, r)?;
    }
    Ok(())
}
