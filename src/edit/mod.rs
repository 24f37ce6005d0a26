//! The document and edit model: the JSON edit list in seconds and Hz (and its file), rasterising
//! it into masks on any STFT grid, learned noise removal, voice isolation, undo history. Rendering an edited
//! recording is the [`crate::pipeline`]'s job.

pub mod denoise;
pub mod document;
pub mod file;
pub(crate) mod gain_step;
pub mod harmonics;
pub mod history;
pub mod list;
pub mod mask;
pub mod paste;
pub mod session;
pub mod voice;

pub use denoise::{Denoise, DenoiseError, NoiseEstimate, NoiseProfile};
pub use document::{Affected, Document};
pub use file::{load_edit_list, save_edit_list};
pub use harmonics::Harmonics;
pub use history::{Change, History};
pub use list::{Edit, EditError, EditList, LevelCondition, PhaseSettings, Repair, Shape, StftSettings};
pub use mask::{Grid, MaskRaster};
pub use paste::{Paste, PasteMode};
pub use session::{RecordingCheck, Session, SessionError, load_edits_or_session, load_session, save_session};
pub use voice::Voice;
