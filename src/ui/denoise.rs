//! The noise removal panel: learn the noise from the selection or estimate it, then shape the
//! denoise edit with sliders (each drag one undo step); or isolate the voice (DeepFilterNet3)
//! and set how far the rest goes down; and see and hear the original, the result or only what
//! is removed.
//!
//! The panel only reads the document and sends commands; the app turns them into changes of the
//! edit list (see [`super::app::SpectroApp::execute`]).

use std::sync::atomic::{AtomicU64, Ordering};

use super::command::{Command, CommandSender};
use super::panels::version_help;
use super::transport::Selection;
use super::view::{Version, format_hz};
use crate::edit::denoise::{DEFAULT_SMOOTH_BINS, DEFAULT_SMOOTH_HOPS};
use crate::edit::voice::MAX_VOICE_REDUCTION_DB;
use crate::edit::{Denoise, Document, Edit, NoiseEstimate, Shape, Voice};
use crate::signal::StftParams;

/// The denoise edit the panel works on: the selected edit if it is one, else the last one.
pub fn current_denoise(edits: &[Edit], selected: Option<usize>) -> Option<(usize, &Denoise)> {
    if let Some(i) = selected
        && let Some(d) = edits.get(i).and_then(Edit::as_denoise)
    {
        return Some((i, d));
    }
    edits
        .iter()
        .enumerate()
        .rev()
        .find_map(|(i, e)| e.as_denoise().map(|d| (i, d)))
}

/// The noise source a selection gives: its time span, and its band unless it covers (nearly)
/// every frequency of a recording whose band is `band_hz`.
pub fn learn_from_selection(selection: Selection, band_hz: [f64; 2]) -> NoiseEstimate {
    let width = band_hz[1] - band_hz[0];
    let [lo, hi] = selection.freq_hz;
    let whole = lo <= band_hz[0] + 0.01 * width && hi >= band_hz[1] - 0.01 * width;
    NoiseEstimate::Learn {
        time_s: selection.time_s,
        freq_hz: (!whole).then_some([lo.max(band_hz[0]), hi.min(band_hz[1])]),
    }
}

/// A fresh identifier for one user gesture (a slider drag).
pub fn new_gesture() -> u64 {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

/// What the panel shows.
pub struct DenoiseInput<'a> {
    /// The open document.
    pub doc: &'a Document,
    /// The selected edit.
    pub selected_edit: Option<usize>,
    /// The time-frequency selection, if any.
    pub selection: Option<Selection>,
    /// Shown and heard version.
    pub version: Version,
    /// The view's STFT (what the default smoothing widths are in).
    pub stft: StftParams,
    /// Sample rate of the recording, Hz.
    pub sample_rate: f64,
}

/// The panel's contents.
pub fn denoise_panel_ui(ui: &mut egui::Ui, input: &DenoiseInput<'_>, commands: &CommandSender) {
    let edits = &input.doc.edits.edits;
    let current = current_denoise(edits, input.selected_edit);
    ui.horizontal_wrapped(|ui| {
        let learn = ui
            .add_enabled(input.selection.is_some(), egui::Button::new("Learn noise"))
            .on_hover_text(
                "Learn the noise from the selection (Select tool, S): a stretch that holds only \
                 noise. A selection narrower than the band learns and removes noise in that band only.",
            )
            .on_disabled_hover_text("First select a stretch that holds only noise (Select tool, S)");
        if learn.clicked() {
            commands.send(Command::LearnNoise);
        }
        if ui
            .button("Auto estimate")
            .on_hover_text(
                "Estimate the noise floor from the recording itself (minimum statistics over \
                 about two seconds): for recordings with no stretch of noise alone",
            )
            .clicked()
        {
            commands.send(Command::EstimateNoise);
        }
        if ui
            .button("Isolate voice")
            .on_hover_text(
                "Keep speech and take down everything else (music, traffic, a crowd, hiss) with \
                 DeepFilterNet3, run offline: no noise sample needed, and the background need \
                 not be steady",
            )
            .clicked()
        {
            commands.send(Command::IsolateVoice);
        }
    });
    voice_ui(ui, edits, commands);
    let Some((index, d)) = current else {
        ui.weak("Learn the noise from a selection, or estimate it, to add a denoise step.");
        version_row_ui(ui, input, commands);
        return;
    };
    ui.label(d.describe());
    let hop_s = input.stft.hop as f64 / input.sample_rate;
    let bin_hz = input.sample_rate / input.stft.fft_len as f64;
    let send = |after: Denoise, gesture: u64| {
        let mut edit = edits[index].clone();
        edit.shape = crate::edit::Shape::Denoise(after);
        commands.send(Command::AdjustEdit {
            index,
            after: edit,
            gesture,
        });
    };
    let mut reduction = d.reduction_db;
    let r = ui
        .add(
            egui::Slider::new(&mut reduction, 0.0..=60.0)
                .suffix(" dB")
                .fixed_decimals(0)
                .text("reduction"),
        )
        .on_hover_text("How far pure noise is brought down");
    if let Some(g) = gesture_of(ui, &r) {
        send(
            Denoise {
                reduction_db: reduction,
                ..d.clone()
            },
            g,
        );
    }
    let mut sensitivity = d.sensitivity;
    let r = ui
        .add(
            egui::Slider::new(&mut sensitivity, 0.0..=4.0)
                .fixed_decimals(2)
                .text("sensitivity"),
        )
        .on_hover_text(
            "How readily cells count as noise: 1 is calibrated on the noise's own spread; \
             higher removes more, and more of quiet wanted sound",
        );
    if let Some(g) = gesture_of(ui, &r) {
        send(
            Denoise {
                sensitivity,
                ..d.clone()
            },
            g,
        );
    }
    let mut smooth_ms = d.smooth_s.unwrap_or(DEFAULT_SMOOTH_HOPS * hop_s) * 1000.0;
    let r = ui
        .add(
            egui::Slider::new(&mut smooth_ms, 0.0..=250.0)
                .suffix(" ms")
                .fixed_decimals(0)
                .text("smoothing in time"),
        )
        .on_hover_text("Longer keeps isolated noise peaks from warbling (musical noise), but smears onsets");
    if let Some(g) = gesture_of(ui, &r) {
        send(
            Denoise {
                smooth_s: Some(smooth_ms / 1000.0),
                ..d.clone()
            },
            g,
        );
    }
    let mut smooth_hz = d.smooth_hz.unwrap_or(DEFAULT_SMOOTH_BINS * bin_hz);
    let r = ui
        .add(
            egui::Slider::new(&mut smooth_hz, 0.0..=1000.0)
                .suffix(" Hz")
                .fixed_decimals(0)
                .text("smoothing in frequency"),
        )
        .on_hover_text("Wider also fights musical noise, but blurs closely spaced tones");
    if let Some(g) = gesture_of(ui, &r) {
        send(
            Denoise {
                smooth_hz: Some(smooth_hz),
                ..d.clone()
            },
            g,
        );
    }
    version_row_ui(ui, input, commands);
    if let NoiseEstimate::Learn {
        freq_hz: Some([lo, hi]),
        ..
    } = d.noise
    {
        ui.weak(format!("Acts on {} to {} only.", format_hz(lo), format_hz(hi)));
    }
}

/// The voice isolation edit's reduction slider (each drag one undo step), if there is one.
fn voice_ui(ui: &mut egui::Ui, edits: &[Edit], commands: &CommandSender) {
    let Some((index, v)) = edits.iter().enumerate().find_map(|(i, e)| match &e.shape {
        Shape::Voice(v) => Some((i, v)),
        _ => None,
    }) else {
        return;
    };
    let mut reduction = v.reduction_db;
    let r = ui
        .add(
            egui::Slider::new(&mut reduction, 0.0..=MAX_VOICE_REDUCTION_DB)
                .suffix(" dB")
                .fixed_decimals(0)
                .text("voice: rest down"),
        )
        .on_hover_text("How far everything but the voice goes down (100: as far as the model takes it)");
    if let Some(gesture) = gesture_of(ui, &r) {
        let mut after = edits[index].clone();
        after.shape = Shape::Voice(Voice {
            reduction_db: reduction,
        });
        commands.send(Command::AdjustEdit {
            index,
            after,
            gesture,
        });
    }
}

/// The original / edited / removed choice.
fn version_row_ui(ui: &mut egui::Ui, input: &DenoiseInput<'_>, commands: &CommandSender) {
    ui.horizontal(|ui| {
        ui.label("See and hear");
        let mut version = input.version;
        for v in Version::ALL {
            ui.selectable_value(&mut version, v, v.name())
                .on_hover_text(version_help(v));
        }
        if version != input.version {
            commands.send(Command::ShowVersion(version));
        }
    });
}

/// The gesture a slider's change belongs to, if it changed: one from the press to the release
/// of the pointer on it (the first change starts an undo step, the rest amend it), a new one
/// for every key press or typed value.
pub(crate) fn gesture_of(ui: &egui::Ui, r: &egui::Response) -> Option<u64> {
    let id = r.id.with("gesture");
    // On the press itself the slider already jumps to the pointer, before egui counts it as
    // pressed on the widget: a hovered press belongs to the gesture too.
    let pressing = ui.input(|i| i.pointer.primary_down() || i.pointer.primary_released());
    let held = r.is_pointer_button_down_on() || r.dragged() || r.drag_stopped() || (pressing && r.hovered());
    let stored: Option<u64> = ui.data(|d| d.get_temp(id));
    let gesture = if held {
        stored.unwrap_or_else(|| {
            let g = new_gesture();
            ui.data_mut(|d| d.insert_temp(id, g));
            g
        })
    } else {
        if stored.is_some() {
            ui.data_mut(|d| d.remove::<u64>(id));
        }
        new_gesture()
    };
    // A slider also "changes" when it rounds a value it is shown (a default smoothing of
    // 140.6 Hz shown as 141): only changes the user makes count.
    (r.changed() && (held || r.has_focus())).then_some(gesture)
}
