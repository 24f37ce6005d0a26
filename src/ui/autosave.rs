//! Autosave: a few seconds after each change, the edit list is written to the XDG state
//! directory (`$XDG_STATE_HOME/spectro/autosave/`, else `~/.local/state/spectro/autosave/`),
//! keyed by the recording, so a crash loses at most those seconds of work. A clean exit, a save
//! or an explicit discard removes it; opening the recording again offers it back.
//!
//! The files are small JSON written atomically by one worker thread, in order, so a removal
//! never races an older write.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Sender, channel};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};

use crate::edit::EditList;

/// Quiet time after the last change before the edit list is written.
pub const DELAY: Duration = Duration::from_secs(2);

/// Longest wait during continuous editing: written at least this often.
pub const MAX_DELAY: Duration = Duration::from_secs(10);

/// Largest autosave file read back (an edit list of many long brush strokes stays far below).
const MAX_FILE_BYTES: u64 = 64 << 20;

/// Format marker and version inside an autosave file.
const FORMAT_VERSION: u64 = 1;

/// The XDG state directory: `xdg_state_home` when it is an absolute path (the specification
/// says to ignore a relative one), else `home/.local/state`.
pub fn state_dir(xdg_state_home: Option<OsString>, home: Option<OsString>) -> Option<PathBuf> {
    let xdg = xdg_state_home.map(PathBuf::from).filter(|p| p.is_absolute());
    xdg.or_else(|| {
        home.map(PathBuf::from)
            .filter(|p| p.is_absolute())
            .map(|h| h.join(".local/state"))
    })
}

/// Where this user's autosaves go, from the environment; `None` when there is no home.
pub fn default_dir() -> Option<PathBuf> {
    state_dir(std::env::var_os("XDG_STATE_HOME"), std::env::var_os("HOME"))
        .map(|d| d.join("spectro").join("autosave"))
}

/// Names the recording an autosave belongs to: the canonical path of the file the document was
/// read from, or `built-in:NAME` for a recording held only in memory (the demo).
pub fn recording_id(source_file: Option<&Path>, name: &Path) -> String {
    match source_file {
        Some(p) => std::fs::canonicalize(p)
            .unwrap_or_else(|_| p.to_path_buf())
            .to_string_lossy()
            .into_owned(),
        None => format!("built-in:{}", name.display()),
    }
}

/// The autosave file for `id`: a stable hash (FNV-1a, the same in every build) of the id.
pub fn slot_path(dir: &Path, id: &str) -> PathBuf {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for b in id.as_bytes() {
        hash ^= u64::from(*b);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    dir.join(format!("{hash:016x}.json"))
}

/// What an autosave holds.
#[derive(Clone, Debug, PartialEq)]
pub struct Snapshot {
    /// The recording's id ([`recording_id`]), so the file is recognisable.
    pub recording: String,
    /// When it was written, seconds since 1970.
    pub saved_unix_s: u64,
    /// The edit list file the document was last loaded from or saved to.
    pub edits_path: Option<PathBuf>,
    /// The edits.
    pub list: EditList,
}

impl Snapshot {
    /// The file's JSON.
    pub fn to_json(&self) -> String {
        let list: Value = serde_json::from_str(&self.list.to_json()).unwrap_or(Value::Null);
        let value = json!({
            "spectro_autosave": FORMAT_VERSION,
            "recording": self.recording,
            "saved_unix_s": self.saved_unix_s,
            "edits_path": self.edits_path.as_ref().map(|p| p.to_string_lossy().into_owned()),
            "edit_list": list,
        });
        serde_json::to_string_pretty(&value).unwrap_or_default()
    }

    /// Parses a file's JSON.
    pub fn from_json(text: &str) -> Result<Snapshot, String> {
        let value: Value = serde_json::from_str(text).map_err(|e| format!("not valid JSON: {e}"))?;
        if value.get("spectro_autosave").and_then(Value::as_u64) != Some(FORMAT_VERSION) {
            return Err("not a Spectro autosave of this version".into());
        }
        let recording = value
            .get("recording")
            .and_then(Value::as_str)
            .ok_or("no \"recording\"")?
            .to_owned();
        let saved_unix_s = value.get("saved_unix_s").and_then(Value::as_u64).unwrap_or(0);
        let edits_path = value.get("edits_path").and_then(Value::as_str).map(PathBuf::from);
        let list = value.get("edit_list").ok_or("no \"edit_list\"")?;
        let list = EditList::from_json(&list.to_string()).map_err(|e| e.to_string())?;
        Ok(Snapshot {
            recording,
            saved_unix_s,
            edits_path,
            list,
        })
    }

    /// True if it holds the same edits as `list`, rendered with the same STFT when both say.
    pub fn same_edits(&self, list: &EditList) -> bool {
        let same_stft = match (self.list.stft, list.stft) {
            (Some(a), Some(b)) => a.params() == b.params(),
            _ => true,
        };
        self.list.edits == list.edits && self.list.phase == list.phase && same_stft
    }
}

/// Seconds since 1970, now.
pub fn now_unix_s() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// `unix_s` as local date and time, `2025-03-14 15:09`.
pub fn format_time(unix_s: u64) -> String {
    let (y, mo, d, h, mi) = local_time(unix_s);
    format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}")
}

#[cfg(target_os = "linux")]
fn local_time(unix_s: u64) -> (i64, u32, u32, u32, u32) {
    let t = unix_s.min(i64::MAX as u64) as libc::time_t;
    // SAFETY: `localtime_r` only writes the `tm` it is given; a zeroed `tm` is a valid value.
    let mut tm: libc::tm = unsafe { std::mem::zeroed() };
    // SAFETY: both pointers are valid for the call.
    let ok = unsafe { !libc::localtime_r(&t, &mut tm).is_null() };
    if !ok {
        return utc_time(unix_s);
    }
    (
        i64::from(tm.tm_year) + 1900,
        (tm.tm_mon + 1) as u32,
        tm.tm_mday as u32,
        tm.tm_hour as u32,
        tm.tm_min as u32,
    )
}

#[cfg(not(target_os = "linux"))]
fn local_time(unix_s: u64) -> (i64, u32, u32, u32, u32) {
    utc_time(unix_s)
}

/// Civil date and time in UTC (Howard Hinnant's days-to-civil algorithm).
fn utc_time(unix_s: u64) -> (i64, u32, u32, u32, u32) {
    let days = (unix_s / 86_400) as i64;
    let secs = unix_s % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d, (secs / 3600) as u32, ((secs % 3600) / 60) as u32)
}

/// Reads the autosave in `path`: `None` when there is none, an error when it cannot be used.
pub fn read(path: &Path) -> Option<Result<Snapshot, String>> {
    let meta = std::fs::metadata(path).ok()?;
    if !meta.is_file() {
        return Some(Err("not a regular file".into()));
    }
    if meta.len() > MAX_FILE_BYTES {
        return Some(Err(format!("{} bytes is too large for an edit list", meta.len())));
    }
    Some(
        std::fs::read_to_string(path)
            .map_err(|e| e.to_string())
            .and_then(|text| Snapshot::from_json(&text)),
    )
}

/// Work for the writer thread.
enum Task {
    Write(PathBuf, String),
    Remove(PathBuf),
}

fn run_task(task: Task) -> Result<(), String> {
    match task {
        Task::Write(path, json) => {
            if let Some(dir) = path.parent() {
                create_private_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
            }
            crate::io::atomic::write_bytes(&path, &[], true, json.as_bytes()).map_err(|e| e.to_string())
        }
        Task::Remove(path) => match std::fs::remove_file(&path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(format!("{}: {e}", path.display())),
            _ => Ok(()),
        },
    }
}

/// The state directory is the user's alone (XDG asks for 0700).
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

/// Keeps the open document's autosave in step with its edits.
pub struct Autosaver {
    dir: Option<PathBuf>,
    /// The open document's recording id and autosave file.
    slot: Option<(String, PathBuf)>,
    /// False while an earlier session's autosave for this recording waits for the user's
    /// answer: it is neither overwritten nor removed meanwhile.
    owned: bool,
    /// The document revision last written, if this session wrote the file.
    written: Option<u64>,
    /// The revision seen last, and when it changed.
    seen: Option<u64>,
    last_change: Option<Instant>,
    /// The first change not yet written.
    first_unwritten: Option<Instant>,
    tasks: Option<Sender<Task>>,
    worker: Option<JoinHandle<()>>,
    error: Arc<Mutex<Option<String>>>,
}

impl Autosaver {
    /// Autosaving into `dir`; off when `None`.
    pub fn new(dir: Option<PathBuf>) -> Self {
        Autosaver {
            dir,
            slot: None,
            owned: false,
            written: None,
            seen: None,
            last_change: None,
            first_unwritten: None,
            tasks: None,
            worker: None,
            error: Arc::new(Mutex::new(None)),
        }
    }

    /// True when autosaving is on.
    pub fn enabled(&self) -> bool {
        self.dir.is_some()
    }

    /// The autosave file of the open document, if autosaving is on.
    pub fn path(&self) -> Option<&Path> {
        self.slot.as_ref().map(|(_, p)| p.as_path())
    }

    /// A document on recording `id` was opened: returns the autosave an earlier session left
    /// for it, if any (the caller offers it back, then calls [`Self::adopt`]). An unreadable
    /// one is reported as an error and left in place.
    pub fn open(&mut self, id: String) -> Option<Result<Snapshot, String>> {
        self.written = None;
        self.seen = None;
        self.last_change = None;
        self.first_unwritten = None;
        let Some(dir) = &self.dir else {
            self.slot = None;
            return None;
        };
        let path = slot_path(dir, &id);
        let found = match read(&path) {
            // Two recordings whose ids hash alike: the other one's file is not ours to touch.
            Some(Ok(s)) if s.recording != id => {
                self.slot = None;
                return None;
            }
            found => found,
        };
        self.owned = found.is_none();
        self.slot = Some((id, path));
        found
    }

    /// The user answered about an earlier session's autosave: from now on this session keeps
    /// the file (overwrites it after the next change, removes it on a save or a clean exit).
    pub fn adopt(&mut self) {
        self.owned = true;
    }

    /// Removes the document's autosave (after a save, an explicit discard, a clean exit).
    pub fn remove(&mut self) {
        self.first_unwritten = None;
        if !self.owned {
            return;
        }
        if let Some((_, path)) = &self.slot {
            self.send(Task::Remove(path.clone()));
        }
        self.written = None;
    }

    /// The document was closed: its autosave stays for crash recovery only if it was not
    /// removed before.
    pub fn close(&mut self) {
        self.slot = None;
        self.owned = false;
        self.written = None;
        self.first_unwritten = None;
    }

    /// Call every frame with the document's revision and whether it has unsaved edits; writes
    /// the snapshot made by `snapshot` once the edits have been quiet for [`DELAY`] (or after
    /// [`MAX_DELAY`] of continuous editing). Returns when to call again, if something waits.
    pub fn tick(
        &mut self,
        revision: u64,
        dirty: bool,
        now: Instant,
        snapshot: impl FnOnce(&str) -> Snapshot,
    ) -> Option<Duration> {
        if !self.owned || self.slot.is_none() {
            return None;
        }
        if self.seen != Some(revision) {
            self.seen = Some(revision);
            self.last_change = Some(now);
            if dirty {
                self.first_unwritten.get_or_insert(now);
            }
        }
        if !dirty {
            // Back at the saved state (undone, saved): nothing to recover.
            if self.written.is_some() {
                self.remove();
            }
            self.first_unwritten = None;
            return None;
        }
        if self.written == Some(revision) {
            return None;
        }
        let first = *self.first_unwritten.get_or_insert(now);
        let last = self.last_change.unwrap_or(now);
        let due = (last + DELAY).min(first + MAX_DELAY);
        if now < due {
            return Some(due - now);
        }
        let Some((id, path)) = &self.slot else {
            return None;
        };
        let json = snapshot(id).to_json();
        let path = path.clone();
        self.send(Task::Write(path, json));
        self.written = Some(revision);
        self.first_unwritten = None;
        None
    }

    /// The last error writing or removing an autosave, once.
    pub fn take_error(&self) -> Option<String> {
        self.error.lock().ok().and_then(|mut e| e.take())
    }

    /// Waits until every queued write and removal is done (on exit).
    pub fn flush(&mut self) {
        self.tasks = None;
        if let Some(worker) = self.worker.take() {
            let _ = worker.join();
        }
    }

    fn send(&mut self, task: Task) {
        if self.tasks.is_none() {
            let (tx, rx) = channel::<Task>();
            let error = self.error.clone();
            let spawned = std::thread::Builder::new()
                .name("spectro-autosave".into())
                .spawn(move || {
                    for task in rx {
                        if let Err(e) = run_task(task)
                            && let Ok(mut slot) = error.lock()
                        {
                            *slot = Some(e);
                        }
                    }
                });
            if let Ok(worker) = spawned {
                self.tasks = Some(tx);
                self.worker = Some(worker);
            }
        }
        let task = match &self.tasks {
            Some(tx) => match tx.send(task) {
                Ok(()) => return,
                Err(e) => e.0,
            },
            None => task,
        };
        // No worker thread: a small file, written here.
        if let Err(e) = run_task(task)
            && let Ok(mut slot) = self.error.lock()
        {
            *slot = Some(e);
        }
    }
}

impl Drop for Autosaver {
    fn drop(&mut self) {
        self.flush();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::edit::{Edit, Shape};

    #[test]
    fn the_state_directory_follows_xdg() {
        let os = |s: &str| Some(OsString::from(s));
        assert_eq!(
            state_dir(os("/x/state"), os("/home/u")),
            Some(PathBuf::from("/x/state"))
        );
        // A relative XDG_STATE_HOME is ignored, as the specification says.
        assert_eq!(
            state_dir(os("rel/state"), os("/home/u")),
            Some(PathBuf::from("/home/u/.local/state"))
        );
        assert_eq!(
            state_dir(None, os("/home/u")),
            Some(PathBuf::from("/home/u/.local/state"))
        );
        assert_eq!(state_dir(None, None), None);
    }

    #[test]
    fn slots_are_stable_and_distinct() {
        let dir = Path::new("/s");
        // FNV-1a of the empty string is its offset basis: the hash does not change between builds.
        assert_eq!(slot_path(dir, ""), PathBuf::from("/s/cbf29ce484222325.json"));
        assert_ne!(slot_path(dir, "/a/take.wav"), slot_path(dir, "/a/take2.wav"));
    }

    #[test]
    fn utc_dates_match_known_instants() {
        assert_eq!(utc_time(0), (1970, 1, 1, 0, 0));
        // 2024-02-29 12:34 UTC, a leap day.
        assert_eq!(utc_time(1_709_210_040), (2024, 2, 29, 12, 34));
    }

    fn list() -> EditList {
        EditList {
            edits: vec![Edit::new(
                Shape::Rect {
                    time_s: [1.0, 2.0],
                    freq_hz: [100.0, 200.0],
                },
                -20.0,
            )],
            ..EditList::default()
        }
    }

    #[test]
    fn snapshots_round_trip() {
        let s = Snapshot {
            recording: "/a/take.wav".into(),
            saved_unix_s: 1_700_000_000,
            edits_path: Some(PathBuf::from("/a/take.edits.json")),
            list: list(),
        };
        assert_eq!(Snapshot::from_json(&s.to_json()), Ok(s));
        assert!(Snapshot::from_json("{\"version\": 1, \"edits\": []}").is_err());
    }

    fn wait_for(path: &Path, exists: bool) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while path.exists() != exists && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(5));
        }
        assert_eq!(path.exists(), exists, "{}", path.display());
    }

    #[test]
    fn written_after_the_edits_go_quiet_and_removed_when_saved() {
        let dir = tempfile::tempdir().unwrap();
        let mut a = Autosaver::new(Some(dir.path().join("spectro/autosave")));
        assert!(a.open("/a/take.wav".into()).is_none());
        let path = a.path().unwrap().to_path_buf();
        let t0 = Instant::now();
        let snap = |id: &str| Snapshot {
            recording: id.to_owned(),
            saved_unix_s: 1,
            edits_path: None,
            list: list(),
        };
        assert_eq!(a.tick(0, false, t0, snap), None);
        // A change: nothing yet, then written once quiet.
        assert_eq!(a.tick(1, true, t0, snap), Some(DELAY));
        assert!(a.tick(1, true, t0 + DELAY / 2, snap).is_some());
        assert_eq!(a.tick(1, true, t0 + DELAY, snap), None);
        a.flush();
        assert_eq!(read(&path).unwrap().unwrap(), snap("/a/take.wav"));
        // Changes every second (never quiet for DELAY) are written after MAX_DELAY at the latest.
        let first = t0 + DELAY + DELAY / 2;
        let mut t = first;
        let mut revision = 1;
        for k in 0..30 {
            revision += 1;
            t = first + DELAY / 2 * k;
            a.tick(revision, true, t, snap);
            if a.written == Some(revision) {
                break;
            }
        }
        assert_eq!(a.written, Some(revision));
        assert!(t - first <= MAX_DELAY && t - first >= MAX_DELAY - DELAY);
        // Saved: removed.
        a.tick(revision, false, t, snap);
        a.flush();
        wait_for(&path, false);
    }

    #[test]
    fn an_earlier_sessions_autosave_is_kept_until_answered() {
        let dir = tempfile::tempdir().unwrap();
        let path = slot_path(dir.path(), "/a/take.wav");
        let old = Snapshot {
            recording: "/a/take.wav".into(),
            saved_unix_s: 5,
            edits_path: None,
            list: list(),
        };
        std::fs::write(&path, old.to_json()).unwrap();
        let mut a = Autosaver::new(Some(dir.path().to_path_buf()));
        assert_eq!(a.open("/a/take.wav".into()), Some(Ok(old.clone())));
        // Not adopted: neither overwritten nor removed.
        let t0 = Instant::now();
        let snap = |id: &str| Snapshot {
            recording: id.to_owned(),
            saved_unix_s: 9,
            edits_path: None,
            list: EditList::default(),
        };
        assert_eq!(a.tick(3, true, t0 + MAX_DELAY, snap), None);
        a.remove();
        a.flush();
        assert_eq!(read(&path), Some(Ok(old)));
        // Another recording whose id hashes alike is not confused with it.
        let mut b = Autosaver::new(Some(dir.path().to_path_buf()));
        std::fs::write(
            &path,
            Snapshot {
                recording: "/other.wav".into(),
                ..snap("x")
            }
            .to_json(),
        )
        .unwrap();
        assert_eq!(b.open("/a/take.wav".into()), None);
    }
}
