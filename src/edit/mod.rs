//! The document and edit model: the JSON edit list in seconds and Hz, rasterising it into
//! masks on any STFT grid, learned noise removal, undo history, and rendering an edited
//! recording.

pub mod denoise;
pub mod document;
pub mod history;
pub mod image;
pub mod list;
pub mod mask;
pub mod paint;
pub mod picture;
pub mod render;

pub use denoise::{Denoise, DenoiseError, NoiseEstimate, NoiseProfile};
pub use document::{Affected, Document};
pub use history::{Change, History};
pub use list::{Edit, EditError, EditList, LevelCondition, PhaseSettings, Shape, StftSettings};
pub use mask::{Grid, MaskRaster};
