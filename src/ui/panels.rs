//! The panels around the spectrogram: menu bar, toolbar, side panel (view settings, edit list,
//! history) and status bar. They only read state and send commands.

use egui::{Key, KeyboardShortcut, Modifiers};

use super::command::{Command, CommandSender, ImageExportSettings};
use super::declick::{DeclickInput, declick_panel_ui};
use super::dehum::{DehumChoice, DehumInput, dehum_panel_ui};
use super::denoise::{DenoiseInput, denoise_panel_ui};
use super::inspector::{InspectorInput, inspector_ui};
use super::tools::{Tool, ToolSettings};
use super::transport::Selection;
use super::view::{Version, ViewState, format_hz};
use crate::edit::{Change, Document, Edit, LevelCondition, Shape};
use crate::signal::declick::Click;
use crate::signal::phase::Method;
use crate::signal::repair::RepairMode;
use crate::signal::{Colormap, FreqScale, StftParams, WindowKind};

/// Keyboard shortcuts of menu commands, shown in menus and tooltips.
pub mod keys {
    use super::*;
    /// Open a recording.
    pub const OPEN: KeyboardShortcut = KeyboardShortcut::new(Modifiers::COMMAND, Key::O);
    /// Save the edit list.
    pub const SAVE: KeyboardShortcut = KeyboardShortcut::new(Modifiers::COMMAND, Key::S);
    /// Save the edit list as.
    pub const SAVE_AS: KeyboardShortcut =
        KeyboardShortcut::new(Modifiers::COMMAND.plus(Modifiers::SHIFT), Key::S);
    /// Save the session.
    pub const SAVE_SESSION: KeyboardShortcut =
        KeyboardShortcut::new(Modifiers::COMMAND.plus(Modifiers::ALT), Key::S);
    /// Copy the selected region.
    pub const COPY: KeyboardShortcut = KeyboardShortcut::new(Modifiers::COMMAND, Key::C);
    /// Paste the copied region, mixed in.
    pub const PASTE: KeyboardShortcut = KeyboardShortcut::new(Modifiers::COMMAND, Key::V);
    /// Paste the copied region, replacing the band at the cursor.
    pub const PASTE_REPLACE: KeyboardShortcut =
        KeyboardShortcut::new(Modifiers::COMMAND.plus(Modifiers::SHIFT), Key::V);
    /// Export audio.
    pub const EXPORT: KeyboardShortcut = KeyboardShortcut::new(Modifiers::COMMAND, Key::E);
    /// Quit.
    pub const QUIT: KeyboardShortcut = KeyboardShortcut::new(Modifiers::COMMAND, Key::Q);
    /// Undo.
    pub const UNDO: KeyboardShortcut = KeyboardShortcut::new(Modifiers::COMMAND, Key::Z);
    /// Redo.
    pub const REDO: KeyboardShortcut =
        KeyboardShortcut::new(Modifiers::COMMAND.plus(Modifiers::SHIFT), Key::Z);
    /// Redo, the other habit.
    pub const REDO_Y: KeyboardShortcut = KeyboardShortcut::new(Modifiers::COMMAND, Key::Y);
}

fn shortcut_text(ui: &egui::Ui, s: &KeyboardShortcut) -> String {
    ui.ctx().format_shortcut(s)
}

fn menu_item(ui: &mut egui::Ui, label: &str, shortcut: Option<&KeyboardShortcut>, enabled: bool) -> bool {
    let mut button = egui::Button::new(label);
    if let Some(s) = shortcut {
        button = button.shortcut_text(shortcut_text(ui, s));
    }
    ui.add_enabled(enabled, button).clicked()
}

/// The menu bar.
pub fn menu_bar_ui(
    ui: &mut egui::Ui,
    doc: Option<&Document>,
    view: &ViewState,
    has_selection: bool,
    image_export: ImageExportSettings,
    commands: &CommandSender,
) {
    let has_doc = doc.is_some();
    let can_undo = doc.is_some_and(|d| d.history.can_undo());
    let can_redo = doc.is_some_and(|d| d.history.can_redo());
    egui::MenuBar::new().ui(ui, |ui| {
        ui.menu_button("File", |ui| {
            if menu_item(ui, "Open recording or session…", Some(&keys::OPEN), true) {
                commands.send(Command::OpenDialog);
            }
            if menu_item(ui, "Open image as sound…", None, true) {
                commands.send(Command::OpenImageDialog);
            }
            ui.separator();
            if menu_item(ui, "Load edit list…", None, has_doc) {
                commands.send(Command::LoadEdits(None));
            }
            if menu_item(ui, "Save edit list", Some(&keys::SAVE), has_doc) {
                commands.send(Command::SaveEdits);
            }
            if menu_item(ui, "Save edit list as…", Some(&keys::SAVE_AS), has_doc) {
                commands.send(Command::SaveEditsAs(None));
            }
            if menu_item(ui, "Save session", Some(&keys::SAVE_SESSION), has_doc) {
                commands.send(Command::SaveSession);
            }
            if menu_item(ui, "Save session as…", None, has_doc) {
                commands.send(Command::SaveSessionAs(None));
            }
            ui.separator();
            if menu_item(ui, "Export audio…", Some(&keys::EXPORT), has_doc) {
                commands.send(Command::ExportAudio(None));
            }
            if menu_item(ui, "Export selection…", None, has_doc && has_selection) {
                commands.send(Command::ExportSelection(None));
            }
            if menu_item(ui, "Export features…", None, has_doc) {
                commands.send(Command::ExportFeatures(None));
            }
            if menu_item(ui, "Export image…", None, has_doc) {
                commands.send(Command::ExportImage(None));
            }
            // The options stay open while ticked, like a settings panel.
            let keep_open = egui::containers::menu::MenuConfig::new()
                .close_behavior(egui::PopupCloseBehavior::CloseOnClickOutside);
            egui::containers::menu::SubMenuButton::new("Image export options")
                .config(keep_open)
                .ui(ui, |ui| {
                    let mut s = image_export;
                    ui.checkbox(&mut s.axes, "Axes and colour bar");
                    ui.checkbox(&mut s.cells, "One pixel per STFT cell (whole band, linear)")
                        .on_hover_text(
                            "Lossless apart from the colour steps; otherwise the view's size and range",
                        );
                    ui.checkbox(&mut s.gray16, "16-bit grey (for numeric processing)");
                    if s != image_export {
                        commands.send(Command::SetImageExport(s));
                    }
                });
            ui.separator();
            if menu_item(ui, "Quit", Some(&keys::QUIT), true) {
                commands.send(Command::Quit);
            }
        });
        ui.menu_button("Edit", |ui| {
            if menu_item(ui, "Undo", Some(&keys::UNDO), can_undo) {
                commands.send(Command::Undo);
            }
            if menu_item(ui, "Redo", Some(&keys::REDO), can_redo) {
                commands.send(Command::Redo);
            }
            ui.separator();
            if menu_item(ui, "Copy region", Some(&keys::COPY), has_doc && has_selection) {
                commands.send(Command::Copy);
            }
            if menu_item(ui, "Paste region (mix) at cursor", Some(&keys::PASTE), has_doc) {
                commands.send(Command::Paste(crate::edit::PasteMode::Mix));
            }
            if menu_item(
                ui,
                "Paste region (replace) at cursor",
                Some(&keys::PASTE_REPLACE),
                has_doc,
            ) {
                commands.send(Command::Paste(crate::edit::PasteMode::Replace));
            }
            ui.separator();
            if menu_item(ui, "Learn noise from selection", None, has_doc) {
                commands.send(Command::LearnNoise);
            }
            if menu_item(ui, "Estimate noise automatically", None, has_doc) {
                commands.send(Command::EstimateNoise);
            }
        });
        ui.menu_button("View", |ui| {
            // The keys shown are the keymap's.
            let ctx = ui.ctx().clone();
            let key = |c: Command| crate::ui::app::shortcut_of(&ctx, &crate::ui::app::KeyAction::Command(c));
            let zoom_time = |factor| Command::ZoomTime {
                factor,
                center_s: None,
            };
            let zoom_freq = |factor| Command::ZoomFreq {
                factor,
                center_u: None,
            };
            let items = [
                ("Zoom to fit", Command::ZoomToFit),
                ("Zoom in (time)", zoom_time(2.0)),
                ("Zoom out (time)", zoom_time(0.5)),
                ("Zoom in (frequency)", zoom_freq(2.0)),
                ("Zoom out (frequency)", zoom_freq(0.5)),
            ];
            for (label, command) in items {
                if ui
                    .add(egui::Button::new(label).shortcut_text(key(command.clone())))
                    .clicked()
                {
                    commands.send(command);
                }
            }
            ui.separator();
            let label = if view.version.is_edited() {
                "Show original"
            } else {
                "Show edited"
            };
            if ui
                .add(egui::Button::new(label).shortcut_text(key(Command::ToggleProcessed)))
                .clicked()
            {
                commands.send(Command::ToggleProcessed);
            }
            ui.separator();
            if ui
                .add_enabled(
                    has_doc,
                    egui::Button::new("Auto levels").shortcut_text(key(Command::AutoLevels)),
                )
                .on_hover_text("Fit the colours to the picture in view: the brightest at its loudest cells, the darkest just under its noise floor")
                .clicked()
            {
                commands.send(Command::AutoLevels);
            }
        });
        ui.menu_button("Help", |ui| {
            let help_key =
                crate::ui::app::shortcut_of(ui.ctx(), &crate::ui::app::KeyAction::Command(Command::ShowHelp));
            if ui
                .add(egui::Button::new("Keys and mouse…").shortcut_text(help_key))
                .clicked()
            {
                commands.send(Command::ShowHelp);
            }
            ui.weak("Hover a tool or a button to see what it does and its key.");
        });
    });
}

/// The Harmonics tool's settings (overtones and width, which a pending selection follows) and
/// its Apply and Cancel buttons.
fn harmonics_ui(ui: &mut egui::Ui, settings: &mut ToolSettings, pending: bool, commands: &CommandSender) {
    let label = ui.label("overtones");
    ui.add(egui::DragValue::new(&mut settings.harmonics_count).range(1..=64))
        .labelled_by(label.id)
        .on_hover_text("Overtones above the fundamental: 8 selects 9 partials");
    ui.add(
        egui::Slider::new(&mut settings.harmonics_width_hz, 5.0..=400.0)
            .logarithmic(true)
            .text("width")
            .suffix(" Hz"),
    )
    .on_hover_text("Band selected around each partial");
    if ui
        .add_enabled(pending, egui::Button::new("Apply"))
        .on_hover_text("Add the tracked selection as an edit (Enter)")
        .clicked()
    {
        commands.send(Command::ApplyHarmonics);
    }
    if ui.add_enabled(pending, egui::Button::new("Cancel")).clicked() {
        commands.send(Command::CancelHarmonics);
    }
    ui.separator();
}

/// Width of the toolbar's sliders, points: narrow enough that the widest tool's options fit
/// one row of a 1400-point window.
const TOOLBAR_SLIDER_WIDTH: f32 = 90.0;

/// What the tool bar shows and changes.
pub struct ToolbarInput<'a> {
    /// The active tool.
    pub tool: Tool,
    /// The settings new edits get, changed by the tool's options.
    pub settings: &'a mut ToolSettings,
    /// The view (its STFT and the channel shown).
    pub view: &'a ViewState,
    /// True when a recording is open.
    pub has_doc: bool,
    /// Where the buttons send their commands.
    pub commands: &'a CommandSender,
    /// Set when "Threshold the view" is clicked.
    pub threshold_view: &'a mut bool,
    /// True while a Harmonics-tool selection waits for Apply.
    pub harmonics_pending: bool,
    /// The open recording's sample rate, Hz.
    pub sample_rate: Option<f64>,
}

/// The tool bar, two rows that never wrap, so the plot below stays put whatever the tool: the
/// tools, then the active tool's options (the settings new edits get), or what the tool does
/// when it has none.
pub fn toolbar_ui(ui: &mut egui::Ui, input: &mut ToolbarInput<'_>) {
    let row_height = ui.spacing().interact_size.y;
    ui.horizontal(|ui| {
        ui.set_min_height(row_height);
        for t in Tool::ALL {
            if ui
                .selectable_label(input.tool == t, t.label())
                .on_hover_text(tool_tooltip(ui.ctx(), t))
                .clicked()
            {
                input.commands.send(Command::SetTool(t));
            }
        }
    });
    ui.horizontal(|ui| {
        ui.set_min_height(row_height);
        ui.spacing_mut().slider_width = TOOLBAR_SLIDER_WIDTH;
        tool_options_ui(ui, input);
    });
}

/// A tool button's tooltip: what the tool does and its key, from the keymap.
pub fn tool_tooltip(ctx: &egui::Context, tool: Tool) -> String {
    let key = crate::ui::app::shortcut_of(ctx, &crate::ui::app::KeyAction::Command(Command::SetTool(tool)));
    if key.is_empty() {
        tool.help().to_owned()
    } else {
        format!("{} ({key})", tool.help())
    }
}

/// The options of the active tool: only those its edits use.
fn tool_options_ui(ui: &mut egui::Ui, input: &mut ToolbarInput<'_>) {
    let ToolbarInput {
        tool,
        settings,
        view,
        has_doc,
        commands,
        threshold_view,
        harmonics_pending,
        sample_rate,
    } = input;
    let (tool, has_doc, sample_rate) = (*tool, *has_doc, *sample_rate);
    if matches!(tool, Tool::Pointer | Tool::Hand | Tool::Select | Tool::Tune) {
        ui.weak(tool.help());
        return;
    }
    match tool {
        Tool::Harmonics => harmonics_ui(ui, settings, *harmonics_pending, commands),
        Tool::Threshold => {
            ui.add(
                egui::Slider::new(&mut settings.threshold_db, -140.0..=0.0)
                    .suffix(" dBFS")
                    .text("level"),
            )
            .on_hover_text("Cells quieter (below) or louder (above) than this level are selected");
            ui.selectable_value(&mut settings.threshold_above, false, "below");
            ui.selectable_value(&mut settings.threshold_above, true, "above");
            if ui
                .add_enabled(has_doc, egui::Button::new("Threshold the view"))
                .on_hover_text("Apply the threshold to everything visible")
                .clicked()
            {
                **threshold_view = true;
            }
            ui.separator();
        }
        Tool::Paint => {
            ui.add(
                egui::Slider::new(&mut settings.paint_level_db, -120.0..=0.0)
                    .suffix(" dBFS")
                    .text("level"),
            )
            .on_hover_text("Level the painted cells get; quieter cells are raised to it");
            ui.separator();
        }
        _ => {}
    }
    let repairs = matches!(tool, Tool::Rect | Tool::Lasso | Tool::Brush | Tool::Harmonics);
    if repairs {
        repair_mode_ui(ui, settings);
    }
    // Erasing and painting take no gain.
    if !matches!(tool, Tool::Eraser | Tool::Paint) {
        let gain = settings.repair.is_none() || !repairs;
        ui.add_enabled(gain, egui::Checkbox::new(&mut settings.remove, "Remove"))
            .on_hover_text("New edits remove what they cover (−∞ dB)");
        ui.add_enabled(
            gain && !settings.remove,
            egui::Slider::new(&mut settings.gain_db, -60.0..=12.0)
                .suffix(" dB")
                .text("gain"),
        )
        .on_hover_text("Gain of new edits, from −60 to +12 dB");
        ui.add_enabled(gain, egui::Checkbox::new(&mut settings.keep_only, "Keep only"))
            .on_hover_text("Apply the gain outside the region instead of inside it");
    }
    if matches!(tool, Tool::Brush | Tool::Eraser | Tool::Paint) {
        ui.separator();
        ui.add(
            egui::Slider::new(&mut settings.brush_radius_px, 2.0..=80.0)
                .suffix(" px")
                .fixed_decimals(0)
                .text("radius"),
        )
        .on_hover_text("Brush radius on screen, in points; [ and ] change it");
        ui.add(
            egui::Slider::new(&mut settings.hardness, 0.0..=1.0)
                .custom_formatter(|v, _| format!("{:.0} %", v * 100.0))
                .custom_parser(|t| {
                    t.trim()
                        .trim_end_matches('%')
                        .trim()
                        .parse::<f64>()
                        .ok()
                        .map(|v| v / 100.0)
                })
                .text("hardness"),
        )
        .on_hover_text("100 %: a hard edge; 0 %: the edge fades over the whole radius");
    } else {
        ui.add(
            egui::Slider::new(&mut settings.feather_cells, 0.0..=10.0)
                .suffix(" cells")
                .text("feather"),
        )
        .on_hover_text(feather_help(settings.feather_cells, view, sample_rate));
    }
    if view.channel.is_some() {
        ui.separator();
        ui.checkbox(&mut settings.viewed_channel_only, "This channel only")
            .on_hover_text("New edits apply only to the channel shown");
    }
}

/// The feather's tooltip: what a cell is, and the feather in seconds and Hz at the current
/// STFT.
fn feather_help(cells: f64, view: &ViewState, sample_rate: Option<f64>) -> String {
    let what = "Edge ramp of new rectangles, lassos, thresholds and harmonics, in STFT cells (hops along time, bins along frequency)";
    match sample_rate {
        Some(fs) if fs > 0.0 => format!(
            "{what}: {cells:.1} cells are {:.1} ms and {} at FFT {}, hop {}",
            cells * view.stft.hop as f64 / fs * 1000.0,
            format_hz(cells * fs / view.stft.fft_len as f64),
            view.stft.fft_len,
            view.stft.hop
        ),
        _ => what.to_owned(),
    }
}

/// The mode of new rectangles, lassos and brush strokes: a gain, or a repair mode.
fn repair_mode_ui(ui: &mut egui::Ui, settings: &mut ToolSettings) {
    let label = |r: Option<RepairMode>| match r {
        None => "Gain".to_owned(),
        Some(m) => format!("Repair: {}", m.name()),
    };
    egui::ComboBox::from_id_salt("edit_mode")
        .selected_text(label(settings.repair))
        .show_ui(ui, |ui| {
            ui.selectable_value(&mut settings.repair, None, label(None))
                .on_hover_text("Turn the region down (or up) by the gain");
            for mode in RepairMode::ALL {
                let help = match mode {
                    RepairMode::Auto => "Repair: the mode is chosen for the region",
                    RepairMode::Attenuate => {
                        "Repair: pull the region down to what its surroundings predict, keeping what is under it"
                    }
                    RepairMode::Replace => "Repair: interpolate the region from both sides, phase rebuilt",
                    RepairMode::Pattern => "Repair: fill from the best-matching stretch elsewhere",
                };
                ui.selectable_value(&mut settings.repair, Some(mode), label(Some(mode)))
                    .on_hover_text(help);
            }
        })
        .response
        .on_hover_text("What new edits do: a gain, or a repair that fills the region from its surroundings");
}

/// A one-line description of an edit for the edit list.
pub fn describe_edit(edit: &Edit) -> String {
    let gain = if let Some(r) = &edit.repair {
        if r.strength < 1.0 {
            format!("repair ({}, {:.0} %)", r.mode.name(), r.strength * 100.0)
        } else {
            format!("repair ({})", r.mode.name())
        }
    } else if edit.gain_db == f64::NEG_INFINITY {
        "remove".to_owned()
    } else {
        format!("{:+.1} dB", edit.gain_db)
    };
    let span = |t: [f64; 2], f: [f64; 2]| {
        format!(
            "{:.2}–{:.2} s, {}–{}",
            t[0],
            t[1],
            format_hz(f[0]),
            format_hz(f[1])
        )
    };
    let what = match &edit.shape {
        Shape::Denoise(d) => d.describe(),
        Shape::Voice(v) => return v.describe(),
        Shape::Declick { time_s, sensitivity } => {
            return match time_s {
                Some([t0, t1]) => format!("de-click {t0:.2}–{t1:.2} s, sensitivity {sensitivity}"),
                None => format!("de-click, sensitivity {sensitivity}"),
            };
        }
        Shape::Dehum {
            time_s,
            f0,
            harmonics,
        } => {
            let f0 = match f0 {
                crate::signal::dehum::Fundamental::Hz(f) => format!("{f} Hz"),
                crate::signal::dehum::Fundamental::Auto => "50/60 Hz".to_owned(),
            };
            let n = harmonics.map_or("harmonics above the noise".to_owned(), |n| {
                format!("{n} harmonics")
            });
            return match time_s {
                Some([t0, t1]) => format!("de-hum {f0}, {n}, {t0:.2}–{t1:.2} s"),
                None => format!("de-hum {f0}, {n}"),
            };
        }
        Shape::Rect { time_s, freq_hz } => format!("rect {}", span(*time_s, *freq_hz)),
        Shape::Paste(p) => format!(
            "paste ({}) {} at {:.2} s",
            p.mode.name(),
            span(p.from_s, p.freq_hz),
            p.to_s
        ),
        Shape::Harmonics(h) => format!(
            "harmonics {:.2}–{:.2} s, f0 {} + {} overtones, {} wide",
            h.time_s[0],
            h.time_s[1],
            format_hz(h.f0_at(0.5 * (h.time_s[0] + h.time_s[1]))),
            h.count,
            format_hz(h.width_hz)
        ),
        Shape::Lasso { points } => format!("lasso, {} points", points.len()),
        Shape::Brush { points, .. } => format!("brush from {:.2} s, {} points", points[0][0], points.len()),
        Shape::Paint { points, level_db, .. } => {
            return format!(
                "paint {level_db:.0} dBFS from {:.2} s, {} points",
                points[0][0],
                points.len()
            );
        }
        Shape::Erase { points, .. } => {
            return format!("erase from {:.2} s, {} points", points[0][0], points.len());
        }
        Shape::Threshold {
            time_s,
            freq_hz,
            condition,
        } => {
            let c = match condition {
                LevelCondition::Below(db) => format!("< {db:.0} dBFS"),
                LevelCondition::Above(db) => format!("> {db:.0} dBFS"),
            };
            format!("threshold {c} {}", span(*time_s, *freq_hz))
        }
    };
    let channels = edit
        .channels
        .as_ref()
        .map(|c| format!(" (ch {c:?})"))
        .unwrap_or_default();
    let keep = if edit.invert { " keep-only" } else { "" };
    if edit.as_denoise().is_some() {
        return format!("{what}{channels}");
    }
    format!("{what}: {gain}{keep}{channels}")
}

/// The Edits list: a row per edit with delete, move up and down, bypass and solo, and its
/// name (or type) and gain; clicking a row selects the edit (again: deselects).
fn edit_rows_ui(
    ui: &mut egui::Ui,
    edits: &[Edit],
    selected: Option<usize>,
    solo: Option<usize>,
    commands: &CommandSender,
) {
    let count = edits.len();
    for (i, e) in edits.iter().enumerate() {
        // The description on a line of its own, so it reads whole in the fixed-width panel;
        // the edit's buttons under it.
        let is_selected = selected == Some(i);
        let text = match &e.name {
            Some(name) => format!("{}. {name} ({})", i + 1, describe_edit(e)),
            None => format!("{}. {}", i + 1, describe_edit(e)),
        };
        let text = if e.bypass {
            egui::RichText::new(text).weak().strikethrough()
        } else {
            egui::RichText::new(text)
        };
        if ui
            .selectable_label(is_selected, text)
            .on_hover_text("Select: its handles on the picture, its settings below")
            .clicked()
        {
            commands.send(Command::SelectEdit((!is_selected).then_some(i)));
        }
        ui.horizontal(|ui| {
            ui.add_space(12.0);
            if ui.small_button("x").on_hover_text("Delete this edit").clicked() {
                commands.send(Command::DeleteEdit(i));
            }
            let up = ui
                .add_enabled(i > 0, egui::Button::new("up").small())
                .on_hover_text("Move up: act earlier (erasers and repairs act on what comes before them)");
            if up.clicked() {
                commands.send(Command::Change(Change::Move { from: i, to: i - 1 }));
            }
            let down = ui
                .add_enabled(i + 1 < count, egui::Button::new("down").small())
                .on_hover_text("Move down: act later");
            if down.clicked() {
                commands.send(Command::Change(Change::Move { from: i, to: i + 1 }));
            }
            if ui
                .selectable_label(e.bypass, "bypass")
                .on_hover_text("Bypass: keep the edit but let it do nothing (saved with the list)")
                .clicked()
            {
                let mut after = e.clone();
                after.bypass = !e.bypass;
                commands.send(Command::Change(Change::Replace {
                    index: i,
                    before: e.clone(),
                    after,
                }));
            }
            let soloed = solo == Some(i);
            if ui
                .selectable_label(soloed, "solo")
                .on_hover_text("Solo: see and hear only what this edit changes (not saved)")
                .clicked()
            {
                commands.send(Command::SoloEdit((!soloed).then_some(i)));
            }
        });
    }
}

/// What the side panel shows.
pub struct SideInput<'a> {
    /// The view.
    pub view: &'a ViewState,
    /// The open document.
    pub doc: Option<&'a Document>,
    /// Channels of the recording.
    pub channels: usize,
    /// IQ recording.
    pub complex: bool,
    /// Convergence of the last painted stroke.
    pub paint_sc_db: Option<f64>,
    /// The time-frequency selection.
    pub selection: Option<Selection>,
    /// Sample rate of the recording, Hz.
    pub sample_rate: f64,
    /// The clicks the signal layer found, `(channel, click)`.
    pub clicks: &'a [(usize, Click)],
    /// What the signal layer's de-hum steps found, `(channel, report)`.
    pub dehums: &'a [(usize, crate::signal::dehum::DehumReport)],
    /// True while the signal layer (paint, repairs, de-click) is being computed.
    pub signal_busy: bool,
    /// The soloed edit, if any.
    pub solo: Option<usize>,
}

/// The side panel: view settings, edits and history.
pub fn side_panel_ui(
    ui: &mut egui::Ui,
    input: &SideInput<'_>,
    selected_edit: &mut Option<usize>,
    commands: &CommandSender,
) {
    let SideInput {
        view,
        doc,
        channels,
        complex,
        paint_sc_db,
        selection,
        sample_rate,
        clicks,
        dehums,
        signal_busy,
        solo,
    } = *input;
    egui::ScrollArea::vertical()
        .auto_shrink([false, false])
        .show(ui, |ui| {
            egui::CollapsingHeader::new("View")
                .default_open(true)
                .show(ui, |ui| {
                    view_settings_ui(ui, view, channels, complex, commands);
                });
            let Some(doc) = doc else { return };
            egui::CollapsingHeader::new("Noise removal")
                .default_open(true)
                .show(ui, |ui| {
                    let input = DenoiseInput {
                        doc,
                        selected_edit: *selected_edit,
                        selection,
                        version: view.version,
                        stft: view.stft,
                        sample_rate,
                    };
                    denoise_panel_ui(ui, &input, commands);
                });
            egui::CollapsingHeader::new("De-click")
                .default_open(false)
                .show(ui, |ui| {
                    let id = egui::Id::unique("declick-sensitivity");
                    let mut sensitivity = ui.data(|d| d.get_temp::<f64>(id)).unwrap_or(1.0);
                    let input = DeclickInput {
                        edits: &doc.edits.edits,
                        selection,
                        clicks,
                        busy: signal_busy,
                        version: view.version,
                    };
                    declick_panel_ui(ui, &input, &mut sensitivity, commands);
                    ui.data_mut(|d| d.insert_temp(id, sensitivity));
                });
            egui::CollapsingHeader::new("De-hum")
                .default_open(false)
                .show(ui, |ui| {
                    let id = egui::Id::unique("dehum-choice");
                    let mut choice = ui.data(|d| d.get_temp::<DehumChoice>(id)).unwrap_or_default();
                    let input = DehumInput {
                        edits: &doc.edits.edits,
                        selection,
                        found: dehums,
                        busy: signal_busy,
                        version: view.version,
                    };
                    dehum_panel_ui(ui, &input, &mut choice, commands);
                    ui.data_mut(|d| d.insert_temp(id, choice));
                });
            egui::CollapsingHeader::new(format!("Edits ({})", doc.edits.edits.len()))
                .default_open(true)
                .show(ui, |ui| {
                    if doc.edits.edits.is_empty() {
                        ui.weak("Draw on the spectrogram with a tool to add an edit.");
                    }
                    edit_rows_ui(ui, &doc.edits.edits, *selected_edit, solo, commands);
                });
            if let Some(index) = selected_edit.filter(|&i| i < doc.edits.edits.len()) {
                egui::CollapsingHeader::new(format!("Selected edit ({})", index + 1))
                    .default_open(true)
                    .show(ui, |ui| {
                        let input = InspectorInput {
                            edits: &doc.edits.edits,
                            index,
                            channels,
                            hop_s: view.stft.hop as f64 / sample_rate,
                            bin_hz: sample_rate / view.stft.fft_len as f64,
                            solo,
                        };
                        inspector_ui(ui, &input, commands);
                    });
            }
            egui::CollapsingHeader::new("Painted energy")
                .default_open(false)
                .show(ui, |ui| {
                    let mut phase = doc.edits.phase.unwrap_or_default();
                    let before = phase;
                    ui.horizontal(|ui| {
                        let label = ui.label("Phase from");
                        egui::ComboBox::from_id_salt("phase-method")
                            .selected_text(phase.method.name())
                            .show_ui(ui, |ui| {
                                for m in Method::ALL {
                                    ui.selectable_value(&mut phase.method, m, m.name());
                                }
                            })
                            .response
                            .labelled_by(label.id);
                    });
                    if phase.method != Method::Pghi {
                        let mut iters = phase.iterations();
                        ui.add(egui::Slider::new(&mut iters, 1..=300).text("iterations"));
                        if iters != before.iterations() || phase.method != before.method {
                            phase.iterations = Some(iters);
                        }
                    }
                    if phase != before {
                        commands.send(Command::SetPhase(phase));
                    }
                    match paint_sc_db {
                        Some(sc) => ui.label(format!(
                            "Last painted stroke rebuilt to {sc:.1} dB spectral convergence"
                        )),
                        None => ui.weak("Paint (P) adds energy; its phase is rebuilt here."),
                    };
                });
            egui::CollapsingHeader::new("History")
                .default_open(true)
                .show(ui, |ui| {
                    ui.label("(open)");
                    for step in doc.history.applied() {
                        ui.label(format!("• {step}"));
                    }
                    for step in doc.history.undone() {
                        ui.weak(format!("(undone) {step}"));
                    }
                    ui.horizontal(|ui| {
                        if ui
                            .add_enabled(doc.history.can_undo(), egui::Button::new("Undo"))
                            .clicked()
                        {
                            commands.send(Command::Undo);
                        }
                        if ui
                            .add_enabled(doc.history.can_redo(), egui::Button::new("Redo"))
                            .clicked()
                        {
                            commands.send(Command::Redo);
                        }
                    });
                });
        });
}

fn view_settings_ui(
    ui: &mut egui::Ui,
    view: &ViewState,
    channels: usize,
    complex: bool,
    commands: &CommandSender,
) {
    // The side panel wraps long lines; the settings' short labels stay whole.
    ui.style_mut().wrap_mode = Some(egui::TextWrapMode::Extend);
    egui::Grid::new("view-settings").num_columns(2).show(ui, |ui| {
        let label = ui.label("FFT");
        let mut fft = view.stft.fft_len;
        egui::ComboBox::from_id_salt("fft")
            .selected_text(fft.to_string())
            .show_ui(ui, |ui| {
                for n in [256, 512, 1024, 2048, 4096, 8192, 16384, 32768, 65536] {
                    ui.selectable_value(&mut fft, n, n.to_string());
                }
            })
            .response
            .labelled_by(label.id);
        // Any length, not only powers of two: 20 ms at 2 MS/s is 40000.
        ui.add(egui::DragValue::new(&mut fft).range(16..=65536).speed(8.0))
            .on_hover_text("Any FFT length from 16 to 65536");
        ui.end_row();
        if fft != view.stft.fft_len {
            let ratio = view.stft.fft_len / view.stft.hop.max(1);
            commands.send(Command::SetStft(StftParams {
                fft_len: fft,
                hop: (fft / ratio.max(1)).max(1),
                window: view.stft.window,
            }));
        }
        let label = ui.label("Overlap");
        let mut ratio = view.stft.fft_len / view.stft.hop.max(1);
        egui::ComboBox::from_id_salt("overlap")
            .selected_text(format!("hop = FFT/{ratio}"))
            .show_ui(ui, |ui| {
                for r in [2, 4, 8, 16] {
                    ui.selectable_value(&mut ratio, r, format!("hop = FFT/{r}"));
                }
            })
            .response
            .labelled_by(label.id);
        ui.end_row();
        if ratio != view.stft.fft_len / view.stft.hop.max(1) {
            commands.send(Command::SetStft(StftParams {
                hop: (view.stft.fft_len / ratio).max(1),
                ..view.stft
            }));
        }
        let label = ui.label("Window");
        let mut window = view.stft.window;
        egui::ComboBox::from_id_salt("window")
            .selected_text(window.name())
            .show_ui(ui, |ui| {
                for w in WindowKind::ALL {
                    ui.selectable_value(&mut window, w, w.name());
                }
            })
            .response
            .labelled_by(label.id);
        ui.end_row();
        if window != view.stft.window {
            commands.send(Command::SetStft(StftParams { window, ..view.stft }));
        }
        let label = ui.label("Scale");
        let mut scale = view.scale;
        ui.add_enabled_ui(!complex, |ui| {
            // IQ captures are always drawn on a linear axis (two-sided, centred on 0 Hz).
            let shown = if complex { FreqScale::Linear } else { scale };
            egui::ComboBox::from_id_salt("scale")
                .selected_text(shown.name())
                .show_ui(ui, |ui| {
                    for s in FreqScale::ALL {
                        ui.selectable_value(&mut scale, s, s.name());
                    }
                })
                .response
                .labelled_by(label.id);
        });
        ui.end_row();
        if scale != view.scale {
            commands.send(Command::SetScale(scale));
        }
        let label = ui.label("Colours");
        let mut colormap = view.colormap;
        egui::ComboBox::from_id_salt("colormap")
            .selected_text(colormap.name())
            .show_ui(ui, |ui| {
                for c in Colormap::ALL {
                    ui.selectable_value(&mut colormap, c, c.name());
                }
            })
            .response
            .labelled_by(label.id);
        ui.end_row();
        if colormap != view.colormap {
            commands.send(Command::SetColormap(colormap));
        }
        let (mut floor, mut ceiling) = (view.floor_db, view.ceiling_db);
        ui.label("Ceiling");
        ui.add(
            egui::DragValue::new(&mut ceiling)
                .range(-200.0..=40.0)
                .suffix(" dBFS")
                .speed(0.5),
        );
        ui.end_row();
        ui.label("Floor");
        ui.add(
            egui::DragValue::new(&mut floor)
                .range(-250.0..=0.0)
                .suffix(" dBFS")
                .speed(0.5),
        );
        ui.end_row();
        ui.label("");
        if ui
            .button("Auto levels")
            .on_hover_text(format!(
                "Fit ceiling and floor to the picture in view ({})",
                crate::ui::app::shortcut_of(
                    ui.ctx(),
                    &crate::ui::app::KeyAction::Command(Command::AutoLevels)
                )
            ))
            .clicked()
        {
            commands.send(Command::AutoLevels);
        }
        ui.end_row();
        if (floor, ceiling) != (view.floor_db, view.ceiling_db) && floor < ceiling {
            commands.send(Command::SetLevels {
                floor_db: floor,
                ceiling_db: ceiling,
            });
        }
        if channels > 1 {
            let label = ui.label("Channel");
            let mut channel = view.channel;
            egui::ComboBox::from_id_salt("channel")
                .selected_text(channel.map_or("all (mean power)".to_owned(), |c| format!("{}", c + 1)))
                .show_ui(ui, |ui| {
                    ui.selectable_value(&mut channel, None, "all (mean power)");
                    for c in 0..channels {
                        ui.selectable_value(&mut channel, Some(c), format!("{}", c + 1));
                    }
                })
                .response
                .labelled_by(label.id);
            ui.end_row();
            if channel != view.channel {
                commands.send(Command::SetChannel(channel));
            }
        }
        ui.label("Show");
        let mut version = view.version;
        ui.horizontal(|ui| {
            for v in Version::ALL {
                ui.selectable_value(&mut version, v, v.name())
                    .on_hover_text(version_help(v));
            }
        });
        ui.end_row();
        if version != view.version {
            commands.send(Command::ShowVersion(version));
        }
    });
}

/// What each version shows and plays, for tooltips.
pub fn version_help(v: Version) -> &'static str {
    match v {
        Version::Original => "See and hear the recording as it is (O toggles)",
        Version::Edited => "See and hear it with the edits applied (O toggles)",
        Version::Removed => {
            "See and hear only what the edits remove: for a denoiser, the noise it takes away and any signal it wrongly takes with it"
        }
    }
}
