//! A pasted time-frequency region: the band `freq_hz` of the stretch `from_s`, copied to start
//! at `to_s`, mixed in (added) or replacing what the target held in that band.
//!
//! ```json
//! {"type": "paste", "from_s": [1.2, 1.8], "freq_hz": [800, 1200], "to_s": 4.0, "mode": "mix", "gain_db": 0}
//! ```
//!
//! Like paint, it changes the recording itself (see [`crate::pipeline::paste`]): the source is
//! read as the earlier signal-changing edits left it, and the masks of the other edits then
//! act on the result.

use serde_json::{Map, Value};

use crate::signal::limits;

/// How a paste meets what is already at its target.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum PasteMode {
    /// Added to the target.
    #[default]
    Mix,
    /// The target's own content in the band is removed first.
    Replace,
}

impl PasteMode {
    /// The name in JSON.
    pub fn name(self) -> &'static str {
        match self {
            PasteMode::Mix => "mix",
            PasteMode::Replace => "replace",
        }
    }
}

/// The fields of a `paste` entry besides the common ones (gain, feathers, channels).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Paste {
    /// The source stretch, `[start, end]` seconds.
    pub from_s: [f64; 2],
    /// The band copied, `[low, high]` Hz.
    pub freq_hz: [f64; 2],
    /// Where the copy starts, seconds.
    pub to_s: f64,
    /// Mix or replace.
    pub mode: PasteMode,
}

/// The fields a `paste` entry may hold.
pub const FIELDS: [&str; 8] = [
    "from_s",
    "freq_hz",
    "to_s",
    "mode",
    "gain_db",
    "feather_s",
    "feather_hz",
    "channels",
];

impl Paste {
    /// Seconds from the source to the target.
    pub fn offset_s(&self) -> f64 {
        self.to_s - self.from_s[0]
    }

    /// The target stretch, `[start, end]` seconds.
    pub fn target_s(&self) -> [f64; 2] {
        [self.to_s, self.to_s + (self.from_s[1] - self.from_s[0])]
    }

    /// Takes the paste's own fields out of an entry; `Err` says which is wrong.
    pub fn from_json(obj: &mut Map<String, Value>) -> Result<Paste, String> {
        let pair = |obj: &mut Map<String, Value>, key: &str| -> Result<[f64; 2], String> {
            let v = obj
                .remove(key)
                .ok_or_else(|| format!("missing field \"{key}\""))?;
            let r: [f64; 2] = serde_json::from_value(v).map_err(|e| format!("field \"{key}\": {e}"))?;
            if !(r[0].is_finite() && r[1].is_finite() && r[0] < r[1]) {
                return Err(format!("\"{key}\" must be [low, high] with low < high"));
            }
            let check = if key.ends_with("_s") {
                limits::check_time
            } else {
                limits::check_freq
            };
            for v in r {
                check(v).map_err(|e| format!("\"{key}\": {e}"))?;
            }
            Ok(r)
        };
        let from_s = pair(obj, "from_s")?;
        let freq_hz = pair(obj, "freq_hz")?;
        let to_s = match obj.remove("to_s") {
            Some(Value::Number(n)) => n.as_f64().unwrap_or(f64::NAN),
            Some(other) => return Err(format!("\"to_s\" must be a time in seconds, not {other}")),
            None => return Err("missing field \"to_s\"".into()),
        };
        limits::check_time(to_s).map_err(|e| format!("\"to_s\": {e}"))?;
        let mode = match obj.remove("mode") {
            None | Some(Value::Null) => PasteMode::Mix,
            Some(Value::String(s)) if s == "mix" => PasteMode::Mix,
            Some(Value::String(s)) if s == "replace" => PasteMode::Replace,
            Some(other) => return Err(format!("\"mode\" must be \"mix\" or \"replace\", not {other}")),
        };
        Ok(Paste {
            from_s,
            freq_hz,
            to_s,
            mode,
        })
    }

    /// Writes the paste's own fields into an entry.
    pub fn to_json(&self, obj: &mut Map<String, Value>) {
        let pair = |r: [f64; 2]| Value::from(vec![r[0], r[1]]);
        obj.insert("from_s".into(), pair(self.from_s));
        obj.insert("freq_hz".into(), pair(self.freq_hz));
        obj.insert("to_s".into(), Value::from(self.to_s));
        obj.insert("mode".into(), Value::from(self.mode.name()));
    }
}
