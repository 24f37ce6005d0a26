//! The edit list's file: reading and writing it, with the same checks as every input and output.

use std::path::Path;

use super::EditList;
use crate::io::{FileError, FileErrorKind, atomic, read_small_text};
use crate::signal::limits;

/// Reads and parses an edit list file (a regular file of at most
/// [`limits::MAX_EDIT_LIST_BYTES`]).
pub fn load_edit_list(path: &Path) -> Result<EditList, FileError> {
    let text = read_small_text(path, limits::MAX_EDIT_LIST_BYTES, "edit lists")?;
    EditList::from_json(&text).map_err(|e| FileError::new(path, FileErrorKind::Content(e.to_string())))
}

/// Writes an edit list atomically, never over one of `inputs` (the recording it edits), over
/// another existing file only when `force`.
pub fn save_edit_list(path: &Path, list: &EditList, inputs: &[&Path], force: bool) -> Result<(), FileError> {
    atomic::write_bytes(path, inputs, force, list.to_json().as_bytes())
}
