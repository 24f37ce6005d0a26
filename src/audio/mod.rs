//! Playback: a device-independent engine ([`engine`]) feeding cpal ([`device`]), driven by a
//! [`player::Player`] that the editor and `spectro play` share.

pub mod demod;
pub mod device;
pub mod engine;
pub mod player;
pub mod resample;

pub use device::AudioError;
pub use engine::PlayRequest;
pub use player::{Audition, Player};
