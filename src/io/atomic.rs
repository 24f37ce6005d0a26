//! Writing outputs so that nothing is ever half-written or lost: write a temporary file next
//! to the target, flush it to disk, then rename it over the target.

use std::fs::File;
use std::path::Path;

use super::error::{FileError, FileErrorKind};

/// True if `a` and `b` name the same existing file (hard links and symlinks included).
pub fn same_file(a: &Path, b: &Path) -> bool {
    let (Ok(ma), Ok(mb)) = (std::fs::metadata(a), std::fs::metadata(b)) else {
        return false;
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        ma.dev() == mb.dev() && ma.ino() == mb.ino()
    }
    #[cfg(not(unix))]
    {
        let _ = (ma, mb);
        matches!((a.canonicalize(), b.canonicalize()), (Ok(x), Ok(y)) if x == y)
    }
}

/// Writes `target` through `write`, atomically.
///
/// Refuses to replace any of `inputs` unless `force`. If `write` fails, the target is left
/// exactly as it was and the temporary file is removed.
pub fn write_atomically<E>(
    target: &Path,
    inputs: &[&Path],
    force: bool,
    write: impl FnOnce(&File) -> Result<(), E>,
) -> Result<(), E>
where
    E: From<FileError>,
{
    let fail = |kind| E::from(FileError::new(target, kind));
    if !force && inputs.iter().any(|i| same_file(i, target)) {
        return Err(fail(FileErrorKind::WouldOverwriteInput));
    }
    if target.is_dir() {
        return Err(fail(FileErrorKind::Directory));
    }
    let dir = match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = tempfile::Builder::new()
        .prefix(&format!(".{name}."))
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(|e| fail(FileErrorKind::Io(e)))?;
    write(tmp.as_file())?;
    tmp.as_file().sync_all().map_err(|e| fail(FileErrorKind::Io(e)))?;
    set_output_permissions(tmp.path(), target);
    tmp.persist(target)
        .map_err(|e| fail(FileErrorKind::Io(e.error)))?;
    Ok(())
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

/// Writes a whole byte buffer atomically (edit lists, small files).
pub fn write_bytes(target: &Path, bytes: &[u8]) -> Result<(), FileError> {
    use std::io::Write;
    write_atomically(target, &[], true, |mut f: &File| {
        f.write_all(bytes)
            .map_err(|e| FileError::new(target, FileErrorKind::Io(e)))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn failure_leaves_target_untouched_and_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out.bin");
        std::fs::write(&target, b"precious").unwrap();
        let r: Result<(), FileError> = write_atomically(&target, &[], false, |mut f: &File| {
            f.write_all(b"half").unwrap();
            Err(FileError::new(&target, FileErrorKind::Content("boom".into())))
        });
        assert!(r.is_err());
        assert_eq!(std::fs::read(&target).unwrap(), b"precious");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn refuses_to_overwrite_an_input_without_force() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("in.wav");
        std::fs::write(&input, b"data").unwrap();
        let link = dir.path().join("alias.wav");
        std::fs::hard_link(&input, &link).unwrap();
        let r: Result<(), FileError> = write_atomically(&link, &[&input], false, |_| Ok(()));
        assert!(matches!(
            r,
            Err(FileError {
                kind: FileErrorKind::WouldOverwriteInput,
                ..
            })
        ));
        let r: Result<(), FileError> = write_atomically(&link, &[&input], true, |mut f: &File| {
            f.write_all(b"new")
                .map_err(|e| FileError::new(&link, FileErrorKind::Io(e)))
        });
        assert!(r.is_ok());
        assert_eq!(std::fs::read(&link).unwrap(), b"new");
    }
}
