//! Writing the user's files from the window: the edit list and the exports. The open
//! document's inputs are never written over, and an existing file is replaced only after the
//! user agreed ("Replace NAME?"); only then is the write made with `force`.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::{JobKind, SpectroApp};
use crate::edit::StftSettings;
use crate::edit::save_edit_list;
use crate::features;
use crate::image::{ExportSettings, ImageError, PlotSize, export_picture};
use crate::io::FileError;
use crate::io::atomic::same_file;
use crate::io::picture::PictureColors;
use crate::pipeline::PipelineError as ExportError;
use crate::pipeline::export::export_edited;
use crate::pipeline::extract::{Extracted, Region, extract_region};
use crate::pipeline::picture::Levels;
use crate::signal::SampleSource;
use crate::ui::confirm::{Question, Then, Write};
use crate::ui::overwrite::{Input, TargetCheck, check_targets, name, paths, write_error};
use crate::ui::view::Version;

/// What a finished export wrote.
enum ExportDone {
    /// The whole edited recording; samples clipped on the way.
    Audio {
        /// Samples that had to be clipped.
        clipped: u64,
    },
    /// A time-frequency region.
    Region(Extracted),
}

impl SpectroApp {
    /// A write the user asked for: refused onto an input, asked about onto an existing file,
    /// made at once otherwise.
    pub(super) fn request_write(&mut self, write: Write, ctx: &egui::Context) {
        // A save chosen in the unsaved-edits question carries on with what waited for it.
        let then = match self.question.take() {
            Some(Question::SaveFirst(then))
                if matches!(write, Write::SaveEdits(_) | Write::SaveSession(_)) =>
            {
                Some(then)
            }
            other => {
                self.question = other;
                None
            }
        };
        let Some(open) = &self.open else { return };
        // Saving onto the document's own edit list file is what Save does: no question.
        if let Write::SaveEdits(p) = &write
            && open
                .edits_path
                .as_deref()
                .is_some_and(|e| e == p || same_file(e, p))
        {
            return self.write(write, true, then, ctx);
        }
        // Nor onto its own session file.
        if let Write::SaveSession(p) = &write
            && open
                .session_path
                .as_deref()
                .is_some_and(|e| e == p || same_file(e, p))
        {
            return self.write(write, true, then, ctx);
        }
        let mut inputs = open.inputs.clone();
        if !matches!(write, Write::SaveEdits(_))
            && let Some(edits) = &open.edits_path
        {
            inputs.push(Input {
                path: edits.clone(),
                role: "the edit list of the open recording",
            });
        }
        match check_targets(&write.targets(), &inputs) {
            TargetCheck::New => self.write(write, false, then, ctx),
            TargetCheck::Exists(existing) => {
                self.question = Some(Question::Replace {
                    write,
                    existing,
                    then,
                })
            }
            TargetCheck::Refused(message) => self.fail(message),
        }
    }

    /// Makes `write`, replacing existing files when `replace`; `then` follows a successful
    /// save of the edit list.
    pub(super) fn write(&mut self, write: Write, replace: bool, then: Option<Then>, ctx: &egui::Context) {
        match write {
            Write::SaveEdits(path) => {
                if self.save_edits(path, replace)
                    && let Some(then) = then
                {
                    self.proceed(then, ctx);
                }
            }
            Write::ExportAudio(path) => self.start_export_audio(path, replace, ctx),
            Write::ExportSelection(path) => self.start_export_selection(path, replace, ctx),
            Write::ExportImage(path) => self.start_image_export(path, replace, ctx),
            Write::ExportFeatures(path) => self.start_features_export(path, replace, ctx),
            // In the background; `then` follows once it is written.
            Write::SaveSession(path) => self.save_session(path, replace, then, ctx),
        }
    }

    /// A write that failed: a refusal in the window's words (no `--force` to give), any other
    /// error as the library says it.
    pub(super) fn write_failed(&mut self, e: &FileError) {
        let inputs = self.open.as_ref().map(|o| o.inputs.clone()).unwrap_or_default();
        self.fail(write_error(e, &inputs));
    }

    /// What the document's exports must never write over: its inputs and its edit list file.
    fn export_inputs(&self) -> Vec<PathBuf> {
        self.open.as_ref().map_or_else(Vec::new, |o| {
            let mut inputs: Vec<PathBuf> = o.inputs.iter().map(|i| i.path.clone()).collect();
            inputs.extend(o.edits_path.clone());
            inputs.extend(o.session_path.clone());
            inputs
        })
    }

    /// Saves the edit list to `path` (replacing an existing file when `replace`): the only
    /// thing that marks it saved. True if saved.
    pub(super) fn save_edits(&mut self, path: PathBuf, replace: bool) -> bool {
        let Some(open) = &mut self.open else {
            return false;
        };
        let mut list = open.doc.edits.clone();
        list.stft = Some(StftSettings::from_params(self.view.stft));
        match save_edit_list(&path, &list, &paths(&open.inputs), replace) {
            Ok(()) => {
                open.doc.history.mark_saved();
                open.edits_path = Some(path.clone());
                self.autosave.remove();
                self.set_status(format!("Saved {} edits to {}", list.edits.len(), path.display()));
                true
            }
            Err(e) => {
                self.write_failed(&e);
                false
            }
        }
    }

    fn start_export_audio(&mut self, path: PathBuf, replace: bool, ctx: &egui::Context) {
        let Some(open) = &self.open else { return };
        if self.jobs.is_running(JobKind::Export) {
            return self.fail("An export is already running.");
        }
        let rec = open.recording.clone();
        let list = open.doc.edits.clone();
        let params = self.view.stft;
        let target = path.clone();
        let inputs = self.export_inputs();
        self.set_status(format!("Exporting {}…", name(&path)));
        self.spawn_export("Exporting", path, ctx, move |progress| {
            let inputs: Vec<&Path> = inputs.iter().map(PathBuf::as_path).collect();
            export_edited(&rec, &list, params, &target, None, &inputs, replace, progress)
                .map(|clipped| ExportDone::Audio { clipped })
        });
    }

    fn start_export_selection(&mut self, path: PathBuf, replace: bool, ctx: &egui::Context) {
        let (Some(open), Some(sel)) = (&self.open, self.transport.selection) else {
            return self.fail("Select a time-frequency region first (Select tool).");
        };
        if self.jobs.is_running(JobKind::Export) {
            return self.fail("An export is already running.");
        }
        let rec = open.recording.clone();
        let list = open.doc.edits.clone();
        let params = self.view.stft;
        let target = path.clone();
        let region = Region {
            time_s: sel.time_s,
            freq_hz: sel.freq_hz,
        };
        let inputs = self.export_inputs();
        self.set_status(format!("Exporting the selection to {}…", name(&path)));
        self.spawn_export("Exporting the selection", path, ctx, move |progress| {
            let inputs: Vec<&Path> = inputs.iter().map(PathBuf::as_path).collect();
            extract_region(
                &rec, &list, region, params, &target, None, &inputs, replace, progress,
            )
            .map(ExportDone::Region)
        });
    }

    /// Runs an audio export; says what it wrote when it has finished.
    fn spawn_export(
        &mut self,
        label: &str,
        path: PathBuf,
        ctx: &egui::Context,
        work: impl FnOnce(&crate::signal::Progress) -> Result<ExportDone, ExportError> + Send + 'static,
    ) {
        self.jobs.spawn(
            JobKind::Export,
            label,
            Some(path.clone()),
            ctx,
            work,
            move |app: &mut SpectroApp, result, _| match result {
                Ok(ExportDone::Region(done)) => {
                    let tuned = if done.decimation > 1 {
                        format!(
                            ", tuned by {:+.0} Hz and decimated by {}",
                            done.shift_hz, done.decimation
                        )
                    } else {
                        String::new()
                    };
                    app.set_status(format!(
                        "Exported the selection to {} ({} Hz{tuned})",
                        path.display(),
                        done.sample_rate
                    ));
                }
                // Exporting is not saving: the edit list stays unsaved until it is saved.
                Ok(ExportDone::Audio { clipped }) => {
                    let note = if clipped > 0 {
                        format!(" ({clipped} samples clipped: lower boosting gains)")
                    } else {
                        String::new()
                    };
                    app.set_status(format!("Exported {}{note}", path.display()));
                }
                Err(ExportError::Cancelled(_)) => app.set_status("Export cancelled; nothing was written."),
                Err(ExportError::File(e)) => app.write_failed(&e),
                Err(e) => app.fail(e.to_string()),
            },
        );
    }

    fn start_features_export(&mut self, path: PathBuf, replace: bool, ctx: &egui::Context) {
        let Some(open) = &self.open else { return };
        if self.jobs.is_running(JobKind::Features) {
            return self.fail("A features export is already running.");
        }
        let rec = open.recording.clone();
        let list = open.doc.edits.clone();
        let inputs = self.export_inputs();
        // The edits are rendered as the audio export renders them, and analysed with the
        // view's STFT, so bursts are resolved as the spectrogram shows them.
        let params = self.view.stft;
        let options = features::FeatureOptions {
            stft: params,
            channel: self.view.channel,
            center_freq_hz: rec.center_freq_hz(),
            ..features::FeatureOptions::default()
        };
        let target = path.clone();
        let work = move |progress: &crate::signal::Progress| {
            let inputs: Vec<&Path> = inputs.iter().map(PathBuf::as_path).collect();
            features::csv::export(
                &(rec as Arc<dyn SampleSource>),
                &list,
                params,
                &options,
                &target,
                &inputs,
                replace,
                progress,
            )
        };
        self.jobs.spawn(
            JobKind::Features,
            "Exporting features",
            Some(path),
            ctx,
            work,
            |app: &mut SpectroApp, result, _| match result {
                Ok(done) => {
                    let names: Vec<String> = done.files.iter().map(|p| p.display().to_string()).collect();
                    let bursts = done.bursts.map(|n| format!(", {n} bursts")).unwrap_or_default();
                    app.set_status(format!(
                        "Exported features: {} ({} frames{bursts})",
                        names.join(" and "),
                        done.frames
                    ));
                }
                Err(features::csv::ExportError::Features(features::FeatureError::Cancelled(_))) => {
                    app.set_status("Features export cancelled; nothing was written.")
                }
                Err(features::csv::ExportError::File(e)) => app.write_failed(&e),
                Err(e) => app.fail(e.to_string()),
            },
        );
    }

    /// Exports the spectrogram as shown (time range, frequency range, scale, levels, colours,
    /// original or edited) as a PNG with Spectro's metadata, on a worker thread.
    fn start_image_export(&mut self, path: PathBuf, replace: bool, ctx: &egui::Context) {
        if self.jobs.is_running(JobKind::ImageExport) {
            return self.fail("An image export is already running.");
        }
        let (Some(axis), Some(open), Some(_)) = (self.axis(), &self.open, self.grid()) else {
            return;
        };
        let fs = open.recording.sample_rate();
        let params = self.view.stft;
        let hop_s = params.hop as f64 / fs;
        let total = open.total_frames.max(1);
        let first = ((self.view.time_s[0].max(0.0) / hop_s).floor() as usize).min(total - 1);
        let end = ((self.view.time_s[1] / hop_s).ceil() as usize + 1).clamp(first + 1, total);
        let options = self.image_export;
        let size = if options.cells {
            PlotSize::Cells
        } else {
            // The plot's size on screen, in physical pixels.
            let ppp = ctx.pixels_per_point();
            let plot = self.last_plot.map_or(egui::vec2(1000.0, 400.0), |r| r.size());
            PlotSize::Pixels {
                width: ((plot.x * ppp).round() as usize).max(16),
                height: ((plot.y * ppp).round() as usize).max(16),
            }
        };
        let settings = ExportSettings {
            frames: first..end,
            size,
            // One pixel per cell is the whole band on a linear axis, whatever the view's.
            scale: if options.cells {
                crate::signal::FreqScale::Linear
            } else {
                axis.scale
            },
            freq_hz: (!options.cells).then(|| [axis.hz_of(self.view.u[0]), axis.hz_of(self.view.u[1])]),
            channel: self.view.channel,
            range_db: self.view.ceiling_db - self.view.floor_db,
            ceiling_db: Some(self.view.ceiling_db),
            colors: if options.gray16 {
                PictureColors::Gray16
            } else {
                PictureColors::Palette(self.view.colormap)
            },
            axes: options.axes,
        };
        let version = self.view.version;
        let processed = version.is_edited();
        let edited = open.edited();
        let source: Arc<dyn SampleSource> = if processed {
            edited.source().clone()
        } else {
            edited.original().clone()
        };
        let raster = processed.then(|| edited.raster().clone());
        let center = open.recording.center_freq_hz();
        let inputs = self.export_inputs();
        let target = path.clone();
        self.set_status(format!("Exporting {}…", path.display()));
        let work = move |progress: &crate::signal::Progress| -> Result<String, ImageError> {
            let what = match (raster.as_deref(), version) {
                (Some(r), Version::Removed) => Levels::Removed(r),
                (Some(r), _) => Levels::Edited(r),
                (None, _) => Levels::Original,
            };
            let picture = crate::with_stft!(edited.engine(), stft => {
                export_picture(source.as_ref(), center, stft.as_ref(), what, &settings, progress)?
            });
            let inputs: Vec<&Path> = inputs.iter().map(PathBuf::as_path).collect();
            picture.write(&target, &inputs, replace)?;
            Ok(format!(
                "Exported {} ({} × {} pixels{})",
                target.display(),
                picture.meta.width,
                picture.meta.height,
                match version {
                    Version::Original => ", original",
                    Version::Edited => ", edited",
                    Version::Removed => ", what the edits remove",
                }
            ))
        };
        self.jobs.spawn(
            JobKind::ImageExport,
            "Exporting image",
            Some(path),
            ctx,
            work,
            |app: &mut SpectroApp, result: Result<String, ImageError>, _| match result {
                Ok(text) => app.set_status(text),
                Err(ImageError::Cancelled) => app.set_status("Image export cancelled."),
                Err(ImageError::File(e)) => app.write_failed(&e),
                Err(e) => app.fail(format!("Export image: {e}")),
            },
        );
    }
}
