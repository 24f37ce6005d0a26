//! De-click: finds short broadband impulses (clicks, crackle) by themselves and repairs each
//! one by Janssen AR interpolation over the click and a small margin (repair.md §4).
//!
//! [`detect`] scores each sample by its AR prediction residual against the residual's robust
//! local spread; [`janssen`] fills each click from its surroundings. [`declick_block`] does
//! both on one block held in memory; the pipeline runs it over a recording block by block.

pub mod detect;
pub mod janssen;

use std::ops::Range;

use rustfft::num_complex::Complex32;

pub use detect::{DetectScratch, Scores, click_score, detect_clicks};
pub use janssen::{JanssenScratch, janssen_context, janssen_fill, janssen_order};

/// One click found (and repaired).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Click {
    /// First sample repaired.
    pub start_sample: i64,
    /// Samples repaired.
    pub len_samples: usize,
    /// How loud the click was. From [`detect_clicks`]: its peak prediction residual, dB
    /// above the local spread; from [`declick_block`] (and the pipeline): the peak of what the
    /// repair removed, dB full scale.
    pub level_db: f64,
}

/// A sample type de-click works on: real audio (one component) or IQ (I and Q, detected
/// jointly, repaired each).
pub trait DeclickSample: Copy + Default + Send + Sync + 'static {
    /// Real components per sample.
    const COMPONENTS: usize;
    /// Component `c`.
    fn component(self, c: usize) -> f64;
    /// Sets component `c`.
    fn set_component(&mut self, c: usize, value: f64);
}

impl DeclickSample for f32 {
    const COMPONENTS: usize = 1;
    fn component(self, _c: usize) -> f64 {
        self as f64
    }
    fn set_component(&mut self, _c: usize, value: f64) {
        *self = value as f32;
    }
}

impl DeclickSample for Complex32 {
    const COMPONENTS: usize = 2;
    fn component(self, c: usize) -> f64 {
        if c == 0 { self.re as f64 } else { self.im as f64 }
    }
    fn set_component(&mut self, c: usize, value: f64) {
        if c == 0 {
            self.re = value as f32;
        } else {
            self.im = value as f32;
        }
    }
}

/// A repaired click: what to add to the recording from `click.start_sample` on.
#[derive(Clone, Debug, PartialEq)]
pub struct Repaired<T> {
    /// The click, with `level_db` the peak removed (dB full scale).
    pub click: Click,
    /// Repaired minus original, `click.len_samples` long.
    pub delta: Vec<T>,
}

/// Buffers reused between blocks.
#[derive(Debug, Default)]
pub struct DeclickScratch {
    components: Vec<Vec<f64>>,
    detect: DetectScratch,
    janssen: JanssenScratch,
}

/// Samples a block must hold beyond the clicks it reports on each side, so that detection
/// and repair near its edges read the same samples as in a whole-recording pass.
pub fn block_margin(sample_rate: f64) -> usize {
    let hop = detect::hop_samples(sample_rate);
    let longest =
        ((detect::MAX_CLICK_S + 2.0 * detect::PAD_S + detect::TAIL_S) * sample_rate).ceil() as usize;
    2 * hop + detect::AR_ORDER + janssen_context(longest) + longest
}

/// Finds and repairs the clicks of `block` (samples `block_start ..` of a recording) at
/// `sensitivity` (1 calibrated, higher finds more), and returns those that start in `keep`
/// (absolute samples), their repair cut to `limit` (the span being de-clicked). Every click
/// in the block is repaired in time order, so a kept click's context has its neighbours
/// repaired already.
pub fn declick_block<T: DeclickSample>(
    block: &[T],
    block_start: i64,
    keep: Range<i64>,
    limit: Range<i64>,
    sample_rate: f64,
    sensitivity: f64,
    scratch: &mut DeclickScratch,
) -> Vec<Repaired<T>> {
    let n = block.len();
    scratch.components.resize_with(T::COMPONENTS, Vec::new);
    for (c, comp) in scratch.components.iter_mut().enumerate() {
        comp.clear();
        comp.extend(block.iter().map(|v| v.component(c)));
    }
    let clicks = {
        let views: Vec<&[f64]> = scratch.components.iter().map(|c| c.as_slice()).collect();
        detect_clicks(&views, sample_rate, sensitivity, &mut scratch.detect)
    };
    let mut out = Vec::new();
    for click in clicks {
        let s = click.start_sample as usize;
        let e = (s + click.len_samples).min(n);
        let abs = block_start + s as i64..block_start + e as i64;
        let kept = keep.contains(&abs.start) && limit.contains(&abs.start);
        // A kept click is repaired only within `limit`, so nothing outside the span changes.
        let e = if kept {
            (limit.end - block_start).clamp(s as i64, e as i64) as usize
        } else {
            e
        };
        for comp in scratch.components.iter_mut() {
            janssen_fill(comp, s..e, &mut scratch.janssen);
        }
        if !kept || e <= s {
            continue;
        }
        let mut delta = vec![T::default(); e - s];
        let mut peak = 0.0f64;
        for (c, comp) in scratch.components.iter().enumerate() {
            for (i, d) in delta.iter_mut().enumerate() {
                let change = comp[s + i] - block[s + i].component(c);
                peak = peak.max(change.abs());
                d.set_component(c, change);
            }
        }
        out.push(Repaired {
            click: Click {
                start_sample: abs.start,
                len_samples: e - s,
                level_db: 20.0 * peak.max(1e-12).log10(),
            },
            delta,
        });
    }
    out
}
