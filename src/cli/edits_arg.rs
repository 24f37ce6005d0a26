//! What `--edits` names: an edit list, or a session (`.spectro`) whose edit list is used. A
//! session saved with another version of the recording (its content hash differs) is applied
//! all the same, with one line of warning on stderr.

use std::path::Path;

use crate::edit::{EditList, load_edits_or_session};
use crate::io::Recording;
use crate::signal::Progress;

/// Reads the edit list at `path` (or the one in the session at `path`) for `rec`.
pub fn read_edits(path: &Path, rec: &Recording) -> anyhow::Result<EditList> {
    let (list, session) = load_edits_or_session(path)?;
    if let Some(session) = session {
        match session.matches(rec.path(), &Progress::new()) {
            Ok(true) => {}
            Ok(false) => eprintln!(
                "spectro: warning: {}: {} is not the recording this session was saved with (its content hash differs); applying its edits anyway",
                path.display(),
                rec.path().display()
            ),
            Err(e) => eprintln!(
                "spectro: warning: {}: cannot check the recording: {e}",
                path.display()
            ),
        }
    }
    Ok(list)
}
