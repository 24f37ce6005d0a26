//! The open recording and the state derived from it: its waveforms (the recording's, and the
//! shown version's once edits change it), the STFT grid and frequency axis of the view. The
//! paint layer, also derived, lives in `painting`.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::{JobKind, SpectroApp};
use crate::edit::Document;
use crate::edit::mask::Grid;
use crate::io::Recording;
use crate::pipeline::Painted;
use crate::signal::{SampleSource, StftParams};
use crate::ui::jobs::{Job, JobId};
use crate::ui::overwrite::Input;
use crate::ui::tiles::{Engine, effective_scale};
use crate::ui::view::{FreqAxisView, Version, format_hz};
use crate::ui::waveform::Envelope;

/// A background computation of the paint layer (`None`: nothing is painted).
type PaintJob = Job<Result<Option<Painted>, String>>;

/// An open recording and everything derived from it.
pub struct OpenDoc {
    /// The file.
    pub recording: Arc<Recording>,
    /// Edits and history.
    pub doc: Document,
    /// Where the edit list was loaded from or saved to.
    pub edits_path: Option<PathBuf>,
    /// The session file it was opened from or saved to.
    pub session_path: Option<PathBuf>,
    /// How the recording was read from its file (`None` for the demo or a picture's sound,
    /// which have no file a session could point to).
    pub open_options: Option<crate::io::OpenOptions>,
    /// The recording file's content hash, once computed (opening a session, saving one).
    pub content_hash: Option<String>,
    /// The files the document was read from: never written over.
    pub inputs: Vec<Input>,
    pub(super) envelope: Option<Arc<Envelope>>,
    /// The waveform of the version shown when it is not the original, and what it shows.
    pub(super) edited_envelope: Option<(WaveKey, Arc<Envelope>)>,
    /// The job computing it, and for what.
    edited_envelope_job: Option<(WaveKey, JobId)>,
    /// The last key a waveform pass ended for, with or without a result (not retried).
    edited_envelope_tried: Option<WaveKey>,
    pub(super) engine: Engine,
    pub(super) total_frames: usize,
    /// Bumped when the edited result changes (edits, or a new paint layer): what tiles
    /// and playback are computed for.
    pub(super) content_revision: u64,
    /// The recording with the paint edits' energy added, once computed.
    pub(super) painted: Option<Painted>,
    /// What `painted` was computed for.
    pub(super) paint_key: Option<super::painting::PaintKey>,
    pub(super) paint_job: Option<(super::painting::PaintKey, PaintJob)>,
    /// Time span the current paint layer changes.
    pub(super) paint_span: Option<[f64; 2]>,
    /// Spectral convergence of the last painted stroke, dB.
    pub paint_sc_db: Option<f64>,
    /// The soloed edit's position and the version shown before solo began (shown again when
    /// it ends).
    pub(super) solo: Option<(usize, Version)>,
}

/// What the waveform of an edited version depends on.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) struct WaveKey {
    content_revision: u64,
    version: Version,
    params: StftParams,
}

/// Closing a document (or opening another) stops its paint job: nobody will read it. (Its
/// waveform jobs are dropped from the job registry when it is replaced.)
impl Drop for OpenDoc {
    fn drop(&mut self) {
        if let Some((_, job)) = &self.paint_job {
            job.progress.cancel();
        }
    }
}

impl OpenDoc {
    /// Seconds.
    pub fn duration_s(&self) -> f64 {
        self.recording.duration_s()
    }

    /// The edits the picture, waveform and playback are computed from: the whole list, or
    /// the soloed edit alone.
    pub fn shown_edits(&self) -> &[crate::edit::Edit] {
        let edits = &self.doc.edits.edits;
        match self.solo.and_then(|(i, _)| edits.get(i)) {
            Some(e) => std::slice::from_ref(e),
            None => edits,
        }
    }
}

impl SpectroApp {
    /// Makes `recording` the open document with an empty edit list, viewed whole; starts its
    /// waveform. False (and the old document stays) if its STFT cannot be set up.
    pub(super) fn finish_open(
        &mut self,
        recording: Arc<Recording>,
        inputs: Vec<Input>,
        ctx: &egui::Context,
    ) -> bool {
        let mut params = self.view.stft;
        if recording.is_complex() && params == StftParams::default() {
            // Bursts in IQ captures are short: a shorter default window resolves them.
            params = StftParams::with_fft(1024);
        }
        let engine = match Self::make_engine(&recording, params) {
            Ok(e) => e,
            Err(e) => {
                self.fail(e.to_string());
                return false;
            }
        };
        // The closed document's waveforms are of no use any more.
        self.jobs.drop_kind(JobKind::Envelope);
        self.jobs.drop_kind(JobKind::EditedEnvelope);
        let source: Arc<dyn SampleSource> = recording.clone();
        let env_source = source.clone();
        self.jobs.spawn(
            JobKind::Envelope,
            "Waveform",
            None,
            ctx,
            move |p| Envelope::compute(env_source.as_ref(), p),
            |app: &mut SpectroApp, env, _| {
                if let Some(open) = &mut app.open {
                    open.envelope = env.map(Arc::new);
                }
            },
        );
        let total_frames = engine.num_frames(recording.len());
        let info = recording.info();
        self.set_status(format!(
            "{} — {} {}, {} ch, {}, {:.3} s",
            Path::new(&info.file)
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            info.container.name(),
            info.encoding,
            info.channels,
            format_hz(info.sample_rate),
            info.duration_s
        ));
        let complex = recording.is_complex();
        self.view.stft = params;
        self.view.channel = None;
        self.view.fit(recording.duration_s());
        self.tiles.reset();
        self.selected_edit = None;
        // Solo ends with its document: the version shown before it comes back.
        if let Some((_, version)) = self.open.as_ref().and_then(|o| o.solo) {
            self.view.version = version;
        }
        self.transport.reset();
        let mut doc = Document::new(source);
        // The STFT the edits render with is part of the document (undoable, saved with them).
        doc.edits.stft = Some(crate::edit::StftSettings::from_params(params));
        self.open = Some(OpenDoc {
            doc,
            recording,
            edits_path: None,
            session_path: None,
            open_options: None,
            content_hash: None,
            inputs,
            envelope: None,
            edited_envelope: None,
            edited_envelope_job: None,
            edited_envelope_tried: None,
            engine,
            total_frames,
            content_revision: 0,
            painted: None,
            paint_key: None,
            paint_job: None,
            paint_span: None,
            paint_sc_db: None,
            solo: None,
        });
        self.first_view_s = None;
        self.overview_s = None;
        self.levels_fit.opened(complex);
        self.refresh_context();
        // Loaded now, so an autosave is compared with what the user asked to open.
        if let Some(edits) = self.initial_edits.take() {
            self.load_edits(edits, ctx);
        }
        if let Some(index) = self.initial_selected_edit.take() {
            self.tool = crate::ui::tools::Tool::Pointer;
            self.commands
                .send(crate::ui::command::Command::SelectEdit(Some(index)));
        }
        if let Some([t0, t1, hz]) = self.initial_harmonics.take() {
            self.tool = crate::ui::tools::Tool::Harmonics;
            let s = &self.settings;
            let h = crate::edit::Harmonics::new([t0, t1], hz, s.harmonics_count, s.harmonics_width_hz);
            let edit = s.restyle_harmonics(&crate::edit::Edit::new(crate::edit::Shape::Harmonics(h), 0.0));
            self.commands
                .send(crate::ui::command::Command::TrackHarmonics(edit));
        }
        true
    }

    /// Seconds per STFT frame of the view (1 without a document).
    pub(super) fn hop_s(&self) -> f64 {
        self.open
            .as_ref()
            .map_or(1.0, |o| self.view.stft.hop as f64 / o.recording.sample_rate())
    }

    /// The frequency axis of the view.
    pub(super) fn axis(&self) -> Option<FreqAxisView> {
        self.open.as_ref().map(|o| {
            FreqAxisView::new(
                effective_scale(self.view.scale, o.recording.is_complex()),
                o.recording.sample_rate(),
                o.recording.is_complex(),
                self.view.stft.fft_len,
            )
            .labelled_around(o.recording.center_freq_hz())
        })
    }

    /// The STFT grid edits are rasterised on.
    pub(super) fn grid(&self) -> Option<Grid> {
        self.open.as_ref().map(|o| Grid {
            sample_rate: o.recording.sample_rate(),
            fft_len: self.view.stft.fft_len,
            hop: self.view.stft.hop,
            complex: o.recording.is_complex(),
        })
    }

    /// The band of the recording in Hz: 0 to fs/2, or −fs/2 to fs/2 for IQ.
    pub(super) fn band_hz(&self) -> [f64; 2] {
        self.open.as_ref().map_or([0.0, 24_000.0], |o| {
            let half = o.recording.sample_rate() / 2.0;
            if o.recording.is_complex() {
                [-half, half]
            } else {
                [0.0, half]
            }
        })
    }

    /// Keeps the waveform of the version shown in step with the edits: once the visible tiles
    /// are drawn (they come first), renders that version in the background and takes its
    /// envelope; an edit cancels the pass for the old one.
    pub(super) fn edited_waveform(&mut self, ctx: &egui::Context) {
        let grid = self.grid();
        let (ready, version, params) = (self.tiles_ready, self.view.version, self.view.stft);
        let Some(open) = &mut self.open else { return };
        if !version.is_edited() {
            return;
        }
        if version == Version::Edited && open.shown_edits().is_empty() {
            // The edited version is the recording: its own waveform is exact.
            open.edited_envelope = None;
            if let Some((_, old)) = open.edited_envelope_job.take() {
                self.jobs.drop_job(old);
            }
            return;
        }
        let key = WaveKey {
            content_revision: open.content_revision,
            version,
            params,
        };
        let done = open.edited_envelope_tried == Some(key);
        let running = open.edited_envelope_job.as_ref().is_some_and(|(k, _)| *k == key);
        // The grid must exist (a valid STFT) before the edited recording can render.
        if grid.is_none() || !ready || done || running || open.paint_job.is_some() {
            return;
        }
        if let Some((_, old)) = open.edited_envelope_job.take() {
            self.jobs.drop_job(old);
        }
        let edited = open.edited();
        let removed = version == Version::Removed;
        let work = move |p: &crate::signal::Progress| {
            // One core at most, at low priority: the UI and the tiles come first.
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(1)
                .start_handler(|_| lower_thread_priority())
                .build()
                .ok()?;
            pool.install(|| Envelope::of_edited(&edited, removed, p))
        };
        let id = self.jobs.spawn(
            JobKind::EditedEnvelope,
            "Waveform",
            None,
            ctx,
            work,
            move |app: &mut SpectroApp, env: Option<Envelope>, _| {
                let Some(open) = &mut app.open else { return };
                if let Some(env) = env {
                    open.edited_envelope = Some((key, Arc::new(env)));
                }
                open.edited_envelope_tried = Some(key);
                open.edited_envelope_job = None;
            },
        );
        open.edited_envelope_job = Some((key, id));
    }
}

/// Lowers the calling thread's scheduling priority (Linux: nice is per thread), for background
/// work that must not take time from drawing.
fn lower_thread_priority() {
    #[cfg(target_os = "linux")]
    // SAFETY: setpriority has no memory effects; `0` names the calling thread on Linux.
    unsafe {
        libc::setpriority(libc::PRIO_PROCESS, 0, 15);
    }
}
