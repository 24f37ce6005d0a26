//! Harmonic selections need the recording once: before rendering, every `harmonics` edit
//! without a stored track is tracked ([`crate::signal::harmonics`]) on the unedited recording
//! (the channels it applies to) and the track stored in the edit, so the list written back
//! (`spectro apply --json`, the window's saved list) reproduces exactly what was rendered.
//! The selection itself is then a mask like a rectangle's ([`crate::edit::MaskRaster`]), or
//! with `"repair"` a region repaired like one ([`super::repair`]).

use crate::edit::{Edit, Shape};
use crate::signal::harmonics::{HarmonicsError, track_harmonics};
use crate::signal::{Progress, SampleSource};

/// True if some harmonics edit among `edits` has no track yet.
pub fn needs_tracking(edits: &[Edit]) -> bool {
    edits
        .iter()
        .any(|e| e.is_active() && matches!(&e.shape, Shape::Harmonics(h) if h.track_hz.is_none()))
}

/// Tracks every harmonics edit of `edits` that has no `track_hz` on `source` and stores the
/// track; edits that have one are left as they are. Returns how many were tracked.
pub fn track_edits(
    source: &dyn SampleSource,
    edits: &mut [Edit],
    progress: &Progress,
) -> Result<usize, HarmonicsError> {
    let mut tracked = 0;
    for edit in edits.iter_mut() {
        let channels = edit.channels.clone().unwrap_or_default();
        // A bypassed selection renders nothing: tracked when it is turned back on.
        if let Shape::Harmonics(h) = &mut edit.shape
            && h.track_hz.is_none()
            && !edit.bypass
        {
            let track = track_harmonics(source, &channels, &h.seed(), progress)?;
            h.track_hz = Some(track.points);
            tracked += 1;
        }
    }
    Ok(tracked)
}
