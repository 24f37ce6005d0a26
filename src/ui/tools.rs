//! Editing tools and how a finished gesture becomes an edit in seconds and Hz.

use super::view::FreqAxisView;
use crate::edit::{Edit, LevelCondition, Repair, Shape};
use crate::signal::repair::RepairMode;

/// The tool the primary mouse button uses on the spectrogram.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Tool {
    /// Click an edit (on the picture) to select it; drag it to move it, drag a selected
    /// rectangle's corners and edges to resize it.
    Pointer,
    /// Drag to pan; click to place the cursor.
    Hand,
    /// Drag a time-frequency selection to play, loop or audition.
    Select,
    /// Drag a time × frequency rectangle.
    Rect,
    /// Paint with a round brush.
    Brush,
    /// Paint back what earlier edits removed.
    Eraser,
    /// Draw a free-form outline.
    Lasso,
    /// Paint energy at a level; its phase is rebuilt in the background.
    Paint,
    /// Drag a region: cells above or below a level inside it (magic wand).
    Threshold,
    /// IQ: click a signal to hear it demodulated; drag to retune.
    Tune,
    /// Click (or drag along) one partial of a harmonic sound: its fundamental is tracked and
    /// it is selected with its overtones, pending until applied.
    Harmonics,
}

impl Tool {
    /// Every tool in toolbar order.
    pub const ALL: [Tool; 11] = [
        Tool::Pointer,
        Tool::Hand,
        Tool::Select,
        Tool::Rect,
        Tool::Brush,
        Tool::Eraser,
        Tool::Lasso,
        Tool::Paint,
        Tool::Threshold,
        Tool::Harmonics,
        Tool::Tune,
    ];

    /// Toolbar label.
    pub fn label(self) -> &'static str {
        match self {
            Tool::Pointer => "Pointer",
            Tool::Hand => "Hand",
            Tool::Select => "Select",
            Tool::Rect => "Rectangle",
            Tool::Brush => "Brush",
            Tool::Eraser => "Eraser",
            Tool::Lasso => "Lasso",
            Tool::Paint => "Paint",
            Tool::Threshold => "Threshold",
            Tool::Tune => "Tune",
            Tool::Harmonics => "Harmonics",
        }
    }

    /// Keyboard shortcut (a single key).
    pub fn key(self) -> egui::Key {
        match self {
            Tool::Pointer => egui::Key::V,
            Tool::Hand => egui::Key::H,
            Tool::Select => egui::Key::S,
            Tool::Rect => egui::Key::R,
            Tool::Brush => egui::Key::B,
            Tool::Eraser => egui::Key::E,
            Tool::Lasso => egui::Key::L,
            Tool::Paint => egui::Key::P,
            Tool::Threshold => egui::Key::T,
            Tool::Tune => egui::Key::U,
            Tool::Harmonics => egui::Key::K,
        }
    }

    /// What it does (tooltips add its key from the keymap).
    pub fn help(self) -> &'static str {
        match self {
            Tool::Pointer => {
                "Click an edit to select it (Esc deselects); drag it to move it, drag a rectangle's corners and edges to resize it"
            }
            Tool::Hand => "Drag to pan, click to place the play cursor",
            Tool::Select => "Drag a time-frequency selection to play, loop or hear alone; click to clear it",
            Tool::Rect => "Drag a time × frequency rectangle",
            Tool::Brush => "Paint the gain with a round brush; [ and ] change the size",
            Tool::Eraser => "Paint back what earlier edits removed",
            Tool::Lasso => "Draw a free-form outline",
            Tool::Paint => "Paint energy at a level, e.g. to redraw a missing harmonic; its phase is rebuilt",
            Tool::Threshold => "Drag a region: cells below (or above) the level in it",
            Tool::Tune => {
                "IQ: click a signal to hear it demodulated (AM, FM, USB, LSB: see the transport bar); drag to retune"
            }
            Tool::Harmonics => {
                "Click one partial of a harmonic sound (or drag along it for a time range): its fundamental is tracked and selected with its overtones; Enter applies"
            }
        }
    }
}

/// Settings that shape new edits.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ToolSettings {
    /// Gain of new edits, dB (ignored when `remove`).
    pub gain_db: f64,
    /// Remove completely (−∞ dB).
    pub remove: bool,
    /// Keep only the region: apply the gain outside it.
    pub keep_only: bool,
    /// Edge ramp in STFT cells (hops along time, bins along frequency); 2 is the default.
    pub feather_cells: f64,
    /// Brush radius on screen, in points.
    pub brush_radius_px: f32,
    /// 1 = hard-edged brush, 0 = soft (feather as wide as the radius).
    pub hardness: f32,
    /// Level of the threshold tool, dBFS.
    pub threshold_db: f64,
    /// Select cells above the level instead of below.
    pub threshold_above: bool,
    /// New edits apply to the viewed channel only (when one channel is viewed).
    pub viewed_channel_only: bool,
    /// Level the Paint tool paints, dBFS.
    pub paint_level_db: f64,
    /// New rectangles, lassos and brush strokes repair their region in this mode instead of
    /// taking a gain (`None`: gain).
    pub repair: Option<RepairMode>,
    /// Overtones the Harmonics tool selects above the fundamental.
    pub harmonics_count: usize,
    /// Width the Harmonics tool selects around each partial, Hz.
    pub harmonics_width_hz: f64,
}

impl Default for ToolSettings {
    fn default() -> Self {
        ToolSettings {
            gain_db: -30.0,
            remove: true,
            keep_only: false,
            feather_cells: 2.0,
            brush_radius_px: 12.0,
            hardness: 0.5,
            threshold_db: -70.0,
            threshold_above: false,
            viewed_channel_only: false,
            paint_level_db: -40.0,
            repair: None,
            harmonics_count: 8,
            harmonics_width_hz: 40.0,
        }
    }
}

/// The conversion a gesture needs: frequency axis, current STFT cell size and channel.
#[derive(Clone, Copy, Debug)]
pub struct EditFrame {
    /// Frequency axis of the view.
    pub axis: FreqAxisView,
    /// Seconds per hop.
    pub hop_s: f64,
    /// Hz per bin.
    pub bin_hz: f64,
    /// The viewed channel, if one is.
    pub channel: Option<usize>,
    /// Seconds per screen point horizontally.
    pub s_per_px: f64,
    /// Axis units per screen point vertically.
    pub u_per_px: f64,
}

impl ToolSettings {
    /// Gain in dB of new edits (−∞ when removing).
    pub fn effective_gain_db(&self) -> f64 {
        if self.remove {
            f64::NEG_INFINITY
        } else {
            self.gain_db
        }
    }

    fn finish(&self, shape: Shape, frame: &EditFrame, brush: bool) -> Edit {
        let repairs = matches!(
            shape,
            Shape::Rect { .. } | Shape::Lasso { .. } | Shape::Brush { .. } | Shape::Harmonics(_)
        );
        let repair = self.repair.filter(|_| repairs);
        let no_gain = repair.is_some() || matches!(shape, Shape::Erase { .. } | Shape::Paint { .. });
        let mut edit = Edit::new(shape, if no_gain { 0.0 } else { self.effective_gain_db() });
        edit.repair = repair.map(Repair::new);
        if !brush && (self.feather_cells - 2.0).abs() > 1e-9 {
            edit.feather_s = Some(self.feather_cells * frame.hop_s);
            edit.feather_hz = Some(self.feather_cells * frame.bin_hz);
        }
        edit.invert = self.keep_only && !no_gain;
        if self.viewed_channel_only {
            edit.channels = frame.channel.map(|c| vec![c]);
        }
        edit
    }

    /// A rectangle between two points given as (seconds, axis position).
    pub fn rect_edit(&self, a: [f64; 2], b: [f64; 2], frame: &EditFrame) -> Edit {
        let (f0, f1) = (
            frame.axis.edge_hz_of(a[1].min(b[1])),
            frame.axis.edge_hz_of(a[1].max(b[1])),
        );
        self.finish(
            Shape::Rect {
                time_s: [a[0].min(b[0]), a[0].max(b[0])],
                freq_hz: [f0, f1],
            },
            frame,
            false,
        )
    }

    /// A threshold edit over the rectangle between two points.
    pub fn threshold_edit(&self, a: [f64; 2], b: [f64; 2], frame: &EditFrame) -> Edit {
        let (f0, f1) = (
            frame.axis.edge_hz_of(a[1].min(b[1])),
            frame.axis.edge_hz_of(a[1].max(b[1])),
        );
        let condition = if self.threshold_above {
            LevelCondition::Above(self.threshold_db)
        } else {
            LevelCondition::Below(self.threshold_db)
        };
        self.finish(
            Shape::Threshold {
                time_s: [a[0].min(b[0]), a[0].max(b[0])],
                freq_hz: [f0, f1],
                condition,
            },
            frame,
            false,
        )
    }

    /// A harmonic selection (not tracked yet) seeded by a click or a drag along one partial
    /// (points as (seconds, axis position)): the drag's time span, or for a click the visible
    /// `view_s` within the recording's `0..duration_s`; the seed is the points' median
    /// frequency. Count, width, gain, keep-only and repair mode are the toolbar's.
    pub fn harmonics_edit(
        &self,
        points: &[[f64; 2]],
        frame: &EditFrame,
        view_s: [f64; 2],
        duration_s: f64,
    ) -> Option<Edit> {
        let mut hz: Vec<f64> = points.iter().map(|p| frame.axis.hz_of(p[1])).collect();
        if hz.is_empty() {
            return None;
        }
        let mid = hz.len() / 2;
        let seed_hz = *hz.select_nth_unstable_by(mid, f64::total_cmp).1;
        let t0 = points.iter().map(|p| p[0]).fold(f64::INFINITY, f64::min);
        let t1 = points.iter().map(|p| p[0]).fold(f64::NEG_INFINITY, f64::max);
        // A click (or a drag of under a few pixels along time) takes what is in view.
        let span = if t1 - t0 > 4.0 * frame.s_per_px {
            [t0, t1]
        } else {
            view_s
        };
        let span = [span[0].max(0.0), span[1].min(duration_s)];
        if !(span[1] > span[0] && seed_hz > 0.0) {
            return None;
        }
        let h = crate::edit::Harmonics::new(span, seed_hz, self.harmonics_count, self.harmonics_width_hz);
        Some(self.finish(Shape::Harmonics(h), frame, false))
    }

    /// `edit` (a pending harmonic selection) with the toolbar's current count, width, gain,
    /// keep-only and repair mode: they may change between the click and Apply.
    pub fn restyle_harmonics(&self, edit: &Edit) -> Edit {
        let mut out = edit.clone();
        if let Shape::Harmonics(h) = &mut out.shape {
            h.count = self.harmonics_count.max(1);
            h.width_hz = self.harmonics_width_hz;
        }
        out.repair = self.repair.map(Repair::new);
        out.gain_db = if out.repair.is_some() {
            0.0
        } else {
            self.effective_gain_db()
        };
        out.invert = self.keep_only && out.repair.is_none();
        out
    }

    /// A lasso through points given as (seconds, axis position).
    pub fn lasso_edit(&self, points: &[[f64; 2]], frame: &EditFrame) -> Option<Edit> {
        (points.len() >= 3).then(|| {
            let pts = points.iter().map(|p| [p[0], frame.axis.hz_of(p[1])]).collect();
            self.finish(Shape::Lasso { points: pts }, frame, false)
        })
    }

    /// A brush (or eraser) stroke through points given as (seconds, axis position). The
    /// on-screen radius becomes seconds and Hz at the stroke's position, so the footprint is
    /// round on screen whatever the zoom.
    pub fn stroke_edit(&self, points: &[[f64; 2]], frame: &EditFrame, kind: Stroke) -> Option<Edit> {
        if points.is_empty() {
            return None;
        }
        let mean_u = points.iter().map(|p| p[1]).sum::<f64>() / points.len() as f64;
        let radius_s = (self.brush_radius_px as f64 * frame.s_per_px).max(frame.hop_s * 0.5);
        let radius_hz = (self.brush_radius_px as f64 * frame.u_per_px * frame.axis.hz_per_u(mean_u).abs())
            .max(frame.bin_hz * 0.5);
        let pts: Vec<[f64; 2]> = points.iter().map(|p| [p[0], frame.axis.hz_of(p[1])]).collect();
        let points = simplify(&pts, radius_s * 0.25, radius_hz * 0.25);
        let shape = match kind {
            Stroke::Erase => Shape::Erase {
                points,
                radius_s,
                radius_hz,
            },
            Stroke::Brush => Shape::Brush {
                points,
                radius_s,
                radius_hz,
            },
            Stroke::Paint => Shape::Paint {
                points,
                radius_s,
                radius_hz,
                level_db: self.paint_level_db,
            },
        };
        let mut edit = self.finish(shape, frame, true);
        let soft = 1.0 - self.hardness.clamp(0.0, 1.0) as f64;
        edit.feather_s = Some(soft * radius_s);
        edit.feather_hz = Some(soft * radius_hz);
        Some(edit)
    }
}

/// What a stroke makes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stroke {
    /// A brush edit with the toolbar's gain.
    Brush,
    /// An eraser edit.
    Erase,
    /// Painted energy at the toolbar's level.
    Paint,
}

impl Stroke {
    /// The stroke a tool makes, if it paints strokes.
    pub fn of(tool: Tool) -> Option<Stroke> {
        match tool {
            Tool::Brush => Some(Stroke::Brush),
            Tool::Eraser => Some(Stroke::Erase),
            Tool::Paint => Some(Stroke::Paint),
            _ => None,
        }
    }
}

/// Drops stroke points closer than a fraction of the radius to the previous kept point: a
/// stroke sampled every frame would otherwise store thousands of redundant points.
fn simplify(points: &[[f64; 2]], ds: f64, dhz: f64) -> Vec<[f64; 2]> {
    let mut out: Vec<[f64; 2]> = Vec::with_capacity(points.len());
    for (i, p) in points.iter().enumerate() {
        let keep = match out.last() {
            None => true,
            Some(q) => {
                ((p[0] - q[0]) / ds).powi(2) + ((p[1] - q[1]) / dhz).powi(2) >= 1.0 || i + 1 == points.len()
            }
        };
        if keep {
            out.push(*p);
        }
    }
    out
}

/// A gesture in progress on the spectrogram, in (seconds, axis position).
#[derive(Clone, Debug, Default, PartialEq)]
pub enum Gesture {
    /// Nothing.
    #[default]
    None,
    /// Dragging a rectangle (rect, threshold, or box zoom).
    Drag {
        /// Where it started.
        start: [f64; 2],
        /// Where the pointer is.
        end: [f64; 2],
        /// True for a box zoom.
        zoom: bool,
    },
    /// Painting a stroke or drawing a lasso.
    Path {
        /// The points so far.
        points: Vec<[f64; 2]>,
    },
    /// Panning.
    Pan,
    /// Dragging an existing edit (Pointer tool): moving it or one of its handles.
    EditDrag {
        /// Position of the edit in the list.
        index: usize,
        /// What was grabbed.
        grab: super::handles::Grab,
        /// Where the press was, (seconds, Hz).
        start: [f64; 2],
        /// Where the press was on screen, its axis position, and the seconds and axis units
        /// per screen point then: the pointer's travel is measured in these, so the edit
        /// follows the hand even if the plot changes size during the drag (the side panel
        /// showing the newly selected edit).
        press: (egui::Pos2, f64, [f64; 2]),
        /// The edit when the drag began: each frame's edit is made from it, so no error builds.
        original: Box<Edit>,
        /// The undo gesture the drag's changes amend (one drag, one step).
        gesture: u64,
    },
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::signal::FreqScale;

    fn frame() -> EditFrame {
        EditFrame {
            axis: FreqAxisView::new(FreqScale::Linear, 48_000.0, false, 2048),
            hop_s: 512.0 / 48_000.0,
            bin_hz: 48_000.0 / 2048.0,
            channel: Some(1),
            s_per_px: 0.01,
            u_per_px: 0.001,
        }
    }

    #[test]
    fn gestures_become_edits_in_physical_units() {
        let mut s = ToolSettings::default();
        let e = s.rect_edit([2.0, 0.25], [1.0, 0.125], &frame());
        assert_eq!(
            e.shape,
            Shape::Rect {
                time_s: [1.0, 2.0],
                freq_hz: [3000.0, 6000.0]
            }
        );
        assert_eq!(e.gain_db, f64::NEG_INFINITY);
        assert_eq!(e.feather_s, None);
        s.remove = false;
        s.gain_db = -12.0;
        s.viewed_channel_only = true;
        s.feather_cells = 4.0;
        let e = s.rect_edit([0.0, 0.0], [1.0, 0.5], &frame());
        assert_eq!(e.gain_db, -12.0);
        assert_eq!(e.channels, Some(vec![1]));
        assert!((e.feather_hz.unwrap() - 4.0 * 48_000.0 / 2048.0).abs() < 1e-9);

        let stroke: Vec<[f64; 2]> = (0..100).map(|i| [1.0 + i as f64 * 0.001, 0.125]).collect();
        let e = s.stroke_edit(&stroke, &frame(), Stroke::Brush).unwrap();
        let Shape::Brush {
            points,
            radius_s,
            radius_hz,
        } = &e.shape
        else {
            panic!()
        };
        // 12 px at 0.01 s/px and 24 Hz/px (0.001 of 24 kHz).
        assert!((radius_s - 0.12).abs() < 1e-9);
        assert!((radius_hz - 288.0).abs() < 1e-6);
        assert!(points.len() < 10, "{} points kept", points.len());
        assert_eq!(points.last().unwrap()[0], 1.099);
        assert!(s.lasso_edit(&stroke[..2], &frame()).is_none());
    }
}
