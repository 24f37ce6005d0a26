//! The edit list: Spectro's document format, shared by the editor and the command line.
//!
//! Edits live in physical units (seconds, Hz), so they survive a change of FFT size; they are
//! rasterised onto the current STFT grid only when rendering (see [`super::mask`]).
//!
//! ```json
//! {
//!   "version": 1,
//!   "stft": {"fft": 2048, "hop": 512, "window": "hann"},
//!   "edits": [
//!     {"type": "rect", "time_s": [0.45, 1.55], "freq_hz": [2800, 3200], "gain_db": -100}
//!   ]
//! }
//! ```
//!
//! Besides regions, an entry can be a `denoise` step (see [`super::denoise`]): it acts on the
//! whole recording, at its place in the list like any other edit.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::denoise::{Denoise, MAX_REDUCTION_DB, MAX_SENSITIVITY, NoiseEstimate, NoiseProfile};
use super::harmonics::Harmonics;
use super::paste::Paste;
use super::voice::{DEFAULT_VOICE_REDUCTION_DB, MAX_VOICE_REDUCTION_DB, Voice};
use crate::signal::dehum::{Fundamental, MAX_F0_HZ, MAX_HARMONICS, MIN_F0_HZ};
use crate::signal::phase::Method;
use crate::signal::repair::RepairMode;
use crate::signal::{SampleSource, StftParams, WindowKind, limits};

/// The edit-list version this build reads and writes.
pub const EDIT_LIST_VERSION: u64 = 1;

/// Highest gain an edit may apply, in dB.
pub const MAX_GAIN_DB: f64 = 40.0;

/// Longest name an edit may have, in characters.
pub const MAX_NAME_CHARS: usize = 200;

/// Fields every entry may have, whatever its type.
const ENTRY_FIELDS: [&str; 2] = ["bypass", "name"];

/// Why an edit list cannot be used. Every message names the entry at fault.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum EditError {
    /// Not JSON at all.
    #[error("not valid JSON: {0}")]
    Json(String),
    /// A top-level problem (version, unknown field, wrong type).
    #[error("{0}")]
    TopLevel(String),
    /// The `stft` object is wrong.
    #[error("stft: {0}")]
    Stft(String),
    /// One entry of `edits` is wrong.
    #[error("edits[{index}]{}: {message}", kind.as_ref().map(|k| format!(" ({k})")).unwrap_or_default())]
    Entry {
        /// Position in the `edits` array, from 0.
        index: usize,
        /// The entry's `type`, when it has one.
        kind: Option<String>,
        /// What is wrong.
        message: String,
    },
}

/// The STFT the edits were made with (optional in the file).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StftSettings {
    /// FFT length.
    pub fft: usize,
    /// Hop; `fft/4` when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hop: Option<usize>,
    /// Window; Hann when absent.
    #[serde(default)]
    pub window: WindowKind,
}

impl StftSettings {
    /// The STFT parameters these settings describe.
    pub fn params(&self) -> StftParams {
        StftParams {
            fft_len: self.fft,
            hop: self.hop.unwrap_or((self.fft / 4).max(1)),
            window: self.window,
        }
    }

    /// Settings describing `params`.
    pub fn from_params(params: StftParams) -> Self {
        StftSettings {
            fft: params.fft_len,
            hop: Some(params.hop),
            window: params.window,
        }
    }
}

/// A whole edit list.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct EditList {
    /// STFT settings stored with the edits, if any.
    pub stft: Option<StftSettings>,
    /// How painted energy is given a phase (`"phase": {"method": "pghi+fgla", "iterations": 32}`),
    /// if not the default.
    pub phase: Option<PhaseSettings>,
    /// The edits, applied together: gains multiply where they overlap.
    pub edits: Vec<Edit>,
}

/// How `paint` edits rebuild the phase of the energy they add.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PhaseSettings {
    /// `pghi+fgla` (default), `fgla`, `gla` or `pghi`.
    #[serde(default)]
    pub method: Method,
    /// FGLA or GLA iterations; the method's default when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iterations: Option<usize>,
}

impl PhaseSettings {
    /// Iterations to run.
    pub fn iterations(&self) -> usize {
        self.iterations
            .unwrap_or_else(|| self.method.default_iterations())
    }
}

/// Which level condition a threshold edit selects.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum LevelCondition {
    /// Cells whose level is below this many dBFS.
    Below(f64),
    /// Cells whose level is above this many dBFS.
    Above(f64),
}

/// The region an edit covers.
#[derive(Clone, Debug, PartialEq)]
pub enum Shape {
    /// A time × frequency rectangle.
    Rect {
        /// `[start, end]` in seconds.
        time_s: [f64; 2],
        /// `[low, high]` in Hz.
        freq_hz: [f64; 2],
    },
    /// A closed polygon of `(time_s, freq_hz)` points.
    Lasso {
        /// Vertices, at least three.
        points: Vec<[f64; 2]>,
    },
    /// A brush stroke: every cell within an ellipse of the given radii around the polyline.
    Brush {
        /// Stroke points `(time_s, freq_hz)`, at least one.
        points: Vec<[f64; 2]>,
        /// Radius along time, in seconds.
        radius_s: f64,
        /// Radius along frequency, in Hz.
        radius_hz: f64,
    },
    /// An eraser stroke, shaped like a brush: pulls the gain that earlier edits in the list
    /// gave its cells back towards 1 (fully, inside the radius). It has no gain of its own.
    Erase {
        /// Stroke points `(time_s, freq_hz)`, at least one.
        points: Vec<[f64; 2]>,
        /// Radius along time, in seconds.
        radius_s: f64,
        /// Radius along frequency, in Hz.
        radius_hz: f64,
    },
    /// Painted energy, shaped like a brush: cells quieter than `level_db` are raised towards
    /// it, and the phase of the stroke is rebuilt (PGHI + FGLA) so the energy sounds. It
    /// changes the recording itself; masks then act on the result. It has no gain.
    Paint {
        /// Stroke points `(time_s, freq_hz)`, at least one.
        points: Vec<[f64; 2]>,
        /// Radius along time, in seconds.
        radius_s: f64,
        /// Radius along frequency, in Hz.
        radius_hz: f64,
        /// Level painted, dBFS.
        level_db: f64,
    },
    /// The cells of a rectangle whose level (in the unedited recording) meets a condition.
    Threshold {
        /// `[start, end]` in seconds.
        time_s: [f64; 2],
        /// `[low, high]` in Hz.
        freq_hz: [f64; 2],
        /// Which cells are selected.
        condition: LevelCondition,
    },
    /// Learned noise removal over the whole recording: a gain per cell from a noise profile
    /// (see [`super::denoise`]). It has no gain, feather or invert of its own.
    Denoise(Denoise),
    /// Voice isolation over the whole recording: a gain per cell from DeepFilterNet3 (see
    /// [`super::voice`]). It has no gain, feather or invert of its own.
    Voice(Voice),
    /// Finds clicks and crackle by itself and repairs each one. It changes the recording
    /// itself, like paint; it has no gain, feather or invert.
    Declick {
        /// `[start, end]` in seconds; `None` for the whole recording.
        time_s: Option<[f64; 2]>,
        /// Detection sensitivity: 1 is calibrated, higher finds more.
        sensitivity: f64,
    },
    /// A harmonic sound: its tracked fundamental and `count` overtones (see
    /// [`super::harmonics`]).
    Harmonics(Harmonics),
    /// Removes mains hum: finds its fundamental near `f0`, follows its drift, and subtracts
    /// the harmonics it fits (see [`crate::signal::dehum`]). It changes the recording itself,
    /// like declick; it has no gain, feather or invert.
    Dehum {
        /// `[start, end]` in seconds; `None` for the whole recording.
        time_s: Option<[f64; 2]>,
        /// The fundamental looked for (`"f0_hz"`: Hz, or `"auto"` for 50 or 60 Hz).
        f0: Fundamental,
        /// Harmonics `1..=N` removed; `None`: each that stands above the noise.
        harmonics: Option<usize>,
    },
    /// A time-frequency region copied elsewhere in time, mixed in or replacing the target's
    /// band (see [`super::paste`]). It changes the recording itself, like paint; its gain
    /// scales the copy.
    Paste(Paste),
}

impl Shape {
    /// True for shapes that set a gain over their region (and so may be inverted): not those
    /// that restore or paint (erase, paint) or act by themselves (denoise, voice, de-click,
    /// de-hum).
    pub fn sets_gain(&self) -> bool {
        !matches!(
            self,
            Shape::Erase { .. }
                | Shape::Paint { .. }
                | Shape::Denoise(_)
                | Shape::Voice(_)
                | Shape::Declick { .. }
                | Shape::Dehum { .. }
        )
    }

    /// The `type` string of this shape in the JSON file.
    pub fn type_name(&self) -> &'static str {
        match self {
            Shape::Rect { .. } => "rect",
            Shape::Lasso { .. } => "lasso",
            Shape::Brush { .. } => "brush",
            Shape::Erase { .. } => "erase",
            Shape::Paint { .. } => "paint",
            Shape::Threshold { .. } => "threshold",
            Shape::Denoise(_) => "denoise",
            Shape::Voice(_) => "voice",
            Shape::Declick { .. } => "declick",
            Shape::Harmonics(_) => "harmonics",
            Shape::Dehum { .. } => "dehum",
            Shape::Paste(_) => "paste",
        }
    }

    /// A stroke's centre line `(time_s, freq_hz)` and its radii (seconds, Hz): the geometry
    /// brush, erase and paint share. `None` for the other shapes.
    pub fn stroke(&self) -> Option<(&[[f64; 2]], f64, f64)> {
        match self {
            Shape::Brush {
                points,
                radius_s,
                radius_hz,
            }
            | Shape::Erase {
                points,
                radius_s,
                radius_hz,
            }
            | Shape::Paint {
                points,
                radius_s,
                radius_hz,
                ..
            } => Some((points, *radius_s, *radius_hz)),
            _ => None,
        }
    }
}

/// One edit: a region, the gain applied inside it, and how its edges blend.
#[derive(Clone, Debug, PartialEq)]
pub struct Edit {
    /// The region.
    pub shape: Shape,
    /// Gain inside the region in dB; `−∞` removes (written `"-inf"` in JSON).
    pub gain_db: f64,
    /// Width of the edge ramp along time, in seconds; `None` for the default (two hops).
    pub feather_s: Option<f64>,
    /// Width of the edge ramp along frequency, in Hz; `None` for the default (two bins).
    pub feather_hz: Option<f64>,
    /// Channels the edit applies to; `None` for all.
    pub channels: Option<Vec<usize>>,
    /// Keep-only: apply the gain outside the region instead of inside.
    pub invert: bool,
    /// Repair the region instead of applying a gain (shapes only).
    pub repair: Option<Repair>,
    /// Bypassed: the edit stays in the list (and the file, `"bypass": true`) but changes
    /// nothing; every output skips it.
    pub bypass: bool,
    /// A name the user gave the edit (`"name"`), shown instead of its type.
    pub name: Option<String>,
}

/// A repair: fill the region from its surroundings instead of turning it down.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Repair {
    /// How the region is filled.
    pub mode: RepairMode,
    /// 0 keeps the original, 1 (the default) the full repair; between, a blend.
    pub strength: f64,
}

impl Repair {
    /// A full-strength repair in `mode`.
    pub fn new(mode: RepairMode) -> Self {
        Repair { mode, strength: 1.0 }
    }
}

impl Edit {
    /// An edit of `shape` with gain `gain_db` and default feathering on every channel.
    pub fn new(shape: Shape, gain_db: f64) -> Self {
        Edit {
            shape,
            gain_db,
            feather_s: None,
            feather_hz: None,
            channels: None,
            invert: false,
            repair: None,
            bypass: false,
            name: None,
        }
    }

    /// `shape` repaired in `mode` (full strength) instead of turned down.
    pub fn repair(shape: Shape, mode: RepairMode) -> Self {
        let mut edit = Edit::new(shape, 0.0);
        edit.repair = Some(Repair::new(mode));
        edit
    }

    /// True for edits that change the recording itself (paint, repair, declick, dehum) rather
    /// than setting a gain per cell: the pipeline applies them first, in list order.
    pub fn changes_signal(&self) -> bool {
        self.repair.is_some()
            || matches!(
                self.shape,
                Shape::Paint { .. } | Shape::Declick { .. } | Shape::Dehum { .. } | Shape::Paste(_)
            )
    }

    /// A denoise step with the given settings, on every channel.
    pub fn denoise(settings: Denoise) -> Self {
        Edit::new(Shape::Denoise(settings), 0.0)
    }

    /// The denoise settings, if this edit is a denoise step.
    pub fn as_denoise(&self) -> Option<&Denoise> {
        match &self.shape {
            Shape::Denoise(d) => Some(d),
            _ => None,
        }
    }

    /// The time span (s) outside which this edit changes nothing, given the default feather
    /// along time; `None` if it reaches everywhere (keep-only, denoise).
    pub fn time_extent_s(&self, default_feather_s: f64) -> Option<[f64; 2]> {
        if self.invert || matches!(self.shape, Shape::Denoise(_) | Shape::Voice(_)) {
            return None;
        }
        let feather = self.feather_s.unwrap_or(default_feather_s);
        if let Shape::Declick { time_s, .. } = &self.shape {
            // Repairs reach a few milliseconds around each click.
            return time_s.map(|[t0, t1]| [t0 - feather - 0.05, t1 + feather + 0.05]);
        }
        if let Shape::Dehum { time_s, .. } = &self.shape {
            // The hum is removed within the span exactly (ramped inside it).
            return *time_s;
        }
        if let Shape::Paste(p) = &self.shape {
            // The target changes, over the copy's frames: a window beyond the feather.
            let [t0, t1] = p.target_s();
            let reach = feather + 2.0 * default_feather_s;
            return Some([t0 - reach, t1 + reach]);
        }
        let [t0, t1] = match &self.shape {
            Shape::Rect { time_s, .. } | Shape::Threshold { time_s, .. } => *time_s,
            Shape::Harmonics(h) => h.time_s,
            Shape::Lasso { points } => [
                points.iter().map(|p| p[0]).fold(f64::INFINITY, f64::min),
                points.iter().map(|p| p[0]).fold(f64::NEG_INFINITY, f64::max),
            ],
            Shape::Brush { points, radius_s, .. }
            | Shape::Erase { points, radius_s, .. }
            | Shape::Paint { points, radius_s, .. } => {
                // The brush's feather scales with its radius (see the mask).
                let reach = radius_s + feather.max(radius_s * 2.0);
                [
                    points.iter().map(|p| p[0]).fold(f64::INFINITY, f64::min) - reach,
                    points.iter().map(|p| p[0]).fold(f64::NEG_INFINITY, f64::max) + reach,
                ]
            }
            Shape::Denoise(_)
            | Shape::Voice(_)
            | Shape::Declick { .. }
            | Shape::Dehum { .. }
            | Shape::Paste(_) => {
                return None;
            }
        };
        Some([t0 - feather, t1 + feather])
    }

    /// True if the edit takes a gain (`gain_db`): not a repair, and not a step that changes
    /// the signal by itself or restores (erase, paint, denoise, de-click, de-hum).
    pub fn has_gain(&self) -> bool {
        self.repair.is_none() && self.shape.sets_gain()
    }

    /// True if the edit acts on the recording: it is not bypassed.
    pub fn is_active(&self) -> bool {
        !self.bypass
    }

    /// The edit's name, or its type when it has none (for lists and the history).
    pub fn label(&self) -> &str {
        self.name.as_deref().unwrap_or(self.shape.type_name())
    }

    /// True if the edit applies to `channel`.
    pub fn applies_to(&self, channel: usize) -> bool {
        self.channels.as_ref().is_none_or(|c| c.contains(&channel))
    }
}

impl EditList {
    /// Parses an edit list, rejecting unknown fields and types with a message naming the entry.
    pub fn from_json(text: &str) -> Result<EditList, EditError> {
        // Editors on Windows save UTF-8 with a byte-order mark.
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let value: Value = serde_json::from_str(text).map_err(|e| EditError::Json(e.to_string()))?;
        let Value::Object(mut top) = value else {
            return Err(EditError::TopLevel(
                "expected a JSON object with \"version\" and \"edits\"".into(),
            ));
        };
        match top.remove("version") {
            None => {
                return Err(EditError::TopLevel(
                    "missing \"version\" (this Spectro writes 1)".into(),
                ));
            }
            Some(Value::Number(n)) if n.as_u64() == Some(EDIT_LIST_VERSION) => {}
            Some(v) => {
                return Err(EditError::TopLevel(format!(
                    "unsupported version {v}: this Spectro reads version {EDIT_LIST_VERSION}"
                )));
            }
        }
        let stft = match top.remove("stft") {
            None | Some(Value::Null) => None,
            Some(v) => {
                let s: StftSettings =
                    serde_json::from_value(v).map_err(|e| EditError::Stft(e.to_string()))?;
                limits::check_fft_len(s.fft).map_err(EditError::Stft)?;
                if let Some(hop) = s.hop {
                    limits::check_hop(hop, s.fft).map_err(EditError::Stft)?;
                }
                Some(s)
            }
        };
        let phase = match top.remove("phase") {
            None | Some(Value::Null) => None,
            Some(v) => {
                let p = serde_json::from_value::<PhaseSettings>(v)
                    .map_err(|e| EditError::TopLevel(format!("phase: {e}")))?;
                if let Some(n) = p.iterations {
                    limits::check_iterations(n).map_err(|e| EditError::TopLevel(format!("phase: {e}")))?;
                }
                Some(p)
            }
        };
        let edits = match top.remove("edits") {
            None => Vec::new(),
            Some(Value::Array(items)) => items
                .into_iter()
                .enumerate()
                .map(|(index, item)| parse_edit(index, item))
                .collect::<Result<Vec<_>, _>>()?,
            Some(_) => return Err(EditError::TopLevel("\"edits\" must be an array".into())),
        };
        if let Some(key) = top.keys().next() {
            return Err(EditError::TopLevel(format!(
                "unknown field \"{key}\" (expected version, stft, phase, edits)"
            )));
        }
        Ok(EditList { stft, phase, edits })
    }

    /// Checks the list against the recording `source` and the STFT `params` it will be
    /// rendered with: every edit's channels exist, every denoise step can learn its noise (its
    /// stretch lies in the recording, its profile has a row per channel) and its smoothing and
    /// estimation windows stay within [`limits`] for this STFT. Every command and the window
    /// run this one check before any work, so none quietly skips an edit another refuses.
    pub fn check_against(&self, source: &dyn SampleSource, params: StftParams) -> Result<(), EditError> {
        let channels = source.channels();
        let complex = source.is_complex();
        let fs = source.sample_rate();
        let hop_s = params.hop as f64 / fs;
        let bin_hz = fs / params.fft_len as f64;
        let bins = if complex {
            params.fft_len
        } else {
            params.fft_len / 2 + 1
        };
        for (index, e) in self.edits.iter().enumerate() {
            let kind = Some(e.shape.type_name());
            if let Some(bad) = e.channels.iter().flatten().find(|&&c| c >= channels) {
                return Err(entry_err(
                    index,
                    kind,
                    format!(
                        "channel {bad} does not exist (the recording has {channels} channel{}, numbered from 0)",
                        if channels == 1 { "" } else { "s" }
                    ),
                ));
            }
            if let Shape::Harmonics(h) = &e.shape {
                h.check_for(fs, bin_hz)
                    .map_err(|err| entry_err(index, kind, err))?;
            }
            if e.repair.is_some()
                || matches!(
                    e.shape,
                    Shape::Declick { time_s: Some(_), .. }
                        | Shape::Dehum { time_s: Some(_), .. }
                        | Shape::Harmonics(_)
                )
            {
                let duration_s = source.len() as f64 / fs;
                if let Some([t0, t1]) = e.time_extent_s(0.0)
                    && (t1 <= 0.0 || t0 >= duration_s)
                {
                    return Err(entry_err(
                        index,
                        kind,
                        format!(
                            "the region ({:.3}–{:.3} s) lies outside the recording (0–{duration_s:.3} s)",
                            t0, t1
                        ),
                    ));
                }
            }
            if let Shape::Paste(p) = &e.shape {
                let duration_s = source.len() as f64 / fs;
                let [t0, t1] = p.from_s;
                if t1 <= 0.0 || t0 >= duration_s {
                    return Err(entry_err(
                        index,
                        kind,
                        format!(
                            "the copied stretch ({t0:.3}–{t1:.3} s) lies outside the recording (0–{duration_s:.3} s)"
                        ),
                    ));
                }
            }
            if matches!(e.shape, Shape::Voice(_)) {
                super::voice::check_voice(source).map_err(|err| entry_err(index, kind, err))?;
            }
            if let Some(d) = e.as_denoise() {
                d.check(source, params)
                    .map_err(|err| entry_err(index, kind, err.to_string()))?;
                let window_s = match d.noise {
                    NoiseEstimate::Auto { window_s } => {
                        Some(window_s.unwrap_or(super::denoise::DEFAULT_ESTIMATE_HOPS * hop_s))
                    }
                    _ => None,
                };
                limits::check_denoise_windows(d.smooth_s, d.smooth_hz, window_s, hop_s, bin_hz, bins)
                    .map_err(|err| entry_err(index, kind, err))?;
            }
        }
        Ok(())
    }

    /// The list as pretty-printed JSON, version 1.
    pub fn to_json(&self) -> String {
        let mut top = Map::new();
        top.insert("version".into(), Value::from(EDIT_LIST_VERSION));
        if let Some(stft) = &self.stft {
            top.insert("stft".into(), serde_json::to_value(stft).unwrap_or(Value::Null));
        }
        if let Some(phase) = &self.phase {
            top.insert("phase".into(), serde_json::to_value(phase).unwrap_or(Value::Null));
        }
        top.insert(
            "edits".into(),
            Value::Array(self.edits.iter().map(edit_to_value).collect()),
        );
        let mut s = serde_json::to_string_pretty(&Value::Object(top)).unwrap_or_default();
        s.push('\n');
        s
    }
}

fn entry_err(index: usize, kind: Option<&str>, message: impl Into<String>) -> EditError {
    EditError::Entry {
        index,
        kind: kind.map(str::to_owned),
        message: message.into(),
    }
}

/// Takes a field out of an entry and deserialises it, or reports which field is wrong.
fn take<T: serde::de::DeserializeOwned>(
    obj: &mut Map<String, Value>,
    key: &str,
    index: usize,
    kind: &str,
) -> Result<Option<T>, EditError> {
    match obj.remove(key) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => serde_json::from_value(v)
            .map(Some)
            .map_err(|e| entry_err(index, Some(kind), format!("field \"{key}\": {e}"))),
    }
}

fn require<T: serde::de::DeserializeOwned>(
    obj: &mut Map<String, Value>,
    key: &str,
    index: usize,
    kind: &str,
) -> Result<T, EditError> {
    take(obj, key, index, kind)?
        .ok_or_else(|| entry_err(index, Some(kind), format!("missing field \"{key}\"")))
}

fn parse_gain(obj: &mut Map<String, Value>, index: usize, kind: &str) -> Result<f64, EditError> {
    let gain = match obj.remove("gain_db") {
        None => return Err(entry_err(index, Some(kind), "missing field \"gain_db\"")),
        Some(Value::Number(n)) => n.as_f64().unwrap_or(f64::NAN),
        Some(Value::String(s)) if matches!(s.trim(), "-inf" | "−inf" | "-Infinity" | "-infinity") => {
            f64::NEG_INFINITY
        }
        Some(other) => {
            return Err(entry_err(
                index,
                Some(kind),
                format!("\"gain_db\" must be a number of dB or \"-inf\", not {other}"),
            ));
        }
    };
    if gain.is_nan() || gain > MAX_GAIN_DB {
        return Err(entry_err(
            index,
            Some(kind),
            format!("\"gain_db\" must be at most {MAX_GAIN_DB} dB (or \"-inf\")"),
        ));
    }
    Ok(gain)
}

/// Checks a `[low, high]` pair of times (`what` ends in `_s`) or frequencies (in `_hz`).
fn check_range(r: [f64; 2], what: &str, index: usize, kind: &str) -> Result<[f64; 2], EditError> {
    if !r[0].is_finite() || !r[1].is_finite() || r[0] > r[1] {
        return Err(entry_err(
            index,
            Some(kind),
            format!(
                "\"{what}\" must be [low, high] with low ≤ high, got [{}, {}]",
                limits::show(r[0]),
                limits::show(r[1])
            ),
        ));
    }
    let check = if what.ends_with("_s") {
        limits::check_time
    } else {
        limits::check_freq
    };
    for v in r {
        check(v).map_err(|e| entry_err(index, Some(kind), format!("\"{what}\": {e}")))?;
    }
    Ok(r)
}

fn check_points(points: &[[f64; 2]], min: usize, index: usize, kind: &str) -> Result<(), EditError> {
    limits::check_points(points.len(), min)
        .map_err(|e| entry_err(index, Some(kind), format!("\"points\" {e}")))?;
    if points.iter().flatten().any(|v| !v.is_finite()) {
        return Err(entry_err(index, Some(kind), "\"points\" must be finite numbers"));
    }
    for p in points {
        limits::check_time(p[0])
            .and_then(|_| limits::check_freq(p[1]))
            .map_err(|e| entry_err(index, Some(kind), format!("\"points\": {e}")))?;
    }
    Ok(())
}

/// Checks an optional number field with `check`, naming the field.
fn check_field(
    v: Option<f64>,
    name: &str,
    check: impl Fn(f64) -> Result<f64, String>,
    index: usize,
    kind: &str,
) -> Result<Option<f64>, EditError> {
    v.map(|v| check(v).map_err(|e| entry_err(index, Some(kind), format!("\"{name}\": {e}"))))
        .transpose()
}

fn parse_edit(index: usize, item: Value) -> Result<Edit, EditError> {
    let Value::Object(mut obj) = item else {
        return Err(entry_err(index, None, "expected an object with a \"type\""));
    };
    let kind = match obj.remove("type") {
        Some(Value::String(s)) => s,
        Some(_) => return Err(entry_err(index, None, "\"type\" must be a string")),
        None => return Err(entry_err(index, None, "missing field \"type\"")),
    };
    let k = kind.as_str();
    // Report unknown fields before missing ones: "gian_db" is a typo, not a missing gain.
    if let Some(allowed) = allowed_fields(k)
        && let Some(key) = obj.keys().find(|key| !allowed.contains(&key.as_str()))
    {
        let hint = closest(key, &allowed)
            .map(|c| format!(" (did you mean \"{c}\"?)"))
            .unwrap_or_default();
        return Err(entry_err(
            index,
            Some(k),
            format!("unknown field \"{key}\"{hint}"),
        ));
    }
    let shape = match k {
        "rect" => Shape::Rect {
            time_s: check_range(require(&mut obj, "time_s", index, k)?, "time_s", index, k)?,
            freq_hz: check_range(require(&mut obj, "freq_hz", index, k)?, "freq_hz", index, k)?,
        },
        "lasso" => {
            let points: Vec<[f64; 2]> = require(&mut obj, "points", index, k)?;
            check_points(&points, 3, index, k)?;
            Shape::Lasso { points }
        }
        "brush" | "erase" | "paint" => {
            let points: Vec<[f64; 2]> = require(&mut obj, "points", index, k)?;
            check_points(&points, 1, index, k)?;
            let radius_s: f64 = require(&mut obj, "radius_s", index, k)?;
            let radius_hz: f64 = require(&mut obj, "radius_hz", index, k)?;
            if !(radius_s > 0.0 && radius_s.is_finite() && radius_hz > 0.0 && radius_hz.is_finite()) {
                return Err(entry_err(
                    index,
                    Some(k),
                    "\"radius_s\" and \"radius_hz\" must be positive",
                ));
            }
            check_field(
                Some(radius_s),
                "radius_s",
                |v| limits::check_duration(v, true),
                index,
                k,
            )?;
            check_field(
                Some(radius_hz),
                "radius_hz",
                |v| limits::check_bandwidth(v, true),
                index,
                k,
            )?;
            if k == "erase" {
                Shape::Erase {
                    points,
                    radius_s,
                    radius_hz,
                }
            } else if k == "paint" {
                let level_db: f64 = require(&mut obj, "level_db", index, k)?;
                if !(-1000.0..=0.0).contains(&level_db) {
                    return Err(entry_err(
                        index,
                        Some(k),
                        "\"level_db\" must be a level in dBFS from -1000 to 0",
                    ));
                }
                Shape::Paint {
                    points,
                    radius_s,
                    radius_hz,
                    level_db,
                }
            } else {
                Shape::Brush {
                    points,
                    radius_s,
                    radius_hz,
                }
            }
        }
        "threshold" => {
            let time_s = check_range(require(&mut obj, "time_s", index, k)?, "time_s", index, k)?;
            let freq_hz = check_range(require(&mut obj, "freq_hz", index, k)?, "freq_hz", index, k)?;
            let below: Option<f64> = take(&mut obj, "below_db", index, k)?;
            let above: Option<f64> = take(&mut obj, "above_db", index, k)?;
            let below = check_field(below, "below_db", limits::check_level_db, index, k)?;
            let above = check_field(above, "above_db", limits::check_level_db, index, k)?;
            let condition = match (below, above) {
                (Some(b), None) => LevelCondition::Below(b),
                (None, Some(a)) => LevelCondition::Above(a),
                _ => {
                    return Err(entry_err(
                        index,
                        Some(k),
                        "needs exactly one of \"below_db\" or \"above_db\" (a level in dBFS)",
                    ));
                }
            };
            Shape::Threshold {
                time_s,
                freq_hz,
                condition,
            }
        }
        "denoise" => Shape::Denoise(parse_denoise(&mut obj, index, k)?),
        "voice" => {
            let reduction_db: f64 =
                take(&mut obj, "reduction_db", index, k)?.unwrap_or(DEFAULT_VOICE_REDUCTION_DB);
            if !(0.0..=MAX_VOICE_REDUCTION_DB).contains(&reduction_db) {
                return Err(entry_err(
                    index,
                    Some(k),
                    format!("\"reduction_db\" must be between 0 and {MAX_VOICE_REDUCTION_DB} dB"),
                ));
            }
            Shape::Voice(Voice { reduction_db })
        }
        "harmonics" => {
            Shape::Harmonics(Harmonics::from_json(&mut obj).map_err(|m| entry_err(index, Some(k), m))?)
        }
        "declick" => {
            let time_s: Option<[f64; 2]> = take(&mut obj, "time_s", index, k)?;
            let time_s = time_s.map(|t| check_range(t, "time_s", index, k)).transpose()?;
            let sensitivity: f64 = take(&mut obj, "sensitivity", index, k)?.unwrap_or(1.0);
            if !(sensitivity > 0.0 && sensitivity <= limits::MAX_DECLICK_SENSITIVITY) {
                return Err(entry_err(
                    index,
                    Some(k),
                    format!(
                        "\"sensitivity\" must be above 0 and at most {} (1 is calibrated)",
                        limits::MAX_DECLICK_SENSITIVITY
                    ),
                ));
            }
            Shape::Declick { time_s, sensitivity }
        }
        "dehum" => parse_dehum(&mut obj, index, k)?,
        "paste" => Shape::Paste(Paste::from_json(&mut obj).map_err(|m| entry_err(index, Some(k), m))?),
        other => {
            return Err(entry_err(
                index,
                None,
                format!(
                    "unknown type \"{other}\" (expected rect, lasso, brush, erase, paint, threshold, denoise, voice, declick, dehum, harmonics or paste)"
                ),
            ));
        }
    };
    // A shape may repair its region instead of taking a gain.
    let repair = match take::<String>(&mut obj, "repair", index, k)? {
        None => {
            if obj.contains_key("strength") {
                return Err(entry_err(index, Some(k), "\"strength\" needs \"repair\""));
            }
            None
        }
        Some(name) => {
            let mode = RepairMode::from_name(&name).ok_or_else(|| {
                entry_err(
                    index,
                    Some(k),
                    format!("unknown repair mode \"{name}\" (expected auto, attenuate, replace or pattern)"),
                )
            })?;
            let strength: f64 = take(&mut obj, "strength", index, k)?.unwrap_or(1.0);
            if !(0.0..=1.0).contains(&strength) {
                return Err(entry_err(
                    index,
                    Some(k),
                    format!("\"strength\" must be from 0 to 1, got {}", limits::show(strength)),
                ));
            }
            if obj.contains_key("gain_db") {
                return Err(entry_err(
                    index,
                    Some(k),
                    "a repair has no \"gain_db\": give one or the other",
                ));
            }
            Some(Repair { mode, strength })
        }
    };
    // An eraser restores, paint sets a level and a denoise step has its own reduction: none
    // has a gain of its own.
    let gain_db = if matches!(k, "erase" | "paint" | "denoise" | "voice" | "declick" | "dehum")
        || repair.is_some()
        || (k == "paste" && !obj.contains_key("gain_db"))
    {
        0.0
    } else {
        parse_gain(&mut obj, index, k)?
    };
    let feather_s: Option<f64> = take(&mut obj, "feather_s", index, k)?;
    let feather_hz: Option<f64> = take(&mut obj, "feather_hz", index, k)?;
    for (name, v) in [("feather_s", feather_s), ("feather_hz", feather_hz)] {
        if v.is_some_and(|v| !(v >= 0.0 && v.is_finite())) {
            return Err(entry_err(index, Some(k), format!("\"{name}\" must be 0 or more")));
        }
    }
    check_field(
        feather_s,
        "feather_s",
        |v| limits::check_duration(v, false),
        index,
        k,
    )?;
    check_field(
        feather_hz,
        "feather_hz",
        |v| limits::check_bandwidth(v, false),
        index,
        k,
    )?;
    let channels: Option<Vec<usize>> = take(&mut obj, "channels", index, k)?;
    if channels.as_ref().is_some_and(|c| c.is_empty()) {
        return Err(entry_err(
            index,
            Some(k),
            "\"channels\" must list at least one channel",
        ));
    }
    let invert: bool = take(&mut obj, "invert", index, k)?.unwrap_or(false);
    if invert && repair.is_some() {
        return Err(entry_err(
            index,
            Some(k),
            "a repair cannot be inverted (\"invert\")",
        ));
    }
    let bypass: bool = take(&mut obj, "bypass", index, k)?.unwrap_or(false);
    let name: Option<String> = take(&mut obj, "name", index, k)?;
    if name.as_ref().is_some_and(|n| n.chars().count() > MAX_NAME_CHARS) {
        return Err(entry_err(
            index,
            Some(k),
            format!("\"name\" must be at most {MAX_NAME_CHARS} characters"),
        ));
    }
    Ok(Edit {
        shape,
        gain_db,
        feather_s,
        feather_hz,
        channels,
        invert,
        repair,
        bypass,
        name,
    })
}

/// Reads the fields of a `dehum` entry.
fn parse_dehum(obj: &mut Map<String, Value>, index: usize, k: &str) -> Result<Shape, EditError> {
    let time_s: Option<[f64; 2]> = take(obj, "time_s", index, k)?;
    let time_s = time_s.map(|t| check_range(t, "time_s", index, k)).transpose()?;
    let f0_err = || {
        entry_err(
            index,
            Some(k),
            format!(
                "\"f0_hz\" must be a frequency from {MIN_F0_HZ} to {MAX_F0_HZ} Hz or \"auto\" (50 or 60 Hz)"
            ),
        )
    };
    let f0 = match obj.remove("f0_hz") {
        None | Some(Value::Null) => Fundamental::Auto,
        Some(Value::String(s)) if s == "auto" => Fundamental::Auto,
        Some(Value::Number(n)) => match n.as_f64() {
            Some(f) if (MIN_F0_HZ..=MAX_F0_HZ).contains(&f) => Fundamental::Hz(f),
            _ => return Err(f0_err()),
        },
        Some(_) => return Err(f0_err()),
    };
    let harmonics = match obj.remove("harmonics") {
        None | Some(Value::Null) => None,
        Some(v) => match v.as_u64() {
            Some(n) if (1..=MAX_HARMONICS as u64).contains(&n) => Some(n as usize),
            _ => {
                return Err(entry_err(
                    index,
                    Some(k),
                    format!("\"harmonics\" must be a whole number from 1 to {MAX_HARMONICS}, got {v}"),
                ));
            }
        },
    };
    Ok(Shape::Dehum {
        time_s,
        f0,
        harmonics,
    })
}

/// Reads the fields of a `denoise` entry.
fn parse_denoise(obj: &mut Map<String, Value>, index: usize, k: &str) -> Result<Denoise, EditError> {
    let learn_time_s: Option<[f64; 2]> = take(obj, "learn_time_s", index, k)?;
    let learn_freq_hz: Option<[f64; 2]> = take(obj, "learn_freq_hz", index, k)?;
    let profile: Option<ProfileJson> = take(obj, "profile", index, k)?;
    let estimate: Option<String> = take(obj, "estimate", index, k)?;
    let window_s: Option<f64> = take(obj, "estimate_window_s", index, k)?;
    let err = |m: &str| entry_err(index, Some(k), m);
    if let Some(e) = &estimate
        && e != "auto"
    {
        return Err(err(&format!("\"estimate\" must be \"auto\", not \"{e}\"")));
    }
    if learn_freq_hz.is_some() && learn_time_s.is_none() {
        return Err(err("\"learn_freq_hz\" needs \"learn_time_s\""));
    }
    if window_s.is_some() && estimate.is_none() {
        return Err(err("\"estimate_window_s\" needs \"estimate\": \"auto\""));
    }
    let noise = match (learn_time_s, profile, estimate) {
        (Some(time_s), None, None) => NoiseEstimate::Learn {
            time_s: check_range(time_s, "learn_time_s", index, k)?,
            freq_hz: learn_freq_hz
                .map(|f| check_range(f, "learn_freq_hz", index, k))
                .transpose()?,
        },
        (None, Some(p), None) => NoiseEstimate::Profile(p.check().map_err(|m| err(&m))?),
        (None, None, Some(_)) => {
            if window_s.is_some_and(|w| !(w > 0.0 && w.is_finite())) {
                return Err(err("\"estimate_window_s\" must be a positive number of seconds"));
            }
            check_field(
                window_s,
                "estimate_window_s",
                |v| limits::check_duration(v, true),
                index,
                k,
            )?;
            NoiseEstimate::Auto { window_s }
        }
        _ => {
            return Err(err(
                "needs exactly one of \"learn_time_s\" (a stretch of noise alone), \"profile\" or \"estimate\": \"auto\"",
            ));
        }
    };
    let mut d = Denoise {
        noise,
        ..Denoise::auto()
    };
    if let Some(r) = take::<f64>(obj, "reduction_db", index, k)? {
        if !(0.0..=MAX_REDUCTION_DB).contains(&r) {
            return Err(err(&format!(
                "\"reduction_db\" must be between 0 and {MAX_REDUCTION_DB} dB"
            )));
        }
        d.reduction_db = r;
    }
    if let Some(s) = take::<f64>(obj, "sensitivity", index, k)? {
        if !(0.0..=MAX_SENSITIVITY).contains(&s) {
            return Err(err(&format!(
                "\"sensitivity\" must be between 0 and {MAX_SENSITIVITY}"
            )));
        }
        d.sensitivity = s;
    }
    d.smooth_s = take(obj, "smooth_s", index, k)?;
    d.smooth_hz = take(obj, "smooth_hz", index, k)?;
    for (name, v) in [("smooth_s", d.smooth_s), ("smooth_hz", d.smooth_hz)] {
        if v.is_some_and(|v| !(v >= 0.0 && v.is_finite())) {
            return Err(err(&format!("\"{name}\" must be 0 or more")));
        }
    }
    check_field(
        d.smooth_s,
        "smooth_s",
        |v| limits::check_duration(v, false),
        index,
        k,
    )?;
    check_field(
        d.smooth_hz,
        "smooth_hz",
        |v| limits::check_bandwidth(v, false),
        index,
        k,
    )?;
    Ok(d)
}

/// A stored noise profile as it appears in JSON.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ProfileJson {
    freq_hz: [f64; 2],
    density_db: Vec<Vec<f64>>,
}

impl ProfileJson {
    fn check(self) -> Result<NoiseProfile, String> {
        let points = self.density_db.first().map_or(0, Vec::len);
        if points == 0 || self.density_db.iter().any(|r| r.len() != points) {
            return Err(
                "\"profile\": \"density_db\" needs one or more rows of the same, non-zero length".into(),
            );
        }
        if self
            .density_db
            .iter()
            .flatten()
            .any(|v| !(v.is_finite() && v.abs() <= 1000.0))
        {
            return Err("\"profile\": \"density_db\" must hold levels within ±1000 dB".into());
        }
        let [lo, hi] = self.freq_hz;
        if !(lo.is_finite() && hi.is_finite() && lo <= hi) {
            return Err("\"profile\": \"freq_hz\" must be [low, high] with low ≤ high".into());
        }
        for f in self.freq_hz {
            limits::check_freq(f).map_err(|e| format!("\"profile\": \"freq_hz\": {e}"))?;
        }
        Ok(NoiseProfile {
            freq_hz: self.freq_hz,
            density_db: self.density_db,
        })
    }
}

const COMMON_FIELDS: [&str; 5] = ["gain_db", "feather_s", "feather_hz", "channels", "invert"];

fn allowed_fields(kind: &str) -> Option<Vec<&'static str>> {
    let specific: &[&str] = match kind {
        "rect" => &["time_s", "freq_hz", "repair", "strength"],
        "lasso" => &["points", "repair", "strength"],
        "brush" => &["points", "radius_s", "radius_hz", "repair", "strength"],
        "declick" => &["time_s", "sensitivity", "channels"],
        "dehum" => &["time_s", "f0_hz", "harmonics", "channels"],
        "erase" => &[
            "points",
            "radius_s",
            "radius_hz",
            "feather_s",
            "feather_hz",
            "channels",
        ],
        "paint" => &[
            "points",
            "radius_s",
            "radius_hz",
            "level_db",
            "feather_s",
            "feather_hz",
            "channels",
        ],
        "threshold" => &["time_s", "freq_hz", "below_db", "above_db"],
        "harmonics" => &super::harmonics::FIELDS,
        "paste" => &super::paste::FIELDS,
        "denoise" => &[
            "learn_time_s",
            "learn_freq_hz",
            "profile",
            "estimate",
            "estimate_window_s",
            "reduction_db",
            "sensitivity",
            "smooth_s",
            "smooth_hz",
            "channels",
        ],
        _ => return None,
    };
    if matches!(
        kind,
        "erase" | "paint" | "denoise" | "declick" | "dehum" | "paste"
    ) {
        return Some(specific.iter().chain(ENTRY_FIELDS.iter()).copied().collect());
    }
    Some(
        specific
            .iter()
            .chain(COMMON_FIELDS.iter())
            .chain(ENTRY_FIELDS.iter())
            .copied()
            .collect(),
    )
}

/// The allowed name closest to a misspelt one, if it is close enough to be the likely intent.
fn closest<'a>(name: &str, allowed: &[&'a str]) -> Option<&'a str> {
    allowed
        .iter()
        .map(|&a| (edit_distance(name, a), a))
        .filter(|&(d, _)| d <= 2)
        .min()
        .map(|(_, a)| a)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

fn edit_to_value(edit: &Edit) -> Value {
    let mut obj = Map::new();
    obj.insert("type".into(), Value::from(edit.shape.type_name()));
    let pair = |r: [f64; 2]| Value::from(vec![r[0], r[1]]);
    let points = |p: &[[f64; 2]]| Value::Array(p.iter().map(|&q| pair(q)).collect());
    match &edit.shape {
        Shape::Rect { time_s, freq_hz } => {
            obj.insert("time_s".into(), pair(*time_s));
            obj.insert("freq_hz".into(), pair(*freq_hz));
        }
        Shape::Lasso { points: p } => {
            obj.insert("points".into(), points(p));
        }
        Shape::Brush {
            points: p,
            radius_s,
            radius_hz,
        }
        | Shape::Erase {
            points: p,
            radius_s,
            radius_hz,
        } => {
            obj.insert("points".into(), points(p));
            obj.insert("radius_s".into(), Value::from(*radius_s));
            obj.insert("radius_hz".into(), Value::from(*radius_hz));
        }
        Shape::Paint {
            points: p,
            radius_s,
            radius_hz,
            level_db,
        } => {
            obj.insert("points".into(), points(p));
            obj.insert("radius_s".into(), Value::from(*radius_s));
            obj.insert("radius_hz".into(), Value::from(*radius_hz));
            obj.insert("level_db".into(), Value::from(*level_db));
        }
        Shape::Threshold {
            time_s,
            freq_hz,
            condition,
        } => {
            obj.insert("time_s".into(), pair(*time_s));
            obj.insert("freq_hz".into(), pair(*freq_hz));
            match condition {
                LevelCondition::Below(db) => obj.insert("below_db".into(), Value::from(*db)),
                LevelCondition::Above(db) => obj.insert("above_db".into(), Value::from(*db)),
            };
        }
        Shape::Denoise(d) => denoise_to_value(d, &mut obj),
        Shape::Voice(v) => {
            obj.insert("reduction_db".into(), Value::from(v.reduction_db));
        }
        Shape::Harmonics(h) => h.to_json(&mut obj),
        Shape::Paste(p) => p.to_json(&mut obj),
        Shape::Declick { time_s, sensitivity } => {
            if let Some(t) = time_s {
                obj.insert("time_s".into(), pair(*t));
            }
            obj.insert("sensitivity".into(), Value::from(*sensitivity));
        }
        Shape::Dehum {
            time_s,
            f0,
            harmonics,
        } => {
            if let Some(t) = time_s {
                obj.insert("time_s".into(), pair(*t));
            }
            let f0 = match f0 {
                Fundamental::Hz(f) => Value::from(*f),
                Fundamental::Auto => Value::from("auto"),
            };
            obj.insert("f0_hz".into(), f0);
            if let Some(n) = harmonics {
                obj.insert("harmonics".into(), Value::from(*n));
            }
        }
    }
    if let Some(r) = &edit.repair {
        obj.insert("repair".into(), Value::from(r.mode.name()));
        if r.strength != 1.0 {
            obj.insert("strength".into(), Value::from(r.strength));
        }
    }
    if edit.has_gain() {
        let gain = if edit.gain_db == f64::NEG_INFINITY {
            Value::from("-inf")
        } else {
            Value::from(edit.gain_db)
        };
        obj.insert("gain_db".into(), gain);
    }
    if let Some(f) = edit.feather_s {
        obj.insert("feather_s".into(), Value::from(f));
    }
    if let Some(f) = edit.feather_hz {
        obj.insert("feather_hz".into(), Value::from(f));
    }
    if let Some(c) = &edit.channels {
        obj.insert("channels".into(), Value::from(c.clone()));
    }
    if edit.invert && edit.shape.sets_gain() {
        obj.insert("invert".into(), Value::from(true));
    }
    // Written only when set, so lists without them stay as they were.
    if edit.bypass {
        obj.insert("bypass".into(), Value::from(true));
    }
    if let Some(name) = &edit.name {
        obj.insert("name".into(), Value::from(name.clone()));
    }
    Value::Object(obj)
}

fn denoise_to_value(d: &Denoise, obj: &mut Map<String, Value>) {
    let pair = |r: [f64; 2]| Value::from(vec![r[0], r[1]]);
    match &d.noise {
        NoiseEstimate::Learn { time_s, freq_hz } => {
            obj.insert("learn_time_s".into(), pair(*time_s));
            if let Some(f) = freq_hz {
                obj.insert("learn_freq_hz".into(), pair(*f));
            }
        }
        NoiseEstimate::Profile(p) => {
            let mut profile = Map::new();
            profile.insert("freq_hz".into(), pair(p.freq_hz));
            profile.insert(
                "density_db".into(),
                Value::Array(p.density_db.iter().map(|r| Value::from(r.clone())).collect()),
            );
            obj.insert("profile".into(), Value::Object(profile));
        }
        NoiseEstimate::Auto { window_s } => {
            obj.insert("estimate".into(), Value::from("auto"));
            if let Some(w) = window_s {
                obj.insert("estimate_window_s".into(), Value::from(*w));
            }
        }
    }
    obj.insert("reduction_db".into(), Value::from(d.reduction_db));
    obj.insert("sensitivity".into(), Value::from(d.sensitivity));
    if let Some(s) = d.smooth_s {
        obj.insert("smooth_s".into(), Value::from(s));
    }
    if let Some(h) = d.smooth_hz {
        obj.insert("smooth_hz".into(), Value::from(h));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXAMPLE: &str = r#"{
      "version": 1,
      "stft": {"fft": 2048, "hop": 512, "window": "hann"},
      "edits": [
        {"type": "rect", "time_s": [0.45, 1.55], "freq_hz": [2800, 3200], "gain_db": -100},
        {"type": "lasso", "points": [[0.1, 200], [0.3, 900], [0.5, 250]], "gain_db": -30},
        {"type": "brush", "points": [[0.1, 200], [0.2, 300]], "radius_s": 0.01, "radius_hz": 50, "gain_db": -40},
        {"type": "threshold", "time_s": [0, 2], "freq_hz": [0, 8000], "below_db": -60, "gain_db": -100},
        {"type": "erase", "points": [[0.2, 250]], "radius_s": 0.02, "radius_hz": 40}
      ]
    }"#;

    #[test]
    fn issue_example_parses_and_round_trips() {
        let list = EditList::from_json(EXAMPLE).unwrap();
        assert_eq!(list.edits.len(), 5);
        assert_eq!(list.stft.unwrap().params().hop, 512);
        assert!(matches!(
            list.edits[3].shape,
            Shape::Threshold { condition: LevelCondition::Below(b), .. } if b == -60.0
        ));
        let again = EditList::from_json(&list.to_json()).unwrap();
        assert_eq!(again, list);
    }

    #[test]
    fn strokes_give_their_geometry_and_other_shapes_none() {
        let list = EditList::from_json(EXAMPLE).unwrap();
        let brush: &[[f64; 2]] = &[[0.1, 200.0], [0.2, 300.0]];
        assert_eq!(list.edits[2].shape.stroke(), Some((brush, 0.01, 50.0)));
        let erase: &[[f64; 2]] = &[[0.2, 250.0]];
        assert_eq!(list.edits[4].shape.stroke(), Some((erase, 0.02, 40.0)));
        let paint = EditList::from_json(
            r#"{"version": 1, "edits": [{"type": "paint", "points": [[1, 440]], "radius_s": 0.05, "radius_hz": 30, "level_db": -20}]}"#,
        )
        .unwrap();
        let point: &[[f64; 2]] = &[[1.0, 440.0]];
        assert_eq!(paint.edits[0].shape.stroke(), Some((point, 0.05, 30.0)));
        for i in [0, 1, 3] {
            assert_eq!(
                list.edits[i].shape.stroke(),
                None,
                "{}",
                list.edits[i].shape.type_name()
            );
        }
    }

    #[test]
    fn minus_infinity_round_trips() {
        let text = r#"{"version":1,"edits":[{"type":"rect","time_s":[0,1],"freq_hz":[0,1],"gain_db":"-inf","feather_s":0,"channels":[1],"invert":true}]}"#;
        let list = EditList::from_json(text).unwrap();
        assert_eq!(list.edits[0].gain_db, f64::NEG_INFINITY);
        assert!(list.to_json().contains("\"-inf\""));
        assert_eq!(EditList::from_json(&list.to_json()).unwrap(), list);
    }

    #[test]
    fn errors_name_the_entry_and_the_problem() {
        let cases = [
            (
                r#"{"version":1,"edits":[{"type":"rect","time_s":[0,1],"freq_hz":[0,1],"gain_db":-6},{"type":"rect","time_s":[0,1],"freq_hz":[0,1],"gian_db":-6}]}"#,
                "edits[1] (rect): unknown field \"gian_db\" (did you mean \"gain_db\"?)",
            ),
            (
                r#"{"version":1,"edits":[{"type":"circle","gain_db":-6}]}"#,
                "edits[0]: unknown type \"circle\"",
            ),
            (
                r#"{"version":1,"edits":[{"type":"rect","time_s":[0,1],"freq_hz":[0,1],"gain_db":-6,"colour":"red"}]}"#,
                "edits[0] (rect): unknown field \"colour\"",
            ),
            (
                r#"{"version":1,"edits":[{"type":"threshold","time_s":[0,1],"freq_hz":[0,1],"gain_db":-6}]}"#,
                "edits[0] (threshold): needs exactly one of",
            ),
            (r#"{"version":2,"edits":[]}"#, "unsupported version 2"),
            (r#"{"version":1,"edits":[],"extra":1}"#, "unknown field \"extra\""),
            (
                r#"{"version":1,"stft":{"fft":1024,"hopp":3},"edits":[]}"#,
                "stft: unknown field `hopp`",
            ),
            (
                r#"{"version":1,"edits":[{"type":"rect","time_s":[2,1],"freq_hz":[0,1],"gain_db":-6}]}"#,
                "\"time_s\" must be [low, high]",
            ),
        ];
        for (text, expected) in cases {
            let err = EditList::from_json(text).unwrap_err().to_string();
            assert!(err.contains(expected), "{err:?} should contain {expected:?}");
        }
    }
}

#[cfg(test)]
mod repair_tests {
    use super::*;

    #[test]
    fn repair_and_declick_entries_round_trip() {
        let text = r#"{"version": 1, "edits": [
            {"type": "rect", "time_s": [6.0, 6.08], "freq_hz": [0, 22050], "repair": "auto"},
            {"type": "lasso", "points": [[1.2, 2800], [1.55, 4600], [1.3, 9000]], "repair": "replace", "strength": 0.5},
            {"type": "brush", "points": [[1.0, 300]], "radius_s": 0.01, "radius_hz": 20, "repair": "pattern"},
            {"type": "declick", "time_s": [0, 20], "sensitivity": 2.0},
            {"type": "rect", "time_s": [2.0, 2.5], "freq_hz": [900, 1100], "repair": "attenuate", "strength": 0.25},
            {"type": "declick"}]}"#;
        let list = EditList::from_json(text).unwrap();
        assert_eq!(list.edits[0].repair, Some(Repair::new(RepairMode::Auto)));
        assert_eq!(
            list.edits[1].repair,
            Some(Repair {
                mode: RepairMode::Replace,
                strength: 0.5
            })
        );
        assert_eq!(
            list.edits[3].shape,
            Shape::Declick {
                time_s: Some([0.0, 20.0]),
                sensitivity: 2.0
            }
        );
        assert_eq!(
            list.edits[5].shape,
            Shape::Declick {
                time_s: None,
                sensitivity: 1.0
            }
        );
        assert_eq!(
            list.edits[4].repair,
            Some(Repair {
                mode: RepairMode::Attenuate,
                strength: 0.25
            })
        );
        assert!(list.edits.iter().all(Edit::changes_signal));
        let again = EditList::from_json(&list.to_json()).unwrap();
        assert_eq!(again, list);
    }

    #[test]
    fn bad_repairs_are_refused_with_a_reason() {
        let bad = [
            (
                r#"{"type": "rect", "time_s": [0, 1], "freq_hz": [0, 100], "repair": "magic"}"#,
                "unknown repair mode",
            ),
            (
                r#"{"type": "rect", "time_s": [0, 1], "freq_hz": [0, 100], "repair": "auto", "strength": 1.5}"#,
                "\"strength\" must be from 0 to 1",
            ),
            (
                r#"{"type": "rect", "time_s": [0, 1], "freq_hz": [0, 100], "gain_db": -6, "strength": 0.5}"#,
                "\"strength\" needs \"repair\"",
            ),
            (
                r#"{"type": "rect", "time_s": [0, 1], "freq_hz": [0, 100], "repair": "auto", "gain_db": -6}"#,
                "no \"gain_db\"",
            ),
            (
                r#"{"type": "rect", "time_s": [0, 1], "freq_hz": [0, 100], "repair": "auto", "invert": true}"#,
                "cannot be inverted",
            ),
            (r#"{"type": "declick", "sensitivity": 0}"#, "\"sensitivity\""),
            (r#"{"type": "declick", "sensitivity": 1e9}"#, "\"sensitivity\""),
            (r#"{"type": "declick", "gain_db": -6}"#, "unknown field"),
        ];
        for (entry, expected) in bad {
            let text = format!(r#"{{"version": 1, "edits": [{entry}]}}"#);
            let err = EditList::from_json(&text).unwrap_err().to_string();
            assert!(err.contains(expected), "{entry}: {err}");
        }
    }

    #[test]
    fn a_repair_outside_the_recording_is_refused() {
        let source = crate::signal::MemorySource {
            sample_rate: 1000.0,
            channels: vec![vec![0.0f32; 1000]],
        };
        let list = EditList::from_json(
            r#"{"version": 1, "edits": [{"type": "rect", "time_s": [5, 6], "freq_hz": [0, 100], "repair": "replace"}]}"#,
        )
        .unwrap();
        let err = list
            .check_against(&source, StftParams::with_fft(256))
            .unwrap_err();
        assert!(err.to_string().contains("outside the recording"), "{err}");
    }
}

#[cfg(test)]
mod dehum_tests {
    use super::*;

    #[test]
    fn dehum_entries_round_trip_exactly() {
        let text = r#"{"version": 1, "edits": [
            {"type": "dehum", "f0_hz": 50, "harmonics": 12},
            {"type": "dehum", "f0_hz": "auto"},
            {"type": "dehum", "time_s": [1.5, 3.25], "f0_hz": 60.1, "channels": [1]},
            {"type": "dehum"}]}"#;
        let list = EditList::from_json(text).unwrap();
        assert_eq!(
            list.edits[0].shape,
            Shape::Dehum {
                time_s: None,
                f0: Fundamental::Hz(50.0),
                harmonics: Some(12)
            }
        );
        assert_eq!(
            list.edits[2].shape,
            Shape::Dehum {
                time_s: Some([1.5, 3.25]),
                f0: Fundamental::Hz(60.1),
                harmonics: None
            }
        );
        assert_eq!(list.edits[3].shape, list.edits[1].shape);
        assert!(list.edits.iter().all(Edit::changes_signal));
        let json = list.to_json();
        let again = EditList::from_json(&json).unwrap();
        assert_eq!(again, list);
        assert_eq!(again.to_json(), json);
        assert!(json.contains("\"f0_hz\": \"auto\""), "{json}");
    }

    #[test]
    fn bad_dehum_entries_are_refused_with_a_reason() {
        let bad = [
            (
                r#"{"type": "dehum", "f0_hz": 10}"#,
                "\"f0_hz\" must be a frequency from 20 to 1000 Hz",
            ),
            (r#"{"type": "dehum", "f0_hz": 1500}"#, "\"f0_hz\""),
            (r#"{"type": "dehum", "f0_hz": "mains"}"#, "\"f0_hz\""),
            (
                r#"{"type": "dehum", "harmonics": 0}"#,
                "\"harmonics\" must be a whole number from 1",
            ),
            (r#"{"type": "dehum", "harmonics": 2.5}"#, "\"harmonics\""),
            (r#"{"type": "dehum", "harmonics": 1000}"#, "\"harmonics\""),
            (
                r#"{"type": "dehum", "time_s": [3, 1]}"#,
                "\"time_s\" must be [low, high]",
            ),
            (r#"{"type": "dehum", "gain_db": -6}"#, "unknown field"),
        ];
        for (entry, expected) in bad {
            let text = format!(r#"{{"version": 1, "edits": [{entry}]}}"#);
            let err = EditList::from_json(&text).unwrap_err().to_string();
            assert!(err.contains(expected), "{entry}: {err}");
            assert!(err.contains("edits[0] (dehum)"), "{entry}: {err}");
        }
    }

    #[test]
    fn a_dehum_span_outside_the_recording_is_refused() {
        let source = crate::signal::MemorySource {
            sample_rate: 1000.0,
            channels: vec![vec![0.0f32; 1000]],
        };
        let list =
            EditList::from_json(r#"{"version": 1, "edits": [{"type": "dehum", "time_s": [5, 6]}]}"#).unwrap();
        let err = list
            .check_against(&source, StftParams::with_fft(256))
            .unwrap_err();
        assert!(err.to_string().contains("outside the recording"), "{err}");
    }
}
