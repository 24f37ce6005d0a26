//! Click detection: where the prediction residual of a short-term AR model jumps far above
//! its robust local spread.
//!
//! Per hop of [`HOP_S`], an order-[`AR_ORDER`] model is fitted (autocorrelation method,
//! Hann-weighted over two hops centred on it, with loud millisecond stretches turned down to
//! [`GATE`] times the median so that a click does not teach the model its own spectrum). The
//! forward and the backward prediction errors through the hop are taken and, per sample, the
//! larger of the two scored: a click's sharp edge shows in one or the other whichever side is
//! smooth. A click then starts where the forward error (causal: it cannot react early) first
//! exceeds and ends where the backward one (anticausal) last does. The spread is the median absolute
//! value over a hop and its louder neighbour (×1.4826, the MAD's Gaussian scale), so music and
//! speech set their own floor as they go and a note's onset is not taken for a click. Samples above [`THRESHOLD`] / `sensitivity` spreads are clicks;
//! nearby ones are merged, each is padded, and clicks longer than [`MAX_CLICK_S`] are left
//! alone (sounds of the recording, not clicks). For IQ or other multi-component samples each
//! component is scored alone and the larger score counts: a click in either channel is one.

use super::Click;
use super::janssen::{autocorrelation, levinson_durbin};

/// Order of the detection model.
pub const AR_ORDER: usize = 32;
/// Hop between model fits, seconds.
pub const HOP_S: f64 = 0.02;
/// Residual spreads above which a sample is a click at sensitivity 1: calibrated on real
/// music and speech (see BENCHMARKS.md, "De-click").
pub const THRESHOLD: f64 = 10.0;
/// Detections closer than this are one click, seconds.
pub const MERGE_S: f64 = 0.001;
/// Margin added on each side of a detected click, seconds (at least 2 samples).
pub const PAD_S: f64 = 0.000_15;
/// Further margin after a click, seconds: clicks decay into the music after a sharp onset,
/// and their tails sit below the threshold.
pub const TAIL_S: f64 = 0.000_3;
/// Energy (of the first difference) above which a millisecond of the fit window is turned
/// down, in medians of the window's millisecond energies.
pub const GATE: f64 = 8.0;
/// Longest click taken (trimmed, before padding), seconds: clicks last 0.1–3 ms; longer
/// detections are sounds of the recording (plosives, attacks), left alone.
pub const MAX_CLICK_S: f64 = 0.006;
/// Smallest residual spread, full scale: about one 16-bit step, so digital silence does not
/// turn every onset into a click.
pub const SPREAD_FLOOR: f64 = 2e-5;

/// Buffers reused between blocks.
#[derive(Debug, Default)]
pub struct DetectScratch {
    window: Vec<f64>,
    weighted: Vec<f64>,
    r: Vec<f64>,
    a: Vec<f64>,
    tmp: Vec<f64>,
    forward: Vec<f64>,
    backward: Vec<f64>,
    energies: Vec<f64>,
    median: Vec<f64>,
}

/// Per-sample scores of one component, in spreads: forward, backward.
#[derive(Debug, Default)]
pub struct Scores {
    /// Forward prediction error over the local spread.
    pub forward: Vec<f64>,
    /// Backward prediction error over the local spread.
    pub backward: Vec<f64>,
}

/// Samples per hop at `sample_rate`.
pub fn hop_samples(sample_rate: f64) -> usize {
    ((HOP_S * sample_rate).round() as usize).max(4 * AR_ORDER)
}

/// Scores each sample of `x`: its forward and backward prediction errors in units of the
/// local robust spread (of the larger of the two).
pub fn click_score(x: &[f64], sample_rate: f64, out: &mut Scores, scratch: &mut DetectScratch) {
    let n = x.len();
    let hop = hop_samples(sample_rate);
    let p = AR_ORDER;
    let s = scratch;
    s.forward.clear();
    s.forward.resize(n, 0.0);
    s.backward.clear();
    s.backward.resize(n, 0.0);
    if s.window.len() != 2 * hop {
        s.window = (0..2 * hop)
            .map(|i| {
                let t = (i as f64 + 0.5) / (2 * hop) as f64;
                (std::f64::consts::PI * t).sin().powi(2)
            })
            .collect();
    }
    let at = |i: i64| -> f64 {
        if i >= 0 && (i as usize) < n {
            x[i as usize]
        } else {
            0.0
        }
    };
    let gate_len = ((0.001 * sample_rate).round() as usize).max(8);
    for h0 in (0..n).step_by(hop) {
        let h1 = (h0 + hop).min(n);
        let fit0 = h0 as i64 + hop as i64 / 2 - hop as i64;
        s.weighted.clear();
        s.weighted.extend((0..2 * hop).map(|i| at(fit0 + i as i64)));
        gate_loud(&mut s.weighted, gate_len, &mut s.energies, &mut s.median);
        for (v, w) in s.weighted.iter_mut().zip(&s.window) {
            *v *= w;
        }
        let mean = s.weighted.iter().sum::<f64>() / s.weighted.len() as f64;
        s.weighted.iter_mut().for_each(|v| *v -= mean);
        autocorrelation(&s.weighted, p, &mut s.r);
        levinson_durbin(&s.r, &mut s.a, &mut s.tmp);
        for i in h0..h1 {
            let mut ef = 0.0;
            let mut eb = 0.0;
            for (k, &ak) in s.a.iter().enumerate() {
                ef += ak * at(i as i64 - k as i64);
                eb += ak * at(i as i64 + k as i64);
            }
            s.forward[i] = ef.abs();
            s.backward[i] = eb.abs();
        }
    }
    // Spread per hop: the median over the hop and the neighbour on its louder side, so that
    // the onset of a loud note at a hop's edge is judged against the note, not the quiet
    // before it.
    out.forward.clear();
    out.forward.resize(n, 0.0);
    out.backward.clear();
    out.backward.resize(n, 0.0);
    for h0 in (0..n).step_by(hop) {
        let h1 = (h0 + hop).min(n);
        let before = median_of(s, h0.saturating_sub(hop)..h1);
        let after = median_of(s, h0..(h0 + 2 * hop).min(n));
        let spread = (1.4826 * before.max(after)).max(SPREAD_FLOOR);
        for i in h0..h1 {
            out.forward[i] = s.forward[i] / spread;
            out.backward[i] = s.backward[i] / spread;
        }
    }
}

/// The median of the larger of the two prediction errors over `range`.
fn median_of(s: &mut DetectScratch, range: std::ops::Range<usize>) -> f64 {
    s.median.clear();
    s.median.extend(range.map(|i| s.forward[i].max(s.backward[i])));
    if s.median.is_empty() {
        return 0.0;
    }
    let mid = s.median.len() / 2;
    *s.median.select_nth_unstable_by(mid, |a, b| a.total_cmp(b)).1
}

/// Turns down the stretches of `x` (of `len` samples) whose first-difference energy exceeds
/// [`GATE`] times the median stretch's, to that level.
fn gate_loud(x: &mut [f64], len: usize, energies: &mut Vec<f64>, sorted: &mut Vec<f64>) {
    let count = x.len() / len;
    if count < 3 {
        return;
    }
    energies.clear();
    energies.extend((0..count).map(|b| {
        let lo = (b * len).max(1);
        (lo..(b + 1) * len)
            .map(|i| (x[i] - x[i - 1]).powi(2))
            .sum::<f64>()
    }));
    sorted.clear();
    sorted.extend_from_slice(energies);
    let mid = count / 2;
    let (_, m, _) = sorted.select_nth_unstable_by(mid, |a, b| a.total_cmp(b));
    let limit = GATE * *m;
    if limit <= 0.0 {
        return;
    }
    for (b, &e) in energies.iter().enumerate() {
        if e > limit {
            let g = (limit / e).sqrt();
            x[b * len..(b + 1) * len].iter_mut().for_each(|v| *v *= g);
        }
    }
}

/// Finds clicks in a block given as one slice per component (one for audio, I and Q for IQ),
/// all the same length. Starts are relative to the block; `level_db` is the peak score, dB
/// above the local spread.
pub fn detect_clicks(
    components: &[&[f64]],
    sample_rate: f64,
    sensitivity: f64,
    scratch: &mut DetectScratch,
) -> Vec<Click> {
    let n = components.iter().map(|c| c.len()).min().unwrap_or(0);
    let mut joint = Scores {
        forward: vec![0.0; n],
        backward: vec![0.0; n],
    };
    let mut one = Scores::default();
    for c in components {
        click_score(&c[..n], sample_rate, &mut one, scratch);
        for (j, o) in joint.forward.iter_mut().zip(&one.forward) {
            *j = j.max(*o);
        }
        for (j, o) in joint.backward.iter_mut().zip(&one.backward) {
            *j = j.max(*o);
        }
    }
    runs(&joint, sample_rate, sensitivity)
}

/// Shortest and longest pitch period looked for, seconds (400 Hz down to 60 Hz).
pub const PITCH_PERIOD_S: [f64; 2] = [0.0025, 0.0167];

/// True when the residual peak in `run` recurs at two of the positions one and two pitch
/// periods before and after it (glottal pulses skip a period now and then): a glottal pulse
/// of voiced speech, not a click. Clicks come alone or at random spacing; the neighbours must
/// stand out (above a share of the peak and of the threshold) so that noise does not line up
/// by chance.
fn is_pitch_pulse(
    score: &Scores,
    run: std::ops::Range<usize>,
    peak: f64,
    threshold: f64,
    sample_rate: f64,
) -> bool {
    let n = score.forward.len();
    let at = |i: usize| score.forward[i].max(score.backward[i]);
    let Some(c) = run.clone().max_by(|&a, &b| at(a).total_cmp(&at(b))) else {
        return false;
    };
    let tolerance = ((0.000_3 * sample_rate).round() as i64).max(1);
    let floor = (0.3 * peak).max(0.6 * threshold);
    let near = |centre: i64| -> f64 {
        let lo = (centre - tolerance).max(0);
        let hi = (centre + tolerance + 1).min(n as i64);
        (lo..hi).map(|i| at(i as usize)).fold(0.0, f64::max)
    };
    let t0 = (PITCH_PERIOD_S[0] * sample_rate).round() as i64;
    let t1 = (PITCH_PERIOD_S[1] * sample_rate).round() as i64;
    let c = c as i64;
    (t0..=t1).any(|t| {
        [c - 2 * t, c - t, c + t, c + 2 * t]
            .into_iter()
            .filter(|&i| near(i) > floor)
            .count()
            >= 2
    })
}

/// Merges, filters, trims and pads the samples above the threshold into clicks.
fn runs(score: &Scores, sample_rate: f64, sensitivity: f64) -> Vec<Click> {
    let n = score.forward.len();
    let threshold = THRESHOLD / sensitivity.max(1e-6);
    let merge = (MERGE_S * sample_rate).round() as usize;
    let pad = ((PAD_S * sample_rate).round() as usize).max(2);
    let tail = (TAIL_S * sample_rate).round() as usize;
    let max_len = ((MAX_CLICK_S * sample_rate).round() as usize).max(1);
    let mut found: Vec<(usize, usize, f64)> = Vec::new();
    for i in 0..n {
        let z = score.forward[i].max(score.backward[i]);
        // NaN scores (never expected) count as no click.
        if z.partial_cmp(&threshold) != Some(std::cmp::Ordering::Greater) {
            continue;
        }
        match found.last_mut() {
            Some((_, end, peak)) if i <= *end + merge => {
                *end = i + 1;
                *peak = peak.max(z);
            }
            _ => found.push((i, i + 1, z)),
        }
    }
    let mut clicks: Vec<Click> = Vec::new();
    for (s, e, peak) in found {
        // The forward error cannot react before the click, the backward one after it.
        let first = (s..e).find(|&i| score.forward[i] > threshold);
        let last = (s..e).rev().find(|&i| score.backward[i] > threshold);
        let (s, e) = match (first, last) {
            (Some(f), Some(l)) if f <= l => (f, l + 1),
            _ => (s, e),
        };
        if e - s > max_len || is_pitch_pulse(score, s..e, peak, threshold, sample_rate) {
            continue;
        }
        let s = s.saturating_sub(pad);
        let e = (e + pad + tail).min(n);
        let level_db = 20.0 * peak.log10();
        if let Some(last) = clicks.last_mut() {
            let last_end = last.start_sample as usize + last.len_samples;
            if s <= last_end {
                last.len_samples = e.max(last_end) - last.start_sample as usize;
                last.level_db = last.level_db.max(level_db);
                continue;
            }
        }
        clicks.push(Click {
            start_sample: s as i64,
            len_samples: e - s,
            level_db,
        });
    }
    clicks
}
