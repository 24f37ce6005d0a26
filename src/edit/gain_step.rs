//! The edits whose gain for a cell comes from the recording around it rather than from a
//! region: learned noise removal and voice isolation. Both are computed for a block of frames
//! at a time (see `pipeline::render::GainBlock`) and then multiply like any other edit's gain.

use std::ops::Range;

use super::denoise::{DenoiseScratch, PreparedDenoise};
use super::voice::PreparedVoice;
use crate::signal::{Complex32, ReadSamples, SampleSource, Stft};

/// What a step computes gains from: frames `core` of `channel` of `source` under `stft`, and
/// the raw power `|X|²` of the frames `power_frames` (`core` widened by
/// [`GainStep::context_frames`] on each side, clamped to the recording's `total_frames`).
pub(crate) struct GainRequest<'a, T: ReadSamples> {
    /// The recording as the masks see it.
    pub source: &'a dyn SampleSource,
    /// The STFT plan.
    pub stft: &'a Stft<T>,
    /// The channel.
    pub channel: usize,
    /// `|X|²` of `power_frames`, frame-major.
    pub power: &'a [f32],
    /// The frames `power` holds.
    pub power_frames: Range<usize>,
    /// The frames whose gains are wanted.
    pub core: Range<usize>,
    /// The spectra `X` of the `core` frames, frame-major, as the pipeline computed them.
    pub spectra: &'a [Complex32],
    /// Frames in the whole recording.
    pub total_frames: usize,
}

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

    /// Gains of the frames `request.core` into `out` (`core.len() × bins`, frame-major).
    pub(crate) fn gains<T: ReadSamples>(
        &self,
        request: &GainRequest<'_, T>,
        scratch: &mut DenoiseScratch,
        out: &mut [f32],
    ) {
        match self {
            GainStep::Denoise(d) => d.gains(request, scratch, out),
            GainStep::Voice(v) => v.gains(request, out),
        }
    }
}
