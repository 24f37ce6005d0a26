//! The painted-energy layer and what the edited result is computed with: the paint layer's
//! key and background computation, the STFT engine of the view, and the tile context (the
//! sources, engine and edit raster the tiles, previews included, are drawn from).
//!
//! Kept together and as written before the app was split, for the rewrite of how the edited
//! recording is computed. The paint job is polled here each frame rather than through the job
//! registry for the same reason.

use std::sync::Arc;

use super::{OpenDoc, SpectroApp};
use crate::edit::Affected;
use crate::edit::mask::{Grid, MaskRaster};
use crate::io::Recording;
use crate::signal::{Complex32, Convention, SampleSource, Stft, StftError, StftParams};
use crate::ui::jobs::Job;
use crate::ui::tiles::{Engine, TileContext};

/// What a paint layer depends on.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct PaintKey {
    paints: Vec<crate::edit::Edit>,
    params: StftParams,
    phase: crate::edit::PhaseSettings,
}

/// A computed paint layer.
pub(super) struct PaintResult {
    source: Option<Arc<dyn SampleSource>>,
    span: Option<[f64; 2]>,
    sc_db: Option<f64>,
}

impl OpenDoc {
    /// The recording the edited result starts from: with painted energy when there is some.
    pub fn processed_source(&self) -> Arc<dyn SampleSource> {
        self.painted.clone().unwrap_or_else(|| self.recording.clone())
    }

    fn paint_key(&self, params: StftParams) -> PaintKey {
        PaintKey {
            paints: self
                .doc
                .edits
                .edits
                .iter()
                .filter(|e| matches!(e.shape, crate::edit::Shape::Paint { .. }))
                .cloned()
                .collect(),
            params,
            phase: self.doc.edits.phase.unwrap_or_default(),
        }
    }
}

/// Computes the paint layer for `key` (on a worker thread).
fn compute_paint(
    rec: Arc<Recording>,
    key: &PaintKey,
    progress: &crate::signal::Progress,
) -> Result<PaintResult, String> {
    use crate::pipeline::paint::{PaintedSource, paint_layer};
    if key.paints.is_empty() {
        return Ok(PaintResult {
            source: None,
            span: None,
            sc_db: None,
        });
    }
    let base: Arc<dyn SampleSource> = rec.clone();
    let fs = rec.sample_rate();
    macro_rules! layer {
        ($t:ty) => {{
            let stft = Stft::<$t>::new(key.params, Convention::Scipy).map_err(|e| e.to_string())?;
            let layer = paint_layer::<$t>(base.as_ref(), &stft, &key.paints, key.phase, progress)
                .map_err(|e| e.to_string())?;
            let span = layer.time_span_s(fs);
            let sc_db = layer.reports.last().map(|r| r.spectral_convergence_db);
            let source: Arc<dyn SampleSource> = Arc::new(PaintedSource::new(base.clone(), Arc::new(layer)));
            PaintResult {
                source: Some(source),
                span,
                sc_db,
            }
        }};
    }
    Ok(if rec.is_complex() {
        layer!(Complex32)
    } else {
        layer!(f32)
    })
}

impl SpectroApp {
    pub(super) fn make_engine(rec: &Recording, params: StftParams) -> Result<Engine, StftError> {
        Ok(if rec.is_complex() {
            Engine::Complex(Arc::new(Stft::<Complex32>::new(params, Convention::Scipy)?))
        } else {
            Engine::Real(Arc::new(Stft::<f32>::new(params, Convention::Scipy)?))
        })
    }

    /// Rebuilds the tile context (edits rasterised for the current grid) when out of date.
    pub(super) fn refresh_context(&mut self) {
        let Some(open) = &self.open else {
            self.context = None;
            return;
        };
        let up_to_date = self
            .context
            .as_ref()
            .is_some_and(|c| c.revision == open.content_revision && c.generation == self.tiles.generation());
        if up_to_date {
            return;
        }
        let grid = Grid {
            sample_rate: open.recording.sample_rate(),
            fft_len: self.view.stft.fft_len,
            hop: self.view.stft.hop,
            complex: open.recording.is_complex(),
        };
        self.context = Some(Arc::new(TileContext {
            source: open.recording.clone(),
            processed_source: open.processed_source(),
            engine: open.engine.clone(),
            raster: Arc::new(MaskRaster::new(&open.doc.edits.edits, grid)),
            revision: open.content_revision,
            generation: self.tiles.generation(),
        }));
    }

    /// Keeps the paint layer in step with the paint edits: starts a background computation when
    /// they change, and when one finishes, redraws what it changed.
    pub(super) fn paint_frame(&mut self, ctx: &egui::Context) {
        let params = self.view.stft;
        let hop_s = self.hop_s();
        let Some(open) = &mut self.open else { return };
        let key = open.paint_key(params);
        let finished = open
            .paint_job
            .as_ref()
            .and_then(|(k, job)| job.poll().map(|r| (k.clone(), r)));
        if let Some((done_key, result)) = finished {
            open.paint_job = None;
            match result {
                Ok(r) => {
                    let old_span = open.paint_span;
                    open.painted = r.source;
                    open.paint_span = r.span;
                    open.paint_sc_db = r.sc_db;
                    open.paint_key = Some(done_key);
                    open.content_revision += 1;
                    let revision = open.content_revision;
                    let spans: Vec<[f64; 2]> = [old_span, r.span].into_iter().flatten().collect();
                    if let (Some(lo), Some(hi)) = (
                        spans.iter().map(|s| s[0]).reduce(f64::min),
                        spans.iter().map(|s| s[1]).reduce(f64::max),
                    ) {
                        self.tiles.invalidate(Affected::Span([lo, hi]), revision, hop_s);
                    }
                    self.refresh_context();
                }
                Err(e) => {
                    open.paint_key = Some(done_key);
                    self.fail(format!("Painted energy: {e}"));
                }
            }
            return;
        }
        let Some(open) = &mut self.open else { return };
        let running = open.paint_job.as_ref().map(|(k, _)| k.clone());
        if open.paint_key.as_ref() != Some(&key) && running.as_ref() != Some(&key) {
            if let Some((_, job)) = &open.paint_job {
                job.progress.cancel();
            }
            let rec = open.recording.clone();
            let k = key.clone();
            open.paint_job = Some((
                key,
                Job::spawn("Re-phasing painted energy", ctx, move |p| {
                    compute_paint(rec, &k, p)
                }),
            ));
        }
    }
}
