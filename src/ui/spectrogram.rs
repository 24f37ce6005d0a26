//! The spectrogram view: tiles drawn as plot images with time and frequency axes (egui_plot),
//! the edits drawn over them, and the mouse: wheel zooms time, ctrl+wheel zooms frequency,
//! shift+wheel (or a sideways scroll) pans time, middle-drag or space+drag pans, right-drag box-zooms, the primary button uses the tool.

use egui::{Color32, PointerButton, Pos2, Rect, Shape, Stroke, Vec2};
use egui_plot::{GridInput, GridMark, Plot, PlotBounds, PlotImage, PlotPoint, PlotTransform};

use super::command::{Command, CommandSender};
use super::handles::{Grab, dragged, grab_at, hit};
use super::tiles::DrawTile;
use super::tools::{EditFrame, Gesture, Stroke as StrokeKind, Tool, ToolSettings};
use super::view::{FreqAxisView, ViewState, format_hz_step, hz_ticks, log_ticks};
use crate::edit::{Edit, LevelCondition, Shape as EditShape};
use crate::signal::FreqScale;

/// What the spectrogram needs to draw itself.
pub struct SpectrogramInput<'a> {
    /// View.
    pub view: &'a ViewState,
    /// Frequency axis.
    pub axis: FreqAxisView,
    /// Recording length.
    pub duration_s: f64,
    /// Tiles to draw, back to front.
    pub tiles: &'a [DrawTile],
    /// Edits to outline.
    pub edits: &'a [Edit],
    /// The edit highlighted in the list.
    pub selected_edit: Option<usize>,
    /// The active tool.
    pub tool: Tool,
    /// Tool settings.
    pub settings: &'a ToolSettings,
    /// Seconds per hop and Hz per bin of the current STFT.
    pub hop_s: f64,
    /// Hz per bin.
    pub bin_hz: f64,
    /// Playback cursor, seconds.
    pub cursor_s: Option<f64>,
    /// Play position, seconds.
    pub playhead_s: Option<f64>,
    /// The time-frequency selection.
    pub selection: Option<super::transport::Selection>,
    /// IQ listening: the band the demodulator hears and its tuned frequency, Hz from the centre.
    pub tuned_band_hz: Option<([f64; 2], f64)>,
    /// Where de-click steps found clicks, seconds: marked along the top edge.
    pub click_times_s: &'a [f64],
    /// The Harmonics tool's tracked selection, not applied yet.
    pub pending_harmonics: Option<&'a Edit>,
}

/// What the spectrogram reports back.
pub struct SpectrogramOutput {
    /// Pointer position as (seconds, axis position), when hovering.
    pub hover: Option<[f64; 2]>,
    /// The plot's data area on screen.
    pub frame: Rect,
}

/// Grid marks for the visible part of the axis, at round label frequencies.
fn freq_marks(axis: FreqAxisView, input: GridInput, height_px: f32) -> Vec<GridMark> {
    let (u0, u1) = input.bounds;
    let off = axis.label_offset_hz;
    let (f0, f1) = (axis.hz_of(u0) + off, axis.hz_of(u1) + off);
    let target = ((height_px / 45.0) as usize).clamp(2, 14);
    let ticks: Vec<f64> = match axis.scale {
        FreqScale::Log => {
            let t = log_ticks(f0, f1);
            if t.len() > target * 2 {
                t.into_iter().step_by(2).collect()
            } else {
                t
            }
        }
        _ => hz_ticks(f0, f1, target).0,
    };
    let step = (u1 - u0) / target as f64;
    ticks
        .into_iter()
        .map(|f| GridMark {
            value: axis.u_of(f - off),
            step_size: step,
        })
        .collect()
}

/// Draws the spectrogram and handles the mouse; sends edits and view changes as commands.
pub fn spectrogram_ui(
    ui: &mut egui::Ui,
    input: &SpectrogramInput<'_>,
    gesture: &mut Gesture,
    commands: &CommandSender,
    height: f32,
) -> SpectrogramOutput {
    let view = input.view;
    let axis = input.axis;
    let plot = Plot::new("spectrogram")
        .height(height)
        .allow_drag(false)
        .allow_zoom(false)
        .allow_scroll(false)
        .allow_boxed_zoom(false)
        .allow_double_click_reset(false)
        .show_grid(false)
        .show_background(false)
        .show_x(false)
        .show_y(false)
        .set_margin_fraction(Vec2::ZERO)
        .y_axis_min_width(64.0)
        .x_axis_label("time (s)")
        .y_axis_formatter(move |mark, range| {
            // Precision from the tick spacing, so 1090.2 and 1090.4 MHz stay apart.
            let span_hz = (axis.hz_of(*range.end()) - axis.hz_of(*range.start())).abs();
            let step = if axis.scale == FreqScale::Linear {
                span_hz / 8.0
            } else {
                span_hz
            };
            format_hz_step(axis.label_hz_of(mark.value), step)
        })
        .y_grid_spacer(move |grid| freq_marks(axis, grid, height));
    let response = plot.show(ui, |pui| {
        pui.set_plot_bounds(PlotBounds::from_min_max(
            [view.time_s[0], view.u[0]],
            [view.time_s[1], view.u[1]],
        ));
        for (i, tile) in input.tiles.iter().enumerate() {
            let [a, b] = tile.time_s;
            pui.image(
                PlotImage::new(
                    format!("tile{i}"),
                    tile.texture,
                    PlotPoint::new((a + b) / 2.0, 0.5),
                    Vec2::new((b - a) as f32, 1.0),
                )
                .allow_hover(false),
            );
        }
    });
    let transform = response.transform;
    let frame = *transform.frame();
    let resp = response.response;
    let painter = ui.painter_at(frame);
    let to_screen = |t: f64, f_hz: f64| transform.position_from_point(&PlotPoint::new(t, axis.u_of(f_hz)));

    draw_edits(&painter, input, &to_screen, &transform);
    if let Some(sel) = input.selection {
        let r = Rect::from_two_pos(
            to_screen(sel.time_s[0], sel.freq_hz[0]),
            to_screen(sel.time_s[1], sel.freq_hz[1]),
        );
        painter.rect_filled(r, 0.0, Color32::from_white_alpha(18));
        painter.rect_stroke(
            r,
            0.0,
            Stroke::new(1.0, Color32::from_white_alpha(200)),
            egui::StrokeKind::Middle,
        );
    }
    // Click markers: a short tick down from the top edge at each click found.
    for &t in input.click_times_s {
        let x = transform.position_from_point_x(t);
        if frame.x_range().contains(x) {
            painter.line_segment(
                [Pos2::new(x, frame.top()), Pos2::new(x, frame.top() + 10.0)],
                Stroke::new(2.0, Color32::from_rgb(120, 220, 255)),
            );
        }
    }
    if let Some((band, tune)) = input.tuned_band_hz {
        let (y0, y1) = (to_screen(0.0, band[0]).y, to_screen(0.0, band[1]).y);
        let band_rect = Rect::from_x_y_ranges(frame.x_range(), y0.min(y1)..=y0.max(y1).max(y0.min(y1) + 1.0));
        let tint = Color32::from_rgb(120, 255, 160);
        painter.rect_filled(band_rect, 0.0, tint.gamma_multiply(0.12));
        let y = to_screen(0.0, tune).y;
        painter.line_segment(
            [Pos2::new(frame.left(), y), Pos2::new(frame.right(), y)],
            Stroke::new(1.0, tint.gamma_multiply(0.8)),
        );
    }
    for (t, color) in [
        (
            input.cursor_s,
            Color32::from_rgba_unmultiplied(255, 255, 255, 140),
        ),
        (input.playhead_s, Color32::from_rgb(80, 220, 120)),
    ] {
        if let Some(t) = t {
            let x = transform.position_from_point_x(t);
            if frame.x_range().contains(x) {
                painter.line_segment(
                    [Pos2::new(x, frame.top()), Pos2::new(x, frame.bottom())],
                    Stroke::new(1.5, color),
                );
            }
        }
    }

    let hover_pos = resp.hover_pos().filter(|p| frame.contains(*p));
    let hover = hover_pos.map(|p| {
        let v = transform.value_from_position(p);
        [v.x, v.y]
    });
    let s_per_px = (view.time_s[1] - view.time_s[0]) / frame.width().max(1.0) as f64;
    let u_per_px = (view.u[1] - view.u[0]) / frame.height().max(1.0) as f64;
    let edit_frame = EditFrame {
        axis,
        hop_s: input.hop_s,
        bin_hz: input.bin_hz,
        channel: view.channel,
        s_per_px,
        u_per_px,
    };

    // Wheel and trackpad.
    if resp.hovered() {
        let (scroll, zoom, modifiers) = ui.input(|i| (i.smooth_scroll_delta(), i.zoom_delta(), i.modifiers));
        if let Some([t, u]) = hover {
            if zoom != 1.0 {
                // egui reports ctrl+wheel as a zoom gesture.
                commands.send(Command::ZoomFreq {
                    factor: zoom as f64,
                    center_u: Some(u),
                });
            } else if scroll.y != 0.0 && !modifiers.shift {
                commands.send(Command::ZoomTime {
                    factor: (scroll.y as f64 * 0.002).exp(),
                    center_s: Some(t),
                });
            }
            // egui already turns Shift+wheel into a horizontal scroll (`x`), as trackpads and
            // tilting wheels give it: either pans in time.
            if scroll.x != 0.0 {
                commands.send(Command::PanTime(-scroll.x as f64 / frame.width().max(1.0) as f64));
            }
        }
    }

    let space = ui.input(|i| i.key_down(egui::Key::Space));
    let pointer = resp.interact_pointer_pos();
    // egui reports a drag once the pointer has moved a little; the gesture starts where the
    // button went down.
    let origin = ui.input(|i| i.pointer.press_origin()).or(pointer);
    let at = |p: Pos2| {
        let v = transform.value_from_position(p);
        [v.x, v.y]
    };
    let pan_button = resp.dragged_by(PointerButton::Middle)
        || (resp.dragged_by(PointerButton::Primary) && (space || input.tool == Tool::Hand));
    if pan_button {
        let d = resp.drag_delta();
        commands.send(Command::SetView {
            time_s: [
                view.time_s[0] - d.x as f64 * s_per_px,
                view.time_s[1] - d.x as f64 * s_per_px,
            ],
            u: [
                view.u[0] + d.y as f64 * u_per_px,
                view.u[1] + d.y as f64 * u_per_px,
            ],
        });
        *gesture = Gesture::Pan;
    } else if resp.drag_started_by(PointerButton::Secondary) {
        if let Some(p) = origin {
            *gesture = Gesture::Drag {
                start: at(p),
                end: at(p),
                zoom: true,
            };
        }
    } else if resp.drag_started_by(PointerButton::Primary)
        && input.tool == Tool::Pointer
        && let Some(o) = origin
    {
        *gesture = pointer_grab(input, o, &at, &to_screen, s_per_px, u_per_px, commands);
    } else if resp.drag_started_by(PointerButton::Primary)
        && let (Some(o), Some(p)) = (origin, pointer)
    {
        *gesture = match input.tool {
            Tool::Rect | Tool::Threshold | Tool::Select => Gesture::Drag {
                start: at(o),
                end: at(p),
                zoom: false,
            },
            Tool::Brush | Tool::Eraser | Tool::Paint | Tool::Lasso | Tool::Harmonics => Gesture::Path {
                points: if o == p { vec![at(o)] } else { vec![at(o), at(p)] },
            },
            Tool::Hand => Gesture::Pan,
            Tool::Tune | Tool::Pointer => Gesture::None,
        };
    }
    if resp.dragged()
        && let Some(p) = pointer
    {
        match gesture {
            Gesture::Drag { end, .. } => *end = at(p),
            Gesture::Path { points } => {
                let q = at(p);
                if points.last() != Some(&q) {
                    points.push(q);
                }
            }
            Gesture::EditDrag {
                index,
                grab,
                start,
                press: (o, u0, [s_px, u_px]),
                original,
                gesture,
            } => {
                // Each frame's position amends the drag's one undo step.
                let t = start[0] + (p.x - o.x) as f64 * *s_px;
                let u = *u0 - (p.y - o.y) as f64 * *u_px;
                let band = [axis.lo_hz.min(0.0), axis.hi_hz];
                let after = dragged(
                    original,
                    *grab,
                    *start,
                    [t, axis.hz_of(u)],
                    input.duration_s,
                    band,
                );
                if input.edits.get(*index) != Some(&after) {
                    commands.send(Command::AdjustEdit {
                        index: *index,
                        after,
                        gesture: *gesture,
                    });
                }
            }
            _ => {}
        }
    }
    if resp.drag_stopped() {
        match std::mem::take(gesture) {
            Gesture::Drag {
                start,
                end,
                zoom: true,
            } => {
                if (start[0] - end[0]).abs() > s_per_px * 3.0 {
                    let u = if (start[1] - end[1]).abs() > u_per_px * 3.0 {
                        [start[1].min(end[1]), start[1].max(end[1])]
                    } else {
                        view.u
                    };
                    commands.send(Command::SetView {
                        time_s: [start[0].min(end[0]), start[0].max(end[0])],
                        u,
                    });
                }
            }
            Gesture::Drag {
                start,
                end,
                zoom: false,
            } if input.tool == Tool::Select => {
                if (start[0] - end[0]).abs() > s_per_px * 2.0 {
                    // A thin drag selects all frequencies of its time range.
                    let u = if (start[1] - end[1]).abs() > u_per_px * 4.0 {
                        [start[1].min(end[1]), start[1].max(end[1])]
                    } else {
                        [0.0, 1.0]
                    };
                    commands.send(Command::SetSelection(Some(super::transport::Selection {
                        time_s: [start[0].min(end[0]), start[0].max(end[0])],
                        freq_hz: [axis.edge_hz_of(u[0]), axis.edge_hz_of(u[1])],
                    })));
                }
            }
            Gesture::Drag {
                start,
                end,
                zoom: false,
            } => {
                let big_enough =
                    (start[0] - end[0]).abs() > s_per_px * 2.0 && (start[1] - end[1]).abs() > u_per_px * 2.0;
                if big_enough {
                    let edit = match input.tool {
                        Tool::Threshold => input.settings.threshold_edit(start, end, &edit_frame),
                        _ => input.settings.rect_edit(start, end, &edit_frame),
                    };
                    commands.send(Command::AddEdit(edit));
                }
            }
            Gesture::Path { points } if input.tool == Tool::Harmonics => {
                if let Some(edit) =
                    input
                        .settings
                        .harmonics_edit(&points, &edit_frame, view.time_s, input.duration_s)
                {
                    commands.send(Command::TrackHarmonics(edit));
                }
            }
            Gesture::Path { points } => {
                let edit = match StrokeKind::of(input.tool) {
                    Some(kind) => input.settings.stroke_edit(&points, &edit_frame, kind),
                    None => input.settings.lasso_edit(&points, &edit_frame),
                };
                if let Some(edit) = edit {
                    commands.send(Command::AddEdit(edit));
                }
            }
            Gesture::Pan | Gesture::None | Gesture::EditDrag { .. } => {}
        }
    }
    if input.tool == Tool::Pointer
        && let Some(p) = hover_pos
        && !resp.dragged()
    {
        // The cursor says what a press here would grab.
        let [t, u] = at(p);
        let (tol_s, tol_hz) = (4.0 * s_per_px, 4.0 * u_per_px * axis.hz_per_u(u));
        let grab = input
            .selected_edit
            .and_then(|i| input.edits.get(i))
            .and_then(|e| grab_at(e, p, &to_screen, tol_s, tol_hz, [t, axis.hz_of(u)]));
        if let Some(g) = grab {
            ui.ctx().set_cursor_icon(g.cursor());
        }
    }
    if let Gesture::EditDrag { grab, .. } = gesture {
        ui.ctx().set_cursor_icon(grab.cursor());
    }
    if resp.clicked_by(PointerButton::Primary)
        && input.tool == Tool::Pointer
        && let Some(p) = pointer
    {
        // A click selects the latest edit under it, or clears the selection.
        let [t, u] = at(p);
        let (tol_s, tol_hz) = (4.0 * s_per_px, 4.0 * u_per_px * axis.hz_per_u(u));
        commands.send(Command::SelectEdit(hit(
            input.edits,
            t,
            axis.hz_of(u),
            tol_s,
            tol_hz,
        )));
    }
    if input.tool == Tool::Tune
        && let Some(p) = pointer
        && (resp.clicked_by(PointerButton::Primary) || resp.dragged_by(PointerButton::Primary))
        && !space
    {
        let [t, u] = at(p);
        commands.send(Command::Tune {
            freq_hz: axis.hz_of(u),
            time_s: resp
                .clicked_by(PointerButton::Primary)
                .then_some(t.clamp(0.0, input.duration_s)),
        });
    }
    if resp.clicked_by(PointerButton::Primary)
        && matches!(input.tool, Tool::Hand | Tool::Select)
        && let Some(p) = pointer
    {
        commands.send(Command::SetCursor(at(p)[0].clamp(0.0, input.duration_s)));
        if input.tool == Tool::Select {
            commands.send(Command::SetSelection(None));
        }
    }
    if resp.clicked_by(PointerButton::Primary)
        && let Some(kind) = StrokeKind::of(input.tool)
        && let Some(p) = pointer
    {
        // A click paints a dab.
        if let Some(edit) = input.settings.stroke_edit(&[at(p)], &edit_frame, kind) {
            commands.send(Command::AddEdit(edit));
        }
    }

    if resp.clicked_by(PointerButton::Primary)
        && input.tool == Tool::Harmonics
        && let Some(p) = pointer
        && let Some(edit) =
            input
                .settings
                .harmonics_edit(&[at(p)], &edit_frame, view.time_s, input.duration_s)
    {
        commands.send(Command::TrackHarmonics(edit));
    }
    if let Some(Edit {
        shape: EditShape::Harmonics(h),
        ..
    }) = input.pending_harmonics
    {
        let color = Color32::from_rgb(255, 220, 80);
        draw_harmonics(
            &painter,
            h,
            &to_screen,
            color.gamma_multiply(0.18),
            Stroke::new(1.5, color),
        );
    }
    if input.tool == Tool::Pointer
        && let Some(e) = input.selected_edit.and_then(|i| input.edits.get(i))
    {
        draw_handles(&painter, e, &to_screen);
    }
    draw_gesture(&painter, gesture, &transform, input);
    if let (Some(p), Some(_)) = (hover_pos, StrokeKind::of(input.tool)) {
        painter.circle_stroke(
            p,
            input.settings.brush_radius_px,
            Stroke::new(1.0, Color32::WHITE),
        );
    }
    SpectrogramOutput { hover, frame }
}

/// What a Pointer-tool drag from `o` grabs: a handle of the selected rectangle, or else the
/// latest edit under the pointer (which becomes the selected one), to move it; the same edit a
/// click there selects. Nothing under it: no gesture.
fn pointer_grab(
    input: &SpectrogramInput<'_>,
    o: Pos2,
    at: &dyn Fn(Pos2) -> [f64; 2],
    to_screen: &dyn Fn(f64, f64) -> Pos2,
    s_per_px: f64,
    u_per_px: f64,
    commands: &CommandSender,
) -> Gesture {
    let axis = input.axis;
    let [t, u] = at(o);
    let f = axis.hz_of(u);
    let (tol_s, tol_hz) = (4.0 * s_per_px, 4.0 * u_per_px * axis.hz_per_u(u));
    let handle = input
        .selected_edit
        .and_then(|i| Some((i, input.edits.get(i)?)))
        .and_then(|(i, e)| Some((i, grab_at(e, o, to_screen, tol_s, tol_hz, [t, f])?)))
        .filter(|(_, g)| *g != Grab::Move);
    let picked = handle.or_else(|| {
        let i = hit(input.edits, t, f, tol_s, tol_hz)?;
        if input.selected_edit != Some(i) {
            commands.send(Command::SelectEdit(Some(i)));
        }
        super::handles::movable(&input.edits[i]).then_some((i, Grab::Move))
    });
    match picked {
        Some((index, grab)) => Gesture::EditDrag {
            index,
            grab,
            start: [t, f],
            press: (o, u, [s_per_px, u_per_px]),
            original: Box::new(input.edits[index].clone()),
            gesture: super::denoise::new_gesture(),
        },
        None => Gesture::None,
    }
}

/// The handles of a selected rectangle: its corners and the middles of its edges.
fn draw_handles(painter: &egui::Painter, edit: &Edit, to_screen: &dyn Fn(f64, f64) -> Pos2) {
    let (EditShape::Rect { time_s, freq_hz } | EditShape::Threshold { time_s, freq_hz, .. }) = &edit.shape
    else {
        return;
    };
    let r = Rect::from_two_pos(to_screen(time_s[0], freq_hz[0]), to_screen(time_s[1], freq_hz[1]));
    let points = [
        r.left_top(),
        r.center_top(),
        r.right_top(),
        r.left_center(),
        r.right_center(),
        r.left_bottom(),
        r.center_bottom(),
        r.right_bottom(),
    ];
    for p in points {
        let h = Rect::from_center_size(p, Vec2::splat(7.0));
        painter.rect_filled(h, 1.0, Color32::WHITE);
        painter.rect_stroke(h, 1.0, Stroke::new(1.0, Color32::BLACK), egui::StrokeKind::Middle);
    }
}

fn edit_color(edit: &Edit, selected: bool) -> Color32 {
    let base = match &edit.shape {
        EditShape::Erase { .. } => Color32::from_rgb(240, 240, 240),
        EditShape::Paint { .. } => Color32::from_rgb(255, 150, 60),
        EditShape::Threshold { .. } => Color32::from_rgb(255, 210, 60),
        _ if edit.gain_db > 0.0 => Color32::from_rgb(90, 230, 120),
        _ => Color32::from_rgb(70, 200, 255),
    };
    if selected { Color32::WHITE } else { base }
}

fn draw_edits(
    painter: &egui::Painter,
    input: &SpectrogramInput<'_>,
    to_screen: &dyn Fn(f64, f64) -> Pos2,
    transform: &PlotTransform,
) {
    for (i, edit) in input.edits.iter().enumerate() {
        let selected = input.selected_edit == Some(i);
        // A bypassed edit is only a faint outline: it is kept but does nothing.
        let color = edit_color(edit, selected).gamma_multiply(if edit.bypass { 0.35 } else { 1.0 });
        let stroke = Stroke::new(if selected { 2.0 } else { 1.2 }, color);
        // A light tint: the picture under an edit is what the user judges.
        let fill = color.gamma_multiply(match &edit.shape {
            EditShape::Threshold { .. } => 0.0,
            _ if edit.invert => 0.03,
            _ => 0.08,
        });
        match &edit.shape {
            EditShape::Rect { time_s, freq_hz } | EditShape::Threshold { time_s, freq_hz, .. } => {
                let r =
                    Rect::from_two_pos(to_screen(time_s[0], freq_hz[0]), to_screen(time_s[1], freq_hz[1]));
                painter.rect_filled(r, 0.0, fill);
                painter.rect_stroke(r, 0.0, stroke, egui::StrokeKind::Middle);
                if let EditShape::Threshold { condition, .. } = &edit.shape {
                    let text = match condition {
                        LevelCondition::Below(db) => format!("< {db:.0} dB"),
                        LevelCondition::Above(db) => format!("> {db:.0} dB"),
                    };
                    painter.text(
                        r.left_top() + Vec2::new(3.0, 2.0),
                        egui::Align2::LEFT_TOP,
                        text,
                        egui::FontId::proportional(11.0),
                        color,
                    );
                }
            }
            EditShape::Lasso { points } => {
                let pts: Vec<Pos2> = points.iter().map(|p| to_screen(p[0], p[1])).collect();
                painter.add(Shape::closed_line(pts, stroke));
            }
            EditShape::Brush { .. } | EditShape::Erase { .. } | EditShape::Paint { .. } => {
                let Some((points, radius_s, radius_hz)) = edit.shape.stroke() else {
                    continue;
                };
                // Radius on screen from the physical radii at the stroke's frequency.
                let p0 = points[0];
                let rx = (transform.position_from_point_x(p0[0] + radius_s)
                    - transform.position_from_point_x(p0[0]))
                .abs();
                let ry = (to_screen(p0[0], p0[1] + radius_hz).y - to_screen(p0[0], p0[1]).y).abs();
                let r = rx.min(ry).max(1.0);
                let pts: Vec<Pos2> = points.iter().map(|p| to_screen(p[0], p[1])).collect();
                if pts.len() > 1 {
                    painter.add(Shape::line(pts.clone(), Stroke::new(2.0 * r, fill)));
                }
                for p in &pts {
                    painter.circle_filled(*p, r, fill);
                }
                painter.add(Shape::line(pts, Stroke::new(1.0, color)));
            }
            EditShape::Harmonics(h) => draw_harmonics(painter, h, to_screen, fill, stroke),
            // The target of a paste: what it changes.
            EditShape::Paste(p) => {
                let [t0, t1] = p.target_s();
                let r = Rect::from_two_pos(to_screen(t0, p.freq_hz[0]), to_screen(t1, p.freq_hz[1]));
                painter.rect_filled(r, 0.0, fill);
                painter.rect_stroke(r, 0.0, stroke, egui::StrokeKind::Middle);
            }
            // A denoise step acts on the whole recording: nothing to outline.
            EditShape::Denoise(_)
            | EditShape::Voice(_)
            | EditShape::Declick { .. }
            | EditShape::Dehum { .. } => {}
        }
    }
}

/// Draws a harmonic selection: each partial's band (`k·f0(t) ± width/2`) tinted with `fill`
/// and outlined with `stroke`, sampled along its time span.
pub(crate) fn draw_harmonics(
    painter: &egui::Painter,
    h: &crate::edit::Harmonics,
    to_screen: &dyn Fn(f64, f64) -> Pos2,
    fill: Color32,
    stroke: Stroke,
) {
    const SAMPLES: usize = 160;
    let [t0, t1] = h.time_s;
    let times: Vec<f64> = (0..=SAMPLES)
        .map(|i| t0 + (t1 - t0) * i as f64 / SAMPLES as f64)
        .collect();
    for k in 1..=h.partials() {
        let kf = k as f64;
        let half = 0.5 * h.width_hz;
        let upper: Vec<Pos2> = times
            .iter()
            .map(|&t| to_screen(t, kf * h.f0_at(t) + half))
            .collect();
        let lower: Vec<Pos2> = times
            .iter()
            .map(|&t| to_screen(t, kf * h.f0_at(t) - half))
            .collect();
        // The band as quads between the two edges (it may curve, so not one convex polygon).
        for i in 0..SAMPLES {
            let quad = vec![upper[i], upper[i + 1], lower[i + 1], lower[i]];
            painter.add(Shape::convex_polygon(quad, fill, Stroke::NONE));
        }
        painter.add(Shape::line(upper, stroke));
        painter.add(Shape::line(lower, stroke));
    }
}

fn draw_gesture(
    painter: &egui::Painter,
    gesture: &Gesture,
    transform: &PlotTransform,
    input: &SpectrogramInput<'_>,
) {
    let screen = |p: &[f64; 2]| transform.position_from_point(&PlotPoint::new(p[0], p[1]));
    match gesture {
        Gesture::Drag { start, end, zoom } => {
            let r = Rect::from_two_pos(screen(start), screen(end));
            let color = if *zoom {
                Color32::from_rgb(200, 200, 200)
            } else {
                Color32::from_rgb(70, 200, 255)
            };
            painter.rect_filled(r, 0.0, color.gamma_multiply(0.15));
            painter.rect_stroke(r, 0.0, Stroke::new(1.0, color), egui::StrokeKind::Middle);
        }
        Gesture::Path { points } => {
            let pts: Vec<Pos2> = points.iter().map(screen).collect();
            match input.tool {
                Tool::Lasso => {
                    painter.add(Shape::line(
                        pts,
                        Stroke::new(1.5, Color32::from_rgb(70, 200, 255)),
                    ));
                }
                _ => {
                    let r = input.settings.brush_radius_px;
                    let c = match input.tool {
                        Tool::Eraser => Color32::WHITE,
                        Tool::Paint => Color32::from_rgb(255, 150, 60),
                        _ => Color32::from_rgb(70, 200, 255),
                    };
                    painter.add(Shape::line(
                        pts.clone(),
                        Stroke::new(2.0 * r, c.gamma_multiply(0.2)),
                    ));
                    for p in pts {
                        painter.circle_filled(p, r, c.gamma_multiply(0.05));
                    }
                }
            }
        }
        _ => {}
    }
}
