//! De-click: finds short broadband impulses (clicks, crackle) and longer impulsive events
//! (pops, bursts) by themselves and repairs each one: clicks by Janssen AR interpolation over
//! the click and a small margin (repair.md §4), longer events by spectral repair.
//!
//! [`detect`] scores each sample by its AR prediction residual against the residual's robust
//! local spread; [`janssen`] fills each click from its surroundings, [`spectral`] replaces
//! the cells a longer event dominates by those of a Janssen fill and keeps the rest. [`declick_block`]
//! does both on one block held in memory; the pipeline runs it over a recording block by
//! block.

pub mod detect;
pub mod janssen;
pub mod spectral;

use std::ops::Range;

use rustfft::num_complex::Complex32;

pub use detect::{DetectScratch, Detected, Scores, boundary_error, click_score, detect, detect_clicks};
pub use janssen::{JanssenScratch, janssen_context, janssen_fill, janssen_order};
pub use spectral::{SpectralScratch, repair_event, spectral_context, spectral_fft_len};

/// Step by which a click's repair grows while its joins stand out, seconds.
pub const EXTEND_STEP_S: f64 = 0.000_5;
/// Most a click's repair grows on each side, seconds.
pub const MAX_EXTEND_S: f64 = 0.003;
/// A join of a repaired click stands out when its prediction error exceeds this share of the
/// detection threshold: the click went on beyond what was detected (a decaying tail, a
/// quiet onset), and the repair grows over it.
pub const JOIN_SHARE: f64 = 0.5;
/// Peak score, in thresholds, from which a click's repair may grow.
pub const GROW_PEAK: f64 = 2.0;

/// One click found (and repaired).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Click {
    /// First sample repaired.
    pub start_sample: i64,
    /// Samples repaired (for a longer event, the samples its spectral repair changed).
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
    before: Vec<f64>,
    detect: DetectScratch,
    janssen: JanssenScratch,
    spectral: SpectralScratch,
}

/// Samples a block must hold beyond the clicks it reports on each side, so that detection
/// and repair near its edges read the same samples as in a whole-recording pass.
pub fn block_margin(sample_rate: f64) -> usize {
    let hop = detect::hop_samples(sample_rate);
    let longest = ((detect::MAX_CLICK_S + 2.0 * detect::PAD_S + detect::TAIL_S + 2.0 * MAX_EXTEND_S)
        * sample_rate)
        .ceil() as usize;
    let clicks = 2 * hop + detect::AR_ORDER + janssen_context(longest) + longest;
    let events = ((detect::EVENT_BACKGROUND_S + 2.0 * detect::MAX_EVENT_S) * sample_rate).ceil() as usize
        + spectral_context(sample_rate, (detect::MAX_EVENT_S * sample_rate).ceil() as usize)
        + 2 * hop;
    clicks.max(events)
}

/// One repair to make in a block.
enum Fix {
    Click(Click),
    Event(Click),
}

/// Finds and repairs the clicks and longer events of `block` (samples `block_start ..` of a
/// recording) at `sensitivity` (1 calibrated, higher finds more), and returns those that
/// start in `keep` (absolute samples), their repair cut to `limit` (the span being
/// de-clicked). Every one in the block is repaired in time order, so a kept one's context has
/// its neighbours repaired already. A click's repair grows (by [`EXTEND_STEP_S`], up to
/// [`MAX_EXTEND_S`] a side) while its joins stand out.
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
    let found = {
        let views: Vec<&[f64]> = scratch.components.iter().map(|c| c.as_slice()).collect();
        detect(&views, sample_rate, sensitivity, &mut scratch.detect)
    };
    let mut fixes: Vec<Fix> = found
        .clicks
        .into_iter()
        .map(Fix::Click)
        .chain(found.events.into_iter().map(Fix::Event))
        .collect();
    fixes.sort_by_key(|f| match f {
        Fix::Click(c) | Fix::Event(c) => c.start_sample,
    });
    let step = ((EXTEND_STEP_S * sample_rate).round() as usize).max(1);
    let most = (MAX_EXTEND_S * sample_rate).round() as usize;
    let check = ((0.0005 * sample_rate).round() as usize).max(2);
    let threshold = detect::THRESHOLD / sensitivity.max(1e-6);
    let join_limit = JOIN_SHARE * threshold;
    let mut out = Vec::new();
    for fix in fixes {
        // Kept or not by where it was detected (a grown repair may reach back into `keep`).
        let found_at = block_start
            + match &fix {
                Fix::Click(c) | Fix::Event(c) => c.start_sample,
            };
        let (changed, saved) = match fix {
            Fix::Click(click) => {
                let s0 = click.start_sample as usize;
                let e0 = (s0 + click.len_samples).min(n);
                let (mut s, mut e) = (s0, e0);
                // Only a click well above the threshold grows: one near it may be a pulse of
                // the recording, which growing would only damage further.
                let grows = click.level_db >= 20.0 * (GROW_PEAK * threshold).log10();
                let kept =
                    keep.contains(&(block_start + s0 as i64)) && limit.contains(&(block_start + s0 as i64));
                // A kept click is repaired only within `limit`, so nothing outside the span
                // changes.
                let (lo, hi) = if kept {
                    (
                        (limit.start - block_start).clamp(0, n as i64) as usize,
                        (limit.end - block_start).clamp(0, n as i64) as usize,
                    )
                } else {
                    (0, n)
                };
                scratch.before.clear();
                let grow_lo = s0.saturating_sub(most).max(lo);
                let grow_hi = (e0 + most).min(hi);
                for comp in &scratch.components {
                    scratch.before.extend_from_slice(&comp[grow_lo..grow_hi]);
                }
                loop {
                    let e_cut = e.min(hi).max(s);
                    for comp in scratch.components.iter_mut() {
                        janssen_fill(comp, s..e_cut, &mut scratch.janssen);
                    }
                    let (mut grow_start, mut grow_end) = (false, false);
                    for (c, comp) in scratch.components.iter().enumerate() {
                        grow_end |=
                            boundary_error(&scratch.detect, c, comp, 0..0, e_cut..(e_cut + check).min(n))
                                > join_limit;
                        grow_start |=
                            boundary_error(&scratch.detect, c, comp, s.saturating_sub(check)..s, 0..0)
                                > join_limit;
                    }
                    let grow_end = grows && grow_end && e_cut + step <= grow_hi;
                    let grow_start = grows && grow_start && s >= grow_lo + step;
                    if !grow_start && !grow_end {
                        e = e_cut;
                        break;
                    }
                    if grow_start {
                        s -= step;
                    }
                    if grow_end {
                        e = e_cut + step;
                    }
                }
                // The samples outside the final repair that a larger trial filled come back.
                let width = grow_hi - grow_lo;
                for (c, comp) in scratch.components.iter_mut().enumerate() {
                    let saved = &scratch.before[c * width..(c + 1) * width];
                    for i in (grow_lo..grow_hi).filter(|i| !(s..e).contains(i)) {
                        comp[i] = saved[i - grow_lo];
                    }
                }
                (s..e, grow_lo..grow_hi)
            }
            Fix::Event(event) => {
                let s0 = event.start_sample as usize;
                let e0 = (s0 + event.len_samples).min(n);
                let reach = spectral_context(sample_rate, e0 - s0);
                let (lo, hi) = (s0.saturating_sub(reach), (e0 + reach).min(n));
                scratch.before.clear();
                for comp in &scratch.components {
                    scratch.before.extend_from_slice(&comp[lo..hi]);
                }
                let mut changed = s0..s0;
                for comp in scratch.components.iter_mut() {
                    let r = repair_event(comp, s0..e0, sample_rate, &mut scratch.spectral);
                    if !r.is_empty() {
                        changed = if changed.is_empty() {
                            r
                        } else {
                            changed.start.min(r.start)..changed.end.max(r.end)
                        };
                    }
                }
                (changed, lo..hi)
            }
        };
        if !(keep.contains(&found_at) && limit.contains(&found_at)) || changed.is_empty() {
            continue;
        }
        // Cut to the span; whatever was changed outside it goes back.
        let lo = ((limit.start - block_start).max(0) as usize)
            .max(changed.start)
            .max(saved.start);
        let hi = ((limit.end - block_start).max(0) as usize)
            .min(changed.end)
            .min(saved.end);
        if hi <= lo {
            continue;
        }
        // The change of this repair alone: against the samples as the earlier repairs left them.
        let width = saved.len();
        let mut delta = vec![T::default(); hi - lo];
        let mut peak = 0.0f64;
        for (c, comp) in scratch.components.iter().enumerate() {
            let before = &scratch.before[c * width..(c + 1) * width];
            for (i, d) in delta.iter_mut().enumerate() {
                let change = comp[lo + i] - before[lo + i - saved.start];
                peak = peak.max(change.abs());
                d.set_component(c, change);
            }
        }
        out.push(Repaired {
            click: Click {
                start_sample: block_start + lo as i64,
                len_samples: hi - lo,
                level_db: 20.0 * peak.max(1e-12).log10(),
            },
            delta,
        });
    }
    out
}
