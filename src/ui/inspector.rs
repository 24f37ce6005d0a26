//! The inspector: every setting of the selected edit, changed in place. A slider or number
//! drag is one undo step (the [`Command::AdjustEdit`] gesture), every other change (a tick, a
//! choice, a new name) one step of its own. It only reads the edit and sends commands.

use super::command::{Command, CommandSender};
use super::denoise::gesture_of;
use super::view::format_hz;
use crate::edit::list::{MAX_GAIN_DB, MAX_NAME_CHARS};
use crate::edit::voice::MAX_VOICE_REDUCTION_DB;
use crate::edit::{Change, Edit, LevelCondition, Paste, PasteMode, Repair, Shape, Voice};
use crate::signal::dehum::{Fundamental, MAX_HARMONICS};
use crate::signal::limits::MAX_DECLICK_SENSITIVITY;
use crate::signal::repair::RepairMode;

/// What the inspector shows.
pub struct InspectorInput<'a> {
    /// The edit list.
    pub edits: &'a [Edit],
    /// The selected edit's position.
    pub index: usize,
    /// Channels of the recording.
    pub channels: usize,
    /// Seconds per hop of the view's STFT: the default feather is two.
    pub hop_s: f64,
    /// Hz per bin of the view's STFT: the default feather is two.
    pub bin_hz: f64,
    /// The soloed edit, if any.
    pub solo: Option<usize>,
}

/// True if the edit takes a gain and keep-only in the inspector's common rows (a paste's gain
/// of the copy is among its own settings).
pub fn has_gain(edit: &Edit) -> bool {
    edit.has_gain() && !matches!(edit.shape, Shape::Paste(_))
}

/// True if the shape may repair its region instead of taking a gain.
fn can_repair(edit: &Edit) -> bool {
    matches!(
        edit.shape,
        Shape::Rect { .. } | Shape::Lasso { .. } | Shape::Brush { .. } | Shape::Harmonics(_)
    )
}

/// True if the edit has feathered edges.
fn has_feather(edit: &Edit) -> bool {
    !matches!(
        edit.shape,
        Shape::Denoise(_) | Shape::Voice(_) | Shape::Declick { .. } | Shape::Dehum { .. }
    )
}

/// The inspector's contents for the selected edit.
pub fn inspector_ui(ui: &mut egui::Ui, input: &InspectorInput<'_>, commands: &CommandSender) {
    let index = input.index;
    let Some(edit) = input.edits.get(index) else {
        return;
    };
    let replace = |after: Edit| {
        if after != *edit {
            commands.send(Command::Change(Change::Replace {
                index,
                before: edit.clone(),
                after,
            }));
        }
    };
    let adjust = |after: Edit, gesture: u64| {
        commands.send(Command::AdjustEdit {
            index,
            after,
            gesture,
        });
    };
    let with = |f: &dyn Fn(&mut Edit)| {
        let mut e = edit.clone();
        f(&mut e);
        e
    };

    // The labels stay whole; the panel is wide enough for them and their fields.
    ui.style_mut().wrap_mode = Some(egui::TextWrapMode::Extend);
    egui::Grid::new("inspector").num_columns(2).show(ui, |ui| {
        ui.label("Name");
        name_ui(ui, edit, index, &replace);
        ui.end_row();

        ui.label("");
        ui.horizontal(|ui| {
            let mut bypass = edit.bypass;
            if ui
                .checkbox(&mut bypass, "Bypassed")
                .on_hover_text("Keep the edit in the list and the file, but let it do nothing")
                .changed()
            {
                replace(with(&|e| e.bypass = bypass));
            }
            let soloed = input.solo == Some(index);
            let mut solo = soloed;
            if ui
                .checkbox(&mut solo, "Solo")
                .on_hover_text("See and hear only what this edit changes (not saved)")
                .changed()
            {
                commands.send(Command::SoloEdit(solo.then_some(index)));
            }
        });
        ui.end_row();

        if can_repair(edit) {
            let label = ui.label("Mode");
            let mode_text =
                |r: Option<RepairMode>| r.map_or("gain".to_owned(), |m| format!("repair: {}", m.name()));
            let mut mode = edit.repair.map(|r| r.mode);
            egui::ComboBox::from_id_salt("inspector-mode")
                .selected_text(mode_text(mode))
                .show_ui(ui, |ui| {
                    ui.selectable_value(&mut mode, None, mode_text(None));
                    for m in RepairMode::ALL {
                        ui.selectable_value(&mut mode, Some(m), mode_text(Some(m)));
                    }
                })
                .response
                .labelled_by(label.id);
            if mode != edit.repair.map(|r| r.mode) {
                replace(with(&|e| match mode {
                    Some(m) => {
                        let strength = e.repair.map_or(1.0, |r| r.strength);
                        e.repair = Some(Repair { mode: m, strength });
                        // A repair has no gain and cannot be inverted.
                        e.gain_db = 0.0;
                        e.invert = false;
                    }
                    None => {
                        e.repair = None;
                        e.gain_db = f64::NEG_INFINITY;
                    }
                }));
            }
            ui.end_row();
        }

        if let Some(r) = edit.repair {
            ui.label("Strength");
            let mut strength = r.strength;
            let resp = ui.add(
                egui::Slider::new(&mut strength, 0.0..=1.0)
                    .fixed_decimals(2)
                    .text("strength"),
            );
            if let Some(g) = gesture_of(ui, &resp) {
                adjust(with(&|e| e.repair = Some(Repair { strength, ..r })), g);
            }
            ui.end_row();
        }

        if has_gain(edit) {
            let label = ui.label("Gain");
            ui.horizontal(|ui| {
                let mut remove = edit.gain_db == f64::NEG_INFINITY;
                if ui
                    .checkbox(&mut remove, "−∞")
                    .on_hover_text("Remove what the edit covers")
                    .changed()
                {
                    replace(with(&|e| {
                        e.gain_db = if remove { f64::NEG_INFINITY } else { -30.0 }
                    }));
                }
                let mut gain = if remove { -60.0 } else { edit.gain_db };
                let resp = ui
                    .add_enabled(
                        !remove,
                        egui::Slider::new(&mut gain, -60.0..=MAX_GAIN_DB.min(24.0))
                            .suffix(" dB")
                            .fixed_decimals(1),
                    )
                    .labelled_by(label.id);
                if let Some(g) = gesture_of(ui, &resp) {
                    adjust(with(&|e| e.gain_db = gain), g);
                }
            });
            ui.end_row();
            ui.label("");
            let mut invert = edit.invert;
            if ui
                .checkbox(&mut invert, "Keep only")
                .on_hover_text("Apply the gain outside the region instead of inside it")
                .changed()
            {
                replace(with(&|e| e.invert = invert));
            }
            ui.end_row();
        }

        if has_feather(edit) {
            feather_ui(ui, edit, input, &adjust, &replace);
        }

        if input.channels > 1 {
            let label = ui.label("Channel");
            let mut channels = edit.channels.clone();
            let text = |c: &Option<Vec<usize>>| match c {
                None => "all".to_owned(),
                Some(list) => list
                    .iter()
                    .map(|c| (c + 1).to_string())
                    .collect::<Vec<_>>()
                    .join(", "),
            };
            egui::ComboBox::from_id_salt("inspector-channel")
                .selected_text(text(&channels))
                .show_ui(ui, |ui| {
                    ui.selectable_value(&mut channels, None, "all");
                    for c in 0..input.channels {
                        ui.selectable_value(&mut channels, Some(vec![c]), (c + 1).to_string());
                    }
                })
                .response
                .labelled_by(label.id);
            if channels != edit.channels {
                replace(with(&|e| e.channels = channels.clone()));
            }
            ui.end_row();
        }

        specific_ui(ui, edit, &adjust, &replace);
    });
}

/// The name: shown with a Rename button, which opens a field (focused) that commits the new
/// name (one undo step) when it loses the keyboard (Enter, or a click elsewhere); an empty
/// name goes back to the type. The field exists only while renaming, so the panel holds no
/// text field the rest of the time.
fn name_ui(ui: &mut egui::Ui, edit: &Edit, index: usize, replace: &dyn Fn(Edit)) {
    let id = egui::Id::unique(("inspector-name", index));
    let editing: Option<String> = ui.data(|d| d.get_temp(id));
    let Some(mut text) = editing else {
        ui.horizontal(|ui| {
            match &edit.name {
                Some(name) => ui.label(name),
                None => ui.weak(edit.shape.type_name()),
            };
            let rename = ui
                .small_button("Rename")
                .on_hover_text("Give the edit a name, shown in the list and saved with it");
            if rename.clicked() {
                ui.data_mut(|d| d.insert_temp(id, edit.name.clone().unwrap_or_default()));
            }
        });
        return;
    };
    let resp = ui.add(
        egui::TextEdit::singleline(&mut text)
            .hint_text(edit.shape.type_name())
            .char_limit(MAX_NAME_CHARS)
            .desired_width(150.0),
    );
    if resp.lost_focus() {
        ui.data_mut(|d| d.remove::<String>(id));
        let name = Some(text.trim().to_owned()).filter(|n| !n.is_empty());
        if name != edit.name {
            let mut after = edit.clone();
            after.name = name;
            replace(after);
        }
    } else {
        if !resp.has_focus() {
            resp.request_focus();
        }
        ui.data_mut(|d| d.insert_temp(id, text));
    }
}

/// Feather along time (s) and frequency (Hz): the default (two hops, two bins) until set.
fn feather_ui(
    ui: &mut egui::Ui,
    edit: &Edit,
    input: &InspectorInput<'_>,
    adjust: &dyn Fn(Edit, u64),
    replace: &dyn Fn(Edit),
) {
    let rows: [(&str, Option<f64>, f64, &str, f64); 2] = [
        ("Feather time", edit.feather_s, 2.0 * input.hop_s, " s", 0.001),
        ("Feather freq", edit.feather_hz, 2.0 * input.bin_hz, " Hz", 1.0),
    ];
    for (row, (name, value, default, unit, speed)) in rows.into_iter().enumerate() {
        let label = ui.label(name);
        ui.horizontal(|ui| {
            let mut v = value.unwrap_or(default);
            let resp = ui
                .add(
                    egui::DragValue::new(&mut v)
                        .range(0.0..=if row == 0 { 10.0 } else { 10_000.0 })
                        .speed(speed)
                        .max_decimals(if row == 0 { 4 } else { 1 })
                        .suffix(unit),
                )
                .labelled_by(label.id);
            if let Some(g) = gesture_of(ui, &resp) {
                let mut e = edit.clone();
                *if row == 0 {
                    &mut e.feather_s
                } else {
                    &mut e.feather_hz
                } = Some(v);
                adjust(e, g);
            }
            if value.is_none() {
                ui.weak("(default: 2 cells)");
            } else if ui
                .small_button("default")
                .on_hover_text("Back to the default: two STFT hops along time, two bins along frequency")
                .clicked()
            {
                let mut e = edit.clone();
                *if row == 0 {
                    &mut e.feather_s
                } else {
                    &mut e.feather_hz
                } = None;
                replace(e);
            }
        });
        ui.end_row();
    }
}

/// The settings only some kinds of edit have.
fn specific_ui(ui: &mut egui::Ui, edit: &Edit, adjust: &dyn Fn(Edit, u64), replace: &dyn Fn(Edit)) {
    let with_shape = |shape: Shape| {
        let mut e = edit.clone();
        e.shape = shape;
        e
    };
    match &edit.shape {
        Shape::Denoise(d) => {
            ui.label("Reduction");
            let mut reduction = d.reduction_db;
            let r = ui.add(
                egui::Slider::new(&mut reduction, 0.0..=60.0)
                    .suffix(" dB")
                    .fixed_decimals(0)
                    .text("noise reduction"),
            );
            if let Some(g) = gesture_of(ui, &r) {
                let mut d = d.clone();
                d.reduction_db = reduction;
                adjust(with_shape(Shape::Denoise(d)), g);
            }
            ui.end_row();
            ui.label("Sensitivity");
            let mut sensitivity = d.sensitivity;
            let r = ui.add(
                egui::Slider::new(&mut sensitivity, 0.0..=4.0)
                    .fixed_decimals(2)
                    .text("noise sensitivity"),
            );
            if let Some(g) = gesture_of(ui, &r) {
                let mut d = d.clone();
                d.sensitivity = sensitivity;
                adjust(with_shape(Shape::Denoise(d)), g);
            }
            ui.end_row();
        }
        Shape::Voice(v) => {
            ui.label("Reduction");
            let mut reduction = v.reduction_db;
            let r = ui.add(
                egui::Slider::new(&mut reduction, 0.0..=MAX_VOICE_REDUCTION_DB)
                    .suffix(" dB")
                    .fixed_decimals(0)
                    .text("non-speech reduction"),
            );
            if let Some(g) = gesture_of(ui, &r) {
                adjust(
                    with_shape(Shape::Voice(Voice {
                        reduction_db: reduction,
                    })),
                    g,
                );
            }
            ui.end_row();
        }
        Shape::Declick { time_s, sensitivity } => {
            ui.label("Sensitivity");
            let mut s = *sensitivity;
            let r = ui.add(
                egui::Slider::new(&mut s, 0.25..=MAX_DECLICK_SENSITIVITY.min(8.0))
                    .logarithmic(true)
                    .text("click sensitivity"),
            );
            if let Some(g) = gesture_of(ui, &r) {
                adjust(
                    with_shape(Shape::Declick {
                        time_s: *time_s,
                        sensitivity: s,
                    }),
                    g,
                );
            }
            ui.end_row();
        }
        Shape::Dehum {
            time_s,
            f0,
            harmonics,
        } => {
            let label = ui.label("Mains");
            let mut f = *f0;
            let text = |f: &Fundamental| match f {
                Fundamental::Auto => "auto (50 or 60 Hz)".to_owned(),
                Fundamental::Hz(hz) => format_hz(*hz),
            };
            egui::ComboBox::from_id_salt("inspector-f0")
                .selected_text(text(&f))
                .show_ui(ui, |ui| {
                    for choice in [Fundamental::Auto, Fundamental::Hz(50.0), Fundamental::Hz(60.0)] {
                        let t = text(&choice);
                        ui.selectable_value(&mut f, choice, t);
                    }
                })
                .response
                .labelled_by(label.id);
            let mut n = *harmonics;
            ui.end_row();
            ui.label("Harmonics");
            ui.horizontal(|ui| {
                let mut all = n.is_none();
                ui.checkbox(&mut all, "all above the noise");
                if !all {
                    let mut k = n.unwrap_or(10);
                    ui.add(egui::DragValue::new(&mut k).range(1..=MAX_HARMONICS));
                    n = Some(k);
                } else {
                    n = None;
                }
            });
            if f != *f0 || n != *harmonics {
                replace(with_shape(Shape::Dehum {
                    time_s: *time_s,
                    f0: f,
                    harmonics: n,
                }));
            }
            ui.end_row();
        }
        Shape::Harmonics(h) => {
            let label = ui.label("Overtones");
            let mut count = h.count;
            let r = ui
                .add(egui::DragValue::new(&mut count).range(1..=64))
                .labelled_by(label.id);
            if let Some(g) = gesture_of(ui, &r) {
                let mut h = h.clone();
                h.count = count;
                adjust(with_shape(Shape::Harmonics(h)), g);
            }
            ui.end_row();
            ui.label("Width");
            let mut width = h.width_hz;
            let r = ui.add(
                egui::Slider::new(&mut width, 5.0..=400.0)
                    .logarithmic(true)
                    .suffix(" Hz")
                    .text("partial width"),
            );
            if let Some(g) = gesture_of(ui, &r) {
                let mut h = h.clone();
                h.width_hz = width;
                adjust(with_shape(Shape::Harmonics(h)), g);
            }
            ui.end_row();
        }
        Shape::Paint {
            points,
            radius_s,
            radius_hz,
            level_db,
        } => {
            ui.label("Level");
            let mut level = *level_db;
            let r = ui.add(
                egui::Slider::new(&mut level, -120.0..=0.0)
                    .suffix(" dBFS")
                    .text("paint level"),
            );
            if let Some(g) = gesture_of(ui, &r) {
                adjust(
                    with_shape(Shape::Paint {
                        points: points.clone(),
                        radius_s: *radius_s,
                        radius_hz: *radius_hz,
                        level_db: level,
                    }),
                    g,
                );
            }
            ui.end_row();
        }
        Shape::Threshold {
            time_s,
            freq_hz,
            condition,
        } => {
            ui.label("Level");
            let (mut db, above) = match condition {
                LevelCondition::Below(db) => (*db, false),
                LevelCondition::Above(db) => (*db, true),
            };
            let r = ui.add(
                egui::Slider::new(&mut db, -140.0..=0.0)
                    .suffix(" dBFS")
                    .text(if above { "above" } else { "below" }),
            );
            if let Some(g) = gesture_of(ui, &r) {
                adjust(
                    with_shape(Shape::Threshold {
                        time_s: *time_s,
                        freq_hz: *freq_hz,
                        condition: if above {
                            LevelCondition::Above(db)
                        } else {
                            LevelCondition::Below(db)
                        },
                    }),
                    g,
                );
            }
            ui.end_row();
        }
        Shape::Rect { time_s, freq_hz } => {
            // Exact numbers for what the handles do by eye.
            span_ui(ui, "Time", *time_s, " s", 0.001, &|t, g| {
                adjust(
                    with_shape(Shape::Rect {
                        time_s: t,
                        freq_hz: *freq_hz,
                    }),
                    g,
                )
            });
            span_ui(ui, "Frequency", *freq_hz, " Hz", 1.0, &|f, g| {
                adjust(
                    with_shape(Shape::Rect {
                        time_s: *time_s,
                        freq_hz: f,
                    }),
                    g,
                )
            });
        }
        Shape::Paste(p) => {
            ui.label("Mode");
            let mut mode = p.mode;
            ui.horizontal(|ui| {
                for m in [PasteMode::Mix, PasteMode::Replace] {
                    ui.selectable_value(&mut mode, m, m.name());
                }
            });
            if mode != p.mode {
                replace(with_shape(Shape::Paste(Paste { mode, ..*p })));
            }
            ui.end_row();
            ui.label("Pasted at");
            let mut to_s = p.to_s;
            let r = ui.add(
                egui::DragValue::new(&mut to_s)
                    .speed(0.001)
                    .range(0.0..=f64::MAX)
                    .suffix(" s"),
            );
            if let Some(g) = gesture_of(ui, &r) {
                adjust(with_shape(Shape::Paste(Paste { to_s, ..*p })), g);
            }
            ui.end_row();
            ui.label("Gain");
            let mut gain_db = edit.gain_db;
            let r = ui.add(
                egui::Slider::new(&mut gain_db, -60.0..=MAX_GAIN_DB)
                    .suffix(" dB")
                    .text("of the copy"),
            );
            if let Some(g) = gesture_of(ui, &r) {
                let mut e = edit.clone();
                e.gain_db = gain_db;
                adjust(e, g);
            }
            ui.end_row();
        }
        Shape::Lasso { .. } | Shape::Brush { .. } | Shape::Erase { .. } => {}
    }
}

/// A `[low, high]` pair as two number fields; a change of either (a drag is one gesture)
/// calls `set` with the pair kept in order.
fn span_ui(
    ui: &mut egui::Ui,
    name: &str,
    span: [f64; 2],
    unit: &str,
    speed: f64,
    set: &dyn Fn([f64; 2], u64),
) {
    let label = ui.label(name);
    ui.horizontal(|ui| {
        for i in 0..2 {
            let mut v = span;
            // Each end stays on its side of the other.
            let range = if i == 0 { -1e7..=span[1] } else { span[0]..=1e7 };
            let r = ui
                .add(
                    egui::DragValue::new(&mut v[i])
                        .speed(speed)
                        .range(range)
                        .max_decimals(3)
                        .suffix(unit),
                )
                .labelled_by(label.id);
            if let Some(g) = gesture_of(ui, &r)
                && v != span
            {
                set(v, g);
            }
        }
    });
    ui.end_row();
}
