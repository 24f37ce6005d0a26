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

use crate::edit::denoise::DenoiseScratch;
use crate::edit::gain_step::GainRequest;
use crate::edit::mask::{Grid, MaskRaster};
use crate::signal::levels::power_dbfs;
use crate::signal::limits::RENDER_BLOCK_CELLS;
use crate::signal::stft::overlap_add;
use crate::signal::{Cancelled, Progress, ReadSamples, SampleSource, Scratch, Stft};

/// Most STFT cells [`Renderer::render_range`] analyses at once (16 MB of spectra): a range
/// whose frames hold more is analysed group by group.
pub const RENDER_CELLS: usize = 1 << 21;

/// Samples per channel in one parallel task of [`render_stream`] (at least: see
/// [`block_len_for`]).
pub const BLOCK_LEN: usize = 1 << 16;

/// The block length [`render_stream`] uses for `raster`: [`BLOCK_LEN`], or longer when denoise
/// steps analyse many frames of context on each side of a block (the automatic estimate, about
/// two seconds), so that the context adds at most about half the work; shorter when a block's
/// frames would hold more than [`RENDER_BLOCK_CELLS`] cells of `bins` bins (small hops).
pub fn block_len_for(raster: &MaskRaster, channels: usize, hop: usize, bins: usize) -> usize {
    let context = (0..channels).map(|c| raster.context_frames(c)).max().unwrap_or(0);
    let wanted = BLOCK_LEN.max((4 * context * hop).next_power_of_two());
    let most = (RENDER_BLOCK_CELLS / bins.max(1)).max(1) * hop;
    wanted.min(most).max(1)
}

/// Spectra and gains of consecutive frames of one channel: what rendering and drawing the
/// processed spectrogram both start from.
///
/// Denoise steps need the frames around the block as well (see
/// [`MaskRaster::context_frames`]); those are analysed too, and every frame's gains come out the
/// same whatever block it is computed in, so renders and pictures by range match the whole.
pub struct GainBlock<T: ReadSamples> {
    stft: Scratch<T>,
    input: Vec<T>,
    frames: Range<usize>,
    bins: usize,
    spectra: Vec<Complex32>,
    analysed: Vec<bool>,
    gains: Vec<f32>,
    changed: Vec<bool>,
    levels: Vec<f32>,
    context_spectrum: Vec<Complex32>,
    power: Vec<f32>,
    denoise_gains: Vec<Vec<f32>>,
    denoise: DenoiseScratch,
}

impl<T: ReadSamples> GainBlock<T> {
    /// Empty buffers for `stft`; they grow to the largest block computed.
    pub fn new(stft: &Stft<T>) -> Self {
        GainBlock {
            stft: stft.scratch(),
            input: Vec::new(),
            frames: 0..0,
            bins: stft.bins(),
            spectra: Vec::new(),
            analysed: Vec::new(),
            gains: Vec::new(),
            changed: Vec::new(),
            levels: vec![0.0; stft.bins()],
            context_spectrum: vec![Complex32::default(); stft.bins()],
            power: Vec::new(),
            denoise_gains: Vec::new(),
            denoise: DenoiseScratch::default(),
        }
    }

    /// Analyses the frames `frames` of `channel` (of the source's `total_frames`) and computes
    /// their gains under `raster` (none without one). With `only_changing`, frames no edit can
    /// change are skipped: they get neither a spectrum nor gains.
    #[allow(clippy::too_many_arguments)]
    pub fn compute(
        &mut self,
        source: &dyn SampleSource,
        stft: &Stft<T>,
        raster: Option<&MaskRaster>,
        channel: usize,
        frames: Range<usize>,
        total_frames: usize,
        only_changing: bool,
    ) {
        let bins = self.bins;
        let n = stft.fft_len();
        self.frames = frames.clone();
        let len = frames.len();
        self.spectra.resize(len * bins, Complex32::default());
        self.gains.resize(len * bins, 1.0);
        self.analysed.clear();
        self.analysed.resize(len, false);
        self.changed.clear();
        self.changed.resize(len, false);
        if len == 0 {
            return;
        }
        let denoise = raster.is_some_and(|r| r.has_denoise(channel));
        let context = raster.map_or(0, |r| r.context_frames(channel));
        let reach =
            frames.start.saturating_sub(context)..(frames.end + context).min(total_frames).max(frames.end);
        let span = stft.frames_span(reach.clone());
        self.input.resize((span.end - span.start) as usize, T::default());
        T::read(source, channel, span.start, &mut self.input);
        if denoise {
            self.power.resize(reach.len() * bins, 0.0);
        }
        for k in reach.clone() {
            let core = frames.contains(&k);
            let wanted = denoise || !only_changing || raster.is_none_or(|r| r.frame_may_change(channel, k));
            if !(wanted && (core || denoise)) {
                continue;
            }
            let at = (stft.frame_start(k) - span.start) as usize;
            let spectrum = if core {
                self.analysed[k - frames.start] = true;
                &mut self.spectra[(k - frames.start) * bins..(k - frames.start + 1) * bins]
            } else {
                &mut self.context_spectrum[..]
            };
            stft.analyse_frame(&self.input[at..at + n], spectrum, &mut self.stft);
            if denoise {
                let row = &mut self.power[(k - reach.start) * bins..(k - reach.start + 1) * bins];
                for (p, z) in row.iter_mut().zip(spectrum.iter()) {
                    *p = z.norm_sqr();
                }
            }
        }
        let Some(raster) = raster else {
            return;
        };
        let steps: Vec<_> = raster.denoise_steps(channel).collect();
        self.denoise_gains.resize(steps.len(), Vec::new());
        for ((step, acts), row) in steps.into_iter().zip(&mut self.denoise_gains) {
            row.clear();
            if acts {
                row.resize(len * bins, 1.0);
                let request = GainRequest {
                    source,
                    stft,
                    channel,
                    power: &self.power,
                    power_frames: reach.clone(),
                    core: frames.clone(),
                    spectra: &self.spectra[..len * bins],
                    total_frames,
                };
                step.gains(&request, &mut self.denoise, row);
            }
        }
        let needs_levels = raster.needs_levels(channel);
        let full_scale = stft.full_scale_magnitude();
        for (i, k) in frames.enumerate() {
            if !self.analysed[i] {
                continue;
            }
            let spectrum = &self.spectra[i * bins..(i + 1) * bins];
            let levels = if needs_levels {
                for (l, c) in self.levels.iter_mut().zip(spectrum) {
                    *l = power_dbfs(c.norm_sqr(), full_scale);
                }
                Some(self.levels.as_slice())
            } else {
                None
            };
            self.changed[i] = raster.frame_gains_with(
                channel,
                k,
                levels,
                &self.denoise_gains,
                i * bins,
                &mut self.gains[i * bins..(i + 1) * bins],
            );
        }
    }

    /// The frames of the last [`GainBlock::compute`].
    pub fn frames(&self) -> Range<usize> {
        self.frames.clone()
    }

    /// Raw spectrum of `frame` (zeros if it was skipped).
    pub fn spectrum(&self, frame: usize) -> &[Complex32] {
        let i = frame - self.frames.start;
        &self.spectra[i * self.bins..(i + 1) * self.bins]
    }

    /// Gains of `frame` in FFT order, or `None` when they are all exactly 1.
    pub fn gains(&self, frame: usize) -> Option<&[f32]> {
        let i = frame - self.frames.start;
        self.changed[i].then(|| &self.gains[i * self.bins..(i + 1) * self.bins])
    }
}

/// Buffers reused by [`Renderer::render_range`] across blocks.
pub struct RenderScratch<T: ReadSamples> {
    block: GainBlock<T>,
    correction: Vec<T>,
}

impl<T: ReadSamples> RenderScratch<T> {
    /// Buffers for `stft`.
    pub fn new(stft: &Stft<T>) -> Self {
        RenderScratch {
            block: GainBlock::new(stft),
            correction: Vec::new(),
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
        scratch.correction.clear();
        scratch.correction.resize(out.len(), T::default());
        let block = &mut scratch.block;
        let bins = block.bins;
        // Frames are analysed a group at a time, so that long FFTs with short hops (many
        // frames per sample, many bins per frame) hold at most about RENDER_CELLS cells.
        // Each frame's gains do not depend on the group, and frames are added in order.
        let group = (RENDER_CELLS / bins).max(1);
        let mut any = false;
        for group_start in (first..=last).step_by(group) {
            let frames = group_start..(group_start + group).min(last + 1);
            block.compute(
                source,
                stft,
                Some(raster),
                channel,
                frames.clone(),
                total_frames,
                true,
            );
            for k in frames.clone() {
                let i = k - frames.start;
                if !block.changed[i] {
                    continue;
                }
                let cells = i * bins..(i + 1) * bins;
                for ((d, &x), &g) in block
                    .stft
                    .spectrum
                    .iter_mut()
                    .zip(&block.spectra[cells.clone()])
                    .zip(&block.gains[cells])
                {
                    *d = x * (g - 1.0);
                }
                stft.synthesise_scratch(&mut block.stft);
                overlap_add(
                    &mut scratch.correction,
                    out_start,
                    &block.stft.time,
                    stft.frame_start(k),
                );
                any = true;
            }
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
    let block_len = block_len_for(raster, channels, stft.hop(), stft.bins());
    let blocks = len.div_ceil(block_len as u64) as usize;
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
                    let start = (b * block_len) as u64;
                    let n = (len - start).min(block_len as u64) as usize;
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
            sink(((first_block + i) * block_len) as u64, block)?;
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

/// What a [`RenderedSource`] reads as.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rendered {
    /// The recording with the edits applied.
    Edited,
    /// What the edits take away: the recording minus the edited recording (the residual a
    /// denoiser removes, what a repair took out), for listening to it.
    Removed,
}

/// Samples per channel a [`RenderedSource`] renders at a time.
pub const CACHED_BLOCK_LEN: usize = 1 << 14;
/// Blocks a [`RenderedSource`] keeps per channel.
const CACHED_BLOCKS_PER_CHANNEL: usize = 3;

/// A recording with edits applied (or what they remove), readable by range like any source,
/// so that it can feed the player or another render.
///
/// Players read small chunks, and a denoise step needs many frames of context around each
/// (the automatic estimate, about two seconds): so whole blocks of [`CACHED_BLOCK_LEN`] are
/// rendered and the last few kept. Any block renders exactly as in the whole file, so reading
/// by range gives the whole-file result.
pub struct RenderedSource<T: ReadSamples> {
    source: std::sync::Arc<dyn SampleSource>,
    /// What [`Rendered::Removed`] subtracts the edited recording from.
    reference: std::sync::Arc<dyn SampleSource>,
    stft: std::sync::Arc<Stft<T>>,
    raster: std::sync::Arc<MaskRaster>,
    what: Rendered,
    cache: std::sync::Mutex<BlockCache<T>>,
}

struct BlockCache<T: ReadSamples> {
    /// `(channel, block index, samples)`, oldest first.
    blocks: Vec<(usize, u64, Vec<T>)>,
    scratch: RenderScratch<T>,
    original: Vec<T>,
}

impl<T: ReadSamples> RenderedSource<T> {
    /// `source` with `raster` applied through `stft`, read as `what`.
    pub fn new(
        source: std::sync::Arc<dyn SampleSource>,
        stft: std::sync::Arc<Stft<T>>,
        raster: std::sync::Arc<MaskRaster>,
        what: Rendered,
    ) -> Self {
        let scratch = RenderScratch::new(&stft);
        RenderedSource {
            reference: source.clone(),
            source,
            stft,
            raster,
            what,
            cache: std::sync::Mutex::new(BlockCache {
                blocks: Vec::new(),
                scratch,
                original: Vec::new(),
            }),
        }
    }

    /// Reads [`Rendered::Removed`] as `reference` minus the edited recording: with the
    /// unedited recording as the reference, what every edit changed (signal-changing edits such
    /// as repairs included), not only what the masks took from `source`.
    pub fn with_reference(mut self, reference: std::sync::Arc<dyn SampleSource>) -> Self {
        self.reference = reference;
        self
    }

    /// Reads `out.len()` samples of `channel` from `start`; zeros outside the recording.
    pub fn read_typed(&self, channel: usize, start: i64, out: &mut [T]) {
        out.fill(T::default());
        let len = self.source.len() as i64;
        let lo = start.max(0);
        let hi = (start + out.len() as i64).min(len);
        if lo >= hi {
            return;
        }
        // A poisoned lock only means a reader panicked mid-render: the cached blocks are whole.
        let mut cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        let block_len = CACHED_BLOCK_LEN as i64;
        let mut at = lo;
        while at < hi {
            let index = (at / block_len) as u64;
            let block_start = index as i64 * block_len;
            let samples = self.block(&mut cache, channel, index);
            let end = hi.min(block_start + samples.len() as i64);
            out[(at - start) as usize..(end - start) as usize]
                .copy_from_slice(&samples[(at - block_start) as usize..(end - block_start) as usize]);
            at = end;
        }
    }

    /// The samples of block `index` of `channel`, rendering it if it is not cached.
    fn block<'c>(&self, cache: &'c mut BlockCache<T>, channel: usize, index: u64) -> &'c [T] {
        if let Some(i) = cache
            .blocks
            .iter()
            .position(|(c, b, _)| *c == channel && *b == index)
        {
            return &cache.blocks[i].2;
        }
        let start = index * CACHED_BLOCK_LEN as u64;
        let n = (self.source.len() - start).min(CACHED_BLOCK_LEN as u64) as usize;
        let mut samples = vec![T::default(); n];
        Renderer::new(self.source.as_ref(), &self.stft, &self.raster).render_range(
            channel,
            start as i64,
            &mut samples,
            &mut cache.scratch,
        );
        if self.what == Rendered::Removed {
            cache.original.resize(n, T::default());
            T::read(
                self.reference.as_ref(),
                channel,
                start as i64,
                &mut cache.original,
            );
            for (s, &x) in samples.iter_mut().zip(&cache.original) {
                *s = x - *s;
            }
        }
        let kept = cache.blocks.iter().filter(|(c, _, _)| *c == channel).count();
        if kept >= CACHED_BLOCKS_PER_CHANNEL
            && let Some(oldest) = cache.blocks.iter().position(|(c, _, _)| *c == channel)
        {
            cache.blocks.remove(oldest);
        }
        cache.blocks.push((channel, index, samples));
        &cache.blocks[cache.blocks.len() - 1].2
    }
}

impl SampleSource for RenderedSource<f32> {
    fn sample_rate(&self) -> f64 {
        self.source.sample_rate()
    }
    fn len(&self) -> u64 {
        self.source.len()
    }
    fn channels(&self) -> usize {
        self.source.channels()
    }
    fn is_complex(&self) -> bool {
        false
    }
    fn read_real(&self, channel: usize, start: i64, out: &mut [f32]) {
        self.read_typed(channel, start, out);
    }
    fn read_complex(&self, channel: usize, start: i64, out: &mut [Complex32]) {
        let mut re = vec![0.0f32; out.len()];
        self.read_typed(channel, start, &mut re);
        for (o, r) in out.iter_mut().zip(re) {
            *o = Complex32::new(r, 0.0);
        }
    }
}

impl SampleSource for RenderedSource<Complex32> {
    fn sample_rate(&self) -> f64 {
        self.source.sample_rate()
    }
    fn len(&self) -> u64 {
        self.source.len()
    }
    fn channels(&self) -> usize {
        self.source.channels()
    }
    fn is_complex(&self) -> bool {
        true
    }
    fn read_real(&self, channel: usize, start: i64, out: &mut [f32]) {
        let mut z = vec![Complex32::default(); out.len()];
        self.read_typed(channel, start, &mut z);
        for (o, v) in out.iter_mut().zip(z) {
            *o = v.re;
        }
    }
    fn read_complex(&self, channel: usize, start: i64, out: &mut [Complex32]) {
        self.read_typed(channel, start, out);
    }
}
