//! De-click over a recording: [`declick_channel`] finds and repairs the clicks of one channel
//! over a span, in overlapping blocks processed in parallel, and returns each click's change
//! as its own [`ChannelDelta`] (memory follows the clicks: an hour-long recording with a
//! hundred clicks holds a hundred short buffers, never a whole-file one).
//!
//! Each block holds [`BLOCK_S`] of samples it reports on and a margin
//! ([`block_margin`]) on each side that detection and repair read, so a click near a block
//! edge is found and filled as in one pass over the whole span.

use std::ops::Range;

use rayon::prelude::*;

use super::paint::ChannelDelta;
use crate::signal::declick::detect::{AR_ORDER, hop_samples};
use crate::signal::declick::{Click, DeclickSample, DeclickScratch, block_margin, declick_block};
use crate::signal::{Cancelled, Progress, ReadSamples, SampleSource};

/// Seconds of samples each block reports on.
pub const BLOCK_S: f64 = 1.0;

/// Finds and repairs the clicks of `channel` of `source` within `span` (samples; clipped to
/// the recording) at `sensitivity` (1 calibrated, higher finds more). Returns one change per
/// click, in time order, each within `span`, and the clicks (`level_db`: the peak removed,
/// dB full scale).
///
/// Advances `progress` by the samples of `span` processed (the caller sets the total).
pub fn declick_channel<T: ReadSamples + DeclickSample>(
    source: &dyn SampleSource,
    channel: usize,
    span: Range<i64>,
    sensitivity: f64,
    progress: &Progress,
) -> Result<(Vec<ChannelDelta<T>>, Vec<Click>), Cancelled> {
    let span = span.start.max(0)..span.end.min(source.len() as i64);
    if span.is_empty() {
        return Ok((Vec::new(), Vec::new()));
    }
    let fs = source.sample_rate();
    let block = ((BLOCK_S * fs).round() as i64).max(1);
    let margin = block_margin(fs) as i64;
    let len = source.len() as i64;
    let edge = (AR_ORDER + hop_samples(fs)) as i64;
    let starts: Vec<i64> = (span.start..span.end).step_by(block as usize).collect();
    let per_block: Vec<Result<Vec<_>, Cancelled>> = starts
        .par_iter()
        .map_init(
            || (DeclickScratch::default(), Vec::<T>::new()),
            |(scratch, samples), &b0| {
                progress.check()?;
                let b1 = (b0 + block).min(span.end);
                let read0 = b0 - margin;
                samples.clear();
                samples.resize((b1 + margin - read0) as usize, T::default());
                T::read(source, channel, read0, samples);
                // The first and last hop of a recording are judged against the zeros around
                // it: an abrupt start or end is not a click.
                let keep = b0.max(edge)..b1.min(len - edge);
                let found = declick_block(samples, read0, keep, span.clone(), fs, sensitivity, scratch);
                progress.advance((b1 - b0) as u64);
                Ok(found)
            },
        )
        .collect();
    let mut deltas = Vec::new();
    let mut clicks = Vec::new();
    for found in per_block {
        for r in found? {
            clicks.push(r.click);
            deltas.push(ChannelDelta {
                start: r.click.start_sample,
                delta: r.delta,
            });
        }
    }
    Ok((deltas, clicks))
}
