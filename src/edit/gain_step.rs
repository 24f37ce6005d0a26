//! The edits whose gain for a cell comes from the recording around it rather than from a
//! region: learned noise removal and voice isolation. Both are computed for a block of frames
//! at a time (see `pipeline::render::GainBlock`) and then multiply like any other edit's gain.

use std::ops::Range;

use super::denoise::{DenoiseScratch, PreparedDenoise};
use super::voice::PreparedVoice;
use crate::signal::{ReadSamples, SampleSource, Stft};

/// A prepared step of either kind.
pub(crate) enum GainStep {
    /// Learned noise removal.
    Denoise(PreparedDenoise),
    /// Voice isolation.
    Voice(PreparedVoice),
}

impl GainStep {
    /// Frames on each side of a frame whose spectra its gain depends on (voice isolation reads
    /// the recording itself, by chunks, so it needs none of the block's spectra).
    pub(crate) fn context_frames(&self) -> usize {
        match self {
            GainStep::Denoise(d) => d.context_frames(),
            GainStep::Voice(_) => 0,
        }
    }

    /// True when this step may act on `channel`.
    pub(crate) fn acts_on(&self, channel: usize) -> bool {
        match self {
            GainStep::Denoise(d) => d.acts_on(channel),
            GainStep::Voice(_) => true,
        }
    }

    /// Gains of the frames `core` of `channel` into `out` (`core.len() × bins`, frame-major);
    /// `power` holds `|X|²` of the frames `power_frames` (see [`PreparedDenoise::gains`]).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn gains<T: ReadSamples>(
        &self,
        source: &dyn SampleSource,
        stft: &Stft<T>,
        channel: usize,
        power: &[f32],
        power_frames: Range<usize>,
        core: Range<usize>,
        total_frames: usize,
        scratch: &mut DenoiseScratch,
        out: &mut [f32],
    ) {
        match self {
            GainStep::Denoise(d) => d.gains(
                source,
                stft,
                channel,
                power,
                power_frames,
                core,
                total_frames,
                scratch,
                out,
            ),
            GainStep::Voice(v) => v.gains(source, stft, channel, power, power_frames, core, out),
        }
    }
}
