//! The painted-energy layer and what the edited result is computed with: the paint layer's
//! key and background computation, the STFT engine of the view, and the tile context (the
//! sources, engine and edit raster the tiles, previews included, are drawn from).
//!
//! The edited recording itself is the pipeline's ([`Edited`]): the window keeps its first
//! stage (the paint layer, which takes seconds) while only masks change, and builds the rest
//! from it. The paint job is polled here each frame: a newer key cancels and replaces it.

use std::sync::Arc;

use super::{OpenDoc, SpectroApp};
use crate::edit::Affected;
use crate::io::Recording;
use crate::pipeline::{Edited, Painted};
use crate::signal::{SampleSource, StftError, StftParams};
use crate::ui::jobs::Job;
use crate::ui::tiles::{Engine, TileContext};

/// What the signal layer (painted energy, repairs, de-click) depends on.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct PaintKey {
    paints: Vec<crate::edit::Edit>,
    params: StftParams,
    phase: crate::edit::PhaseSettings,
}

impl OpenDoc {
    /// The recording the edited result starts from: with painted energy when there is some.
    pub fn processed_source(&self) -> Arc<dyn SampleSource> {
        match &self.painted {
            Some(p) => p.source().clone(),
            None => self.recording.clone(),
        }
    }

    /// The last computed signal layer (painted energy, repairs, de-click), if some edit changes
    /// the signal.
    pub fn signal_layer(&self) -> Option<&Painted> {
        self.painted.as_ref()
    }

    /// True while the signal layer is being computed in the background.
    pub fn computing_signal_layer(&self) -> bool {
        self.paint_job.is_some()
    }

    /// The edited recording as the pipeline defines it, from the current paint layer, the
    /// view's STFT and the edit list: what the tiles, the waveform and exports render.
    pub fn edited(&self) -> Edited {
        let original: Arc<dyn SampleSource> = self.recording.clone();
        let painted = self
            .painted
            .clone()
            .unwrap_or_else(|| Painted::unpainted(original.clone()));
        Edited::from_stages(original, painted, self.engine.clone(), self.shown_edits())
    }

    fn paint_key(&self, params: StftParams) -> PaintKey {
        PaintKey {
            paints: self
                .shown_edits()
                .iter()
                .filter(|e| e.changes_signal())
                .cloned()
                .collect(),
            params,
            phase: self.doc.edits.phase.unwrap_or_default(),
        }
    }
}

/// Computes the paint layer for `key` (on a worker thread): the pipeline's first stage.
fn compute_paint(
    rec: Arc<Recording>,
    key: &PaintKey,
    progress: &crate::signal::Progress,
) -> Result<Option<Painted>, String> {
    if key.paints.is_empty() {
        return Ok(None);
    }
    let base: Arc<dyn SampleSource> = rec;
    let engine = Engine::for_source(base.as_ref(), key.params).map_err(|e| e.to_string())?;
    Painted::compute(&base, &engine, &key.paints, key.phase, progress)
        .map(Some)
        .map_err(|e| e.to_string())
}

impl SpectroApp {
    pub(super) fn make_engine(rec: &Recording, params: StftParams) -> Result<Engine, StftError> {
        Engine::for_source(rec, params)
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
        let edited = open.edited();
        self.context = Some(Arc::new(TileContext {
            source: edited.original().clone(),
            processed_source: edited.source().clone(),
            engine: edited.engine().clone(),
            raster: edited.raster().clone(),
            removed_source: open
                .painted
                .is_some()
                .then(|| edited.reader(crate::pipeline::render::Rendered::Removed)),
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
                Ok(painted) => {
                    let old_span = open.paint_span;
                    let span = painted.as_ref().and_then(Painted::time_span_s);
                    open.paint_span = span;
                    open.paint_sc_db = painted.as_ref().and_then(Painted::last_sc_db);
                    open.painted = painted;
                    open.paint_key = Some(done_key);
                    open.content_revision += 1;
                    let revision = open.content_revision;
                    let spans: Vec<[f64; 2]> = [old_span, span].into_iter().flatten().collect();
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
