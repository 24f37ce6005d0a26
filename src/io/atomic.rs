//! Writing outputs so that nothing the user has is ever lost or half-written.
//!
//! Every output goes to a temporary file next to its target, is flushed to disk, then renamed
//! over the target, and the rename is made durable. On top of that:
//! - a command's inputs (recording, sidecar, edit list, picture) are never replaced, whatever
//!   path spells them (symlink, hard link, `./x`) and whatever `force` says;
//! - any other existing file is replaced only with `force` (`--force` on the command line, an
//!   explicit "Replace?" in the window);
//! - a character device (`/dev/null`, `/dev/full`) is written into, never replaced; FIFOs,
//!   sockets, block devices and directories are refused;
//! - a result made of several files ([`Group`]) appears whole or not at all;
//! - temporary files are registered while they exist, so that Ctrl-C or SIGTERM
//!   ([`remove_temporaries`]) leaves none behind.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use super::error::{FileError, FileErrorKind};

/// True if `a` and `b` name the same file: the same device and inode when both exist (hard
/// links and symlinks included), else the same normalised path (a file about to be created
/// where an input would be looked for, such as a SigMF sidecar).
pub fn same_file(a: &Path, b: &Path) -> bool {
    match (std::fs::metadata(a), std::fs::metadata(b)) {
        (Ok(ma), Ok(mb)) => same_inode(&ma, &mb, a, b),
        (Err(_), Err(_)) | (Ok(_), Err(_)) | (Err(_), Ok(_)) => {
            // A dangling symlink still points somewhere: compare where it leads.
            matches!((normalised(a), normalised(b)), (Some(x), Some(y)) if x == y)
        }
    }
}

#[cfg(unix)]
fn same_inode(ma: &std::fs::Metadata, mb: &std::fs::Metadata, _a: &Path, _b: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    ma.dev() == mb.dev() && ma.ino() == mb.ino()
}

#[cfg(not(unix))]
fn same_inode(_ma: &std::fs::Metadata, _mb: &std::fs::Metadata, a: &Path, b: &Path) -> bool {
    matches!((a.canonicalize(), b.canonicalize()), (Ok(x), Ok(y)) if x == y)
}

/// `path` made absolute with its directory resolved (symlinks, `.`, `..`), following a
/// symlink at the end too; `None` if its directory does not exist.
fn normalised(path: &Path) -> Option<PathBuf> {
    if let Ok(p) = path.canonicalize() {
        return Some(p);
    }
    if let Ok(link) = std::fs::read_link(path) {
        let base = path.parent().unwrap_or(Path::new("."));
        let resolved = if link.is_absolute() { link } else { base.join(link) };
        // One level is enough to tell a dangling link from its target; loops give up.
        if std::fs::symlink_metadata(&resolved).is_ok_and(|m| !m.file_type().is_symlink()) {
            return normalised(&resolved);
        }
    }
    let name = path.file_name()?;
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    Some(dir.canonicalize().ok()?.join(name))
}

/// What writing to a target would do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutputState {
    /// Nothing is there: the file is created.
    New,
    /// A regular file (or a symlink) is there: replacing it needs `force` or the user's yes.
    Exists,
    /// A character device: written into, never replaced.
    Device,
}

/// The checks made before writing `target`, without writing: refuses inputs, directories and
/// special files other than character devices.
pub fn check_output(target: &Path, inputs: &[&Path]) -> Result<OutputState, FileError> {
    let fail = |kind| Err(FileError::new(target, kind));
    if target.as_os_str().is_empty() {
        return fail(FileErrorKind::Content("an empty path is not a file name".into()));
    }
    if inputs.iter().any(|i| same_file(i, target)) {
        return fail(FileErrorKind::IsInput);
    }
    let meta = match std::fs::metadata(target) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            // A dangling symlink is something the user has: replacing it is a replacement.
            return Ok(if std::fs::symlink_metadata(target).is_ok() {
                OutputState::Exists
            } else {
                OutputState::New
            });
        }
        Err(e) => return fail(FileErrorKind::Io(e)),
    };
    let kind = meta.file_type();
    if kind.is_dir() {
        return fail(FileErrorKind::Directory);
    }
    if kind.is_file() {
        return Ok(OutputState::Exists);
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if kind.is_char_device() {
            return Ok(OutputState::Device);
        }
    }
    fail(FileErrorKind::Special(special_name(&meta)))
}

/// What kind of special file `meta` describes, for messages.
pub fn special_name(meta: &std::fs::Metadata) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        let t = meta.file_type();
        if t.is_fifo() {
            return "a FIFO (named pipe)";
        }
        if t.is_socket() {
            return "a socket";
        }
        if t.is_block_device() {
            return "a block device";
        }
        if t.is_char_device() {
            return "a character device";
        }
    }
    if meta.is_dir() {
        return "a directory";
    }
    "not a regular file"
}

/// Temporary files in existence, removed by [`remove_temporaries`] on Ctrl-C or SIGTERM.
static TEMPORARIES: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// A temporary file's place in [`TEMPORARIES`], given up when dropped.
struct Registration(PathBuf);

impl Registration {
    fn new(path: &Path) -> Self {
        if let Ok(mut t) = TEMPORARIES.lock() {
            t.push(path.to_path_buf());
        }
        Registration(path.to_path_buf())
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        if let Ok(mut t) = TEMPORARIES.lock()
            && let Some(i) = t.iter().position(|p| *p == self.0)
        {
            t.swap_remove(i);
        }
    }
}

/// Removes every temporary file still being written. Called when the process is interrupted,
/// just before it exits; the outputs they would have become are left exactly as they were.
pub fn remove_temporaries() {
    remove_registered(|_| true);
}

fn remove_registered(which: impl Fn(&Path) -> bool) {
    let take = |t: &mut Vec<PathBuf>| {
        let (gone, kept): (Vec<PathBuf>, Vec<PathBuf>) =
            std::mem::take(t).into_iter().partition(|p| which(p));
        *t = kept;
        gone
    };
    // A writer holding the lock when the signal came is about to be stopped: wait only briefly.
    let list = match TEMPORARIES.try_lock() {
        Ok(mut t) => take(&mut t),
        Err(std::sync::TryLockError::Poisoned(p)) => take(&mut p.into_inner()),
        Err(std::sync::TryLockError::WouldBlock) => {
            std::thread::sleep(std::time::Duration::from_millis(50));
            TEMPORARIES
                .try_lock()
                .map(|mut t| take(&mut t))
                .unwrap_or_default()
        }
    };
    for p in list {
        let _ = std::fs::remove_file(p);
    }
}

/// Longest file name most file systems take, in bytes.
const NAME_MAX: usize = 255;

/// A temporary file next to `target`, registered until it is persisted or dropped.
struct Temporary {
    file: tempfile::NamedTempFile,
    registration: Registration,
}

impl Temporary {
    fn new(target: &Path) -> Result<Self, FileError> {
        let dir = match target.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        let name = target
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        // `.NAME.XXXXXX.tmp` says what it is; a name near the limit gets a short one instead.
        let prefix = if name.len() + 13 <= NAME_MAX {
            format!(".{name}.")
        } else {
            ".spectro.".to_owned()
        };
        let file = tempfile::Builder::new()
            .prefix(&prefix)
            .suffix(".tmp")
            .tempfile_in(dir)
            .map_err(|e| FileError::new(target, FileErrorKind::Io(e)))?;
        let registration = Registration::new(file.path());
        Ok(Temporary { file, registration })
    }

    /// Flushes to disk and renames over `target`; the directory entry is made durable too.
    fn persist(self, target: &Path) -> Result<(), FileError> {
        let fail = |e| FileError::new(target, FileErrorKind::Io(e));
        let Temporary { file, registration } = self;
        file.as_file().sync_all().map_err(fail)?;
        set_output_permissions(file.path(), target);
        // On failure NamedTempFile removes the temporary file itself.
        let result = file.persist(target);
        drop(registration);
        result.map_err(|e| fail(e.error))?;
        sync_dir(target);
        Ok(())
    }
}

/// Makes a rename in `target`'s directory durable. Best effort: some file systems refuse to
/// sync a directory, and the data itself is already on disk.
fn sync_dir(target: &Path) {
    #[cfg(unix)]
    {
        let dir = match target.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        if let Ok(d) = File::open(dir) {
            let _ = d.sync_all();
        }
    }
    #[cfg(not(unix))]
    let _ = target;
}

/// Temporary files are private (0600); an output gets ordinary permissions, or keeps those of
/// the file it replaces.
#[cfg(unix)]
fn set_output_permissions(tmp: &Path, target: &Path) {
    use std::os::unix::fs::PermissionsExt;
    let perms = std::fs::metadata(target)
        .map(|m| m.permissions())
        .unwrap_or_else(|_| std::fs::Permissions::from_mode(0o644));
    let _ = std::fs::set_permissions(tmp, perms);
}

#[cfg(not(unix))]
fn set_output_permissions(_tmp: &Path, _target: &Path) {}

/// One written output of a [`Group`], not yet in place.
enum Written {
    /// In a temporary file, renamed over `target` on commit.
    Pending(PathBuf, Temporary),
    /// Written straight into a character device.
    Device,
}

/// Several outputs that make one result (a CSV and its bursts file, raw IQ and its SigMF
/// metadata): each is written to its own temporary file, and only once all are written are
/// they renamed into place. Dropping a group that was not committed removes its temporaries.
pub struct Group {
    inputs: Vec<PathBuf>,
    force: bool,
    targets: Vec<PathBuf>,
    written: Vec<Written>,
}

impl Group {
    /// A group that never replaces any of `inputs`, and replaces other existing files only when
    /// `force`.
    pub fn new(inputs: &[&Path], force: bool) -> Self {
        Group {
            inputs: inputs.iter().map(|p| p.to_path_buf()).collect(),
            force,
            targets: Vec::new(),
            written: Vec::new(),
        }
    }

    fn check_one(&self, target: &Path) -> Result<OutputState, FileError> {
        let inputs: Vec<&Path> = self.inputs.iter().map(PathBuf::as_path).collect();
        let state = check_output(target, &inputs)?;
        if state == OutputState::Exists && !self.force {
            return Err(FileError::new(target, FileErrorKind::Exists));
        }
        Ok(state)
    }

    /// Checks every target of the result before any work is done: none is an input, a
    /// refused special file, an existing file without `force`, or another target of the group.
    pub fn check(&self, targets: &[&Path]) -> Result<(), FileError> {
        for (i, t) in targets.iter().enumerate() {
            self.check_one(t)?;
            let earlier = targets[..i].iter().copied();
            if earlier
                .chain(self.targets.iter().map(PathBuf::as_path))
                .any(|o| same_file(o, t))
            {
                return Err(FileError::new(t, FileErrorKind::Collision));
            }
        }
        Ok(())
    }

    /// Writes `target` through `write` into its temporary file (or straight into a character
    /// device). If `write` fails, nothing of it remains.
    pub fn add<E: From<FileError>>(
        &mut self,
        target: &Path,
        write: impl FnOnce(&File) -> Result<(), E>,
    ) -> Result<(), E> {
        let state = self.check_one(target)?;
        if self.targets.iter().any(|o| same_file(o, target)) {
            return Err(FileError::new(target, FileErrorKind::Collision).into());
        }
        if state == OutputState::Device {
            let file = std::fs::OpenOptions::new()
                .write(true)
                .open(target)
                .map_err(|e| FileError::new(target, FileErrorKind::Io(e)))?;
            write(&file)?;
            // A full device (/dev/full) reports it here at the latest.
            file.sync_all()
                .or_else(|e| match e.raw_os_error() {
                    // Devices that cannot sync (EINVAL, ENOTTY) have nothing to flush.
                    Some(22) | Some(25) => Ok(()),
                    _ => Err(e),
                })
                .map_err(|e| FileError::new(target, FileErrorKind::Io(e)))?;
            self.targets.push(target.to_path_buf());
            self.written.push(Written::Device);
            return Ok(());
        }
        let tmp = Temporary::new(target)?;
        write(tmp.file.as_file())?;
        self.targets.push(target.to_path_buf());
        self.written.push(Written::Pending(target.to_path_buf(), tmp));
        Ok(())
    }

    /// Puts every written output in place.
    pub fn commit(self) -> Result<(), FileError> {
        // Flush everything first: a full disk shows here, before anything is replaced.
        for w in &self.written {
            if let Written::Pending(target, tmp) = w {
                tmp.file
                    .as_file()
                    .sync_all()
                    .map_err(|e| FileError::new(target, FileErrorKind::Io(e)))?;
            }
        }
        for w in self.written {
            if let Written::Pending(target, tmp) = w {
                tmp.persist(&target)?;
            }
        }
        Ok(())
    }
}

/// Writes `target` through `write`, atomically: a one-file [`Group`].
///
/// Never replaces any of `inputs`; replaces another existing file only when `force`. If
/// `write` fails, the target is left exactly as it was and the temporary file is removed.
pub fn write_atomically<E>(
    target: &Path,
    inputs: &[&Path],
    force: bool,
    write: impl FnOnce(&File) -> Result<(), E>,
) -> Result<(), E>
where
    E: From<FileError>,
{
    let mut group = Group::new(inputs, force);
    group.add(target, write)?;
    group.commit()?;
    Ok(())
}

/// Writes a whole byte buffer atomically (edit lists, small files), with the same rules as
/// [`write_atomically`].
pub fn write_bytes(target: &Path, inputs: &[&Path], force: bool, bytes: &[u8]) -> Result<(), FileError> {
    use std::io::Write;
    write_atomically(target, inputs, force, |mut f: &File| {
        f.write_all(bytes)
            .map_err(|e| FileError::new(target, FileErrorKind::Io(e)))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn write_text(target: &Path, inputs: &[&Path], force: bool, text: &[u8]) -> Result<(), FileError> {
        write_bytes(target, inputs, force, text)
    }

    fn entries(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn failure_leaves_target_untouched_and_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out.bin");
        std::fs::write(&target, b"precious").unwrap();
        let r: Result<(), FileError> = write_atomically(&target, &[], true, |mut f: &File| {
            f.write_all(b"half").unwrap();
            Err(FileError::new(&target, FileErrorKind::Content("boom".into())))
        });
        assert!(r.is_err());
        assert_eq!(std::fs::read(&target).unwrap(), b"precious");
        assert_eq!(entries(dir.path()), ["out.bin"]);
        assert!(
            TEMPORARIES
                .lock()
                .unwrap()
                .iter()
                .all(|p| !p.starts_with(dir.path()))
        );
    }

    #[test]
    fn inputs_are_never_replaced_whatever_spells_them() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("in.wav");
        std::fs::write(&input, b"data").unwrap();
        let hard = dir.path().join("hard.wav");
        std::fs::hard_link(&input, &hard).unwrap();
        let soft = dir.path().join("soft.wav");
        std::os::unix::fs::symlink(&input, &soft).unwrap();
        let dotted = dir.path().join(".").join("in.wav");
        for target in [&input, &hard, &soft, &dotted] {
            for force in [false, true] {
                let r = write_text(target, &[&input], force, b"new");
                assert!(
                    matches!(
                        &r,
                        Err(FileError {
                            kind: FileErrorKind::IsInput,
                            ..
                        })
                    ),
                    "{target:?} force={force}: {r:?}"
                );
            }
        }
        assert_eq!(std::fs::read(&input).unwrap(), b"data");
    }

    #[test]
    fn a_sidecar_an_input_would_read_counts_as_that_input_before_it_exists() {
        let dir = tempfile::tempdir().unwrap();
        let sidecar = dir.path().join("cap.sigmf-meta");
        let spelt_otherwise = dir.path().join("sub/../cap.sigmf-meta");
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        let r = write_text(&spelt_otherwise, &[&sidecar], true, b"{}");
        assert!(
            matches!(
                r,
                Err(FileError {
                    kind: FileErrorKind::IsInput,
                    ..
                })
            ),
            "{r:?}"
        );
        assert!(!sidecar.exists());
    }

    #[test]
    fn existing_files_need_force() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out.wav");
        std::fs::write(&target, b"old").unwrap();
        let r = write_text(&target, &[], false, b"new");
        assert!(
            matches!(
                r,
                Err(FileError {
                    kind: FileErrorKind::Exists,
                    ..
                })
            ),
            "{r:?}"
        );
        assert_eq!(std::fs::read(&target).unwrap(), b"old");
        write_text(&target, &[], true, b"new").unwrap();
        assert_eq!(std::fs::read(&target).unwrap(), b"new");
        assert_eq!(entries(dir.path()), ["out.wav"]);
    }

    #[test]
    fn a_character_device_is_written_into_not_replaced() {
        let null = Path::new("/dev/null");
        if !null.exists() {
            return;
        }
        assert_eq!(check_output(null, &[]).unwrap(), OutputState::Device);
        write_text(null, &[], false, b"into the void").unwrap();
        let meta = std::fs::metadata(null).unwrap();
        use std::os::unix::fs::FileTypeExt;
        assert!(meta.file_type().is_char_device());
        let full = Path::new("/dev/full");
        if full.exists() {
            let r = write_text(full, &[], false, &[0u8; 1 << 16]);
            assert!(r.is_err(), "writing into /dev/full must fail");
            assert!(std::fs::metadata(full).unwrap().file_type().is_char_device());
        }
    }

    #[test]
    fn fifos_and_directories_are_refused_at_once() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("pipe");
        let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        // SAFETY: a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        let r = write_text(&fifo, &[], true, b"x");
        assert!(
            matches!(
                r,
                Err(FileError {
                    kind: FileErrorKind::Special(_),
                    ..
                })
            ),
            "{r:?}"
        );
        let r = write_text(dir.path(), &[], true, b"x");
        assert!(
            matches!(
                r,
                Err(FileError {
                    kind: FileErrorKind::Directory,
                    ..
                })
            ),
            "{r:?}"
        );
        assert_eq!(entries(dir.path()), ["pipe"]);
    }

    #[test]
    fn a_name_at_the_length_limit_is_written() {
        let dir = tempfile::tempdir().unwrap();
        let name = format!("{}.wav", "n".repeat(NAME_MAX - 4));
        let target = dir.path().join(&name);
        write_text(&target, &[], false, b"ok").unwrap();
        assert_eq!(entries(dir.path()), [name]);
    }

    #[test]
    fn a_group_appears_whole_or_not_at_all() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a.csv");
        let b = dir.path().join("a.bursts.csv");
        let mut g = Group::new(&[], false);
        g.add(&a, |mut f: &File| {
            f.write_all(b"a").map_err(|e| FileError::new(&a, e.into()))
        })
        .unwrap();
        let r: Result<(), FileError> = g.add(&b, |_| {
            Err(FileError::new(&b, FileErrorKind::Content("no".into())))
        });
        assert!(r.is_err());
        drop(g);
        assert!(entries(dir.path()).is_empty());

        let mut g = Group::new(&[], false);
        g.check(&[&a, &b]).unwrap();
        g.add(&a, |mut f: &File| {
            f.write_all(b"a").map_err(|e| FileError::new(&a, e.into()))
        })
        .unwrap();
        g.add(&b, |mut f: &File| {
            f.write_all(b"b").map_err(|e| FileError::new(&b, e.into()))
        })
        .unwrap();
        assert!(!a.exists() && !b.exists());
        g.commit().unwrap();
        assert_eq!(entries(dir.path()), ["a.bursts.csv", "a.csv"]);
    }

    #[test]
    fn a_group_refuses_two_outputs_onto_one_file() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("x/take.wav");
        let b = dir.path().join("take.wav");
        std::fs::create_dir(dir.path().join("x")).unwrap();
        let g = Group::new(&[], true);
        assert!(g.check(&[&a, &b]).is_ok());
        let same = dir.path().join("x/../take.wav");
        let r = g.check(&[&b, &same]);
        assert!(
            matches!(
                r,
                Err(FileError {
                    kind: FileErrorKind::Collision,
                    ..
                })
            ),
            "{r:?}"
        );
    }

    #[test]
    fn interrupted_writes_leave_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out.wav");
        let tmp = Temporary::new(&target).unwrap();
        let path = tmp.file.path().to_path_buf();
        assert!(path.exists());
        // What the signal handler does (for this directory only: other tests run alongside);
        // the process would then exit without running drops.
        remove_registered(|p| p.starts_with(dir.path()));
        assert!(!path.exists());
        std::mem::forget(tmp);
        assert!(entries(dir.path()).is_empty());
    }
}
