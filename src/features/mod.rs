//! Features for classification: per-frame spectral features and detected bursts, computed on
//! the *processed* recording (its edit list applied), so masks clean the features.
//!
//! The processed signal is rendered block by block exactly as `spectro apply` renders it (the
//! edits applied through their own STFT, then resynthesised), and analysed with a second,
//! librosa-convention STFT ([`FeatureOptions::stft`], librosa's defaults of 2048/512/Hann).
//! Per frame:
//! - `level_db`: the frame's power (Parseval: windowed mean power), dBFS, where a full-scale
//!   sinusoid reads 0 dB;
//! - spectral centroid, bandwidth, flatness and roll-off, with librosa's definitions
//!   ([`spectral::spectral_stats`]);
//! - band powers in dBFS over [`FeatureOptions::bands`] equal-width bands ([`Bands`]);
//! - for real signals, MFCCs as `librosa.feature.mfcc` computes them ([`mel`]).
//!
//! IQ recordings are analysed two-sided, with signed frequencies from −fs/2 to +fs/2, on which
//! the spectral statistics and bands are defined as for audio. MFCCs are not computed for IQ:
//! the mel scale describes pitch perception of audio at absolute frequencies from 0 Hz, while
//! IQ frequencies are offsets from a tuning frequency and half of them are negative, so a mel
//! filterbank has no meaning there. The bands describe an IQ spectrum's shape instead.
//!
//! Bursts (see [`bursts`]) are regions of the time-frequency plane above the noise floor.
//!
//! Computation runs in parallel over blocks of frames, reports [`Progress`] in frames and
//! stops at [`Progress::cancel`]. Memory does not grow with the recording's length:
//! [`stream_features`] hands each frame's features to a sink in frame order as its block is
//! done (the CSV writer streams them to disk), and nothing per frame is kept. Blocks are sized
//! in bytes (about [`BLOCK_BYTES`] of spectra each), so no FFT size or hop makes one large.
//! The work takes up to three passes over the processed signal, re-rendering rather than
//! keeping anything per frame:
//! 1. when bursts are detected or MFCCs are clamped to `top_db` below the maximum: each bin's
//!    level histogram (for the noise floor) and the mel spectrogram's maximum;
//! 2. the frame features, written as they come, and, for bursts, each frame's active cells,
//!    joined into regions as frames arrive ([`bursts::Labeler`] keeps only the regions still
//!    open and the bins each region covers);
//! 3. for bursts, each region's measures.
//!
//! What remains is per burst (a few hundred bytes, and 16 bytes per frame of the burst being
//! measured) and per bin (the histograms, 4 KiB per bin).

pub mod bursts;
pub mod csv;
pub mod mel;
pub mod spectral;

use std::ops::Range;
use std::sync::Arc;

use rayon::prelude::*;
use rustfft::num_complex::Complex32;

pub use bursts::{Burst, BurstOptions, NoiseFloor};
pub use spectral::{Bands, SpectralStats};

use crate::edit::EditList;
use crate::edit::mask::{Grid, MaskRaster};
use crate::pipeline::render::{RenderScratch, Renderer};
use crate::pipeline::{Edited, PipelineError};
use crate::signal::levels::power_dbfs;
use crate::signal::raster::FreqAxis;
use crate::signal::{
    Cancelled, Convention, Progress, ReadSamples, SampleSource, Scratch, Stft, StftError, StftParams,
};
use bursts::{
    BurstAccumulator, Geometry, Labeler, LevelHistogram, Region, Run, TOUCHED, bucket_of, db, frame_runs,
};
use mel::{Dct2, MelFilterbank, power_to_db_floor};

/// About how many bytes of spectra one block of frames holds: blocks have as many frames as
/// fit (and at most 8192, or 64 Ki samples of hop), so memory does not depend on the FFT size
/// or the hop.
pub const BLOCK_BYTES: usize = 4 << 20;

/// Most blocks computed before their results are merged: bounds what waits to be merged on
/// machines with many cores.
const MAX_BATCH: usize = 64;
use spectral::spectral_stats;

/// librosa's `power_to_db` floor (`amin`).
pub const MEL_AMIN: f64 = 1e-10;

/// What to compute.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FeatureOptions {
    /// The analysis STFT (librosa convention: `1 + len/hop` centred frames, zero padding).
    pub stft: StftParams,
    /// One channel, or `None` for the mean of all channels (`librosa.to_mono`).
    pub channel: Option<usize>,
    /// Number of equal-width bands, 1 to 1024.
    pub bands: usize,
    /// MFCCs per frame (`n_mfcc`), at most `n_mels`.
    pub n_mfcc: usize,
    /// Mel bands (`n_mels`).
    pub n_mels: usize,
    /// Clamp of the mel spectrogram in dB below its maximum (`top_db`); `None` for none.
    pub top_db: Option<f64>,
    /// Fraction of the magnitude below the roll-off frequency (`roll_percent`).
    pub rolloff_fraction: f64,
    /// Burst detection, or `None` to skip it.
    pub bursts: Option<BurstOptions>,
    /// For IQ: the radio frequency the recording is centred on (its 0 Hz), when known. Bursts
    /// then also carry absolute frequencies ([`Burst::rf_hz`]); everything else stays in
    /// signed offsets from the centre, so features of captures tuned differently compare.
    pub center_freq_hz: Option<f64>,
}

impl Default for FeatureOptions {
    fn default() -> Self {
        FeatureOptions {
            stft: StftParams::default(),
            channel: None,
            bands: 8,
            n_mfcc: 20,
            n_mels: 128,
            top_db: Some(80.0),
            rolloff_fraction: 0.85,
            bursts: Some(BurstOptions::default()),
            center_freq_hz: None,
        }
    }
}

/// Why features cannot be computed.
#[derive(Debug, thiserror::Error)]
pub enum FeatureError {
    /// Invalid STFT settings (for the edits or the analysis).
    #[error(transparent)]
    Stft(#[from] StftError),
    /// A channel the recording does not have.
    #[error("channel {channel} does not exist (the recording has {channels}, numbered from 0)")]
    Channel {
        /// The requested channel.
        channel: usize,
        /// Channels in the recording.
        channels: usize,
    },
    /// An option out of range; the message names it.
    #[error("{0}")]
    Option(String),
    /// The phase of painted energy could not be rebuilt.
    #[error("painted energy: {0}")]
    Paint(crate::signal::phase::PhaseError),
    /// The user cancelled.
    #[error("cancelled")]
    Cancelled(#[from] Cancelled),
}

impl From<PipelineError> for FeatureError {
    fn from(e: PipelineError) -> Self {
        match e {
            PipelineError::Cancelled(c) => FeatureError::Cancelled(c),
            PipelineError::Stft(e) => FeatureError::Stft(e),
            PipelineError::Paint(e) => FeatureError::Paint(e),
            PipelineError::File(e) => FeatureError::Option(e.to_string()),
            e @ PipelineError::Harmonics(_) => FeatureError::Option(e.to_string()),
        }
    }
}

impl FeatureOptions {
    /// Checks every option, naming the first one out of range.
    pub fn validate(&self) -> Result<(), FeatureError> {
        let bad = |msg: String| Err(FeatureError::Option(msg));
        if !(1..=1024).contains(&self.bands) {
            return bad(format!("bands must be 1 to 1024, got {}", self.bands));
        }
        if self.n_mels == 0 || self.n_mels > 1024 {
            return bad(format!("n_mels must be 1 to 1024, got {}", self.n_mels));
        }
        if self.n_mfcc > self.n_mels {
            return bad(format!(
                "n_mfcc ({}) cannot exceed n_mels ({})",
                self.n_mfcc, self.n_mels
            ));
        }
        if self.top_db.is_some_and(|t| !(t >= 0.0 && t.is_finite())) {
            return bad("top_db must be a non-negative number of dB".into());
        }
        if !(self.rolloff_fraction > 0.0 && self.rolloff_fraction < 1.0) {
            return bad(format!(
                "the roll-off fraction must lie strictly between 0 and 1, got {}",
                self.rolloff_fraction
            ));
        }
        if self.center_freq_hz.is_some_and(|f| !f.is_finite()) {
            return bad("the centre frequency must be a finite number of Hz".into());
        }
        if let Some(b) = &self.bursts {
            let finite_non_negative = |v: f64| v.is_finite() && v >= 0.0;
            if !(finite_non_negative(b.threshold_db) && finite_non_negative(b.hysteresis_db)) {
                return bad("burst threshold and hysteresis must be non-negative numbers of dB".into());
            }
            if b.hysteresis_db > b.threshold_db {
                return bad(format!(
                    "burst hysteresis ({} dB) cannot exceed the threshold ({} dB)",
                    b.hysteresis_db, b.threshold_db
                ));
            }
            if ![b.min_duration_s, b.merge_gap_s, b.merge_gap_hz]
                .into_iter()
                .all(finite_non_negative)
            {
                return bad("burst minimum duration and merge gaps must be non-negative".into());
            }
        }
        Ok(())
    }
}

/// Per-frame features, one entry per analysis frame (struct of arrays, so a plot of one
/// feature over time is a slice).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FrameFeatures {
    /// Frame centre, seconds (`librosa.frames_to_time`).
    pub time_s: Vec<f64>,
    /// Frame power, dBFS.
    pub level_db: Vec<f32>,
    /// Spectral centroid, Hz.
    pub centroid_hz: Vec<f32>,
    /// Spectral bandwidth, Hz.
    pub bandwidth_hz: Vec<f32>,
    /// Spectral flatness, 0 to 1.
    pub flatness: Vec<f32>,
    /// Spectral roll-off, Hz.
    pub rolloff_hz: Vec<f32>,
    /// Bands per frame.
    pub n_bands: usize,
    /// Band powers, dBFS, `n_bands` per frame.
    pub bands_db: Vec<f32>,
    /// MFCCs per frame (0 for IQ).
    pub n_mfcc: usize,
    /// MFCCs, `n_mfcc` per frame.
    pub mfcc: Vec<f32>,
}

impl FrameFeatures {
    /// Number of frames.
    pub fn len(&self) -> usize {
        self.time_s.len()
    }

    /// True when there are no frames.
    pub fn is_empty(&self) -> bool {
        self.time_s.is_empty()
    }

    /// Band powers of frame `frame`, dBFS.
    pub fn bands(&self, frame: usize) -> &[f32] {
        &self.bands_db[frame * self.n_bands..(frame + 1) * self.n_bands]
    }

    /// MFCCs of frame `frame` (empty for IQ).
    pub fn mfcc(&self, frame: usize) -> &[f32] {
        &self.mfcc[frame * self.n_mfcc..(frame + 1) * self.n_mfcc]
    }
}

/// Everything [`extract_features`] computes.
#[derive(Clone, Debug, PartialEq)]
pub struct Features {
    /// Samples per second.
    pub sample_rate: f64,
    /// Two-sided (IQ) analysis.
    pub complex: bool,
    /// For IQ, the radio frequency of 0 Hz when known ([`FeatureOptions::center_freq_hz`]).
    pub center_freq_hz: Option<f64>,
    /// The analysis STFT.
    pub stft: StftParams,
    /// The `bands + 1` band edges, Hz.
    pub band_edges_hz: Vec<f64>,
    /// Per-frame features.
    pub frames: FrameFeatures,
    /// The noise floor per display bin (lowest frequency first), when bursts were detected.
    pub noise_floor: Option<NoiseFloor>,
    /// Detected bursts, by start; `None` when detection was not asked for.
    pub bursts: Option<Vec<Burst>>,
}

/// The features of one frame, as [`stream_features`] hands them over.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FrameRow<'a> {
    /// Frame index.
    pub frame: usize,
    /// Frame centre, seconds.
    pub time_s: f64,
    /// Frame power, dBFS.
    pub level_db: f32,
    /// Spectral centroid, Hz.
    pub centroid_hz: f32,
    /// Spectral bandwidth, Hz.
    pub bandwidth_hz: f32,
    /// Spectral flatness, 0 to 1.
    pub flatness: f32,
    /// Spectral roll-off, Hz.
    pub rolloff_hz: f32,
    /// Band powers, dBFS.
    pub bands_db: &'a [f32],
    /// MFCCs (empty for IQ).
    pub mfcc: &'a [f32],
}

impl FrameFeatures {
    /// Appends one frame.
    pub fn push(&mut self, row: &FrameRow<'_>) {
        self.time_s.push(row.time_s);
        self.level_db.push(row.level_db);
        self.centroid_hz.push(row.centroid_hz);
        self.bandwidth_hz.push(row.bandwidth_hz);
        self.flatness.push(row.flatness);
        self.rolloff_hz.push(row.rolloff_hz);
        self.bands_db.extend_from_slice(row.bands_db);
        self.mfcc.extend_from_slice(row.mfcc);
    }

    /// Frame `frame` as a row.
    pub fn row(&self, frame: usize) -> FrameRow<'_> {
        FrameRow {
            frame,
            time_s: self.time_s[frame],
            level_db: self.level_db[frame],
            centroid_hz: self.centroid_hz[frame],
            bandwidth_hz: self.bandwidth_hz[frame],
            flatness: self.flatness[frame],
            rolloff_hz: self.rolloff_hz[frame],
            bands_db: self.bands(frame),
            mfcc: self.mfcc(frame),
        }
    }
}

impl FeatureOptions {
    /// Bands and MFCCs per frame for a real (`complex == false`) or IQ recording: the shape of
    /// each [`FrameRow`].
    pub fn frame_shape(&self, complex: bool) -> (usize, usize) {
        (self.bands.max(1), if complex { 0 } else { self.n_mfcc })
    }
}

/// Computes features of `source` with the edit list `edits` applied (through an STFT of
/// `edit_stft`, through the same [`crate::pipeline`] as `spectro apply`).
///
/// Every frame's features and every burst are returned, a few hundred bytes each;
/// [`stream_features`] hands them over one by one instead.
pub fn extract_features(
    source: &Arc<dyn SampleSource>,
    edits: &EditList,
    edit_stft: StftParams,
    options: &FeatureOptions,
    progress: &Progress,
) -> Result<Features, FeatureError> {
    let mut frames = FrameFeatures::default();
    let mut bursts = Vec::new();
    let streamed = stream_features(
        source,
        edits,
        edit_stft,
        options,
        progress,
        &mut |row| {
            frames.push(row);
            Ok::<(), FeatureError>(())
        },
        &mut |burst| {
            bursts.push(burst.clone());
            Ok(())
        },
    )?;
    let mut features = streamed.features;
    frames.n_bands = features.frames.n_bands;
    frames.n_mfcc = features.frames.n_mfcc;
    features.frames = frames;
    features.bursts = streamed.bursts.map(|_| bursts);
    Ok(features)
}

/// What [`stream_features`] returns besides what it handed over.
#[derive(Clone, Debug, PartialEq)]
pub struct Streamed {
    /// The features' description: rate, analysis, bands, noise floor. Holds no frames (only
    /// their shape in [`FrameFeatures::n_bands`] and [`FrameFeatures::n_mfcc`]) and no bursts.
    pub features: Features,
    /// Frames handed over.
    pub frames: usize,
    /// Bursts handed over, when bursts were detected.
    pub bursts: Option<usize>,
}

/// As [`extract_features`], handing each frame's features to `frames` in frame order, and
/// each burst to `bursts` in the order [`Features::bursts`] lists them (by start, then
/// centre), instead of keeping them: memory stays bounded whatever the recording's length (see
/// the module documentation). A burst is handed over as soon as no burst still to be measured
/// can start before it. An error from a sink stops the work and is returned.
pub fn stream_features<E: From<FeatureError>>(
    source: &Arc<dyn SampleSource>,
    edits: &EditList,
    edit_stft: StftParams,
    options: &FeatureOptions,
    progress: &Progress,
    frames: &mut dyn FnMut(&FrameRow<'_>) -> Result<(), E>,
    bursts: &mut dyn FnMut(&Burst) -> Result<(), E>,
) -> Result<Streamed, E> {
    options.validate()?;
    if let Some(channel) = options.channel.filter(|&c| c >= source.channels()) {
        return Err(FeatureError::Channel {
            channel,
            channels: source.channels(),
        }
        .into());
    }
    let sinks = Sinks { frames, bursts };
    let edited = Edited::prepare(
        source.clone(),
        &edits.edits,
        edits.phase.unwrap_or_default(),
        edit_stft,
        progress,
    )
    .map_err(FeatureError::from)?;
    crate::with_stft!(edited.engine(), stft => {
        extract_typed(&edited, stft.as_ref(), options, progress, sinks)
    })
}

/// Where [`stream_features`] hands its results.
struct Sinks<'a, E> {
    frames: &'a mut dyn FnMut(&FrameRow<'_>) -> Result<(), E>,
    bursts: &'a mut dyn FnMut(&Burst) -> Result<(), E>,
}

/// Regions closed before they are measured together (in parallel).
const MEASURE_BATCH: usize = 4096;

/// The processed (edited, channel-mixed) signal, analysed frame by frame.
struct Processed<'a, T: ReadSamples> {
    renderer: Renderer<'a, T>,
    analysis: &'a Stft<T>,
    channels: Vec<usize>,
    len: i64,
    /// FFT bin of each display bin.
    fft_bin: Vec<usize>,
    total_frames: usize,
}

struct BlockScratch<T: ReadSamples> {
    render: RenderScratch<T>,
    signal: Vec<T>,
    channel: Vec<T>,
    stft: Scratch<T>,
    spectrum: Vec<Complex32>,
    power: Vec<f32>,
}

impl<T: ReadSamples> Processed<'_, T> {
    fn scratch(&self) -> BlockScratch<T> {
        BlockScratch {
            render: RenderScratch::new(self.renderer.stft),
            signal: Vec::new(),
            channel: Vec::new(),
            stft: self.analysis.scratch(),
            spectrum: vec![Complex32::default(); self.analysis.bins()],
            power: vec![0.0; self.analysis.bins()],
        }
    }

    /// Renders what `frames` read of the processed signal and hands each frame's spectrum
    /// (display order) to `each` as `(frame, spectrum, power)`.
    fn analyse(
        &self,
        frames: Range<usize>,
        s: &mut BlockScratch<T>,
        mut each: impl FnMut(usize, &[Complex32], &[f32]),
    ) {
        let span = self.analysis.frames_span(frames.clone());
        let n = (span.end - span.start) as usize;
        s.signal.clear();
        s.signal.resize(n, T::default());
        if let [only] = self.channels[..] {
            self.renderer
                .render_range(only, span.start, &mut s.signal, &mut s.render);
        } else {
            s.channel.resize(n, T::default());
            for &c in &self.channels {
                self.renderer
                    .render_range(c, span.start, &mut s.channel, &mut s.render);
                for (y, &x) in s.signal.iter_mut().zip(&s.channel) {
                    *y += x;
                }
            }
            let scale = 1.0 / self.channels.len() as f32;
            for y in &mut s.signal {
                *y = *y * scale;
            }
        }
        // Resynthesis reaches into the padding around the recording; the processed
        // recording, like the file `spectro apply` writes, has nothing there.
        for (i, y) in s.signal.iter_mut().enumerate() {
            let at = span.start + i as i64;
            if at < 0 || at >= self.len {
                *y = T::default();
            }
        }
        let fft_len = self.analysis.fft_len();
        let mut display = vec![Complex32::default(); self.fft_bin.len()];
        for k in frames {
            let at = (self.analysis.frame_start(k) - span.start) as usize;
            self.analysis
                .analyse_frame(&s.signal[at..at + fft_len], &mut s.spectrum, &mut s.stft);
            for ((d, p), &b) in display.iter_mut().zip(s.power.iter_mut()).zip(&self.fft_bin) {
                *d = s.spectrum[b];
                *p = d.norm_sqr();
            }
            each(k, &display, &s.power);
        }
    }

    /// `frames` widened by the one frame each side that 3 × 3 smoothing reads.
    fn widened(&self, frames: &Range<usize>) -> Range<usize> {
        frames.start.saturating_sub(1)..(frames.end + 1).min(self.total_frames)
    }

    /// Frames per parallel task: at least 64 Ki samples of signal, so rendering's per-call
    /// work and the frames re-rendered at block edges stay small, but no more than hold about
    /// [`BLOCK_BYTES`] of spectra, so long FFTs with short hops do not make huge blocks.
    fn block_frames(&self) -> usize {
        let by_signal = (65536 / self.analysis.hop()).clamp(16, 8192);
        // Per frame: a power row (f32) and what is derived from it (histogram codes, features).
        let per_frame = self.fft_bin.len() * (4 + 2) + 256;
        by_signal.min((BLOCK_BYTES / per_frame).max(1))
    }

    /// Runs `work` over all frames in parallel blocks, batch by batch (so memory stays bounded),
    /// handing results to `merge` in frame order; an error from `merge` stops the work.
    /// Advances `progress` by one per frame.
    fn for_blocks<R: Send, E: From<FeatureError>>(
        &self,
        progress: &Progress,
        work: impl Fn(Range<usize>, &mut BlockScratch<T>) -> R + Sync,
        mut merge: impl FnMut(R) -> Result<(), E>,
    ) -> Result<(), E> {
        let cancelled = || E::from(FeatureError::Cancelled(Cancelled));
        let block = self.block_frames();
        let blocks = self.total_frames.div_ceil(block);
        let batch = (4 * rayon::current_num_threads()).clamp(2, MAX_BATCH);
        for first in (0..blocks).step_by(batch) {
            progress.check().map_err(|_| cancelled())?;
            let results: Vec<R> = (first..(first + batch).min(blocks))
                .into_par_iter()
                .map_init(
                    || self.scratch(),
                    |s, b| {
                        let frames = b * block..((b + 1) * block).min(self.total_frames);
                        let n = frames.len() as u64;
                        let r = work(frames, s);
                        progress.advance(n);
                        r
                    },
                )
                .collect();
            for r in results {
                merge(r)?;
            }
        }
        progress.check().map_err(|_| cancelled())
    }
}

/// What pass 2 produces for one block of frames: its features, and for bursts its active
/// cells.
#[derive(Default)]
struct FrameBlock {
    level_db: Vec<f32>,
    stats: Vec<[f32; 4]>,
    bands_db: Vec<f32>,
    mfcc: Vec<f32>,
    runs: Vec<Vec<Run>>,
}

/// Features of `edited`, whose STFT plan is `render_stft`.
fn extract_typed<T: ReadSamples, E: From<FeatureError>>(
    edited: &Edited,
    render_stft: &Stft<T>,
    options: &FeatureOptions,
    progress: &Progress,
    sinks: Sinks<'_, E>,
) -> Result<Streamed, E> {
    let source = edited.source().as_ref();
    let fs = source.sample_rate();
    let analysis = Stft::<T>::new(options.stft, Convention::Librosa).map_err(FeatureError::from)?;
    let raster = edited.raster();
    let edits = edited.edits();
    let axis = FreqAxis {
        fft_len: analysis.fft_len(),
        complex: T::IS_COMPLEX,
        sample_rate: fs,
    };
    let bins = axis.len();
    let freqs: Vec<f64> = (0..bins).map(|d| axis.freq_of_display(d)).collect();
    let len = source.len() as i64;
    let total_frames = analysis.num_frames(source.len());
    let processed = Processed {
        renderer: Renderer::new(source, render_stft, raster),
        analysis: &analysis,
        channels: match options.channel {
            Some(c) => vec![c],
            None => (0..source.channels()).collect(),
        },
        len,
        fft_bin: (0..bins).map(|d| axis.bin_of_display(d)).collect(),
        total_frames,
    };
    let bands = Bands::new(options.bands, &freqs, fs, analysis.window(), T::IS_COMPLEX);
    let mel = (!T::IS_COMPLEX && options.n_mfcc > 0)
        .then(|| MelFilterbank::slaney(fs, analysis.fft_len(), options.n_mels, 0.0, fs / 2.0));
    let full_scale = analysis.full_scale_magnitude();
    let fft_len = analysis.fft_len() as i64;
    // Frames wholly inside the recording estimate the floor; the partial ones at the ends see
    // the zero padding. A recording shorter than a frame has only partial frames: use them.
    let inside = |k: usize| analysis.frame_start(k) >= 0 && analysis.frame_start(k) + fft_len <= len;
    let any_inside = (0..total_frames).any(inside);
    let in_histogram = |k: usize| !any_inside || inside(k);
    let detect = options.bursts;
    // Which cells the edits changed, on the analysis grid: the floor is estimated from the
    // others where it can be (see `LevelHistogram::percentile`). Threshold edits, which pick
    // cells by level, do not count; a keep-only edit changes everything but its region, so
    // with one every cell counts.
    let cell_raster = MaskRaster::new(
        edits,
        Grid {
            sample_rate: fs,
            fft_len: analysis.fft_len(),
            hop: analysis.hop(),
            complex: T::IS_COMPLEX,
        },
    );
    let channels = &processed.channels;
    let track_touched = channels.iter().all(|&c| cell_raster.time_bounds(c).is_some())
        && channels.iter().any(|&c| !cell_raster.is_identity(c));
    // MFCCs clamp the mel spectrogram to `top_db` below its maximum over the whole recording:
    // the maximum is found in a first pass, so that each frame's MFCCs can be written as soon
    // as the frame is analysed.
    let clamp_mel = mel.is_some() && options.top_db.is_some();
    let first_pass = detect.is_some() || clamp_mel;
    // Progress counts frames: one per pass over the recording, and as many again for
    // measuring the bursts (as their regions' frames are measured, then the rest at the end).
    let passes = 1 + u64::from(first_pass) + u64::from(detect.is_some());
    progress.start(passes * total_frames as u64);
    let Sinks {
        frames: frame_sink,
        bursts: burst_sink,
    } = sinks;
    let n_mels = mel.as_ref().map_or(0, |m| m.len());

    // Pass 1: level histograms and the mel spectrogram's maximum.
    let mut hist = detect.map(|_| LevelHistogram::new(bins));
    let mut mel_max = f32::NEG_INFINITY;
    if first_pass {
        processed.for_blocks(
            progress,
            |range, s| {
                let mut buckets: Vec<u16> = Vec::new();
                let mut max = f32::NEG_INFINITY;
                let mut mel_power = vec![0.0f64; n_mels];
                let mut gains = vec![1.0f32; analysis.bins()];
                let mut touched = vec![false; bins];
                processed.analyse(range, s, |k, _, power| {
                    if let (true, Some(mel)) = (clamp_mel, &mel) {
                        mel.apply(power, &mut mel_power);
                        for &p in &mel_power {
                            max = max.max(power_to_db_floor(p, MEL_AMIN) as f32);
                        }
                    }
                    if detect.is_some() && in_histogram(k) {
                        touched.fill(false);
                        if track_touched {
                            for &c in channels {
                                if cell_raster.frame_may_change(c, k)
                                    && cell_raster.frame_gains(c, k, None, &mut gains)
                                {
                                    for (t, &b) in touched.iter_mut().zip(&processed.fft_bin) {
                                        *t |= gains[b] != 1.0;
                                    }
                                }
                            }
                        }
                        buckets.extend(power.iter().zip(&touched).map(|(&p, &t)| {
                            bucket_of(power_dbfs(p, full_scale)) | if t { TOUCHED } else { 0 }
                        }));
                    }
                });
                (buckets, max)
            },
            |(buckets, max)| {
                if let Some(h) = &mut hist {
                    h.add_buckets(&buckets);
                }
                mel_max = mel_max.max(max);
                Ok::<(), E>(())
            },
        )?;
    }
    let mel_low = options
        .top_db
        .filter(|_| clamp_mel)
        .map(|top_db| (mel_max as f64 - top_db) as f32);

    // The floor and the detection thresholds.
    let hop_s = analysis.hop() as f64 / fs;
    let floor = hist.as_ref().map(NoiseFloor::estimate);
    drop(hist);
    // The floor as raw power per display bin.
    let floor_power: Vec<f64> = floor
        .iter()
        .flat_map(|f| &f.db)
        .map(|&d| 10f64.powf(d as f64 / 10.0) * (full_scale as f64).powi(2))
        .collect();
    // Thresholds as power ratios over the floor, so cells need no logarithm.
    let (seed_ratio, grow_ratio, gap_bins, gap_frames) = detect.map_or((0.0, 0.0, 0, 0), |b| {
        (
            10f64.powf(b.threshold_db / 10.0) as f32,
            10f64.powf((b.threshold_db - b.hysteresis_db) / 10.0) as f32,
            // A gap wider than the spectrum or the recording joins everything already; capping
            // it keeps `hi + 1 + gap` from overflowing (a --merge-gap-hz of 1e12 did).
            (b.merge_gap_hz / axis.bin_hz()).floor().min(bins as f64) as u32,
            (b.merge_gap_s / hop_s).floor().min(total_frames as f64) as usize,
        )
    });

    // Pass 2: frame features, handed over in order, and active cells joined into regions.
    let (n_bands, n_mfcc) = (bands.len(), if mel.is_some() { options.n_mfcc } else { 0 });
    let dct = mel.as_ref().map(|_| Dct2::new(options.n_mels, options.n_mfcc));
    let mut labeler = detect.map(|_| Labeler::new(gap_frames, gap_bins));
    let mut written = 0usize;
    let geometry = Geometry {
        hop_s,
        freqs_hz: &freqs,
        bin_hz: axis.bin_hz(),
        rolloff_fraction: options.rolloff_fraction,
    };
    let reach = analysis.fft_len().div_ceil(analysis.hop());
    let mut measuring = Measuring {
        pending: Vec::new(),
        ready: Vec::new(),
        handed: 0,
        budget: total_frames as u64,
        min_duration_s: detect.map_or(0.0, |b| b.min_duration_s),
    };
    // Measures the closed regions (in parallel, each re-rendering its frames), and hands over
    // the bursts that no region still to be measured can precede: those starting before
    // `horizon` frames (a region's burst starts at most `reach` frames before its first).
    let measure = |m: &mut Measuring,
                   horizon: Option<usize>,
                   sink: &mut dyn FnMut(&Burst) -> Result<(), E>| {
        let regions = std::mem::take(&mut m.pending);
        let frames: u64 = regions.iter().map(|r| r.frames.len() as u64).sum();
        let measured: Vec<Option<Burst>> = regions
            .into_par_iter()
            .map_init(
                || processed.scratch(),
                |s, region: Region| {
                    if progress.is_cancelled() {
                        return None;
                    }
                    let mut acc = BurstAccumulator::new(region, reach, total_frames, &floor_power, &bands);
                    let span = acc.span();
                    let block = processed.block_frames();
                    for first in span.clone().step_by(block) {
                        let frames = first..(first + block).min(span.end);
                        processed.analyse(frames, s, |k, _, power| acc.add(k, power));
                    }
                    acc.finish(&geometry)
                },
            )
            .collect();
        progress.check().map_err(|c| E::from(FeatureError::from(c)))?;
        let share = frames.min(m.budget);
        progress.advance(share);
        m.budget -= share;
        let min_duration_s = m.min_duration_s;
        m.ready.extend(
            measured
                .into_iter()
                .flatten()
                .filter(|b| b.duration_s >= min_duration_s),
        );
        // By start, then centre; ties keep the regions' order (first frame, lowest bin).
        m.ready.sort_by(|a, b| {
            a.start_s
                .total_cmp(&b.start_s)
                .then(a.centre_hz.total_cmp(&b.centre_hz))
                .then(a.frames.start.cmp(&b.frames.start))
                .then(a.extent_hz[0].total_cmp(&b.extent_hz[0]))
        });
        let before = horizon.map(|f| f.saturating_sub(reach) as f64 * hop_s);
        let n = before.map_or(m.ready.len(), |t| m.ready.partition_point(|b| b.start_s < t));
        for b in m.ready.drain(..n) {
            sink(&b)?;
            m.handed += 1;
        }
        Ok::<(), E>(())
    };
    processed.for_blocks(
        progress,
        |range, s| {
            let mut out = FrameBlock::default();
            let mut magnitude = vec![0.0f64; bins];
            let mut band_power = vec![0.0f64; bands.len()];
            let mut mel_power = vec![0.0f64; n_mels];
            let mut mel_db = vec![0.0f64; n_mels];
            let mut coefficients = vec![0.0f32; n_mfcc];
            // For bursts, each cell's power over its bin's floor, for the frames around too.
            let analysed = if detect.is_some() {
                processed.widened(&range)
            } else {
                range.clone()
            };
            let mut rows: Vec<f32> = Vec::new();
            processed.analyse(analysed.clone(), s, |k, _, power| {
                if detect.is_some() {
                    rows.extend(
                        power
                            .iter()
                            .zip(&floor_power)
                            .map(|(&p, &f)| (p as f64 / f) as f32),
                    );
                }
                if !range.contains(&k) {
                    return;
                }
                for (m, &p) in magnitude.iter_mut().zip(power) {
                    *m = (p as f64).sqrt();
                }
                let stats = spectral_stats(&magnitude, &freqs, options.rolloff_fraction);
                out.stats.push([
                    stats.centroid_hz as f32,
                    stats.bandwidth_hz as f32,
                    stats.flatness as f32,
                    stats.rolloff_hz as f32,
                ]);
                band_power.fill(0.0);
                bands.accumulate(power, &mut band_power);
                out.level_db.push(db(band_power.iter().sum()) as f32);
                out.bands_db.extend(band_power.iter().map(|&p| db(p) as f32));
                if let (Some(mel), Some(dct)) = (&mel, &dct) {
                    mel.apply(power, &mut mel_power);
                    for (d, &p) in mel_db.iter_mut().zip(&mel_power) {
                        let v = power_to_db_floor(p, MEL_AMIN) as f32;
                        *d = mel_low.map_or(v, |low| v.max(low)) as f64;
                    }
                    dct.apply(&mel_db, &mut coefficients);
                    out.mfcc.extend_from_slice(&coefficients);
                }
            });
            if detect.is_some() {
                let mut snr = vec![0.0f32; bins];
                let mut column = vec![0.0f32; bins];
                out.runs = range
                    .map(|k| {
                        smooth_3x3(&rows, bins, k - analysed.start, &mut column, &mut snr);
                        // Frames reaching past the recording's ends see the cut to the zero
                        // padding, which splatters over bins an edit emptied: they extend
                        // bursts but do not seed them (the floor was measured without them
                        // too).
                        let seed = if in_histogram(k) {
                            seed_ratio
                        } else {
                            f32::INFINITY
                        };
                        frame_runs(&snr, seed, grow_ratio, gap_bins)
                    })
                    .collect();
            }
            out
        },
        |block| {
            for (i, stats) in block.stats.iter().enumerate() {
                let k = written + i;
                frame_sink(&FrameRow {
                    frame: k,
                    time_s: (k * analysis.hop()) as f64 / fs,
                    level_db: block.level_db[i],
                    centroid_hz: stats[0],
                    bandwidth_hz: stats[1],
                    flatness: stats[2],
                    rolloff_hz: stats[3],
                    bands_db: &block.bands_db[i * n_bands..(i + 1) * n_bands],
                    mfcc: &block.mfcc[i * n_mfcc..(i + 1) * n_mfcc],
                })?;
            }
            written += block.stats.len();
            if let Some(labeler) = &mut labeler {
                for runs in block.runs {
                    labeler.push(runs);
                }
                measuring.pending.extend(labeler.take_closed());
                if measuring.pending.len() >= MEASURE_BATCH {
                    // Regions still open, and those not begun, start no earlier than this.
                    let horizon = labeler.oldest_open().unwrap_or(written).min(written);
                    measure(&mut measuring, Some(horizon), &mut *burst_sink)?;
                }
            }
            Ok::<(), E>(())
        },
    )?;

    let mut features = Features {
        sample_rate: fs,
        complex: T::IS_COMPLEX,
        center_freq_hz: options.center_freq_hz.filter(|_| T::IS_COMPLEX),
        stft: options.stft,
        band_edges_hz: bands.edges_hz.clone(),
        frames: FrameFeatures {
            n_bands,
            n_mfcc,
            ..FrameFeatures::default()
        },
        noise_floor: None,
        bursts: None,
    };
    let (Some(floor), Some(labeler)) = (floor, labeler) else {
        return Ok(Streamed {
            features,
            frames: written,
            bursts: None,
        });
    };
    measuring.pending.extend(labeler.finish());
    measure(&mut measuring, None, &mut *burst_sink)?;
    progress.advance(measuring.budget);
    features.noise_floor = Some(floor);
    Ok(Streamed {
        features,
        frames: written,
        bursts: Some(measuring.handed),
    })
}

/// Bursts being measured and handed over in order.
struct Measuring {
    /// Closed regions not measured yet.
    pending: Vec<Region>,
    /// Measured bursts not handed over yet.
    ready: Vec<Burst>,
    /// Bursts handed over.
    handed: usize,
    /// Progress left for measuring, in frames.
    budget: u64,
    min_duration_s: f64,
}

/// Row `row` of `rows` (`bins` values per row, consecutive frames) averaged over the 3 × 3
/// cells around each cell, or as many of them as exist. Bursts are detected on each cell's
/// power over its bin's floor, smoothed so: averaging nine cells steadies noise-like signals
/// (one cell's power is exponentially distributed), so a burst is not torn into fragments by
/// its own fluctuations. Dividing by the floor before averaging keeps a bin next to a much
/// louder one (at the edge of a band an edit removed) from inheriting its neighbour's
/// fluctuations.
///
/// Separable: the rows are summed first (into `column`, `bins` long), then three columns at a
/// time.
fn smooth_3x3(rows: &[f32], bins: usize, row: usize, column: &mut [f32], out: &mut [f32]) {
    let frames = rows.len() / bins;
    let first = row.saturating_sub(1);
    let last = (row + 1).min(frames - 1);
    column.copy_from_slice(&rows[first * bins..(first + 1) * bins]);
    for r in first + 1..=last {
        for (c, &v) in column.iter_mut().zip(&rows[r * bins..(r + 1) * bins]) {
            *c += v;
        }
    }
    let n = (last - first + 1) as f32;
    if bins == 1 {
        out[0] = column[0] / n;
        return;
    }
    out[0] = (column[0] + column[1]) / (2.0 * n);
    out[bins - 1] = (column[bins - 2] + column[bins - 1]) / (2.0 * n);
    let inner = 1.0 / (3.0 * n);
    for (o, w) in out[1..bins - 1].iter_mut().zip(column.windows(3)) {
        *o = (w[0] + w[1] + w[2]) * inner;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smoothing_averages_the_cells_that_exist() {
        // Three frames of four bins.
        let rows: Vec<f32> = (0..12).map(|v| v as f32).collect();
        let (mut column, mut out) = (vec![0.0; 4], vec![0.0; 4]);
        // Middle frame: full 3 × 3 neighbourhoods inside, 3 × 2 at the edges.
        smooth_3x3(&rows, 4, 1, &mut column, &mut out);
        assert_eq!(out, [4.5, 5.0, 6.0, 6.5]);
        // First frame: 2 × 3 and 2 × 2.
        smooth_3x3(&rows, 4, 0, &mut column, &mut out);
        assert_eq!(out, [2.5, 3.0, 4.0, 4.5]);
    }
}
