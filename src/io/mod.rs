//! File I/O, bytes and samples only: WAV, RF64, W64 and raw IQ recordings (mapped, decoded by
//! range), FLAC, Ogg, MP3, AIFF and CAF (decoded once into a mapped cache),
//! audio and PNG writers, all written atomically. Nothing here knows about edits.

pub mod atomic;
pub mod content_hash;
pub mod decode;
pub mod encoding;
pub mod error;
pub mod flac;
pub mod name_hints;
pub mod output;
pub mod picture;
pub mod recording;
pub mod sigmf;
pub mod wav;

use std::path::Path;

pub use encoding::Encoding;
pub use error::{FileError, FileErrorKind};
pub use recording::{Container, OpenOptions, Recording, RecordingInfo};

/// Checks, before opening it, that `path` is a regular file (following symlinks): a FIFO would
/// block the open forever, a device (`/dev/zero`) never ends, a directory cannot be read.
pub fn check_regular(path: &Path) -> Result<std::fs::Metadata, FileError> {
    let meta = std::fs::metadata(path).map_err(|e| FileError::new(path, FileErrorKind::Io(e)))?;
    let ft = meta.file_type();
    if ft.is_file() {
        return Ok(meta);
    }
    let kind = if ft.is_dir() {
        return Err(FileError::new(path, FileErrorKind::Directory));
    } else {
        special_kind(&ft)
    };
    Err(FileError::new(path, FileErrorKind::NotRegular(kind)))
}

#[cfg(unix)]
fn special_kind(ft: &std::fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    if ft.is_fifo() {
        "FIFO (named pipe)"
    } else if ft.is_char_device() {
        "character device"
    } else if ft.is_block_device() {
        "block device"
    } else if ft.is_socket() {
        "socket"
    } else {
        "special file"
    }
}

#[cfg(not(unix))]
fn special_kind(_ft: &std::fs::FileType) -> &'static str {
    "special file"
}

/// Reads a small text file (edit list, sidecar) after checking it is a regular file of at most
/// `max` bytes; `what` names the kind in the error ("edit lists").
pub fn read_small_text(path: &Path, max: u64, what: &'static str) -> Result<String, FileError> {
    use std::io::Read;
    let err = |kind| FileError::new(path, kind);
    let meta = check_regular(path)?;
    if meta.len() > max {
        return Err(err(FileErrorKind::TooLarge {
            size: meta.len(),
            max,
            what,
        }));
    }
    let file = std::fs::File::open(path).map_err(|e| err(FileErrorKind::Io(e)))?;
    // The size may have changed since: never read more than the limit.
    let mut bytes = Vec::new();
    file.take(max + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| err(FileErrorKind::Io(e)))?;
    if bytes.len() as u64 > max {
        return Err(err(FileErrorKind::TooLarge {
            size: bytes.len() as u64,
            max,
            what,
        }));
    }
    String::from_utf8(bytes).map_err(|e| {
        err(FileErrorKind::Content(format!(
            "not UTF-8 text (invalid byte at offset {})",
            e.utf8_error().valid_up_to()
        )))
    })
}
