//! A busy indicator that turns ten times a second instead of at the display's rate.
//!
//! egui's spinner asks for a repaint on every frame it is visible. On a software renderer (no
//! GPU, Xvfb, a remote desktop) or with vsync off, that redraws the whole window as fast as
//! it can while the spectrogram is being computed, and the drawing took a core away from the
//! computation it was waiting for (measured: the software renderer's threads used 43 % of the
//! CPU while a 10-minute voice isolation was drawn).

use std::time::Duration;

use egui::{Pos2, Response, Sense, Shape, Stroke, Ui, vec2};

/// Time between two steps of the animation.
pub const STEP: Duration = Duration::from_millis(100);
/// Steps in one turn.
const STEPS_PER_TURN: f64 = 12.0;

/// Draws the indicator and asks for the next repaint one [`STEP`] later.
pub fn busy_ui(ui: &mut Ui) -> Response {
    let size = ui.style().spacing.interact_size.y;
    let (rect, response) = ui.allocate_exact_size(vec2(size, size), Sense::hover());
    if ui.is_rect_visible(rect) {
        ui.ctx().request_repaint_after(STEP);
        // The angle moves in whole steps, so frames drawn between steps (pointer moves) show
        // the same picture.
        let step = (ui.input(|i| i.time) / STEP.as_secs_f64()).floor();
        let start = step / STEPS_PER_TURN * std::f64::consts::TAU;
        let radius = rect.width().min(rect.height()) * 0.5 - 2.0;
        let points: Vec<Pos2> = (0..=24)
            .map(|i| {
                let angle = start + 1.5 * std::f64::consts::PI * i as f64 / 24.0;
                rect.center() + radius * vec2(angle.cos() as f32, angle.sin() as f32)
            })
            .collect();
        let color = ui.visuals().strong_text_color();
        ui.painter().add(Shape::line(points, Stroke::new(3.0, color)));
    }
    response
}
