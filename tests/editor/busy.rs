//! The busy indicator shown while the spectrogram or a file is being computed asks for its
//! next frame a step later, not at once: egui's own spinner asks for a repaint every frame,
//! which on a software renderer redrew the window as fast as it could and took CPU from the
//! work being waited for (issue 18: a 10-minute voice isolation's first view went from 35 s to
//! 20 s when the spinner stopped doing that).

use egui_kittest::Harness;

/// True when drawing `widget` once asks for the next frame immediately.
fn asks_for_immediate_repaint(widget: fn(&mut egui::Ui)) -> bool {
    let mut h = Harness::new_ui(widget);
    h.step();
    h.step();
    h.ctx.requested_repaint_last_pass()
}

#[test]
fn busy_indicator_does_not_ask_for_every_frame() {
    // The check itself can tell: egui's spinner does ask.
    assert!(asks_for_immediate_repaint(|ui| {
        ui.spinner();
    }));
    assert!(!asks_for_immediate_repaint(|ui| {
        spectro::ui::busy::busy_ui(ui);
    }));
}
