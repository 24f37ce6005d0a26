//! Adjusting drawn edits on the picture with the Pointer tool: which edit a click lands on
//! (the latest drawn wins), which part of a selected rectangle a press grabs (a corner, an
//! edge, or inside to move it), and the edit a drag from there makes. Everything stays in
//! seconds and Hz, so an edit keeps its physical size whatever the zoom; screen distances only
//! decide what is grabbed.

use crate::edit::{Edit, Shape};

/// Which part of an edit a press grabs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Grab {
    /// The whole edit moves.
    Move,
    /// Edges of a rectangle follow the pointer: the time edge (`0` start, `1` end) and the
    /// frequency edge (`0` low, `1` high), either or both.
    Resize {
        /// The time edge moved, if any.
        time_edge: Option<usize>,
        /// The frequency edge moved, if any.
        freq_edge: Option<usize>,
    },
}

impl Grab {
    /// The mouse cursor that shows what a drag from here does.
    pub fn cursor(self) -> egui::CursorIcon {
        match self {
            Grab::Move => egui::CursorIcon::Move,
            Grab::Resize {
                time_edge: Some(t),
                freq_edge: Some(f),
            } => {
                // Screen y grows downwards: the high edge is at the top.
                if (t == 0) == (f == 1) {
                    egui::CursorIcon::ResizeNwSe
                } else {
                    egui::CursorIcon::ResizeNeSw
                }
            }
            Grab::Resize {
                time_edge: Some(_), ..
            } => egui::CursorIcon::ResizeHorizontal,
            Grab::Resize { .. } => egui::CursorIcon::ResizeVertical,
        }
    }
}

/// How far from a handle (screen points) a press still grabs it.
pub const HANDLE_REACH_PX: f32 = 6.0;

/// The time and frequency span of a rectangle-like edit (rect, threshold).
fn rect_of(edit: &Edit) -> Option<([f64; 2], [f64; 2])> {
    match &edit.shape {
        Shape::Rect { time_s, freq_hz } | Shape::Threshold { time_s, freq_hz, .. } => {
            Some((*time_s, *freq_hz))
        }
        _ => None,
    }
}

/// True if the edit can be moved by dragging it (rectangles, thresholds, lassos and strokes).
pub fn movable(edit: &Edit) -> bool {
    matches!(
        edit.shape,
        Shape::Rect { .. }
            | Shape::Threshold { .. }
            | Shape::Lasso { .. }
            | Shape::Brush { .. }
            | Shape::Erase { .. }
            | Shape::Paint { .. }
    )
}

/// True if `(t_s, f_hz)` lies in the region `edit` covers, widened by `tol_s` and `tol_hz`
/// (a few screen points, so thin strokes can be hit). Whole-recording steps (denoise,
/// de-click, de-hum) have no outline and are never hit.
pub fn contains(edit: &Edit, t_s: f64, f_hz: f64, tol_s: f64, tol_hz: f64) -> bool {
    match &edit.shape {
        Shape::Rect { time_s, freq_hz } | Shape::Threshold { time_s, freq_hz, .. } => {
            (time_s[0] - tol_s..=time_s[1] + tol_s).contains(&t_s)
                && (freq_hz[0] - tol_hz..=freq_hz[1] + tol_hz).contains(&f_hz)
        }
        Shape::Paste(p) => {
            let time_s = p.target_s();
            (time_s[0] - tol_s..=time_s[1] + tol_s).contains(&t_s)
                && (p.freq_hz[0] - tol_hz..=p.freq_hz[1] + tol_hz).contains(&f_hz)
        }
        Shape::Lasso { points } => inside_polygon(points, t_s, f_hz),
        Shape::Brush { .. } | Shape::Erase { .. } | Shape::Paint { .. } => {
            let Some((points, radius_s, radius_hz)) = edit.shape.stroke() else {
                return false;
            };
            // Distance to the stroke in units of its (widened) radii: within 1 is inside.
            let (rs, rh) = (radius_s + tol_s, radius_hz + tol_hz);
            let q = [t_s / rs, f_hz / rh];
            let scaled: Vec<[f64; 2]> = points.iter().map(|p| [p[0] / rs, p[1] / rh]).collect();
            let near = |a: [f64; 2], b: [f64; 2]| segment_distance(q, a, b) <= 1.0;
            match scaled.as_slice() {
                [] => false,
                [one] => near(*one, *one),
                many => many.windows(2).any(|w| near(w[0], w[1])),
            }
        }
        Shape::Harmonics(h) => {
            (h.time_s[0]..=h.time_s[1]).contains(&t_s) && {
                let f0 = h.f0_at(t_s);
                (1..=h.partials()).any(|k| (f_hz - k as f64 * f0).abs() <= 0.5 * h.width_hz + tol_hz)
            }
        }
        Shape::Denoise(_) | Shape::Voice(_) | Shape::Declick { .. } | Shape::Dehum { .. } => false,
    }
}

/// The topmost edit at `(t_s, f_hz)`: the latest in the list whose region holds the point.
pub fn hit(edits: &[Edit], t_s: f64, f_hz: f64, tol_s: f64, tol_hz: f64) -> Option<usize> {
    edits.iter().rposition(|e| contains(e, t_s, f_hz, tol_s, tol_hz))
}

/// What a press at screen point `p` grabs of `edit` (the selected one): a handle of a
/// rectangle within [`HANDLE_REACH_PX`] (corners before edges), else the edit itself when the
/// press is inside it. `to_screen` maps `(seconds, Hz)` to the screen.
pub fn grab_at(
    edit: &Edit,
    p: egui::Pos2,
    to_screen: &dyn Fn(f64, f64) -> egui::Pos2,
    tol_s: f64,
    tol_hz: f64,
    at: [f64; 2],
) -> Option<Grab> {
    if let Some((time_s, freq_hz)) = rect_of(edit) {
        let x = [
            to_screen(time_s[0], freq_hz[0]).x,
            to_screen(time_s[1], freq_hz[0]).x,
        ];
        let y = [
            to_screen(time_s[0], freq_hz[0]).y,
            to_screen(time_s[0], freq_hz[1]).y,
        ];
        let near = |a: f32, b: f32| (a - b).abs() <= HANDLE_REACH_PX;
        let within = |v: f32, r: [f32; 2]| {
            v >= r[0].min(r[1]) - HANDLE_REACH_PX && v <= r[0].max(r[1]) + HANDLE_REACH_PX
        };
        // The nearer edge wins when a thin rectangle puts both within reach.
        let edge = |v: f32, e: [f32; 2]| {
            let (d0, d1) = ((v - e[0]).abs(), (v - e[1]).abs());
            if near(v, e[0]) && d0 <= d1 {
                Some(0)
            } else if near(v, e[1]) {
                Some(1)
            } else {
                None
            }
        };
        let time_edge = edge(p.x, x).filter(|_| within(p.y, y));
        let freq_edge = edge(p.y, y).filter(|_| within(p.x, x));
        if time_edge.is_some() || freq_edge.is_some() {
            return Some(Grab::Resize { time_edge, freq_edge });
        }
    }
    (movable(edit) && contains(edit, at[0], at[1], tol_s, tol_hz)).then_some(Grab::Move)
}

/// `original` dragged by `grab` from `(start_s, start_hz)` to `(now_s, now_hz)`: moved by the
/// pointer's change in seconds and Hz (kept within `0..=duration_s` and the band `band_hz`,
/// unless it already reached past them), or the grabbed rectangle edges moved with it (a
/// rectangle dragged past its opposite edge turns over, keeping low ≤ high).
pub fn dragged(
    original: &Edit,
    grab: Grab,
    start: [f64; 2],
    now: [f64; 2],
    duration_s: f64,
    band_hz: [f64; 2],
) -> Edit {
    let mut edit = original.clone();
    let (mut dt, mut df) = (now[0] - start[0], now[1] - start[1]);
    match grab {
        Grab::Move => {
            let Some(([t0, t1], [f0, f1])) = extent(original) else {
                return edit;
            };
            dt = dt.clamp(0.0f64.min(t0) - t0, duration_s.max(t1) - t1);
            df = df.clamp(band_hz[0].min(f0) - f0, band_hz[1].max(f1) - f1);
            let shift = |p: &mut [f64; 2]| {
                p[0] += dt;
                p[1] += df;
            };
            match &mut edit.shape {
                Shape::Rect { time_s, freq_hz } | Shape::Threshold { time_s, freq_hz, .. } => {
                    *time_s = [time_s[0] + dt, time_s[1] + dt];
                    *freq_hz = [freq_hz[0] + df, freq_hz[1] + df];
                }
                Shape::Lasso { points }
                | Shape::Brush { points, .. }
                | Shape::Erase { points, .. }
                | Shape::Paint { points, .. } => points.iter_mut().for_each(shift),
                _ => {}
            }
        }
        Grab::Resize { time_edge, freq_edge } => {
            if let Shape::Rect { time_s, freq_hz } | Shape::Threshold { time_s, freq_hz, .. } =
                &mut edit.shape
            {
                if let Some(e) = time_edge {
                    time_s[e] = (time_s[e] + dt).clamp(0.0f64.min(time_s[e]), duration_s.max(time_s[e]));
                    time_s.sort_by(f64::total_cmp);
                }
                if let Some(e) = freq_edge {
                    freq_hz[e] =
                        (freq_hz[e] + df).clamp(band_hz[0].min(freq_hz[e]), band_hz[1].max(freq_hz[e]));
                    freq_hz.sort_by(f64::total_cmp);
                }
            }
        }
    }
    edit
}

/// The time and frequency bounds of a movable edit's points (strokes: their centre line).
fn extent(edit: &Edit) -> Option<([f64; 2], [f64; 2])> {
    if let Some(r) = rect_of(edit) {
        return Some(r);
    }
    let points = match &edit.shape {
        Shape::Lasso { points }
        | Shape::Brush { points, .. }
        | Shape::Erase { points, .. }
        | Shape::Paint { points, .. } => points,
        _ => return None,
    };
    let fold = |i: usize| {
        points
            .iter()
            .fold([f64::INFINITY, f64::NEG_INFINITY], |[lo, hi], p| {
                [lo.min(p[i]), hi.max(p[i])]
            })
    };
    (!points.is_empty()).then(|| (fold(0), fold(1)))
}

/// Even-odd rule: true if `(x, y)` is inside the closed polygon `points`.
fn inside_polygon(points: &[[f64; 2]], x: f64, y: f64) -> bool {
    let mut inside = false;
    let n = points.len();
    for i in 0..n {
        let (a, b) = (points[i], points[(i + n - 1) % n]);
        if (a[1] > y) != (b[1] > y) && x < (b[0] - a[0]) * (y - a[1]) / (b[1] - a[1]) + a[0] {
            inside = !inside;
        }
    }
    inside
}

/// Distance from `q` to the segment `a`–`b`.
fn segment_distance(q: [f64; 2], a: [f64; 2], b: [f64; 2]) -> f64 {
    let d = [b[0] - a[0], b[1] - a[1]];
    let len2 = d[0] * d[0] + d[1] * d[1];
    let s = if len2 > 0.0 {
        (((q[0] - a[0]) * d[0] + (q[1] - a[1]) * d[1]) / len2).clamp(0.0, 1.0)
    } else {
        0.0
    };
    let c = [a[0] + s * d[0] - q[0], a[1] + s * d[1] - q[1]];
    (c[0] * c[0] + c[1] * c[1]).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rect(t: [f64; 2], f: [f64; 2]) -> Edit {
        Edit::new(
            Shape::Rect {
                time_s: t,
                freq_hz: f,
            },
            -20.0,
        )
    }

    #[test]
    fn the_latest_edit_under_the_pointer_wins() {
        let lasso = Edit::new(
            Shape::Lasso {
                points: vec![[0.0, 0.0], [2.0, 0.0], [1.0, 2000.0]],
            },
            -10.0,
        );
        let brush = Edit::new(
            Shape::Brush {
                points: vec![[3.0, 500.0], [4.0, 500.0]],
                radius_s: 0.05,
                radius_hz: 40.0,
            },
            -10.0,
        );
        let edits = vec![rect([0.0, 5.0], [0.0, 1000.0]), lasso, brush];
        assert_eq!(hit(&edits, 1.0, 500.0, 0.0, 0.0), Some(1));
        assert_eq!(
            hit(&edits, 0.2, 900.0, 0.0, 0.0),
            Some(0),
            "outside the lasso's slope"
        );
        assert_eq!(hit(&edits, 3.5, 530.0, 0.0, 0.0), Some(2));
        assert_eq!(
            hit(&edits, 3.5, 560.0, 0.0, 0.0),
            Some(0),
            "beyond the brush radius"
        );
        assert_eq!(hit(&edits, 6.0, 500.0, 0.0, 0.0), None);
    }

    #[test]
    fn moves_keep_the_physical_size_and_stay_in_the_recording() {
        let r = rect([1.0, 2.0], [1000.0, 1500.0]);
        let moved = dragged(
            &r,
            Grab::Move,
            [1.5, 1200.0],
            [2.0, 1100.0],
            10.0,
            [0.0, 24_000.0],
        );
        assert_eq!(moved.shape, rect([1.5, 2.5], [900.0, 1400.0]).shape);
        assert_eq!(moved.gain_db, r.gain_db);
        // Not past the start.
        let early = dragged(
            &r,
            Grab::Move,
            [1.5, 1200.0],
            [-5.0, 1200.0],
            10.0,
            [0.0, 24_000.0],
        );
        assert_eq!(early.shape, rect([0.0, 1.0], [1000.0, 1500.0]).shape);
        // A resize past the opposite edge turns the rectangle over.
        let grab = Grab::Resize {
            time_edge: Some(1),
            freq_edge: Some(0),
        };
        let resized = dragged(&r, grab, [2.0, 1000.0], [0.5, 1800.0], 10.0, [0.0, 24_000.0]);
        assert_eq!(resized.shape, rect([0.5, 1.0], [1500.0, 1800.0]).shape);
    }
}
