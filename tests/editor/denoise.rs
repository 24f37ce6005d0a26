//! Noise removal in the editor, driven like a user would (egui_kittest, no display needed):
//! select the demo's first 0.28 s (hum and hiss before the first note), press Learn noise,
//! drag the reduction slider (one undo step for the whole drag), look at what is removed,
//! export through the File menu and check that the hiss fell and the tones stayed; undo.

use crate::editor;

use editor::{band_energy, export_through_menu, harness, read_channels, wait_idle};

use egui::accesskit::Role;
use egui::{Key, Modifiers};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use spectro::cli::demo::demo_signal;
use spectro::edit::NoiseEstimate;
use spectro::ui::app::SpectroApp;
use spectro::ui::view::Version;

fn drag(h: &mut Harness<'static, SpectroApp>, a: egui::Pos2, b: egui::Pos2, steps: usize) {
    h.hover_at(a);
    h.step();
    h.drag_at(a);
    h.step();
    for i in 1..=steps {
        h.hover_at(a + (b - a) * (i as f32 / steps as f32));
        h.step();
    }
    h.drop_at(b);
    h.run_steps(3);
}

#[test]
fn learn_the_hiss_from_a_selection_shape_it_hear_what_goes_and_export() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = harness();
    wait_idle(&mut h);
    // A linear axis, so the selection can reach down to 0 Hz (the log axis starts at one bin).
    h.state().commands().send(spectro::ui::command::Command::SetScale(
        spectro::signal::FreqScale::Linear,
    ));
    h.state()
        .commands()
        .send(spectro::ui::command::Command::ZoomToFit);
    h.run_steps(3);
    let edits = |h: &Harness<'static, SpectroApp>| h.state().open.as_ref().unwrap().doc.edits.edits.clone();

    // Learn needs a selection first: the button is disabled, the menu item says why.
    h.get_by_label("Edit").click();
    h.run_steps(2);
    h.get_by_label("Learn noise from selection").click();
    h.run_steps(3);
    assert!(edits(&h).is_empty());
    assert!(
        h.state()
            .status
            .as_ref()
            .is_some_and(|s| s.error && s.text.contains("Select a stretch")),
        "{:?}",
        h.state().status
    );

    // Select the lead-in, every frequency, with the Select tool.
    h.get_by_label("Select").click();
    h.run_steps(2);
    let a = h.state().screen_pos(0.02, 5.0).expect("lead-in on screen");
    let b = h
        .state()
        .screen_pos(0.28, 23_950.0)
        .expect("top of the band on screen");
    drag(&mut h, a, b, 8);
    assert!(h.state().transport.selection.is_some());

    h.get_by_label("Learn noise").click();
    h.run_steps(3);
    let list = edits(&h);
    assert_eq!(list.len(), 1, "learning adds one denoise edit");
    let d = list[0].as_denoise().expect("a denoise edit").clone();
    let NoiseEstimate::Learn { time_s, freq_hz } = d.noise else {
        panic!("expected noise learnt from the selection, got {:?}", d.noise)
    };
    assert!(
        (time_s[0] - 0.02).abs() < 0.02 && (time_s[1] - 0.28).abs() < 0.02,
        "{time_s:?}"
    );
    assert_eq!(
        freq_hz, None,
        "a selection over the whole band learns every frequency"
    );
    assert_eq!(d.reduction_db, 18.0);
    wait_idle(&mut h);

    // Drag the reduction slider to the right: many values, one undo step.
    let slider = h.get_by_role_and_label(Role::Slider, "reduction").rect();
    let from = slider.left_center() + egui::vec2(slider.width() * 0.3, 0.0);
    let to = slider.left_center() + egui::vec2(slider.width() * 0.6, 0.0);
    drag(&mut h, from, to, 6);
    let after = edits(&h)[0].as_denoise().unwrap().clone();
    assert!(
        after.reduction_db > d.reduction_db + 5.0,
        "reduction {}",
        after.reduction_db
    );
    let doc = &h.state().open.as_ref().unwrap().doc;
    let steps: Vec<String> = doc.history.applied().collect();
    assert_eq!(steps.len(), 2, "learn, then one drag: {steps:?}");
    wait_idle(&mut h);

    // See what is removed, then go back to the result.
    // The switch is both in the view settings and in the noise removal panel.
    h.get_all_by_role_and_label(Role::Button, "removed")
        .next()
        .unwrap()
        .click();
    h.run_steps(2);
    assert_eq!(h.state().view.version, Version::Removed);
    wait_idle(&mut h);
    h.get_all_by_role_and_label(Role::Button, "edited")
        .next()
        .unwrap()
        .click();
    h.run_steps(2);
    assert_eq!(h.state().view.version, Version::Edited);
    wait_idle(&mut h);

    let cleaned = dir.path().join("denoised.wav");
    export_through_menu(&mut h, &cleaned);
    let y = read_channels(&cleaned);
    let original = demo_signal();
    for c in 0..2 {
        // The hiss alone, above the hum, fell by about the reduction.
        let hiss = 10.0
            * (band_energy(&y[c], 0.05, 0.28, 1000.0, 20_000.0)
                / band_energy(&original[c], 0.05, 0.28, 1000.0, 20_000.0))
            .log10();
        assert!(hiss < -15.0, "channel {c}: the hiss only fell by {hiss:.1} dB");
        // The A4 note's harmonics kept their energy.
        let tones = 10.0
            * (band_energy(&y[c], 3.5, 4.5, 400.0, 3600.0)
                / band_energy(&original[c], 3.5, 4.5, 400.0, 3600.0))
            .log10();
        assert!(
            tones.abs() < 0.5,
            "channel {c}: the tones changed by {tones:.2} dB"
        );
    }

    // Undo the drag, then the learning.
    h.key_press_modifiers(Modifiers::COMMAND, Key::Z);
    h.run_steps(3);
    assert_eq!(edits(&h)[0].as_denoise().unwrap().reduction_db, 18.0);
    h.key_press_modifiers(Modifiers::COMMAND, Key::Z);
    h.run_steps(3);
    assert!(edits(&h).is_empty());
    // Redo brings the denoise back.
    h.key_press_modifiers(Modifiers::COMMAND.plus(Modifiers::SHIFT), Key::Z);
    h.run_steps(3);
    assert_eq!(edits(&h).len(), 1);
}
