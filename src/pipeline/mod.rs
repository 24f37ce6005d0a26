//! The edited recording: one definition of what an edit list does to a recording, used by every
//! output (`apply` and File > Export, `extract` and Export selection, `render --edits`, the
//! window's pictures, waveform and playback, `features`, the denoise preview).
//!
//! ```text
//!  recording ──▶ painted energy,  ──▶ masks and gains ─────────▶ output, by range
//!  (io)          repairs (paint.rs, (edit::MaskRaster: rect,    render.rs: samples, streamed
//!                 repair.rs: signal  lasso, brush, threshold,    to files or read by players;
//!                 changes in order)  denoise, in list order)     picture.rs: spectrogram levels
//! ```
//!
//! [`Edited`] holds the prepared stages. Stages of two kinds exist, and a new one is added in
//! one file:
//! - a stage that changes the signal itself (painted energy, repair that fills a region from
//!   its surroundings) computes a layer once when the edit list changes, in
//!   [`Painted::compute`], and the later stages read the recording through it;
//! - a stage that sets a gain per STFT cell (shapes, thresholds, denoise) is a kind of edit in
//!   [`crate::edit::MaskRaster`], and every output applies it through [`render`].
//!
//! Everything renders by range: a block of an hour-long recording costs what its own frames
//! (and the context a denoise step needs) cost, and any range renders exactly as in the whole.
//! Real audio and complex IQ are the same code over a sample type; [`Engine`] picks it once.

pub mod declick;
pub mod engine;
pub mod export;
pub mod extract;
pub mod harmonics;
pub mod paint;
pub mod paste;
pub mod picture;
pub mod render;
pub mod repair;

use std::sync::Arc;

use rustfft::num_complex::Complex32;

pub use engine::Engine;
use paint::{PaintedSource, has_signal_edits, paint_layer};
use render::{RenderScratch, Rendered, RenderedSource, Renderer, render_stream};

use crate::edit::{Edit, MaskRaster, PhaseSettings};
use crate::io::FileError;
use crate::signal::declick::Click;
use crate::signal::dehum::DehumReport;
use crate::signal::harmonics::HarmonicsError;
use crate::signal::phase::PhaseError;
use crate::signal::{Cancelled, Progress, ReadSamples, SampleSource, StftError, StftParams};

/// Why rendering an edited recording (or writing it) failed.
#[derive(Debug, thiserror::Error)]
pub enum PipelineError {
    /// A file problem (the message names the file).
    #[error(transparent)]
    File(#[from] FileError),
    /// Invalid STFT settings.
    #[error(transparent)]
    Stft(#[from] StftError),
    /// The user cancelled; nothing was written.
    #[error("cancelled")]
    Cancelled(#[from] Cancelled),
    /// Rebuilding painted energy failed.
    #[error("painted energy: {0}")]
    Paint(PhaseError),
    /// Tracking a harmonic selection failed (the message says which edit and why).
    #[error("harmonics: {0}")]
    Harmonics(String),
}

impl From<HarmonicsError> for PipelineError {
    fn from(e: HarmonicsError) -> Self {
        match e {
            HarmonicsError::Cancelled(c) => PipelineError::Cancelled(c),
            other => PipelineError::Harmonics(other.to_string()),
        }
    }
}

impl From<PhaseError> for PipelineError {
    fn from(e: PhaseError) -> Self {
        match e {
            PhaseError::Cancelled => PipelineError::Cancelled(Cancelled),
            other => PipelineError::Paint(other),
        }
    }
}

/// The first stage: the recording with the paint edits' energy added (their phase rebuilt) and
/// the repairs made, in list order, or the recording itself when there are none. The window keeps one while only masks change.
#[derive(Clone)]
pub struct Painted {
    source: Arc<dyn SampleSource>,
    span_s: Option<[f64; 2]>,
    last_sc_db: Option<f64>,
    clicks: Arc<[(usize, Click)]>,
    dehums: Arc<[(usize, DehumReport)]>,
}

impl Painted {
    /// `original` unchanged.
    pub fn unpainted(original: Arc<dyn SampleSource>) -> Self {
        Painted {
            source: original,
            span_s: None,
            last_sc_db: None,
            clicks: Arc::new([]),
            dehums: Arc::new([]),
        }
    }

    /// Adds the energy of the paint edits among `edits` to `original` and makes the repairs,
    /// each edit acting on the recording as the previous ones left it, through `engine`'s STFT.
    pub fn compute(
        original: &Arc<dyn SampleSource>,
        engine: &Engine,
        edits: &[Edit],
        phase: PhaseSettings,
        progress: &Progress,
    ) -> Result<Self, PipelineError> {
        if !has_signal_edits(edits) {
            return Ok(Self::unpainted(original.clone()));
        }
        let fs = original.sample_rate();
        Ok(crate::with_stft!(engine, stft => {
            let layer = paint_layer(original.as_ref(), stft.as_ref(), edits, phase, progress)?;
            Painted {
                span_s: layer.time_span_s(fs),
                last_sc_db: layer.reports.last().map(|r| r.spectral_convergence_db),
                clicks: layer.clicks.clone().into(),
                dehums: layer.dehums.clone().into(),
                source: Arc::new(PaintedSource::new(original.clone(), Arc::new(layer))),
            }
        }))
    }

    /// The recording as the later stages read it.
    pub fn source(&self) -> &Arc<dyn SampleSource> {
        &self.source
    }

    /// The time span painted energy changes, seconds (`None` when nothing is painted).
    pub fn time_span_s(&self) -> Option<[f64; 2]> {
        self.span_s
    }

    /// Spectral convergence of the last painted stroke's rebuilt phase, dB.
    pub fn last_sc_db(&self) -> Option<f64> {
        self.last_sc_db
    }

    /// The clicks de-click steps found and repaired: `(channel, click)`, in edit-list order.
    pub fn clicks(&self) -> &[(usize, Click)] {
        &self.clicks
    }

    /// What the de-hum steps found (fundamental, drift, harmonics removed): `(channel,
    /// report)`, in edit-list order.
    pub fn dehums(&self) -> &[(usize, DehumReport)] {
        &self.dehums
    }
}

/// Blocks of rendered samples, one vector per channel, of the recording's sample type.
#[derive(Clone, Copy, Debug)]
pub enum Blocks<'a> {
    /// Real audio.
    Real(&'a [Vec<f32>]),
    /// Complex IQ.
    Complex(&'a [Vec<Complex32>]),
}

/// Rendered samples, one vector per channel, of the recording's sample type.
#[derive(Clone, Debug, PartialEq)]
pub enum Samples {
    /// Real audio.
    Real(Vec<Vec<f32>>),
    /// Complex IQ.
    Complex(Vec<Vec<Complex32>>),
}

/// A sample type the pipeline renders: `f32` or `Complex32`.
pub trait PipelineSample: ReadSamples {
    /// `blocks` as the typed enum.
    fn blocks(blocks: &[Vec<Self>]) -> Blocks<'_>;
    /// `samples` as the typed enum.
    fn samples(samples: Vec<Vec<Self>>) -> Samples;
}

impl PipelineSample for f32 {
    fn blocks(blocks: &[Vec<f32>]) -> Blocks<'_> {
        Blocks::Real(blocks)
    }
    fn samples(samples: Vec<Vec<f32>>) -> Samples {
        Samples::Real(samples)
    }
}

impl PipelineSample for Complex32 {
    fn blocks(blocks: &[Vec<Complex32>]) -> Blocks<'_> {
        Blocks::Complex(blocks)
    }
    fn samples(samples: Vec<Vec<Complex32>>) -> Samples {
        Samples::Complex(samples)
    }
}

/// A recording with an edit list applied: every stage prepared, ready to render any range.
#[derive(Clone)]
pub struct Edited {
    original: Arc<dyn SampleSource>,
    edits: Arc<[Edit]>,
    painted: Painted,
    engine: Engine,
    raster: Arc<MaskRaster>,
}

impl Edited {
    /// Prepares every stage of `edits` on `original` with the STFT `params` (painted energy
    /// with `phase`): harmonic selections without a track are tracked (see [`harmonics`]; the
    /// tracked list is [`Edited::edits`]), the paint layer is computed here, the rest by range
    /// when read.
    pub fn prepare(
        original: Arc<dyn SampleSource>,
        edits: &[Edit],
        phase: PhaseSettings,
        params: StftParams,
        progress: &Progress,
    ) -> Result<Self, PipelineError> {
        let mut tracked;
        let edits = if harmonics::needs_tracking(edits) {
            tracked = edits.to_vec();
            harmonics::track_edits(original.as_ref(), &mut tracked, progress)?;
            &tracked[..]
        } else {
            edits
        };
        let engine = Engine::for_source(original.as_ref(), params)?;
        let painted = Painted::compute(&original, &engine, edits, phase, progress)?;
        Ok(Self::from_stages(original, painted, engine, edits))
    }

    /// The edited recording from an already computed first stage (`painted`, made from
    /// `original` with `engine` and the same `edits`): the window keeps the paint layer while
    /// only masks change.
    pub fn from_stages(
        original: Arc<dyn SampleSource>,
        painted: Painted,
        engine: Engine,
        edits: &[Edit],
    ) -> Self {
        let raster = Arc::new(MaskRaster::new(edits, engine.grid(original.sample_rate())));
        Edited {
            original,
            edits: edits.into(),
            painted,
            engine,
            raster,
        }
    }

    /// The unedited recording.
    pub fn original(&self) -> &Arc<dyn SampleSource> {
        &self.original
    }

    /// The recording as the masks see it: with painted energy.
    pub fn source(&self) -> &Arc<dyn SampleSource> {
        self.painted.source()
    }

    /// The edits applied, in order (harmonic selections with their tracks).
    pub fn edits(&self) -> &[Edit] {
        &self.edits
    }

    /// The first stage.
    pub fn painted(&self) -> &Painted {
        &self.painted
    }

    /// The STFT plan.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// The masks and gains, on the engine's grid.
    pub fn raster(&self) -> &Arc<MaskRaster> {
        &self.raster
    }

    /// Samples per channel.
    pub fn len(&self) -> u64 {
        self.original.len()
    }

    /// True for an empty recording.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The edited recording (or what the edits remove from the unedited recording) as a
    /// source readable by range, for players and further processing; it keeps a few rendered
    /// blocks.
    pub fn reader(&self, what: Rendered) -> Arc<dyn SampleSource> {
        let source = self.source().clone();
        let original = self.original.clone();
        let raster = self.raster.clone();
        crate::with_stft!(&self.engine, stft => {
            Arc::new(RenderedSource::new(source, stft.clone(), raster, what).with_reference(original))
                as Arc<dyn SampleSource>
        })
    }

    /// Renders the whole edited recording block by block, in parallel, handing each block to
    /// `sink(first_sample, blocks)` in order; memory stays bounded whatever the length.
    pub fn stream<E: From<Cancelled> + Send>(
        &self,
        progress: &Progress,
        mut sink: impl FnMut(u64, Blocks<'_>) -> Result<(), E> + Send,
    ) -> Result<(), E> {
        let source = self.source().as_ref();
        crate::with_stft!(&self.engine, stft => {
            render_stream(source, stft.as_ref(), &self.raster, progress, |start, b| {
                sink(start, PipelineSample::blocks(b))
            })
        })
    }

    /// Renders `len` samples of every channel from `start`.
    pub fn render(&self, start: u64, len: usize) -> Samples {
        fn typed<T: PipelineSample>(
            source: &dyn SampleSource,
            stft: &crate::signal::Stft<T>,
            raster: &MaskRaster,
            start: u64,
            len: usize,
        ) -> Samples {
            let renderer = Renderer::new(source, stft, raster);
            let mut scratch = RenderScratch::new(stft);
            let out = (0..source.channels())
                .map(|c| {
                    let mut out = vec![T::default(); len];
                    renderer.render_range(c, start as i64, &mut out, &mut scratch);
                    out
                })
                .collect();
            T::samples(out)
        }
        let source = self.source().as_ref();
        crate::with_stft!(&self.engine, stft => typed(source, stft.as_ref(), &self.raster, start, len))
    }
}
