//! Pictures as sound: reading a picture for the Open image as sound window, and turning it into
//! a recording on a worker thread (the picture-to-sound pipeline), which then opens as the
//! document.

use std::path::PathBuf;
use std::sync::Arc;

use super::{JobKind, SpectroApp};
use crate::image::{ImageError, import_picture, plan_import};
use crate::io::picture::{Picture, read_png};
use crate::io::{OpenOptions, Recording};
use crate::signal::{Complex32, SampleSource};
use crate::ui::confirm::Arrival;
use crate::ui::image_import::{ImageImportDialog, ImageImportRequest};
use crate::ui::overwrite::Input;

impl SpectroApp {
    /// Reads the picture at `path` in the background, then shows the Open image as sound
    /// window for it.
    pub(super) fn open_image(&mut self, path: PathBuf, ctx: &egui::Context) {
        let p = path.clone();
        self.set_status(format!("Reading {}…", path.display()));
        // A newer request replaces the one being read.
        self.jobs.drop_kind(JobKind::ImageOpen);
        self.jobs.spawn(
            JobKind::ImageOpen,
            "Reading picture",
            Some(path.clone()),
            ctx,
            move |_| read_png(&p),
            move |app: &mut SpectroApp, result, _| match result {
                Ok(picture) => {
                    let original = app.original_for(&picture);
                    app.set_status(format!(
                        "{}: {} × {} pixels",
                        path.display(),
                        picture.width,
                        picture.height
                    ));
                    app.image_dialog = Some(ImageImportDialog::new(path, picture, original));
                }
                Err(e) => app.fail(e.to_string()),
            },
        );
    }

    /// Describes the open recording if it is the one `picture`'s metadata was exported from.
    fn original_for(&self, picture: &Picture) -> Option<String> {
        let meta = picture.meta()?.ok()?;
        let rec = &self.open.as_ref()?.recording;
        let matches = (rec.sample_rate() - meta.sample_rate).abs() <= 1e-6 * meta.sample_rate
            && rec.len() == meta.signal_len
            && rec.channels() == meta.channels
            && rec.is_complex() == meta.iq;
        matches.then(|| {
            rec.path()
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default()
        })
    }

    /// Turns a picture into sound on a worker thread; the result opens as a document.
    pub(super) fn start_import(&mut self, request: ImageImportRequest, ctx: &egui::Context) {
        if self.jobs.is_running(JobKind::Import) {
            return self.fail("A picture is already being imported.");
        }
        let original = if request.use_original {
            self.open.as_ref().map(|o| o.recording.clone())
        } else {
            None
        };
        let path = request.path.clone();
        self.set_status(format!("Turning {} into sound…", path.display()));
        self.jobs.spawn(
            JobKind::Import,
            "Importing picture",
            Some(path.clone()),
            ctx,
            move |progress| import_sound(request, original, progress),
            move |app: &mut SpectroApp, result, ctx| match result {
                Ok((recording, summary)) => app.arrive(
                    Arrival {
                        recording,
                        inputs: vec![Input {
                            path: path.clone(),
                            role: "the picture this sound was made from",
                        }],
                        status: Some(format!("{}: {summary}", path.display())),
                        options: None,
                        session: None,
                    },
                    ctx,
                ),
                Err(ImageError::Cancelled) => app.set_status("Import cancelled."),
                Err(e) => app.fail(format!("{}: {e}", path.display())),
            },
        );
    }
}

fn import_sound(
    request: ImageImportRequest,
    original: Option<Arc<Recording>>,
    progress: &crate::signal::Progress,
) -> Result<(Arc<Recording>, String), ImageError> {
    use crate::signal::phase::PhaseOptions;
    let plan = plan_import(&request.picture, &request.options)?;
    let mut phase = PhaseOptions::new(request.method);
    phase.iterations = request.iterations;
    let source = original.as_deref().map(|r| r as &dyn SampleSource);
    let (stored, report) = if plan.iq {
        let sound = import_picture::<Complex32>(&request.picture, &plan, source, &phase, progress)?;
        let stored: Vec<Vec<f32>> = sound
            .channels
            .iter()
            .flat_map(|c| [c.iter().map(|z| z.re).collect(), c.iter().map(|z| z.im).collect()])
            .collect();
        (stored, sound.report)
    } else {
        let sound = import_picture::<f32>(&request.picture, &plan, source, &phase, progress)?;
        (sound.channels, sound.report)
    };
    let bytes =
        crate::io::output::float_wav_bytes(&stored, plan.sample_rate).map_err(ImageError::Settings)?;
    let name = request.path.with_extension("wav");
    let recording = Recording::from_memory(
        &name,
        bytes,
        "wav",
        OpenOptions {
            iq: plan.iq,
            sample_rate: None,
        },
    )?;
    let summary = match report.changed_cells {
        Some(n) => format!("{n} changed cells re-phased, the rest kept from the open recording"),
        None => format!(
            "rebuilt {} frames × {} bins, spectral convergence {:.1} dB{}",
            report.frames,
            report.bins,
            report
                .phase
                .first()
                .map_or(f64::NAN, |p| p.spectral_convergence_db),
            if plan.relative {
                " (relative levels, normalised)"
            } else {
                ""
            }
        ),
    };
    Ok((Arc::new(recording), summary))
}
