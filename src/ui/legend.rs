//! The dB colour legend beside the spectrogram: the colour map as a bar from the floor (at the
//! bottom) to the ceiling (at the top) with dB ticks, coloured exactly as the tiles are
//! ([`level_index`] into the colour map's table), so a colour reads as a level.

use egui::{Color32, Mesh, Pos2, Rect, Sense, Stroke};

use crate::signal::Colormap;
use crate::signal::colormap::level_index;

/// Width the legend takes to the right of the plot, points.
pub const LEGEND_WIDTH: f32 = 64.0;
/// Width of the colour bar, points.
const BAR_WIDTH: f32 = 12.0;
/// Gap between the plot and the bar, points.
const GAP: f32 = 8.0;
/// Fewest points between two ticks.
const TICK_SPACING_PX: f32 = 36.0;

/// How the legend was last drawn: where, and at which levels its ticks are.
#[derive(Clone, Debug, PartialEq)]
pub struct Legend {
    /// The colour bar on screen.
    pub bar: Rect,
    /// Level drawn at the bottom, dBFS.
    pub floor_db: f32,
    /// Level drawn at the top, dBFS.
    pub ceiling_db: f32,
    /// The colour map.
    pub colormap: Colormap,
    /// The ticks: level (dBFS) and height on screen.
    pub ticks: Vec<(f32, f32)>,
}

impl Legend {
    /// The colour the bar shows at height `y` on screen (clamped to the bar).
    pub fn color_at(&self, y: f32) -> [u8; 3] {
        let db = self.db_at(y);
        self.colormap.lut()[level_index(db, self.floor_db, self.ceiling_db) as usize]
    }

    /// The level the bar stands for at height `y` on screen.
    pub fn db_at(&self, y: f32) -> f32 {
        let t = ((self.bar.bottom() - y) / self.bar.height().max(1.0)).clamp(0.0, 1.0);
        self.floor_db + t * (self.ceiling_db - self.floor_db)
    }
}

/// Round levels between `floor_db` and `ceiling_db` for a bar `height_px` tall: multiples of a
/// step of 1, 2 or 5 times a power of ten, at least [`TICK_SPACING_PX`] apart.
pub fn legend_ticks(floor_db: f32, ceiling_db: f32, height_px: f32) -> Vec<f32> {
    let span = (ceiling_db - floor_db) as f64;
    if span.is_nan() || span <= 0.0 || !span.is_finite() {
        return Vec::new();
    }
    let most = (height_px / TICK_SPACING_PX).floor().max(1.0) as f64;
    let raw = span / most;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|&s| s >= raw)
        .unwrap_or(10.0 * mag);
    let first = (floor_db as f64 / step).ceil() as i64;
    let last = (ceiling_db as f64 / step).floor() as i64;
    // `+ 0.0` turns −0 into 0 for display.
    (first..=last).map(|i| (i as f64 * step) as f32 + 0.0).collect()
}

/// Draws the legend in `rect` (to the right of the plot, as tall as the plot) and returns
/// where it went.
pub fn legend_ui(
    ui: &mut egui::Ui,
    rect: Rect,
    floor_db: f32,
    ceiling_db: f32,
    colormap: Colormap,
) -> Legend {
    let bar = Rect::from_min_max(
        Pos2::new(rect.left() + GAP, rect.top()),
        Pos2::new(rect.left() + GAP + BAR_WIDTH, rect.bottom()),
    );
    let mut legend = Legend {
        bar,
        floor_db,
        ceiling_db,
        colormap,
        ticks: Vec::new(),
    };
    let painter = ui.painter_at(rect.expand(2.0));
    // One band per colour of the table (or per point, when the bar is shorter).
    let bands = (bar.height().round() as usize).clamp(1, 256);
    let mut mesh = Mesh::default();
    for i in 0..bands {
        let y1 = bar.bottom() - bar.height() * i as f32 / bands as f32;
        let y0 = bar.bottom() - bar.height() * (i + 1) as f32 / bands as f32;
        let [r, g, b] = legend.color_at((y0 + y1) / 2.0);
        mesh.add_colored_rect(
            Rect::from_x_y_ranges(bar.x_range(), y0..=y1),
            Color32::from_rgb(r, g, b),
        );
    }
    painter.add(mesh);
    let text = ui.visuals().text_color();
    painter.rect_stroke(
        bar,
        0.0,
        Stroke::new(1.0, text.gamma_multiply(0.5)),
        egui::StrokeKind::Outside,
    );
    let font = egui::FontId::proportional(11.0);
    let ticks = legend_ticks(floor_db, ceiling_db, bar.height());
    let decimals = match ticks.as_slice() {
        [a, b, ..] if b - a < 1.0 => 1,
        _ => 0,
    };
    for db in ticks {
        let t = (db - floor_db) / (ceiling_db - floor_db);
        let y = bar.bottom() - t * bar.height();
        painter.line_segment(
            [Pos2::new(bar.right(), y), Pos2::new(bar.right() + 4.0, y)],
            Stroke::new(1.0, text),
        );
        painter.text(
            Pos2::new(bar.right() + 6.0, y),
            egui::Align2::LEFT_CENTER,
            format!("{db:.decimals$}"),
            font.clone(),
            text,
        );
        legend.ticks.push((db, y));
    }
    painter.text(
        Pos2::new(bar.center().x, bar.bottom() + 4.0),
        egui::Align2::CENTER_TOP,
        "dBFS",
        font,
        text,
    );
    let response = ui.interact(rect, ui.scope_id().with("db-legend"), Sense::hover());
    let label = format!("Colour legend, {floor_db:.0} to {ceiling_db:.0} dBFS");
    response.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Image, true, &label));
    response.on_hover_text(format!(
        "Levels in dBFS: {floor_db:.0} is drawn darkest, {ceiling_db:.0} brightest. \
         Ceiling and floor are in the View panel; View > Auto levels fits them to the picture"
    ));
    legend
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_round_inside_the_range_and_spaced() {
        assert_eq!(
            legend_ticks(-100.0, 0.0, 600.0),
            vec![
                -100.0, -90.0, -80.0, -70.0, -60.0, -50.0, -40.0, -30.0, -20.0, -10.0, 0.0
            ]
        );
        assert_eq!(
            legend_ticks(-88.0, -12.0, 200.0),
            vec![-80.0, -60.0, -40.0, -20.0]
        );
        for (floor, ceiling, h) in [(-65.0, -10.0, 500.0), (-120.0, 20.0, 200.0), (-3.0, 0.0, 400.0)] {
            let t = legend_ticks(floor, ceiling, h);
            assert!(!t.is_empty(), "{floor} {ceiling}");
            assert!(t.iter().all(|&d| d >= floor && d <= ceiling), "{t:?}");
            let spacing = h * (t[1] - t[0]) / (ceiling - floor);
            assert!(spacing >= TICK_SPACING_PX, "{t:?} on {h} px");
        }
        assert!(legend_ticks(0.0, 0.0, 300.0).is_empty());
    }
}
