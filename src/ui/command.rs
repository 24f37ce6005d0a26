//! Every menu item, button and shortcut is a [`Command`] sent through one channel and carried
//! out in one place ([`super::app::SpectroApp::execute`]); so are the results of background
//! jobs ([`Command::JobFinished`]).

use std::path::PathBuf;
use std::sync::mpsc::{Receiver, Sender, channel};

use super::confirm::Answer;
use super::image_import::ImageImportRequest;
use super::jobs::JobId;
use super::tools::Tool;
use super::transport::Selection;
use crate::edit::{Change, Edit};
use crate::signal::{Colormap, FreqScale, StftParams};

/// Something the user asked for.
#[derive(Clone, Debug, PartialEq)]
pub enum Command {
    /// Open a recording, or a session (`.spectro`) where it was left (asks first if there are
    /// unsaved edits).
    Open(PathBuf),
    /// Open the built-in demo recording.
    OpenDemo,
    /// Show the file dialog to open a recording.
    OpenDialog,
    /// Load an edit list from a file (the dialog when `None`).
    LoadEdits(Option<PathBuf>),
    /// Save the edit list (to its file, or through the dialog when it has none).
    SaveEdits,
    /// Save the edit list under a new name (the dialog when `None`).
    SaveEditsAs(Option<PathBuf>),
    /// Save the session (recording, edits, view, selection, tool) to its file, or through the
    /// dialog when it has none.
    SaveSession,
    /// Save the session under a new name (the dialog when `None`).
    SaveSessionAs(Option<PathBuf>),
    /// Stop the running session save (nothing is written).
    CancelSaveSession,
    /// The user found the recording of the session being opened.
    LocateRecording(PathBuf),
    /// Export the edited recording (the dialog when `None`).
    ExportAudio(Option<PathBuf>),
    /// Export the selected time-frequency region (edits applied) as a new file: for IQ tuned to
    /// the band's centre and decimated to its width (the dialog when `None`).
    ExportSelection(Option<PathBuf>),
    /// Stop the running export.
    CancelExport,
    /// Export a picture of the spectrogram as shown (the dialog when `None`).
    ExportImage(Option<PathBuf>),
    /// Change how pictures are exported.
    SetImageExport(ImageExportSettings),
    /// Show the file dialog to open a picture as sound.
    OpenImageDialog,
    /// Read a picture and show the Open image as sound window for it.
    OpenImage(PathBuf),
    /// Turn a picture into sound and open it (asks first if there are unsaved edits).
    ImportImage(Box<ImageImportRequest>),
    /// Stop the running picture import.
    CancelImport,
    /// Write the features of the edited recording as CSV (the dialog when `None`): frames to
    /// the path, bursts next to it (see [`crate::features::csv`]).
    ExportFeatures(Option<PathBuf>),
    /// Stop the running features export.
    CancelFeatures,
    /// Undo the last change.
    Undo,
    /// Redo the last undone change.
    Redo,
    /// Apply a change to the edit list as one undoable step.
    Change(Change),
    /// Add an edit as one undoable step.
    AddEdit(Edit),
    /// Delete the edit at this position.
    DeleteEdit(usize),
    /// Replace the edit at `index` as part of one gesture (a slider drag): the first change of
    /// a gesture is a new undo step, the following ones amend it.
    AdjustEdit {
        /// Position in the list.
        index: usize,
        /// The edit after the change.
        after: Edit,
        /// Identifies the gesture (see [`super::denoise::new_gesture`]).
        gesture: u64,
    },
    /// Select the edit at this position (in the Edits list or on the picture), or none.
    SelectEdit(Option<usize>),
    /// Solo the edit at this position, or end solo: the picture and playback show only what
    /// that edit changes (the original with only it applied, against the original). A view
    /// state: not saved, not undone.
    SoloEdit(Option<usize>),
    /// Copy the time-frequency selection (time range, band, the channel shown).
    Copy,
    /// Paste the copied region at the play cursor as one undoable `paste` edit.
    Paste(crate::edit::PasteMode),
    /// Learn the noise from the time-frequency selection: sets the noise of the current
    /// denoise edit, or adds one.
    LearnNoise,
    /// Estimate the noise automatically: sets the noise of the current denoise edit, or adds
    /// one.
    EstimateNoise,
    /// Isolate the voice: selects the voice isolation edit, or adds one.
    IsolateVoice,
    /// Choose a tool.
    SetTool(Tool),
    /// Zoom time around a point (seconds); factor > 1 zooms in.
    ZoomTime {
        /// Zoom factor.
        factor: f64,
        /// Fixed point, or the view's centre.
        center_s: Option<f64>,
    },
    /// Zoom frequency around an axis position; factor > 1 zooms in.
    ZoomFreq {
        /// Zoom factor.
        factor: f64,
        /// Fixed point, or the view's centre.
        center_u: Option<f64>,
    },
    /// Pan time by a fraction of the visible span.
    PanTime(f64),
    /// Pan frequency by a fraction of the visible span.
    PanFreq(f64),
    /// Show a time range and axis range.
    SetView {
        /// Seconds.
        time_s: [f64; 2],
        /// Axis positions.
        u: [f64; 2],
    },
    /// Show the whole recording.
    ZoomToFit,
    /// Switch between the original and the edited version (picture and sound).
    ToggleProcessed,
    /// Show and play one version: original, edited, or what the edits remove.
    ShowVersion(super::view::Version),
    /// Change the STFT the edits are rendered and drawn with: with a document, an undoable
    /// change of its edit list (the default feathers and denoise smoothing are in hops and bins).
    SetStft(StftParams),
    /// Change how painted energy gets its phase (an undoable change of the edit list).
    SetPhase(crate::edit::PhaseSettings),
    /// Change the frequency axis.
    SetScale(FreqScale),
    /// Change the colour map.
    SetColormap(Colormap),
    /// Change the levels shown.
    SetLevels {
        /// Darkest, dBFS.
        floor_db: f32,
        /// Brightest, dBFS.
        ceiling_db: f32,
    },
    /// Fit the levels to the picture in view: the brightest colour at its loudest cells (the
    /// 99.9th percentile), the darkest a little under its noise floor (see
    /// [`super::levels_fit`]).
    AutoLevels,
    /// Show (or hide) the Help window: every shortcut and mouse gesture.
    ShowHelp,
    /// View one channel or all.
    SetChannel(Option<usize>),
    /// Play from the cursor (or the selection), or pause / resume.
    PlayPause,
    /// Play the selected time range.
    PlaySelection,
    /// Stop playback.
    Stop,
    /// Loop on or off.
    ToggleLoop,
    /// Place the play cursor, seconds.
    SetCursor(f64),
    /// IQ: tune to a frequency (offset from the centre, Hz) and, when `time_s` is given, play
    /// from there demodulated.
    Tune {
        /// Hz from the centre.
        freq_hz: f64,
        /// Where to start playing, seconds; `None` retunes without restarting.
        time_s: Option<f64>,
    },
    /// Set or clear the time-frequency selection.
    SetSelection(Option<Selection>),
    /// Choose the output device (`None`: the default).
    SetDevice(Option<String>),
    /// Quit (asks first if there are unsaved edits).
    Quit,
    /// The user's answer to the question on screen (unsaved edits, replace a file, restore an
    /// autosave).
    Answer(Answer),
    /// Track the harmonic sound a Harmonics-tool edit (not yet tracked) was seeded on, in the
    /// background; the result is shown as the pending selection.
    TrackHarmonics(Edit),
    /// Add the pending harmonic selection (with the toolbar's count, width and gain) as one
    /// undoable step.
    ApplyHarmonics,
    /// Drop the pending harmonic selection.
    CancelHarmonics,
    /// A background job has finished: its result is handed to the app (see
    /// [`super::jobs::Jobs`]).
    JobFinished(JobId),
}

/// How File > Export image draws the picture.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ImageExportSettings {
    /// One pixel per STFT cell over the whole band (linear scale), instead of the view's size
    /// and frequency range.
    pub cells: bool,
    /// Frequency and time axes and a colour bar around the plot.
    pub axes: bool,
    /// 16-bit grey levels instead of the colour map.
    pub gray16: bool,
}

impl Default for ImageExportSettings {
    fn default() -> Self {
        ImageExportSettings {
            cells: false,
            axes: true,
            gray16: false,
        }
    }
}

/// Sends commands from anywhere in the UI (or from worker threads).
#[derive(Clone)]
pub struct CommandSender(Sender<Command>);

impl CommandSender {
    /// Queues a command for the end of the frame.
    pub fn send(&self, command: Command) {
        // The receiver lives as long as the app; a failed send means it is shutting down.
        let _ = self.0.send(command);
    }
}

/// A command channel.
pub fn command_channel() -> (CommandSender, Receiver<Command>) {
    let (tx, rx) = channel();
    (CommandSender(tx), rx)
}
