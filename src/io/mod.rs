//! File I/O: WAV and raw IQ recordings (mapped, decoded by range), rendered output, PNG
//! pictures and edit lists, all written atomically.

pub mod atomic;
pub mod encoding;
pub mod error;
pub mod export;
pub mod extract;
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

use crate::edit::EditList;

/// Reads and parses an edit list file.
pub fn load_edit_list(path: &Path) -> Result<EditList, FileError> {
    let text = std::fs::read_to_string(path).map_err(|e| FileError::new(path, FileErrorKind::Io(e)))?;
    EditList::from_json(&text).map_err(|e| FileError::new(path, FileErrorKind::Content(e.to_string())))
}

/// Writes an edit list atomically, never over one of `inputs` (the recording it edits), over
/// another existing file only when `force`.
pub fn save_edit_list(path: &Path, list: &EditList, inputs: &[&Path], force: bool) -> Result<(), FileError> {
    atomic::write_bytes(path, inputs, force, list.to_json().as_bytes())
}
