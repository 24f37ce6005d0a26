//! Sessions: a `.spectro` file (JSON) that reopens a recording exactly where the user left it:
//! which file (absolute path, path relative to the session for a moved folder, content hash,
//! how it was opened), the edit list (with the STFT its edits are rendered with), the view,
//! the selection and the active tool.
//!
//! ```json
//! {
//!   "spectro_session": 1,
//!   "recording": {
//!     "path": "/home/ana/takes/take1.wav",
//!     "relative_path": "take1.wav",
//!     "hash": "xxh64:4f1c2a9e0b7d3356",
//!     "size_bytes": 5292044
//!   },
//!   "edits": {"version": 1, "stft": {"fft": 2048, "hop": 512, "window": "hann"},
//!             "edits": [{"type": "rect", "time_s": [0.4, 1.5], "freq_hz": [2800, 3200], "gain_db": -100}]},
//!   "view": {"time_s": [0, 12.5], "freq_hz": [0, 24000], "scale": "linear", "colormap": "inferno",
//!            "floor_db": -100, "ceiling_db": 0},
//!   "selection": {"time_s": [0.4, 1.5], "freq_hz": [2800, 3200]},
//!   "tool": "rect"
//! }
//! ```
//!
//! The hash is XXH64 of the recording file's bytes ([`crate::io::content_hash`]): a recording
//! changed since the session was saved is told apart before its edits are applied to it.

use std::path::{Component, Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::list::EditList;
use crate::io::content_hash::hash_file;
use crate::io::{FileError, FileErrorKind, OpenOptions, atomic, read_small_text};
use crate::signal::{Colormap, FreqScale, Progress, limits};

/// The session version this build reads and writes.
pub const SESSION_VERSION: u64 = 1;

/// A session file's extension.
pub const SESSION_EXTENSION: &str = "spectro";

/// The key that marks a JSON file as a session (its value is the version).
const MARKER: &str = "spectro_session";

/// Why a session cannot be read or written.
#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    /// Reading or writing the file failed (the message names it).
    #[error(transparent)]
    File(#[from] FileError),
    /// The file is not a session this build reads.
    #[error("{}: {message}", path.display())]
    Format {
        /// The session file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
}

/// Which recording a session edits, and how it was opened.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordingRef {
    /// Absolute path when the session was saved.
    pub path: PathBuf,
    /// Path relative to the session file's folder (found again when both moved together).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relative_path: Option<PathBuf>,
    /// Content hash, `xxh64:` and 16 hex digits.
    pub hash: String,
    /// File size in bytes (a different size is a different file, told without hashing).
    pub size_bytes: u64,
    /// Opened as IQ (a stereo WAV read as I and Q).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub iq: bool,
    /// Sample rate given when opening (raw IQ), Hz.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sample_rate_hz: Option<f64>,
}

impl RecordingRef {
    /// The options to open the recording with.
    pub fn open_options(&self) -> OpenOptions {
        OpenOptions {
            iq: self.iq,
            sample_rate: self.sample_rate_hz,
        }
    }
}

/// What the window showed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SessionView {
    /// Visible time range, seconds.
    pub time_s: [f64; 2],
    /// Visible frequency range, Hz.
    pub freq_hz: [f64; 2],
    /// Frequency axis.
    pub scale: FreqScale,
    /// Colour map.
    pub colormap: Colormap,
    /// Level drawn darkest, dBFS.
    pub floor_db: f32,
    /// Level drawn brightest, dBFS.
    pub ceiling_db: f32,
    /// One channel, or all when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<usize>,
    /// The version shown: `original`, `edited` or `removed`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
}

/// A time-frequency selection.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SessionSelection {
    /// Seconds.
    pub time_s: [f64; 2],
    /// Hz.
    pub freq_hz: [f64; 2],
}

/// A whole session.
#[derive(Clone, Debug, PartialEq)]
pub struct Session {
    /// The recording.
    pub recording: RecordingRef,
    /// The edits, with the STFT they are rendered with (`edits.stft`).
    pub edits: EditList,
    /// What the window showed.
    pub view: Option<SessionView>,
    /// The selection.
    pub selection: Option<SessionSelection>,
    /// The active tool's name (`rect`, `brush`, …), as the window names it.
    pub tool: Option<String>,
}

/// Where a session's recording is, and whether it is the one the session was saved with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RecordingCheck {
    /// Found, with the same content.
    Same(PathBuf),
    /// Found, but its content changed since the session was saved.
    Changed(PathBuf),
    /// Neither the absolute nor the relative path leads to a file.
    Missing,
}

impl Session {
    /// The session as pretty-printed JSON.
    pub fn to_json(&self) -> String {
        let mut top = Map::new();
        top.insert(MARKER.into(), Value::from(SESSION_VERSION));
        top.insert(
            "recording".into(),
            serde_json::to_value(&self.recording).unwrap_or(Value::Null),
        );
        // The edit list is written exactly as its own file would be.
        let edits = serde_json::from_str::<Value>(&self.edits.to_json()).unwrap_or(Value::Null);
        top.insert("edits".into(), edits);
        if let Some(v) = &self.view {
            top.insert("view".into(), serde_json::to_value(v).unwrap_or(Value::Null));
        }
        if let Some(s) = &self.selection {
            top.insert("selection".into(), serde_json::to_value(s).unwrap_or(Value::Null));
        }
        if let Some(t) = &self.tool {
            top.insert("tool".into(), Value::from(t.clone()));
        }
        let mut s = serde_json::to_string_pretty(&Value::Object(top)).unwrap_or_default();
        s.push('\n');
        s
    }

    /// Parses a session; `Err` holds the message (without the file's name).
    pub fn from_json(text: &str) -> Result<Session, String> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let value: Value = serde_json::from_str(text).map_err(|e| format!("not valid JSON: {e}"))?;
        let Value::Object(mut top) = value else {
            return Err("expected a JSON object with \"spectro_session\"".into());
        };
        match top.remove(MARKER) {
            Some(Value::Number(n)) if n.as_u64() == Some(SESSION_VERSION) => {}
            Some(v) => {
                return Err(format!(
                    "unsupported session version {v}: this Spectro reads version {SESSION_VERSION}"
                ));
            }
            None => return Err("not a session (no \"spectro_session\" version)".into()),
        }
        let recording: RecordingRef = match top.remove("recording") {
            Some(v) => serde_json::from_value(v).map_err(|e| format!("recording: {e}"))?,
            None => return Err("missing \"recording\"".into()),
        };
        let edits = match top.remove("edits") {
            None | Some(Value::Null) => EditList::default(),
            Some(v) => EditList::from_json(&v.to_string()).map_err(|e| format!("edits: {e}"))?,
        };
        let view: Option<SessionView> = match top.remove("view") {
            None | Some(Value::Null) => None,
            Some(v) => Some(serde_json::from_value(v).map_err(|e| format!("view: {e}"))?),
        };
        if let Some(v) = &view {
            check_pair(v.time_s, "view: time_s", limits::check_time)?;
            check_pair(v.freq_hz, "view: freq_hz", limits::check_freq)?;
            if !(v.floor_db.is_finite() && v.ceiling_db.is_finite() && v.floor_db < v.ceiling_db) {
                return Err("view: \"floor_db\" must be below \"ceiling_db\"".into());
            }
        }
        let selection: Option<SessionSelection> = match top.remove("selection") {
            None | Some(Value::Null) => None,
            Some(v) => Some(serde_json::from_value(v).map_err(|e| format!("selection: {e}"))?),
        };
        if let Some(s) = &selection {
            check_pair(s.time_s, "selection: time_s", limits::check_time)?;
            check_pair(s.freq_hz, "selection: freq_hz", limits::check_freq)?;
        }
        let tool = match top.remove("tool") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s),
            Some(_) => return Err("\"tool\" must be a string".into()),
        };
        if let Some(key) = top.keys().next() {
            return Err(format!(
                "unknown field \"{key}\" (expected spectro_session, recording, edits, view, selection, tool)"
            ));
        }
        Ok(Session {
            recording,
            edits,
            view,
            selection,
            tool,
        })
    }

    /// Finds the recording: beside the session first (the relative path, so a folder moved
    /// or copied with its session opens its own copy), else at the absolute path; and tells
    /// whether its content is what the session was saved with (sizes first, then hashes).
    pub fn check_recording(
        &self,
        session_path: &Path,
        progress: &Progress,
    ) -> Result<RecordingCheck, FileError> {
        let Some(path) = self.locate(session_path) else {
            return Ok(RecordingCheck::Missing);
        };
        Ok(if self.matches(&path, progress)? {
            RecordingCheck::Same(path)
        } else {
            RecordingCheck::Changed(path)
        })
    }

    /// True if the file at `path` has the content the session was saved with.
    pub fn matches(&self, path: &Path, progress: &Progress) -> Result<bool, FileError> {
        let size = std::fs::metadata(path)
            .map_err(|e| FileError::new(path, FileErrorKind::Io(e)))?
            .len();
        if size != self.recording.size_bytes {
            return Ok(false);
        }
        Ok(hash_file(path, progress)? == self.recording.hash)
    }

    /// Where the recording is, if it can be found (see [`Session::check_recording`]).
    pub fn locate(&self, session_path: &Path) -> Option<PathBuf> {
        let beside = self
            .recording
            .relative_path
            .as_ref()
            .map(|r| folder_of(session_path).join(r));
        beside
            .into_iter()
            .chain(std::iter::once(self.recording.path.clone()))
            .find(|p| p.is_file())
            .map(|p| absolute(&p))
    }
}

fn check_pair(r: [f64; 2], what: &str, check: fn(f64) -> Result<f64, String>) -> Result<(), String> {
    if !(r[0].is_finite() && r[1].is_finite() && r[0] <= r[1]) {
        return Err(format!("\"{what}\" must be [low, high] with low ≤ high"));
    }
    for v in r {
        check(v).map_err(|e| format!("\"{what}\": {e}"))?;
    }
    Ok(())
}

/// The folder a file is in (`.` for a bare name).
fn folder_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// `path` made absolute (against the current folder), with `.` and `..` resolved where the
/// file system can (symlinks followed when it exists).
pub fn absolute(path: &Path) -> PathBuf {
    if let Ok(p) = path.canonicalize() {
        return p;
    }
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}

/// `target` relative to the folder `base` (both absolute), e.g. `../takes/a.wav`; `None` when
/// they share no root (another drive).
pub fn relative_to(target: &Path, base: &Path) -> Option<PathBuf> {
    let t: Vec<Component> = target.components().collect();
    let b: Vec<Component> = base.components().collect();
    if t.first() != b.first() {
        return None;
    }
    let common = t.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let mut out = PathBuf::new();
    for _ in common..b.len() {
        out.push("..");
    }
    for c in &t[common..] {
        out.push(c.as_os_str());
    }
    Some(out)
}

/// True if `path` is named like a session (`.spectro`).
pub fn is_session_path(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case(SESSION_EXTENSION))
}

/// Describes the recording at `recording_path` (opened with `options`, its content hash
/// `hash`) for a session to be saved at `session_path`.
pub fn recording_ref(
    recording_path: &Path,
    session_path: &Path,
    hash: String,
    options: OpenOptions,
) -> Result<RecordingRef, FileError> {
    let size_bytes = std::fs::metadata(recording_path)
        .map_err(|e| FileError::new(recording_path, FileErrorKind::Io(e)))?
        .len();
    let path = absolute(recording_path);
    let folder = absolute(&folder_of(&absolute(session_path)));
    Ok(RecordingRef {
        relative_path: relative_to(&path, &folder),
        path,
        hash,
        size_bytes,
        iq: options.iq,
        sample_rate_hz: options.sample_rate,
    })
}

/// Reads a session file (a regular file of at most [`limits::MAX_EDIT_LIST_BYTES`]).
pub fn load_session(path: &Path) -> Result<Session, SessionError> {
    let text = read_small_text(path, limits::MAX_EDIT_LIST_BYTES, "sessions")?;
    Session::from_json(&text).map_err(|message| SessionError::Format {
        path: path.to_path_buf(),
        message,
    })
}

/// Writes a session atomically (a temporary file renamed over the target), never over one of
/// `inputs`, over another existing file only when `force`.
pub fn save_session(
    path: &Path,
    session: &Session,
    inputs: &[&Path],
    force: bool,
) -> Result<(), SessionError> {
    Ok(atomic::write_bytes(
        path,
        inputs,
        force,
        session.to_json().as_bytes(),
    )?)
}

/// Reads what `--edits` names: an edit list, or a session (told by its content, whatever its
/// name), whose edit list is returned with the session itself.
pub fn load_edits_or_session(path: &Path) -> Result<(EditList, Option<Session>), SessionError> {
    let text = read_small_text(path, limits::MAX_EDIT_LIST_BYTES, "edit lists")?;
    let is_session =
        serde_json::from_str::<Map<String, Value>>(text.strip_prefix('\u{feff}').unwrap_or(&text))
            .is_ok_and(|m| m.contains_key(MARKER));
    let format = |message: String| SessionError::Format {
        path: path.to_path_buf(),
        message,
    };
    if is_session {
        let session = Session::from_json(&text).map_err(format)?;
        Ok((session.edits.clone(), Some(session)))
    } else {
        let list = EditList::from_json(&text).map_err(|e| format(e.to_string()))?;
        Ok((list, None))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::edit::{Edit, Shape, StftSettings};
    use crate::signal::StftParams;

    fn session(dir: &Path) -> (Session, PathBuf, PathBuf) {
        let rec = dir.join("takes").join("take.wav");
        std::fs::create_dir_all(rec.parent().unwrap()).unwrap();
        std::fs::write(&rec, b"RIFF not really a wav, but bytes to hash").unwrap();
        let session_path = dir.join("work").join("take.spectro");
        std::fs::create_dir_all(session_path.parent().unwrap()).unwrap();
        let hash = hash_file(&rec, &Progress::new()).unwrap();
        let mut edits = EditList {
            stft: Some(StftSettings::from_params(StftParams::with_fft(1024))),
            ..EditList::default()
        };
        edits.edits.push(Edit::new(
            Shape::Rect {
                time_s: [0.25, 1.5],
                freq_hz: [300.0, 900.0],
            },
            f64::NEG_INFINITY,
        ));
        let s = Session {
            recording: recording_ref(
                &rec,
                &session_path,
                hash,
                OpenOptions {
                    iq: true,
                    sample_rate: Some(2e6),
                },
            )
            .unwrap(),
            edits,
            view: Some(SessionView {
                time_s: [0.5, 2.25],
                freq_hz: [100.0, 8000.0],
                scale: FreqScale::Log,
                colormap: Colormap::Viridis,
                floor_db: -90.0,
                ceiling_db: -10.0,
                channel: Some(1),
                version: Some("removed".into()),
            }),
            selection: Some(SessionSelection {
                time_s: [0.25, 1.5],
                freq_hz: [300.0, 900.0],
            }),
            tool: Some("brush".into()),
        };
        (s, session_path, rec)
    }

    #[test]
    fn a_session_round_trips_through_its_file() {
        let dir = tempfile::tempdir().unwrap();
        let (s, path, rec) = session(dir.path());
        assert_eq!(
            s.recording.relative_path,
            Some(PathBuf::from("../takes/take.wav"))
        );
        assert!(s.recording.path.is_absolute());
        save_session(&path, &s, &[&rec], false).unwrap();
        let again = load_session(&path).unwrap();
        assert_eq!(again, s);
        assert_eq!(again.edits.stft.unwrap().params(), StftParams::with_fft(1024));
        // Never over an existing file without force, never over the recording.
        assert!(save_session(&path, &s, &[&rec], false).is_err());
        assert!(save_session(&rec, &s, &[&rec], true).is_err());
        // --edits reads the edit list out of a session.
        let (list, found) = load_edits_or_session(&path).unwrap();
        assert_eq!(list, s.edits);
        assert!(found.is_some());
        let plain = dir.path().join("list.json");
        std::fs::write(&plain, s.edits.to_json()).unwrap();
        let (list, found) = load_edits_or_session(&plain).unwrap();
        assert_eq!((list, found), (s.edits.clone(), None));
        assert_eq!(
            s.check_recording(&path, &Progress::new()).unwrap(),
            RecordingCheck::Same(absolute(&rec).canonicalize().unwrap())
        );
    }

    #[test]
    fn a_changed_recording_is_detected_and_a_moved_folder_found() {
        let dir = tempfile::tempdir().unwrap();
        let (s, path, rec) = session(dir.path());
        // Same size, one byte different: only the hash can tell.
        let mut bytes = std::fs::read(&rec).unwrap();
        bytes[3] ^= 1;
        std::fs::write(&rec, &bytes).unwrap();
        assert!(matches!(
            s.check_recording(&path, &Progress::new()).unwrap(),
            RecordingCheck::Changed(_)
        ));
        bytes.push(0);
        std::fs::write(&rec, &bytes).unwrap();
        assert!(!s.matches(&rec, &Progress::new()).unwrap());
        // The whole folder moved: found through the relative path, unchanged.
        bytes.pop();
        bytes[3] ^= 1;
        std::fs::write(&rec, &bytes).unwrap();
        let moved = dir.path().join("moved");
        std::fs::rename(dir.path().join("takes"), dir.path().join("takes-old")).unwrap();
        std::fs::create_dir_all(moved.join("takes")).unwrap();
        std::fs::create_dir_all(moved.join("work")).unwrap();
        std::fs::copy(
            dir.path().join("takes-old/take.wav"),
            moved.join("takes/take.wav"),
        )
        .unwrap();
        let moved_session = moved.join("work/take.spectro");
        assert!(matches!(
            s.check_recording(&moved_session, &Progress::new()).unwrap(),
            RecordingCheck::Same(p) if p.starts_with(&moved)
        ));
        // Nowhere at all.
        assert_eq!(
            s.check_recording(&dir.path().join("elsewhere/x.spectro"), &Progress::new())
                .unwrap(),
            RecordingCheck::Missing
        );
    }

    #[test]
    fn bad_sessions_are_refused_with_a_reason() {
        let cases = [
            (r#"{"version": 1, "edits": []}"#, "not a session"),
            (
                r#"{"spectro_session": 9, "recording": {}}"#,
                "unsupported session version 9",
            ),
            (
                r#"{"spectro_session": 1, "recording": {"path": "/a.wav", "hash": "xxh64:00", "size_bytes": 1}, "colour": 1}"#,
                "unknown field \"colour\"",
            ),
            (
                r#"{"spectro_session": 1, "recording": {"path": "/a.wav", "hash": "xxh64:00", "size_bytes": 1}, "edits": {"version": 1, "edits": [{"type": "circle"}]}}"#,
                "edits: edits[0]: unknown type",
            ),
            (
                r#"{"spectro_session": 1, "recording": {"path": "/a.wav", "hash": "xxh64:00", "size_bytes": 1}, "selection": {"time_s": [2, 1], "freq_hz": [0, 1]}}"#,
                "selection: time_s",
            ),
        ];
        for (text, expected) in cases {
            let err = Session::from_json(text).unwrap_err();
            assert!(err.contains(expected), "{err:?} should contain {expected:?}");
        }
    }
}
