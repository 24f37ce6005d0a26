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
//! speech set their own floor as they go and a note's onset is not taken for a click. Samples
//! above [`THRESHOLD`] / `sensitivity` spreads are clicks; nearby ones are merged, each is
//! padded, and clicks longer than [`MAX_CLICK_S`] are left to the long-event detector.
//!
//! Voiced speech excites its AR residual with a glottal pulse every pitch period, and a pulse
//! can stand above the threshold. Two tests keep such pulses: a long-term (pitch) predictor
//! (the residual around the candidate is predicted, with a gain near one, by the residual one
//! or two periods away on two sides of a period: [`is_pitch_pulse`]), and the start of voicing
//! or of a plosive (the signal is louder after the candidate than before, and the residual
//! after it holds peaks as strong: [`is_onset`]).
//!
//! Longer impulsive events (pops, crackle bursts, dropouts of [`MAX_CLICK_S`] to
//! [`MAX_EVENT_S`]) spread the residual over more than the spread's median can ignore; they
//! are found per millisecond frame as a jump of the residual energy over its median across
//! ±[`EVENT_BACKGROUND_S`] ([`detect`]). For IQ or other multi-component samples each component
//! is scored alone and the larger score counts: a click in either channel is one.

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
/// detections are left to the long-event detector.
pub const MAX_CLICK_S: f64 = 0.006;
/// Longest event repaired, seconds: longer bursts are sounds of the recording (notes,
/// consonants), left alone.
pub const MAX_EVENT_S: f64 = 0.04;
/// Frame of the long-event detector, seconds.
pub const EVENT_FRAME_S: f64 = 0.001;
/// Reach on each side of the median residual energy a frame is compared with, seconds.
pub const EVENT_BACKGROUND_S: f64 = 0.1;
/// Residual energy over its median above which a frame belongs to a long event at sensitivity
/// 1, as an amplitude ratio (squared for energy): the click threshold's.
pub const EVENT_THRESHOLD: f64 = THRESHOLD;
/// Largest gain and smallest error the pitch predictor may have for a candidate to count as a
/// glottal pulse: the residual one period away predicts it with a gain between 1/2 and 2 and
/// leaves at most half its energy.
pub const PITCH_GAIN: f64 = 2.0;
/// See [`PITCH_GAIN`].
pub const PITCH_ERROR: f64 = 0.5;
/// Window the onset test compares before and after a candidate, seconds.
pub const ONSET_S: f64 = 0.01;
/// Energy rise (after over before, dB) above which a candidate starts a louder stretch.
pub const ONSET_DB: f64 = 3.0;
/// A candidate starting a louder stretch is part of it when the residual after it reaches
/// its peak over this ratio.
pub const ONSET_PEAK_RATIO: f64 = 1.5;
/// A longer event must be at least this loud (dB, mean energy) against the loud moments
/// around it (the 90th percentile of the millisecond energies within
/// [`EVENT_BACKGROUND_S`]): a burst quieter than the recording's own peaks is a consonant
/// or an attack of the recording, not a pop laid over it.
pub const EVENT_LOUDNESS_DB: f64 = -4.5;
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
    signed: Vec<f64>,
    energies: Vec<f64>,
    median: Vec<f64>,
    /// The scores of each component of the last block, for [`boundary_error`].
    pub components: Vec<Scores>,
}

/// Per-sample scores of one component, in spreads, and the models behind them.
#[derive(Debug, Default)]
pub struct Scores {
    /// Forward prediction error over the local spread.
    pub forward: Vec<f64>,
    /// Backward prediction error over the local spread.
    pub backward: Vec<f64>,
    /// Signed forward prediction error over the local spread (the residual the pitch
    /// predictor works on).
    pub residual: Vec<f64>,
    /// Prediction-error filters `[1, a_1 .. a_p]`, [`AR_ORDER`] + 1 values per hop.
    pub models: Vec<f64>,
    /// The spread per hop (full scale).
    pub spreads: Vec<f64>,
    /// Samples per hop.
    pub hop: usize,
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
    s.signed.clear();
    s.signed.resize(n, 0.0);
    out.models.clear();
    out.spreads.clear();
    out.hop = hop;
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
        s.a.resize(p + 1, 0.0);
        out.models.extend_from_slice(&s.a);
        for i in h0..h1 {
            let mut ef = 0.0;
            let mut eb = 0.0;
            for (k, &ak) in s.a.iter().enumerate() {
                ef += ak * at(i as i64 - k as i64);
                eb += ak * at(i as i64 + k as i64);
            }
            s.signed[i] = ef;
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
    out.residual.clear();
    out.residual.resize(n, 0.0);
    for h0 in (0..n).step_by(hop) {
        let h1 = (h0 + hop).min(n);
        let before = median_of(s, h0.saturating_sub(hop)..h1);
        let after = median_of(s, h0..(h0 + 2 * hop).min(n));
        let spread = (1.4826 * before.max(after)).max(SPREAD_FLOOR);
        out.spreads.push(spread);
        for i in h0..h1 {
            out.forward[i] = s.forward[i] / spread;
            out.backward[i] = s.backward[i] / spread;
            out.residual[i] = s.signed[i] / spread;
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

/// What [`detect`] finds in a block.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Detected {
    /// Clicks (at most [`MAX_CLICK_S`] before padding), for interpolation in time.
    pub clicks: Vec<Click>,
    /// Longer impulsive events ([`MAX_CLICK_S`] to [`MAX_EVENT_S`]), for spectral repair.
    pub events: Vec<Click>,
}

/// Finds clicks in a block given as one slice per component (one for audio, I and Q for IQ),
/// all the same length. Starts are relative to the block; `level_db` is the peak score, dB
/// above the local spread. The clicks of [`detect`].
pub fn detect_clicks(
    components: &[&[f64]],
    sample_rate: f64,
    sensitivity: f64,
    scratch: &mut DetectScratch,
) -> Vec<Click> {
    detect(components, sample_rate, sensitivity, scratch).clicks
}

/// Finds the clicks and the longer events of a block given as one slice per component (one
/// for audio, I and Q for IQ), all the same length. Starts are relative to the block;
/// `level_db` is the peak score, dB above the local spread (for events, the peak frame
/// energy over its median, dB). Clicks within an event are left to the event's repair. The
/// per-component scores stay in `scratch.components`.
pub fn detect(
    components: &[&[f64]],
    sample_rate: f64,
    sensitivity: f64,
    scratch: &mut DetectScratch,
) -> Detected {
    let n = components.iter().map(|c| c.len()).min().unwrap_or(0);
    let mut joint = Scores {
        forward: vec![0.0; n],
        backward: vec![0.0; n],
        ..Scores::default()
    };
    let mut per = std::mem::take(&mut scratch.components);
    per.resize_with(components.len(), Scores::default);
    for (c, one) in components.iter().zip(per.iter_mut()) {
        click_score(&c[..n], sample_rate, one, scratch);
        for (j, o) in joint.forward.iter_mut().zip(&one.forward) {
            *j = j.max(*o);
        }
        for (j, o) in joint.backward.iter_mut().zip(&one.backward) {
            *j = j.max(*o);
        }
    }
    let ctx = Context {
        joint: &joint,
        per: &per,
        components,
        sample_rate,
        threshold: THRESHOLD / sensitivity.max(1e-6),
    };
    let events = long_events(&ctx, sensitivity, &mut scratch.energies, &mut scratch.median);
    let mut clicks = runs(&ctx);
    clicks.retain(|c| {
        let (s, e) = (c.start_sample, c.start_sample + c.len_samples as i64);
        !events
            .iter()
            .any(|v| s < v.start_sample + v.len_samples as i64 && v.start_sample < e)
    });
    scratch.components = per;
    Detected { clicks, events }
}

/// What the candidate tests read.
struct Context<'a> {
    joint: &'a Scores,
    per: &'a [Scores],
    components: &'a [&'a [f64]],
    sample_rate: f64,
    threshold: f64,
}

impl Context<'_> {
    fn len(&self) -> usize {
        self.joint.forward.len()
    }

    fn score(&self, i: usize) -> f64 {
        self.joint.forward[i].max(self.joint.backward[i])
    }
}

/// Shortest and longest pitch period looked for, seconds (400 Hz down to 60 Hz).
pub const PITCH_PERIOD_S: [f64; 2] = [0.0025, 0.0167];

/// True when the residual around `run` is a glottal pulse of voiced speech: for one pitch
/// period T, the residual at two of the offsets −2T, −T, +T, +2T (each within 0.3 ms, for
/// jitter) predicts it with a gain within [1/[`PITCH_GAIN`], [`PITCH_GAIN`]] leaving at most
/// [`PITCH_ERROR`] of its energy (a long-term predictor, as classic de-clickers use on
/// speech). A click is not predicted by what comes a period before or after it: neighbours
/// at random spacing differ in shape, polarity or size, and a click riding on a pulse leaves
/// its excess unpredicted.
fn is_pitch_pulse(ctx: &Context<'_>, run: std::ops::Range<usize>) -> bool {
    let n = ctx.len();
    let fs = ctx.sample_rate;
    let half = ((0.0005 * fs).round() as usize).max(2);
    let a = run.start.saturating_sub(half);
    let b = (run.end + half).min(n);
    let t0 = (PITCH_PERIOD_S[0] * fs).round() as i64;
    let t1 = (PITCH_PERIOD_S[1] * fs).round() as i64;
    let tol = ((0.000_3 * fs).round() as i64).max(1);
    let reach = 2 * t1 + tol;
    let energy: f64 = ctx
        .per
        .iter()
        .map(|p| p.residual[a..b].iter().map(|v| v * v).sum::<f64>())
        .sum();
    if energy <= 0.0 {
        return false;
    }
    // predicted[d + reach]: the residual `d` samples away predicts the candidate's.
    let mut predicted = vec![false; (2 * reach + 1) as usize];
    for d in -reach..=reach {
        if d.abs() < t0 - tol || (a as i64 + d) < 0 || b as i64 + d > n as i64 {
            continue;
        }
        let (mut dot, mut rr) = (0.0, 0.0);
        for p in ctx.per {
            let seg = &p.residual[a..b];
            let other = &p.residual[(a as i64 + d) as usize..(b as i64 + d) as usize];
            for (x, y) in seg.iter().zip(other) {
                dot += x * y;
                rr += y * y;
            }
        }
        if rr <= 0.0 {
            continue;
        }
        let gain = dot / rr;
        if !(1.0 / PITCH_GAIN..=PITCH_GAIN).contains(&gain) {
            continue;
        }
        let error = energy - 2.0 * gain * dot + gain * gain * rr;
        predicted[(d + reach) as usize] = error <= PITCH_ERROR * energy;
    }
    let near = |centre: i64| -> bool {
        (centre - tol..=centre + tol).any(|d| d.abs() <= reach && predicted[(d + reach) as usize])
    };
    (t0..=t1).any(|t| [-2, -1, 1, 2].into_iter().filter(|&m| near(m * t)).count() >= 2)
}

/// True when the candidate `run` (peak score `peak`) starts a louder stretch whose residual
/// holds peaks as strong: the start of voicing or a plosive release, not a click (a click
/// leaves the signal as it found it).
fn is_onset(ctx: &Context<'_>, run: std::ops::Range<usize>, peak: f64) -> bool {
    let n = ctx.len();
    let fs = ctx.sample_rate;
    let w = ((ONSET_S * fs).round() as usize).max(1);
    let guard = ((0.0005 * fs).round() as usize).max(1);
    let before = run.start.saturating_sub(guard + w)..run.start.saturating_sub(guard);
    let after = (run.end + guard).min(n)..(run.end + guard + w).min(n);
    if before.is_empty() || after.is_empty() {
        return false;
    }
    let energy = |r: &std::ops::Range<usize>| -> f64 {
        ctx.components
            .iter()
            .map(|c| c[r.clone()].iter().map(|v| v * v).sum::<f64>())
            .sum::<f64>()
            / r.len() as f64
    };
    let rise = energy(&after) / energy(&before).max(1e-30);
    rise > 10f64.powf(ONSET_DB / 10.0)
        && after.clone().map(|i| ctx.score(i)).fold(0.0, f64::max) * ONSET_PEAK_RATIO >= peak
}

/// Merges, filters, trims and pads the samples above the threshold into clicks.
fn runs(ctx: &Context<'_>) -> Vec<Click> {
    let score = ctx.joint;
    let sample_rate = ctx.sample_rate;
    let threshold = ctx.threshold;
    let n = score.forward.len();
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
        if e - s > max_len {
            continue;
        }
        // A pulse of the recording stands alone; right after a click it is the click's end
        // (a synthetic or clipped click stops abruptly), which the click's repair takes in.
        let alone = is_pitch_pulse(ctx, s..e) || is_onset(ctx, s..e, peak);
        let s = s.saturating_sub(pad);
        let e = (e + pad + tail).min(n);
        let level_db = 20.0 * peak.log10();
        if let Some(last) = clicks.last_mut() {
            let last_end = last.start_sample as usize + last.len_samples;
            if alone && s > last_end + merge {
                continue;
            }
            if s <= last_end + if alone { merge } else { 0 } {
                last.len_samples = e.max(last_end) - last.start_sample as usize;
                last.level_db = last.level_db.max(level_db);
                continue;
            }
        }
        if alone {
            continue;
        }
        clicks.push(Click {
            start_sample: s as i64,
            len_samples: e - s,
            level_db,
        });
    }
    clicks
}

/// True when the mean energy of `run` reaches [`EVENT_LOUDNESS_DB`] against the 90th
/// percentile of the millisecond energies (summed over the components) within
/// [`EVENT_BACKGROUND_S`] on each side of it.
fn is_loud(ctx: &Context<'_>, run: std::ops::Range<usize>, sorted: &mut Vec<f64>) -> bool {
    let n = ctx.len();
    let fs = ctx.sample_rate;
    let frame = ((EVENT_FRAME_S * fs).round() as usize).max(1);
    let reach = (EVENT_BACKGROUND_S * fs).round() as usize;
    let energy = |r: std::ops::Range<usize>| -> f64 {
        let len = r.len().max(1) as f64;
        ctx.components
            .iter()
            .map(|c| c[r.clone()].iter().map(|v| v * v).sum::<f64>())
            .sum::<f64>()
            / len
    };
    sorted.clear();
    let before = run.start.saturating_sub(reach)..run.start;
    let after = run.end..(run.end + reach).min(n);
    for side in [before, after] {
        let mut f = side.start;
        while f + frame <= side.end {
            sorted.push(energy(f..f + frame));
            f += frame;
        }
    }
    if sorted.is_empty() {
        return true;
    }
    let at = (sorted.len() * 9 / 10).min(sorted.len() - 1);
    let loud = *sorted.select_nth_unstable_by(at, f64::total_cmp).1;
    energy(run) >= loud * 10f64.powf(EVENT_LOUDNESS_DB / 10.0)
}

/// Longer impulsive events: runs of millisecond frames whose residual energy (summed over
/// the components) exceeds its median over [`EVENT_BACKGROUND_S`] on the louder side by
/// ([`EVENT_THRESHOLD`] / `sensitivity`)², merged across one quiet frame, longer than
/// [`MAX_CLICK_S`] and at most [`MAX_EVENT_S`], not starting a louder stretch
/// ([`is_onset`]) and loud against the recording around them ([`is_loud`]); padded by a frame
/// on each side.
fn long_events(
    ctx: &Context<'_>,
    sensitivity: f64,
    energies: &mut Vec<f64>,
    sorted: &mut Vec<f64>,
) -> Vec<Click> {
    let n = ctx.len();
    let fs = ctx.sample_rate;
    let frame = ((EVENT_FRAME_S * fs).round() as usize).max(1);
    let frames = n / frame;
    let reach = (EVENT_BACKGROUND_S / EVENT_FRAME_S).round() as usize;
    energies.clear();
    energies.extend((0..frames).map(|f| {
        let r = f * frame..(f + 1) * frame;
        ctx.per
            .iter()
            .map(|p| {
                r.clone()
                    .map(|i| (p.residual[i] * p.spreads[i / p.hop]).powi(2))
                    .sum::<f64>()
            })
            .sum::<f64>()
            / frame as f64
    }));
    let ratio = (EVENT_THRESHOLD / sensitivity.max(1e-6)).powi(2);
    let mut jump = vec![0.0f64; frames];
    let mut median = |range: std::ops::Range<usize>| -> f64 {
        sorted.clear();
        sorted.extend_from_slice(&energies[range]);
        if sorted.is_empty() {
            return 0.0;
        }
        let mid = sorted.len() / 2;
        *sorted.select_nth_unstable_by(mid, f64::total_cmp).1
    };
    for (f, j) in jump.iter_mut().enumerate() {
        // The louder side's median: where the recording ends (or is silent) on one side, the
        // other side sets the level, as the spread's louder neighbour does for clicks.
        let before = median(f.saturating_sub(reach)..f + 1);
        let after = median(f..(f + reach + 1).min(frames));
        *j = energies[f] / before.max(after).max(1e-30);
    }
    let min_len = ((MAX_CLICK_S * fs).round() as usize).max(1);
    let max_len = ((MAX_EVENT_S * fs).round() as usize).max(1);
    let mut events = Vec::new();
    let mut f = 0;
    while f < frames {
        if jump[f].partial_cmp(&ratio) != Some(std::cmp::Ordering::Greater) {
            f += 1;
            continue;
        }
        let first = f;
        let mut last = f;
        let mut peak = jump[f];
        while last + 1 < frames && (jump[last + 1] > ratio || (last + 2 < frames && jump[last + 2] > ratio)) {
            last += 1;
            peak = peak.max(jump[last]);
        }
        f = last + 1;
        let s = first * frame;
        let e = (last + 1) * frame;
        if e - s <= min_len
            || e - s > max_len
            || is_onset(ctx, s..e, peak.sqrt())
            || !is_loud(ctx, s..e, sorted)
        {
            continue;
        }
        let s = s.saturating_sub(frame);
        let e = (e + frame).min(n);
        events.push(Click {
            start_sample: s as i64,
            len_samples: e - s,
            level_db: 10.0 * peak.log10(),
        });
    }
    events
}

/// The larger of the forward prediction errors over `after` and the backward ones over
/// `before` of the repaired samples `x` (component `component` of the last block detected),
/// in spreads: how far a repair's joins stand out, zero where the model cannot reach.
pub fn boundary_error(
    scratch: &DetectScratch,
    component: usize,
    x: &[f64],
    before: std::ops::Range<usize>,
    after: std::ops::Range<usize>,
) -> f64 {
    let Some(scores) = scratch.components.get(component) else {
        return 0.0;
    };
    let p = AR_ORDER;
    let hops = scores.spreads.len();
    if hops == 0 || scores.hop == 0 {
        return 0.0;
    }
    let model = |i: usize| -> (&[f64], f64) {
        let h = (i / scores.hop).min(hops - 1);
        (&scores.models[h * (p + 1)..(h + 1) * (p + 1)], scores.spreads[h])
    };
    let mut worst = 0.0f64;
    for i in after {
        if i < p || i >= x.len() {
            continue;
        }
        let (a, spread) = model(i);
        let e: f64 = a.iter().enumerate().map(|(k, ak)| ak * x[i - k]).sum();
        worst = worst.max(e.abs() / spread);
    }
    for i in before {
        if i + p >= x.len() {
            continue;
        }
        let (a, spread) = model(i);
        let e: f64 = a.iter().enumerate().map(|(k, ak)| ak * x[i + k]).sum();
        worst = worst.max(e.abs() / spread);
    }
    worst
}
