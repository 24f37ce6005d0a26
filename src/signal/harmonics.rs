//! Harmonic tracking: from a seed (a time range and a frequency near one partial of a harmonic
//! sound), find which partial the seed is, then follow the fundamental frame by frame with all
//! the partials constraining it jointly.
//!
//! 1. **Anchor.** The frame of the range where the seed's partial stands highest above its
//!    neighbourhood; its peak frequency `p` is refined by parabolic interpolation.
//! 2. **Harmonic number.** For each `h`, the comb `k·p/h` (k = 1..=max(count + 1, h)) is
//!    scored by how many of its teeth land on a peak standing above the local background
//!    (a mean salience in 0..1, over a few frames around the anchor). A sub-harmonic
//!    (`p/(2h)`) leaves half its teeth empty; too high a fundamental (`p/1` when the seed is
//!    the third partial) leaves teeth beyond the sound's partials empty. The largest `h` whose
//!    score is within [`TIE_FRACTION`] of the best wins: among combs that explain the partials
//!    equally, the lowest fundamental explains the most.
//! 3. **Tracking.** From the anchor forwards and backwards, each frame searches `f0` within a
//!    limited step of the previous frame's value for the largest harmonic sum (compressed
//!    magnitude at `k·f0`), then refines it by a least-squares fit `f_k ≈ k·f0` of every
//!    partial's interpolated peak, weighted by the partial's power over its background and
//!    refitted without partials another sound pulls off. Frames where the partials do not
//!    stand out keep the previous value. Runs of tracked frames are smoothed by a 9-frame
//!    quadratic Savitzky–Golay filter (which keeps a vibrato's shape).
//! 4. **Window correction.** A frame's peak is a weighted mean of the instantaneous frequency
//!    over the window, which flattens vibrato; the weight's variance `σ²` is known from the
//!    window, so `f0 − σ²/2 · f0''` undoes the flattening to second order.
//!
//! Only positive frequencies are searched: for complex (IQ) recordings a harmonic sound is
//! one at positive frequencies.

use std::sync::Arc;

use rustfft::num_complex::Complex32;
use rustfft::{Fft, FftPlanner};

use super::{Cancelled, Progress, SampleSource};

/// Lowest fundamental considered, Hz.
pub const MIN_F0_HZ: f64 = 20.0;

/// Highest harmonic number a seed may be resolved to.
pub const MAX_HARMONIC: usize = 40;

/// Most track points stored for one selection (the step between points grows for long ones).
pub const MAX_TRACK_POINTS: usize = 16_000;

/// Step between track points (and analysis frames), seconds, for selections short enough.
pub const TRACK_STEP_S: f64 = 0.005;

/// Combs scoring at least this fraction of the best are equally good (see the module docs).
pub const TIE_FRACTION: f64 = 0.85;

/// Largest relative change of the fundamental per second the tracker follows (a glide of
/// about five octaves a second); the step per frame is this times the frame step.
const MAX_RATE_PER_S: f64 = 4.0;

/// Analysis window of the harmonic-number decision, seconds.
const DECIDE_WINDOW_S: f64 = 0.04;

/// Frames on each side of the anchor whose scores the decision averages.
const DECIDE_FRAMES: usize = 5;

/// Periods of the fundamental the tracking window spans (within the bounds below).
const TRACK_PERIODS: f64 = 8.0;
const TRACK_WINDOW_MIN_S: f64 = 0.025;
const TRACK_WINDOW_MAX_S: f64 = 0.1;

/// Zero padding: the FFT is this many times the window (so peaks interpolate precisely).
const ZERO_PAD: usize = 4;

/// dB above the local background at which a peak starts to count, and the range over which
/// its salience rises to 1.
const SALIENCE_FLOOR_DB: f32 = 3.0;
const SALIENCE_RANGE_DB: f32 = 12.0;

/// Mean salience below which a frame is taken to have no harmonic sound (its value held).
const VOICED_SALIENCE: f64 = 0.25;

/// Hz on each side of a peak whose median is its background (at least a few bins).
const BACKGROUND_HZ: f64 = 150.0;

/// What to track: the fields of a `harmonics` edit that tracking needs.
#[derive(Clone, Debug, PartialEq)]
pub struct HarmonicSeed {
    /// `[start, end]` in seconds; tracking covers exactly this range.
    pub time_s: [f64; 2],
    /// A frequency near one partial (any of them), Hz.
    pub seed_hz: f64,
    /// Overtones above the fundamental (the sound has `count + 1` partials).
    pub count: usize,
    /// Follow the fundamental over time (`false`: one fixed value, the median of the track).
    pub track: bool,
}

/// The result of tracking.
#[derive(Clone, Debug, PartialEq)]
pub struct HarmonicTrack {
    /// Which partial the seed was: 1 for the fundamental, 3 for the second overtone.
    pub harmonic: usize,
    /// `(time_s, f0_hz)` points, ascending in time, spanning the seed's range.
    pub points: Vec<[f64; 2]>,
    /// Fraction of the frames where the partials stood out (the rest hold a neighbour's
    /// value).
    pub voiced_fraction: f64,
}

/// Why tracking failed.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum HarmonicsError {
    /// The range holds no frame of the recording, or the seed is not a usable frequency.
    #[error("{0}")]
    Invalid(String),
    /// No partial stands out near the seed anywhere in the range.
    #[error("no partial stands out near {seed_hz:.1} Hz in {t0:.3}–{t1:.3} s")]
    NoPartial {
        /// The seed, Hz.
        seed_hz: f64,
        /// Start of the range, s.
        t0: f64,
        /// End of the range, s.
        t1: f64,
    },
    /// The user cancelled.
    #[error("cancelled")]
    Cancelled(#[from] Cancelled),
}

/// Short-time spectra of one window length, computed on demand at any sample.
struct Analyser<'a> {
    source: &'a dyn SampleSource,
    channels: Vec<usize>,
    window: Vec<f32>,
    fft: Arc<dyn Fft<f32>>,
    fft_len: usize,
    bin_hz: f64,
    buf: Vec<Complex32>,
    read: Vec<Complex32>,
    scratch: Vec<Complex32>,
}

/// One frame's spectrum over positive frequencies.
struct Frame {
    /// Level per bin, dB (power summed over channels).
    db: Vec<f32>,
    /// Compressed magnitude per bin (power^¼), for harmonic sums.
    soft: Vec<f32>,
}

impl<'a> Analyser<'a> {
    fn new(source: &'a dyn SampleSource, channels: Vec<usize>, window_s: f64) -> Self {
        let fs = source.sample_rate();
        let len = ((window_s * fs).round() as usize).max(16);
        let fft_len = (len * ZERO_PAD).next_power_of_two();
        let fft = FftPlanner::new().plan_fft_forward(fft_len);
        let scratch = vec![Complex32::default(); fft.get_inplace_scratch_len()];
        let window = (0..len)
            .map(|i| {
                let x = (i as f64 + 0.5) / len as f64;
                (0.5 - 0.5 * (2.0 * std::f64::consts::PI * x).cos()) as f32
            })
            .collect();
        Analyser {
            source,
            channels,
            window,
            fft,
            fft_len,
            bin_hz: fs / fft_len as f64,
            buf: vec![Complex32::default(); fft_len],
            read: vec![Complex32::default(); len],
            scratch,
        }
    }

    /// Variance (s²) of the weight with which a frame's peak averages the instantaneous
    /// frequency: `W(t) = ∫_{|t|}^{T/2} τ·w(τ) dτ` (from the stationarity of `|X(f)|²`).
    fn peak_weight_variance_s2(&self) -> f64 {
        let n = self.window.len();
        let fs = self.source.sample_rate();
        let centre = (n as f64 - 1.0) / 2.0;
        // W for t ≥ 0, accumulated from the window's end inwards.
        let half: Vec<(f64, f64)> = (0..n)
            .filter(|&i| i as f64 >= centre)
            .map(|i| ((i as f64 - centre) / fs, self.window[i] as f64))
            .collect();
        let mut acc = 0.0;
        let mut w = vec![0.0; half.len()];
        for j in (0..half.len()).rev() {
            acc += half[j].0 * half[j].1;
            w[j] = acc;
        }
        let (mut num, mut den) = (0.0, 0.0);
        for (j, &(t, _)) in half.iter().enumerate() {
            num += t * t * w[j];
            den += w[j];
        }
        if den > 0.0 { num / den } else { 0.0 }
    }

    /// The spectrum of the frame centred on sample `centre`.
    fn frame(&mut self, centre: i64) -> Frame {
        let n = self.window.len();
        let start = centre - (n / 2) as i64;
        let bins = self.fft_len / 2 + 1;
        let mut power = vec![0.0f32; bins];
        for &c in &self.channels {
            self.source.read_complex(c, start, &mut self.read);
            self.buf.fill(Complex32::default());
            for ((b, &x), &w) in self.buf.iter_mut().zip(&self.read).zip(&self.window) {
                *b = x * w;
            }
            self.fft.process_with_scratch(&mut self.buf, &mut self.scratch);
            for (p, z) in power.iter_mut().zip(&self.buf) {
                *p += z.norm_sqr();
            }
        }
        Frame {
            db: power.iter().map(|&p| 10.0 * (p + 1e-20).log10()).collect(),
            soft: power.iter().map(|&p| p.sqrt().sqrt()).collect(),
        }
    }
}

/// A peak found near a frequency.
#[derive(Clone, Copy, Debug)]
struct Peak {
    freq_hz: f64,
    /// dB above the local background.
    above_db: f32,
}

impl Peak {
    fn salience(&self) -> f64 {
        ((self.above_db - SALIENCE_FLOOR_DB) / SALIENCE_RANGE_DB).clamp(0.0, 1.0) as f64
    }
}

/// The largest local maximum of `frame` within `tol_hz` of `f_hz`, interpolated (parabola
/// through the log levels), with its height above the median of the surrounding band.
fn peak_near(frame: &Frame, bin_hz: f64, f_hz: f64, tol_hz: f64) -> Option<Peak> {
    let n = frame.db.len();
    let lo = (((f_hz - tol_hz) / bin_hz).floor().max(1.0)) as usize;
    let hi = (((f_hz + tol_hz) / bin_hz).ceil() as usize).min(n.saturating_sub(2));
    if lo > hi {
        return None;
    }
    let db = &frame.db;
    let mut best: Option<usize> = None;
    for b in lo..=hi {
        if db[b] >= db[b - 1] && db[b] > db[b + 1] && best.is_none_or(|k| db[b] > db[k]) {
            best = Some(b);
        }
    }
    let b = best?;
    let (a, m, c) = (db[b - 1] as f64, db[b] as f64, db[b + 1] as f64);
    let den = a - 2.0 * m + c;
    let delta = if den < 0.0 {
        (0.5 * (a - c) / den).clamp(-0.5, 0.5)
    } else {
        0.0
    };
    let level = m - 0.25 * (a - c) * delta;
    // Background: the median level around, skipping the peak's main lobe.
    let reach = ((BACKGROUND_HZ / bin_hz).ceil() as usize).max(4 * ZERO_PAD);
    let lobe = 2 * ZERO_PAD;
    let mut around: Vec<f32> = (b.saturating_sub(reach)..(b + reach + 1).min(n))
        .filter(|&k| k.abs_diff(b) > lobe)
        .map(|k| db[k])
        .collect();
    if around.is_empty() {
        return None;
    }
    let mid = around.len() / 2;
    let (_, median, _) = around.select_nth_unstable_by(mid, f32::total_cmp);
    Some(Peak {
        freq_hz: (b as f64 + delta) * bin_hz,
        above_db: (level - *median as f64) as f32,
    })
}

/// Search tolerance around partial `k·f0`: a bin and a half of the unpadded window, or 2 %.
fn tolerance_hz(bin_hz: f64, partial_hz: f64) -> f64 {
    (1.5 * ZERO_PAD as f64 * bin_hz).max(0.02 * partial_hz)
}

/// Mean salience of the comb `k·f0`, k = 1..=teeth (teeth above `top_hz` count as empty).
fn comb_score(frame: &Frame, bin_hz: f64, f0: f64, teeth: usize, top_hz: f64) -> f64 {
    let mut sum = 0.0;
    for k in 1..=teeth {
        let f = k as f64 * f0;
        if f < top_hz
            && let Some(p) = peak_near(frame, bin_hz, f, (0.02 * f).max(bin_hz * 1.5).min(0.3 * f0))
        {
            sum += p.salience();
        }
    }
    sum / teeth as f64
}

/// Refines `f0` in `frame`: each partial's interpolated peak near `k·f0`, fitted jointly by
/// weighted least squares (`f_k ≈ k·f0`, weight = salience × power over the background),
/// then refitted without the partials the first fit leaves far off (a partial pulled by another sound under it);
/// returns the fit and the mean salience of the partials.
fn refine(frame: &Frame, bin_hz: f64, f0: f64, partials: usize, top_hz: f64) -> (f64, f64) {
    let mut found: Vec<(f64, f64, f64)> = Vec::with_capacity(partials); // (k, f_k, weight)
    let (mut sal, mut counted) = (0.0, 0usize);
    for k in 1..=partials {
        let fk = k as f64 * f0;
        if fk >= top_hz {
            break;
        }
        counted += 1;
        let tol = tolerance_hz(bin_hz, fk).min(0.4 * f0);
        if let Some(p) = peak_near(frame, bin_hz, fk, tol) {
            let w = p.salience();
            sal += w;
            if w > 0.0 {
                // Weighted by the partial's power over its background (up to 40 dB): a peak's
                // frequency error from what lies under it shrinks as that ratio grows.
                let snr = 10f64.powf((p.above_db as f64 / 10.0).min(4.0));
                found.push((k as f64, p.freq_hz, w * snr));
            }
        }
    }
    let mean = if counted > 0 { sal / counted as f64 } else { 0.0 };
    let fit = |set: &[(f64, f64, f64)]| -> Option<f64> {
        let (num, den) = set
            .iter()
            .fold((0.0, 0.0), |(n, d), &(k, f, w)| (n + w * k * f, d + w * k * k));
        (den > 0.0).then(|| num / den)
    };
    let Some(first) = fit(&found) else {
        return (f0, mean);
    };
    if found.len() >= 3 {
        // Misfit of each partial in Hz at its own frequency; far beyond the typical one (and
        // beyond a fraction of a bin) is another sound's pull.
        let mut misfit: Vec<f64> = found.iter().map(|&(k, f, _)| (f - k * first).abs()).collect();
        let mid = misfit.len() / 2;
        let typical = *misfit.select_nth_unstable_by(mid, f64::total_cmp).1;
        let limit = (3.0 * typical).max(0.1 * ZERO_PAD as f64 * bin_hz);
        let kept: Vec<(f64, f64, f64)> = found
            .iter()
            .copied()
            .filter(|&(k, f, _)| (f - k * first).abs() <= limit)
            .collect();
        if let Some(second) = fit(&kept) {
            return (second, mean);
        }
    }
    (first, mean)
}

/// Savitzky–Golay quadratic smoothing over 9 frames of the runs where every frame is voiced:
/// it keeps a vibrato's shape (a quadratic through 40 ms) and averages frame-to-frame noise.
fn smooth_voiced(f0: &[f64], voiced: &[bool], last_full: usize) -> Vec<f64> {
    const C: [f64; 9] = [-21.0, 14.0, 39.0, 54.0, 59.0, 54.0, 39.0, 14.0, -21.0];
    let mut out = f0.to_vec();
    for i in 4..last_full.saturating_sub(4) {
        if (i - 4..=i + 4).all(|j| voiced[j]) {
            out[i] = C.iter().zip(&f0[i - 4..=i + 4]).map(|(c, v)| c * v).sum::<f64>() / 231.0;
        }
    }
    out
}

/// Linear interpolation of `values` at fractional index `x` (0 outside).
fn interp(values: &[f32], x: f64) -> f64 {
    if x < 0.0 {
        return 0.0;
    }
    let i = x.floor() as usize;
    if i + 1 >= values.len() {
        return 0.0;
    }
    let u = x - i as f64;
    values[i] as f64 * (1.0 - u) + values[i + 1] as f64 * u
}

/// The `f0` within `[lo, hi]` with the largest harmonic sum of compressed magnitudes.
fn harmonic_sum_max(frame: &Frame, bin_hz: f64, lo: f64, hi: f64, partials: usize, top_hz: f64) -> f64 {
    const STEPS: usize = 48;
    let sum = |f0: f64| -> f64 {
        (1..=partials)
            .map(|k| k as f64 * f0)
            .take_while(|&f| f < top_hz)
            .map(|f| interp(&frame.soft, f / bin_hz))
            .sum()
    };
    let (mut best, mut best_v) = (0.5 * (lo + hi), f64::NEG_INFINITY);
    for i in 0..=STEPS {
        let f = lo + (hi - lo) * i as f64 / STEPS as f64;
        let v = sum(f);
        if v > best_v {
            (best, best_v) = (f, v);
        }
    }
    best
}

/// Tracks the harmonic sound `seed` points at in `source` (the power of `channels` summed;
/// every channel when empty). Cancels through `progress`.
pub fn track_harmonics(
    source: &dyn SampleSource,
    channels: &[usize],
    seed: &HarmonicSeed,
    progress: &Progress,
) -> Result<HarmonicTrack, HarmonicsError> {
    let fs = source.sample_rate();
    let nyquist = fs / 2.0;
    let duration_s = source.len() as f64 / fs;
    let [t0, t1] = seed.time_s;
    if !(t0.is_finite() && t1.is_finite() && t0 <= t1 && t1 >= 0.0 && t0 <= duration_s) {
        return Err(HarmonicsError::Invalid(format!(
            "the range {t0:.3}–{t1:.3} s lies outside the recording (0–{duration_s:.3} s)"
        )));
    }
    if !(seed.seed_hz >= MIN_F0_HZ && seed.seed_hz < nyquist) {
        return Err(HarmonicsError::Invalid(format!(
            "the seed {:.1} Hz is outside {MIN_F0_HZ}–{nyquist:.0} Hz",
            seed.seed_hz
        )));
    }
    let channels: Vec<usize> = if channels.is_empty() {
        (0..source.channels()).collect()
    } else {
        channels.to_vec()
    };
    let top_hz = 0.97 * nyquist;
    let duration = t1 - t0;
    let step_s = TRACK_STEP_S.max(duration / (MAX_TRACK_POINTS - 1) as f64);
    let frames = ((duration / step_s).ceil() as usize).max(1) + 1;
    // Frame times: evenly from t0, the last exactly at t1.
    let time_of = |i: usize| {
        if i + 1 == frames {
            t1
        } else {
            t0 + i as f64 * step_s
        }
    };
    let sample_of = |t: f64| (t * fs).round() as i64;

    // 1. Anchor: the frame where the seed's partial stands highest.
    let mut decide = Analyser::new(source, channels.clone(), DECIDE_WINDOW_S);
    let dbin = decide.bin_hz;
    let seed_tol = (0.06 * seed.seed_hz).max(3.0 * ZERO_PAD as f64 * dbin);
    let mut anchor: Option<(usize, Peak)> = None;
    let scan_every = ((0.01 / step_s).round() as usize).max(1);
    for i in (0..frames).step_by(scan_every) {
        if i % 64 == 0 {
            progress.check()?;
        }
        let f = decide.frame(sample_of(time_of(i)));
        if let Some(p) = peak_near(&f, dbin, seed.seed_hz, seed_tol)
            && anchor.is_none_or(|(_, a)| p.above_db > a.above_db)
        {
            anchor = Some((i, p));
        }
    }
    let Some((anchor, peak)) = anchor.filter(|(_, p)| p.salience() > 0.0) else {
        return Err(HarmonicsError::NoPartial {
            seed_hz: seed.seed_hz,
            t0,
            t1,
        });
    };

    // 2. Which partial the seed is: the comb scores averaged over frames around the anchor.
    let max_h = ((peak.freq_hz / MIN_F0_HZ).floor() as usize).clamp(1, MAX_HARMONIC);
    let mut scores = vec![0.0; max_h + 1];
    let mut scored = 0;
    let spacing = ((0.01 / step_s).round() as usize).max(1);
    let lo = anchor.saturating_sub(DECIDE_FRAMES * spacing);
    let hi = (anchor + DECIDE_FRAMES * spacing).min(frames - 1);
    for i in (lo..=hi).step_by(spacing) {
        let f = decide.frame(sample_of(time_of(i)));
        // The seed's partial in this frame (vibrato moves it).
        let tol = (0.04 * peak.freq_hz).max(1.5 * ZERO_PAD as f64 * dbin);
        let Some(p) = peak_near(&f, dbin, peak.freq_hz, tol) else {
            continue;
        };
        scored += 1;
        for (h, s) in scores.iter_mut().enumerate().skip(1) {
            let teeth = (seed.count + 1).max(h + 1);
            *s += comb_score(&f, dbin, p.freq_hz / h as f64, teeth, top_hz);
        }
    }
    if scored == 0 {
        scored = 1;
    }
    let best = scores.iter().skip(1).cloned().fold(0.0, f64::max);
    let harmonic = (1..=max_h)
        .rev()
        .find(|&h| scores[h] >= TIE_FRACTION * best)
        .unwrap_or(1);
    let _ = scored;
    progress.check()?;

    // 3. Track from the anchor both ways.
    let f0_guess = peak.freq_hz / harmonic as f64;
    let window_s = (TRACK_PERIODS / f0_guess).clamp(TRACK_WINDOW_MIN_S, TRACK_WINDOW_MAX_S);
    let mut an = Analyser::new(source, channels, window_s);
    let bin = an.bin_hz;
    let partials = seed.count + 1;
    let max_step = (MAX_RATE_PER_S * step_s).min(0.2);
    let mut f0 = vec![0.0f64; frames];
    let mut voiced = vec![false; frames];
    let first = an.frame(sample_of(time_of(anchor)));
    let (start_f0, sal) = refine(&first, bin, f0_guess, partials, top_hz);
    f0[anchor] = start_f0;
    voiced[anchor] = sal >= VOICED_SALIENCE;
    let order: Vec<(usize, usize)> = ((anchor + 1)..frames)
        .map(|i| (i, i - 1))
        .chain((0..anchor).rev().map(|i| (i, i + 1)))
        .collect();
    for (n, &(i, prev)) in order.iter().enumerate() {
        if n % 64 == 0 {
            progress.check()?;
        }
        let fp = f0[prev];
        let frame = an.frame(sample_of(time_of(i)));
        let coarse = harmonic_sum_max(
            &frame,
            bin,
            fp * (1.0 - max_step),
            fp * (1.0 + max_step),
            partials,
            top_hz,
        );
        let (fit, sal) = refine(&frame, bin, coarse, partials, top_hz);
        if sal >= VOICED_SALIENCE && (fit / fp - 1.0).abs() <= 1.5 * max_step {
            f0[i] = fit;
            voiced[i] = true;
        } else {
            f0[i] = fp;
        }
    }

    // 4. Undo the window's flattening where the track is voiced on both sides.
    // The last point may be closer than a step to the one before: the even steps end there.
    let last_full = frames.saturating_sub(1);
    let f0 = smooth_voiced(&f0, &voiced, last_full);
    let sigma2 = an.peak_weight_variance_s2();
    let c = sigma2 / 2.0 / (step_s * step_s);
    let mut corrected = f0.clone();
    for i in 1..last_full {
        if voiced[i - 1] && voiced[i] && voiced[i + 1] {
            corrected[i] = f0[i] - c * (f0[i + 1] - 2.0 * f0[i] + f0[i - 1]);
        }
    }
    let voiced_fraction = voiced.iter().filter(|&&v| v).count() as f64 / frames as f64;
    // Rounded as stored, so a saved list reproduces exactly what was used.
    // Rounded through decimal text: short decimals parse back to exactly the same value.
    let round = |v: f64, unit: f64| {
        let digits = (-unit.log10()).round().max(0.0) as usize;
        format!("{v:.digits$}").parse::<f64>().unwrap_or(v)
    };
    let points = if seed.track {
        (0..frames)
            .map(|i| [round(time_of(i), 1e-6), round(corrected[i], 1e-4)])
            .collect()
    } else {
        let mut v: Vec<f64> = (0..frames).filter(|&i| voiced[i]).map(|i| corrected[i]).collect();
        if v.is_empty() {
            v.push(start_f0);
        }
        let mid = v.len() / 2;
        let (_, m, _) = v.select_nth_unstable_by(mid, f64::total_cmp);
        let m = round(*m, 1e-4);
        vec![[round(t0, 1e-6), m], [round(t1, 1e-6), m]]
    };
    Ok(HarmonicTrack {
        harmonic,
        points,
        voiced_fraction,
    })
}

/// The fundamental at `t_s` from track points (linear between them, the end values held
/// beyond; `None` without points).
pub fn f0_at(points: &[[f64; 2]], t_s: f64) -> Option<f64> {
    let first = points.first()?;
    let last = points.last()?;
    if t_s <= first[0] {
        return Some(first[1]);
    }
    if t_s >= last[0] {
        return Some(last[1]);
    }
    let j = points.partition_point(|p| p[0] <= t_s);
    let (a, b) = (points[j - 1], points[j]);
    let span = b[0] - a[0];
    Some(if span > 0.0 {
        a[1] + (b[1] - a[1]) * (t_s - a[0]) / span
    } else {
        b[1]
    })
}

/// The largest `|d f0/dt|` (Hz/s) of the track between the points around `t_s`.
pub fn f0_slope_at(points: &[[f64; 2]], t_s: f64) -> f64 {
    if points.len() < 2 {
        return 0.0;
    }
    let j = points.partition_point(|p| p[0] <= t_s).clamp(1, points.len() - 1);
    let (a, b) = (points[j - 1], points[j]);
    let span = b[0] - a[0];
    if span > 0.0 {
        ((b[1] - a[1]) / span).abs()
    } else {
        0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::signal::MemorySource;

    /// A harmonic tone, f0 with vibrato, partials 1..=partials at amplitude 1/k.
    fn tone(
        fs: f64,
        secs: f64,
        f0: f64,
        depth: f64,
        rate: f64,
        partials: usize,
    ) -> (Vec<f32>, impl Fn(f64) -> f64) {
        let n = (fs * secs) as usize;
        let truth = move |t: f64| f0 * (1.0 + depth * (2.0 * std::f64::consts::PI * rate * t).sin());
        let mut phase = 0.0f64;
        let mut out = vec![0.0f32; n];
        for (i, o) in out.iter_mut().enumerate() {
            let t = i as f64 / fs;
            let mut v = 0.0;
            for k in 1..=partials {
                v += (k as f64 * phase).sin() / k as f64;
            }
            *o = (0.2 * v) as f32;
            phase += 2.0 * std::f64::consts::PI * truth(t) / fs;
        }
        (out, truth)
    }

    #[test]
    fn seed_on_the_third_partial_resolves_and_tracks_vibrato() {
        let fs = 16000.0;
        let (x, truth) = tone(fs, 2.0, 440.0, 0.03, 5.0, 9);
        let src = MemorySource {
            sample_rate: fs,
            channels: vec![x],
        };
        let seed = HarmonicSeed {
            time_s: [0.2, 1.8],
            seed_hz: 1330.0,
            count: 8,
            track: true,
        };
        let tr = track_harmonics(&src, &[], &seed, &Progress::new()).unwrap();
        assert_eq!(tr.harmonic, 3);
        let mut worst: f64 = 0.0;
        for p in &tr.points[2..tr.points.len() - 2] {
            worst = worst.max((p[1] - truth(p[0])).abs());
        }
        eprintln!("clean vibrato tone: worst track error {worst:.4} Hz");
        // A small fraction of the 40 Hz bin of the 25 ms window.
        assert!(worst < 0.1, "worst error {worst} Hz");
    }

    #[test]
    fn f0_interpolates_between_points_and_holds_beyond() {
        let pts = [[1.0, 100.0], [2.0, 200.0]];
        assert_eq!(f0_at(&pts, 0.0), Some(100.0));
        assert_eq!(f0_at(&pts, 1.5), Some(150.0));
        assert_eq!(f0_at(&pts, 3.0), Some(200.0));
        assert_eq!(f0_slope_at(&pts, 1.5), 100.0);
        assert_eq!(f0_at(&[], 1.0), None);
    }
}
