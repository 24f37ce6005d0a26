//! Edits stay editable (issue 17), driven like a user would under egui_kittest: select an edit
//! in the list or on the picture, change its gain in the inspector, move and resize a
//! rectangle with the Pointer tool, bypass, solo, reorder and rename it; each change is one
//! undo step, and undoing it gives back exactly the edit list before.

use crate::editor;

use editor::{drag, harness, wait_idle};

use egui::Key;
use egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use spectro::edit::{Edit, Shape};
use spectro::signal::SampleSource;
use spectro::ui::app::SpectroApp;
use spectro::ui::command::Command;
use spectro::ui::panels::describe_edit;
use spectro::ui::tools::Tool;
use spectro::ui::view::Version;

type H = Harness<'static, SpectroApp>;

fn edits(h: &H) -> Vec<Edit> {
    h.state().open.as_ref().unwrap().doc.edits.edits.clone()
}

fn steps(h: &H) -> Vec<String> {
    h.state().open.as_ref().unwrap().doc.history.applied().collect()
}

fn rect(time_s: [f64; 2], freq_hz: [f64; 2], gain_db: f64) -> Edit {
    Edit::new(Shape::Rect { time_s, freq_hz }, gain_db)
}

/// The demo with edits added through the command channel (drawing them is tested elsewhere).
fn with_edits(list: &[Edit]) -> H {
    let mut h = harness();
    wait_idle(&mut h);
    for e in list {
        h.state().commands().send(Command::AddEdit(e.clone()));
    }
    h.run_steps(3);
    wait_idle(&mut h);
    assert_eq!(edits(&h), list);
    h
}

/// Undoes once with Ctrl+Z and checks the list is exactly `before`.
fn undo_to(h: &mut H, before: &[Edit], what: &str) {
    h.key_press_modifiers(egui::Modifiers::COMMAND, Key::Z);
    h.run_steps(3);
    assert_eq!(edits(h), before, "undo of {what} must restore the list exactly");
}

fn rect_of(e: &Edit) -> ([f64; 2], [f64; 2]) {
    match &e.shape {
        Shape::Rect { time_s, freq_hz } => (*time_s, *freq_hz),
        other => panic!("expected a rect, got {other:?}"),
    }
}

/// A primary click at `p` on the picture.
fn click_at(h: &mut H, p: egui::Pos2) {
    h.hover_at(p);
    h.step();
    h.drag_at(p);
    h.step();
    h.drop_at(p);
    h.run_steps(2);
}

/// A click on the picture at `t` seconds, `hz`.
fn click_on(h: &mut H, t: f64, hz: f64) {
    let p = point_at(h, t, hz);
    click_at(h, p);
}

/// A primary drag on the picture from `a` to `b`, each (seconds, Hz).
fn drag_between(h: &mut H, a: [f64; 2], b: [f64; 2], steps: usize) {
    let (pa, pb) = (point_at(h, a[0], a[1]), point_at(h, b[0], b[1]));
    drag(h, pa, pb, steps);
}

/// Time a screen point stands for, and the Hz (to compare drags with what they asked).
fn point_at(h: &H, t: f64, hz: f64) -> egui::Pos2 {
    h.state().screen_pos(t, hz).expect("on screen")
}

#[test]
fn gain_bypass_solo_rename_and_reorder_from_the_list_and_inspector_each_undo() {
    let whistle = rect([1.9, 5.6], [2700.0, 3300.0], f64::NEG_INFINITY);
    let low = rect([0.5, 1.5], [100.0, 600.0], -12.0);
    let mut h = with_edits(&[whistle.clone(), low.clone()]);
    let start = edits(&h);

    // Select the whistle's edit in the list: the inspector opens for it.
    h.get_by_label(&format!("1. {}", describe_edit(&whistle))).click();
    h.run_steps(3);
    assert_eq!(h.state().selected_edit(), Some(0));
    h.get_by_label("Selected edit (1)");

    // Gain: untick −∞ (one step), then drag the gain slider (one step for the whole drag).
    h.get_by_label("−∞").click();
    h.run_steps(3);
    assert_eq!(edits(&h)[0].gain_db, -30.0);
    let after_untick = edits(&h);
    let n = steps(&h).len();
    let slider = h.get_by_role_and_label(Role::Slider, "Gain").rect();

    let from = slider.left_center() + egui::vec2(slider.width() * 0.35, 0.0);
    let to = slider.left_center() + egui::vec2(slider.width() * 0.75, 0.0);
    drag(&mut h, from, to, 8);
    let gain = edits(&h)[0].gain_db;
    assert!(gain > -30.0 + 10.0, "gain after the drag {gain}");
    assert_eq!(steps(&h).len(), n + 1, "one drag, one step: {:?}", steps(&h));
    // Everything but the gain is as it was.
    let mut expect = after_untick[0].clone();
    expect.gain_db = gain;
    assert_eq!(edits(&h)[0], expect);
    wait_idle(&mut h);
    undo_to(&mut h, &after_untick, "the gain drag");
    undo_to(&mut h, &start, "the −∞ tick");

    // Bypass from the list: the edit stays, the edited result no longer has it.
    h.get_all_by_label("bypass").next().unwrap().click();
    h.run_steps(3);
    assert!(edits(&h)[0].bypass && !edits(&h)[1].bypass);
    assert_eq!(edits(&h).len(), 2);
    wait_idle(&mut h);
    {
        let open = h.state().open.as_ref().unwrap();
        let edited = open.edited();
        // Inside the whistle's span only the bypassed edit would act: the edited samples are
        // the recording's own (exactly, up to the STFT round trip).
        let fs = open.recording.sample_rate();
        let (start_n, len) = ((3.0 * fs) as u64, 4800);
        let spectro::pipeline::Samples::Real(y) = edited.render(start_n, len) else {
            panic!("real audio")
        };
        let mut x = vec![0.0f32; len];
        open.recording.read_real(0, start_n as i64, &mut x);
        let err = x
            .iter()
            .zip(&y[0])
            .map(|(a, b)| (a - b).abs())
            .fold(0.0f32, f32::max);
        assert!(err < 1e-4, "bypassed edit still changed the result by {err}");
    }
    assert_eq!(steps(&h).last().map(String::as_str), Some("bypass rect"));
    undo_to(&mut h, &start, "bypass");

    // Solo the second edit from the list: a view state (no undo step), the picture and
    // playback are computed from it alone and show what it changes.
    let n = steps(&h).len();
    h.get_all_by_label("solo").nth(1).unwrap().click();
    h.run_steps(3);
    assert_eq!(h.state().solo(), Some(1));
    assert_eq!(h.state().view.version, Version::Removed);
    {
        let open = h.state().open.as_ref().unwrap();
        assert_eq!(open.shown_edits(), &start[1..2]);
        assert_eq!(open.edited().edits(), &start[1..2]);
    }
    assert_eq!(steps(&h).len(), n, "solo is not an edit");
    assert_eq!(edits(&h), start);
    wait_idle(&mut h);
    // Ending it from the inspector of the soloed edit brings back the whole list and view.
    h.get_by_label(&format!("2. {}", describe_edit(&low))).click();
    h.run_steps(3);
    assert_eq!(h.state().selected_edit(), Some(1));
    h.get_by_label("Solo").click();
    h.run_steps(3);
    assert_eq!(h.state().solo(), None);
    assert_eq!(h.state().view.version, Version::Edited);
    assert_eq!(h.state().open.as_ref().unwrap().shown_edits(), &start[..]);

    // Rename the selected (second) edit in the inspector: one step, saved with the list.
    assert!(
        h.query_by_role(Role::TextInput).is_none(),
        "no text field until Rename"
    );
    h.get_by_label("Rename").click();
    h.run_steps(3);
    assert!(h.get_by_role(Role::TextInput).is_focused());
    h.get_by_role(Role::TextInput).type_text("rumble");
    h.run_steps(1);
    h.key_press(Key::Enter);
    h.run_steps(3);
    assert_eq!(edits(&h)[1].name.as_deref(), Some("rumble"));
    assert_eq!(edits(&h)[1].shape, low.shape);
    assert!(
        h.state()
            .open
            .as_ref()
            .unwrap()
            .doc
            .edits
            .to_json()
            .contains("\"name\": \"rumble\"")
    );
    assert_eq!(
        steps(&h).last().map(String::as_str),
        Some("rename rect to rumble")
    );
    h.get_by_label_contains("rumble (rect");
    let renamed = edits(&h);
    undo_to(&mut h, &start, "rename");

    // Reorder: move the first edit down; the selection follows its edit.
    h.state().commands().send(Command::SelectEdit(Some(0)));
    h.run_steps(2);
    h.get_all_by_label("down").next().unwrap().click();
    h.run_steps(3);
    assert_eq!(edits(&h), vec![start[1].clone(), start[0].clone()]);
    assert_eq!(
        h.state().selected_edit(),
        Some(1),
        "the selection follows the moved edit"
    );
    undo_to(&mut h, &start, "the move down");
    assert_eq!(h.state().selected_edit(), Some(0));
    // Redo of the rename is gone (a new step was made), the list is the start.
    assert_ne!(edits(&h), renamed);
}

#[test]
fn the_pointer_tool_selects_moves_and_resizes_a_rectangle_each_drag_one_step() {
    let r = rect([2.0, 3.0], [1000.0, 2000.0], -20.0);
    let mut h = with_edits(std::slice::from_ref(&r));
    let start = edits(&h);

    // V picks the Pointer tool; a click inside the rectangle selects it, Escape deselects.
    h.key_press(Key::V);
    h.run_steps(2);
    assert_eq!(h.state().tool, Tool::Pointer);
    let inside = point_at(&h, 2.5, 1500.0);
    click_at(&mut h, inside);
    h.run_steps(3);
    assert_eq!(h.state().selected_edit(), Some(0));
    h.key_press(Key::Escape);
    h.run_steps(3);
    assert_eq!(h.state().selected_edit(), None);
    // A click on empty picture selects nothing.
    click_on(&mut h, 6.0, 8000.0);
    h.run_steps(3);
    assert_eq!(h.state().selected_edit(), None);

    // Drag from inside: the rectangle moves by what the pointer moved, its size in seconds
    // and Hz unchanged; the drag is one undo step.
    let n = steps(&h).len();
    drag_between(&mut h, [2.5, 1500.0], [3.0, 1200.0], 12);
    let (t, f) = rect_of(&edits(&h)[0]);
    assert_eq!(h.state().selected_edit(), Some(0), "dragging an edit selects it");
    assert!(
        (t[0] - 2.5).abs() < 0.03 && (f[0] - 700.0).abs() < 60.0,
        "moved to {t:?} {f:?}"
    );
    assert!(((t[1] - t[0]) - 1.0).abs() < 1e-9, "duration kept: {t:?}");
    assert!(((f[1] - f[0]) - 1000.0).abs() < 1e-6, "bandwidth kept: {f:?}");
    assert_eq!(edits(&h)[0].gain_db, -20.0);
    assert_eq!(steps(&h).len(), n + 1, "one drag, one step: {:?}", steps(&h));
    assert_eq!(steps(&h).last().map(String::as_str), Some("move or resize rect"));
    wait_idle(&mut h);
    undo_to(&mut h, &start, "the move");

    // Resize by the right edge: only the end time changes.
    h.state().commands().send(Command::SelectEdit(Some(0)));
    h.run_steps(2);
    drag_between(&mut h, [3.0, 1500.0], [3.6, 1700.0], 10);
    let (t, f) = rect_of(&edits(&h)[0]);
    assert_eq!(t[0], 2.0);
    assert!((t[1] - 3.6).abs() < 0.03, "end {t:?}");
    assert_eq!(f, [1000.0, 2000.0], "an edge handle moves one edge only");
    let resized = edits(&h);
    // Then by the top-left corner: start time and high frequency follow the pointer.
    drag_between(&mut h, [2.0, 2000.0], [1.5, 2600.0], 10);
    let (t, f) = rect_of(&edits(&h)[0]);
    assert!(
        (t[0] - 1.5).abs() < 0.03 && (f[1] - 2600.0).abs() < 60.0,
        "{t:?} {f:?}"
    );
    assert_eq!((t[1], f[0]), (resized_end(&resized), 1000.0));
    assert_eq!(steps(&h).len(), n + 2, "two drags, two steps: {:?}", steps(&h));
    wait_idle(&mut h);
    undo_to(&mut h, &resized, "the corner drag");
    undo_to(&mut h, &start, "the edge drag");

    // Drawing tools keep drawing: a rectangle dragged inside the edit is a new edit.
    h.state().commands().send(Command::SetTool(Tool::Rect));
    h.run_steps(2);
    drag_between(&mut h, [2.2, 1200.0], [2.8, 1800.0], 8);
    assert_eq!(edits(&h).len(), 2);
    assert_eq!(edits(&h)[0], start[0]);
}

fn resized_end(list: &[Edit]) -> f64 {
    rect_of(&list[0]).0[1]
}

#[test]
fn lassos_and_strokes_move_whole_and_the_latest_edit_under_the_pointer_wins() {
    let lasso = Edit::new(
        Shape::Lasso {
            points: vec![[1.0, 4000.0], [2.0, 4000.0], [1.5, 6000.0]],
        },
        -30.0,
    );
    let brush = Edit::new(
        Shape::Brush {
            points: vec![[1.2, 4500.0], [1.8, 4500.0]],
            radius_s: 0.05,
            radius_hz: 150.0,
        },
        f64::NEG_INFINITY,
    );
    let mut h = with_edits(&[lasso.clone(), brush.clone()]);
    let start = edits(&h);
    h.state().commands().send(Command::SetTool(Tool::Pointer));
    h.run_steps(2);
    // On the stroke, inside the lasso too: the stroke is on top (drawn later).
    click_on(&mut h, 1.5, 4500.0);
    h.run_steps(3);
    assert_eq!(h.state().selected_edit(), Some(1));
    // Inside the lasso only.
    click_on(&mut h, 1.5, 5200.0);
    h.run_steps(3);
    assert_eq!(h.state().selected_edit(), Some(0));

    // Drag the lasso: every point moves by the same seconds and Hz.
    drag_between(&mut h, [1.5, 5200.0], [2.5, 4700.0], 10);
    let Shape::Lasso { points } = &edits(&h)[0].shape else {
        panic!("lasso")
    };
    let (dt, df) = (points[0][0] - 1.0, points[0][1] - 4000.0);
    assert!(
        (dt - 1.0).abs() < 0.03 && (df + 500.0).abs() < 60.0,
        "moved by {dt} s, {df} Hz"
    );
    let Shape::Lasso { points: before } = &lasso.shape else {
        unreachable!()
    };
    for (p, q) in points.iter().zip(before) {
        assert!((p[0] - q[0] - dt).abs() < 1e-9 && (p[1] - q[1] - df).abs() < 1e-6);
    }
    assert_eq!(edits(&h)[1], brush, "the other edit is untouched");
    wait_idle(&mut h);
    undo_to(&mut h, &start, "the lasso move");

    // Drag the stroke down by 1 kHz.
    drag_between(&mut h, [1.5, 4500.0], [1.5, 3500.0], 10);
    let Shape::Brush {
        points,
        radius_s,
        radius_hz,
    } = &edits(&h)[1].shape
    else {
        panic!("brush")
    };
    assert_eq!((*radius_s, *radius_hz), (0.05, 150.0));
    assert!(points.iter().all(|p| (p[1] - 3500.0).abs() < 60.0), "{points:?}");
    assert!((points[0][0] - 1.2).abs() < 0.03);
    wait_idle(&mut h);
    undo_to(&mut h, &start, "the stroke move");
}
