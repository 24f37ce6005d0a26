//! The `harmonics` edit: a harmonic sound (a whistle, feedback, a vibrato tone, an instrument)
//! selected by its fundamental and overtones, from a seed near one partial.
//!
//! ```json
//! {"type": "harmonics", "time_s": [2.0, 5.5], "seed_hz": 3000, "count": 8, "width_hz": 40,
//!  "track": true, "gain_db": "-inf"}
//! ```
//!
//! `count` is the number of overtones above the fundamental: `count: 8` selects the
//! fundamental and 8 overtones, 9 partials. The seed may lie near any partial; tracking
//! ([`crate::signal::harmonics`]) decides which one it is and follows the fundamental over
//! `time_s` (`track: false`: one fixed fundamental). The pipeline stores the result in
//! `track_hz` (`[[time_s, f0_hz], ...]`) before rendering, so a saved list reproduces exactly;
//! a list that already has `track_hz` is not tracked again. The selection is every cell
//! within `width_hz / 2` (plus the feather) of `k·f0(t)`, k = 1..=count + 1, widened for a
//! partial that glides by how far it moves during one STFT window; it takes a gain,
//! `"invert": true` (keep only the harmonic sound) or a `"repair"` mode like a rectangle.
//! Positive frequencies only: on a complex (IQ) recording the partials are at `+k·f0`.

use serde_json::{Map, Value};

use crate::signal::harmonics::{HarmonicSeed, MIN_F0_HZ, f0_at, f0_slope_at};
use crate::signal::limits;

/// Most overtones a selection may have.
pub const MAX_COUNT: usize = 500;

/// A harmonic selection (the region of a `harmonics` edit).
#[derive(Clone, Debug, PartialEq)]
pub struct Harmonics {
    /// `[start, end]` in seconds: the span tracked and selected.
    pub time_s: [f64; 2],
    /// A frequency near one partial (any of them), Hz.
    pub seed_hz: f64,
    /// Overtones above the fundamental: `count + 1` partials are selected.
    pub count: usize,
    /// Width selected around each partial, Hz.
    pub width_hz: f64,
    /// Follow the fundamental over time (`false`: one fixed fundamental).
    pub track: bool,
    /// The tracked fundamental, `(time_s, f0_hz)` points ascending in time; `None` until the
    /// pipeline has tracked it.
    pub track_hz: Option<Vec<[f64; 2]>>,
}

impl Harmonics {
    /// A selection not yet tracked.
    pub fn new(time_s: [f64; 2], seed_hz: f64, count: usize, width_hz: f64) -> Self {
        Harmonics {
            time_s,
            seed_hz,
            count,
            width_hz,
            track: true,
            track_hz: None,
        }
    }

    /// What tracking needs.
    pub fn seed(&self) -> HarmonicSeed {
        HarmonicSeed {
            time_s: self.time_s,
            seed_hz: self.seed_hz,
            count: self.count,
            track: self.track,
        }
    }

    /// Partials selected (fundamental included).
    pub fn partials(&self) -> usize {
        self.count + 1
    }

    /// The fundamental at `t_s`, Hz: the track's (linear between points), or the seed taken as
    /// the fundamental while there is no track.
    pub fn f0_at(&self, t_s: f64) -> f64 {
        self.track_hz
            .as_deref()
            .and_then(|p| f0_at(p, t_s))
            .unwrap_or(self.seed_hz)
    }

    /// How fast the fundamental moves at `t_s`, Hz/s (0 without a track).
    pub fn f0_slope_at(&self, t_s: f64) -> f64 {
        self.track_hz.as_deref().map_or(0.0, |p| f0_slope_at(p, t_s))
    }

    /// The highest fundamental and the fastest glide of the track, `(Hz, Hz/s)`.
    pub fn f0_max_and_slope(&self) -> (f64, f64) {
        match self.track_hz.as_deref() {
            Some(p) if !p.is_empty() => {
                let max = p.iter().map(|q| q[1]).fold(0.0, f64::max);
                let slope = p
                    .windows(2)
                    .filter(|w| w[1][0] > w[0][0])
                    .map(|w| ((w[1][1] - w[0][1]) / (w[1][0] - w[0][0])).abs())
                    .fold(0.0, f64::max);
                (max, slope)
            }
            _ => (self.seed_hz, 0.0),
        }
    }

    /// Half the width selected around partial `k` at a glide of `slope_hz_s`, for an STFT
    /// window of `window_s`: `width_hz / 2` plus a quarter of the distance the partial moves
    /// during the window (a gliding partial's energy in one frame spreads over the band it
    /// sweeps while the window's weight is high).
    pub fn half_width_hz(&self, k: usize, slope_hz_s: f64, window_s: f64) -> f64 {
        0.5 * self.width_hz + 0.25 * k as f64 * slope_hz_s * window_s
    }

    /// Checks the fields (parse time); `Err` is the message.
    pub fn check(&self) -> Result<(), String> {
        if !(self.seed_hz.is_finite() && self.seed_hz > 0.0) {
            return Err(format!(
                "\"seed_hz\" must be a frequency above 0 Hz, got {}",
                limits::show(self.seed_hz)
            ));
        }
        limits::check_freq(self.seed_hz).map_err(|e| format!("\"seed_hz\": {e}"))?;
        if self.count == 0 || self.count > MAX_COUNT {
            return Err(format!(
                "\"count\" (overtones above the fundamental) must be from 1 to {MAX_COUNT}, got {}",
                self.count
            ));
        }
        if !(self.width_hz.is_finite() && self.width_hz > 0.0) {
            return Err(format!(
                "\"width_hz\" must be a width above 0 Hz, got {}",
                limits::show(self.width_hz)
            ));
        }
        limits::check_bandwidth(self.width_hz, true).map_err(|e| format!("\"width_hz\": {e}"))?;
        if let Some(points) = &self.track_hz {
            limits::check_points(points.len(), 1).map_err(|e| format!("\"track_hz\" {e}"))?;
            if points
                .iter()
                .any(|p| !(p[0].is_finite() && p[1].is_finite() && p[1] > 0.0))
            {
                return Err("\"track_hz\" must hold [time_s, f0_hz] points with f0 above 0".into());
            }
            if points.windows(2).any(|w| w[1][0] < w[0][0]) {
                return Err("\"track_hz\" points must be in ascending time".into());
            }
            for p in points {
                limits::check_time(p[0])
                    .and_then(|_| limits::check_freq(p[1]))
                    .map_err(|e| format!("\"track_hz\": {e}"))?;
            }
        }
        Ok(())
    }

    /// Checks against a recording at `sample_rate_hz` rendered with bins `bin_hz` wide.
    pub fn check_for(&self, sample_rate_hz: f64, bin_hz: f64) -> Result<(), String> {
        let nyquist = sample_rate_hz / 2.0;
        if !(self.seed_hz >= MIN_F0_HZ && self.seed_hz < nyquist) {
            return Err(format!(
                "\"seed_hz\" {} Hz is outside {MIN_F0_HZ} Hz–{} Hz (the Nyquist frequency)",
                limits::show(self.seed_hz),
                limits::show(nyquist)
            ));
        }
        if self.width_hz < bin_hz {
            return Err(format!(
                "\"width_hz\" {} Hz is narrower than one bin of the STFT ({} Hz); widen it or use a longer FFT",
                limits::show(self.width_hz),
                limits::show((bin_hz * 100.0).round() / 100.0)
            ));
        }
        Ok(())
    }

    /// Reads the fields of a `harmonics` entry (the rest of `obj` is the common fields).
    pub(crate) fn from_json(obj: &mut Map<String, Value>) -> Result<Self, String> {
        let mut take = |key: &str| obj.remove(key).filter(|v| !v.is_null());
        let field = |key: &str, v: Value| -> String { format!("field \"{key}\": {v} is not valid") };
        let time_s: [f64; 2] = match take("time_s") {
            None => return Err("missing field \"time_s\"".into()),
            Some(v) => serde_json::from_value(v.clone()).map_err(|_| field("time_s", v))?,
        };
        let seed_hz: f64 = match take("seed_hz") {
            None => return Err("missing field \"seed_hz\" (a frequency near one partial)".into()),
            Some(v) => v.as_f64().ok_or_else(|| field("seed_hz", v))?,
        };
        let count = match take("count") {
            None => 8,
            Some(v) => v
                .as_u64()
                .map(|c| c.min(usize::MAX as u64) as usize)
                .ok_or_else(|| format!("\"count\" must be a whole number of overtones, not {v}"))?,
        };
        let width_hz = match take("width_hz") {
            None => 40.0,
            Some(v) => v.as_f64().ok_or_else(|| field("width_hz", v))?,
        };
        let track = match take("track") {
            None => true,
            Some(v) => v.as_bool().ok_or_else(|| field("track", v))?,
        };
        let track_hz = match take("track_hz") {
            None => None,
            Some(v) => Some(
                serde_json::from_value::<Vec<[f64; 2]>>(v)
                    .map_err(|e| format!("field \"track_hz\": {e} (expected [[time_s, f0_hz], ...])"))?,
            ),
        };
        if !(time_s[0].is_finite() && time_s[1].is_finite() && time_s[0] < time_s[1]) {
            return Err(format!(
                "\"time_s\" must be [start, end] with start < end, got [{}, {}]",
                limits::show(time_s[0]),
                limits::show(time_s[1])
            ));
        }
        for t in time_s {
            limits::check_time(t).map_err(|e| format!("\"time_s\": {e}"))?;
        }
        let h = Harmonics {
            time_s,
            seed_hz,
            count,
            width_hz,
            track,
            track_hz,
        };
        h.check()?;
        Ok(h)
    }

    /// Writes the fields of a `harmonics` entry into `obj`.
    pub(crate) fn to_json(&self, obj: &mut Map<String, Value>) {
        obj.insert("time_s".into(), Value::from(self.time_s.to_vec()));
        obj.insert("seed_hz".into(), Value::from(self.seed_hz));
        obj.insert("count".into(), Value::from(self.count));
        obj.insert("width_hz".into(), Value::from(self.width_hz));
        obj.insert("track".into(), Value::from(self.track));
        if let Some(points) = &self.track_hz {
            obj.insert(
                "track_hz".into(),
                Value::Array(points.iter().map(|p| Value::from(p.to_vec())).collect()),
            );
        }
    }
}

/// The fields a `harmonics` entry may have besides the common ones.
pub(crate) const FIELDS: [&str; 8] = [
    "time_s", "seed_hz", "count", "width_hz", "track", "track_hz", "repair", "strength",
];

#[cfg(test)]
mod tests {
    use crate::edit::{EditList, Shape};
    use crate::signal::{MemorySource, StftParams};

    fn list(entry: &str) -> Result<EditList, String> {
        EditList::from_json(&format!(r#"{{"version": 1, "edits": [{entry}]}}"#)).map_err(|e| e.to_string())
    }

    #[test]
    fn the_issue_example_parses_with_defaults_and_round_trips_with_a_track() {
        let l = list(
            r#"{"type": "harmonics", "time_s": [2.0, 5.5], "seed_hz": 3000, "count": 8, "width_hz": 40, "track": true, "gain_db": "-inf"}"#,
        )
        .unwrap();
        let Shape::Harmonics(h) = &l.edits[0].shape else {
            panic!("{:?}", l.edits[0].shape)
        };
        assert_eq!((h.count, h.partials(), h.width_hz, h.track), (8, 9, 40.0, true));
        assert_eq!(h.track_hz, None);
        assert_eq!(l.edits[0].gain_db, f64::NEG_INFINITY);
        assert_eq!(EditList::from_json(&l.to_json()).unwrap(), l);

        let tracked = list(
            r#"{"type": "harmonics", "time_s": [0.5, 1.5], "seed_hz": 1320.5, "count": 3, "width_hz": 60.25,
                "track": false, "track_hz": [[0.5, 440.1234], [0.505, 440.2], [1.5, 441.0]],
                "invert": true, "gain_db": -30, "feather_hz": 10, "channels": [0]}"#,
        )
        .unwrap();
        let text = tracked.to_json();
        assert!(text.contains("\"track_hz\""), "{text}");
        let again = EditList::from_json(&text).unwrap();
        assert_eq!(again, tracked);
        assert_eq!(again.to_json(), text);
        let Shape::Harmonics(h) = &again.edits[0].shape else {
            panic!()
        };
        assert!((h.f0_at(1.0) - (440.2 + 0.8 * 0.495 / 0.995)).abs() < 1e-9);

        let repair =
            list(r#"{"type": "harmonics", "time_s": [0, 1], "seed_hz": 500, "repair": "attenuate"}"#)
                .unwrap();
        assert!(repair.edits[0].changes_signal());
        assert_eq!(EditList::from_json(&repair.to_json()).unwrap(), repair);
    }

    #[test]
    fn bad_fields_give_one_clear_line_each() {
        let cases = [
            (
                r#""count": 0"#,
                "\"count\" (overtones above the fundamental) must be from 1 to 500, got 0",
            ),
            (r#""count": 2.5"#, "\"count\" must be a whole number of overtones"),
            (
                r#""width_hz": 0"#,
                "\"width_hz\" must be a width above 0 Hz, got 0",
            ),
            (
                r#""seed_hz": -3"#,
                "\"seed_hz\" must be a frequency above 0 Hz, got -3",
            ),
            (
                r#""track_hz": [[1, 100], [0.5, 100]]"#,
                "\"track_hz\" points must be in ascending time",
            ),
            (r#""track_hz": [[1, -100]]"#, "f0 above 0"),
            (r#""track": "yes""#, "field \"track\""),
            (r#""seeds_hz": 3"#, "unknown field \"seeds_hz\""),
        ];
        for (field, expected) in cases {
            let entry = format!(
                r#"{{"type": "harmonics", "time_s": [0, 1], "gain_db": -6, {}}}"#,
                if field.contains("seed_hz") {
                    field.to_owned()
                } else {
                    format!(r#""seed_hz": 500, {field}"#)
                }
            );
            let err = list(&entry).unwrap_err();
            assert!(err.starts_with("edits[0] (harmonics): "), "{err}");
            assert!(err.contains(expected), "{entry}: {err}");
            assert!(!err.contains('\n'), "{err}");
        }
        let err = list(r#"{"type": "harmonics", "seed_hz": 500, "gain_db": -6}"#).unwrap_err();
        assert!(err.contains("missing field \"time_s\""), "{err}");
    }

    #[test]
    fn checks_against_the_recording_name_nyquist_the_bin_and_the_span() {
        let source = MemorySource {
            sample_rate: 8000.0,
            channels: vec![vec![0.0f32; 8000]],
        };
        let check = |entry: &str, fft: usize| {
            list(entry)
                .unwrap()
                .check_against(&source, StftParams::with_fft(fft))
                .map_err(|e| e.to_string())
        };
        let ok = r#"{"type": "harmonics", "time_s": [0, 1], "seed_hz": 500, "width_hz": 20, "gain_db": -6}"#;
        assert_eq!(check(ok, 1024), Ok(()));
        // 8000 / 256 = 31.25 Hz bins: 20 Hz is narrower than one.
        let err = check(ok, 256).unwrap_err();
        assert!(
            err.contains("\"width_hz\" 20 Hz is narrower than one bin of the STFT (31.25 Hz)"),
            "{err}"
        );
        let err = check(
            r#"{"type": "harmonics", "time_s": [0, 1], "seed_hz": 4000, "gain_db": -6}"#,
            1024,
        )
        .unwrap_err();
        assert!(
            err.contains("\"seed_hz\" 4000 Hz is outside 20 Hz–4000 Hz"),
            "{err}"
        );
        let err = check(
            r#"{"type": "harmonics", "time_s": [2, 3], "seed_hz": 500, "gain_db": -6}"#,
            1024,
        )
        .unwrap_err();
        assert!(err.contains("lies outside the recording"), "{err}");
    }
}
