//! De-hum: finds mains hum (a fundamental near 50 or 60 Hz and its harmonics), follows its
//! fundamental as it drifts, and removes the harmonics by subtracting a synthesised hum rather
//! than notching the bins, so what lies under them (speech) stays (repair.md §5).
//!
//! 1. [`track`]: on a decimated copy of the signal, the fundamental is the `f` that maximises
//!    the joint power of its first harmonics, `Σ_k |X(k·f)|²`, over a window of
//!    [`TRACK_WINDOW_S`] around each point ([`HOP_S`] apart), searched within ±[`SEARCH_FRACTION`]
//!    of the nominal (50 or 60 Hz for `"auto"`, whichever's harmonics stand out more). Newton's
//!    method follows the maximum from point to point, starting where the hum stands out most.
//! 2. Which harmonics: all of `1..=N` when the count is given, otherwise each harmonic (up to
//!    [`DEFAULT_HARMONIC_LIMIT`]) whose least-squares power stands [`STAND_OUT_DB`] above the
//!    spectrum around it, on average over the recording.
//! 3. [`baseband`]: each harmonic brought down to baseband along the tracked phase, one value
//!    per period of the fundamental (over a whole period the other harmonics average out),
//!    measured once in one pass over the samples. Each harmonic's amplitude and phase at the
//!    [`model`]'s points (linear between them) are fitted to these values by least squares
//!    with a penalty on their second differences; the fitted phases' turning corrects the
//!    track (the values are turned to the new track, not measured again). The fits are then
//!    weighted, per harmonic and period, by the inverse of the power the previous fit leaves
//!    there (speech), so that pauses count more than speech, and the last ones choose each
//!    harmonic's smoothing by cross-validation, so that where speech covers a harmonic its
//!    amplitude is carried over from the pauses around.
//!
//! IQ recordings: hum at `+k·f0` and at `−k·f0` are fitted separately (a real hum coupled into
//! I and Q appears at both, with amplitudes that need not match).

pub mod baseband;
pub mod model;
pub mod track;

use std::ops::Range;

use rustfft::FftPlanner;
use rustfft::num_complex::Complex64;

use baseband::Baseband;
pub use model::HumModel;
use track::{HarmonicPower, decimate};

use crate::signal::declick::DeclickSample;
use crate::signal::{Cancelled, Progress, ReadSamples, SampleSource};

/// Lowest fundamental a de-hum step accepts, Hz.
pub const MIN_F0_HZ: f64 = 20.0;
/// Highest fundamental a de-hum step accepts, Hz.
pub const MAX_F0_HZ: f64 = 1000.0;
/// Most harmonics a de-hum step may be told to remove.
pub const MAX_HARMONICS: usize = 200;
/// Most harmonics removed when the count is not given (and only those standing above the
/// noise); 40 harmonics of 50 Hz reach 2 kHz, past which mains buzz rarely stands out.
pub const DEFAULT_HARMONIC_LIMIT: usize = 40;
/// The fundamental is searched within this fraction of the nominal on each side (±1 Hz at
/// 50 Hz): mains frequency stays within ±1 %; tape speed errors of a percent or two are
/// covered.
pub const SEARCH_FRACTION: f64 = 0.02;
/// Seconds between points of the track and of the amplitude estimates.
pub const HOP_S: f64 = 0.25;
/// Length of the window the fundamental is measured over at each point, seconds.
pub const TRACK_WINDOW_S: f64 = 0.5;
/// Harmonics used to track the fundamental (fewer if they would pass 1 kHz).
pub const TRACK_HARMONICS: usize = 12;
/// A harmonic is removed by default when its power stands this far above its neighbouring
/// spectrum (mean over the recording of the ratio in dB; a harmonic-free spectrum gives
/// about −2.5 dB).
pub const STAND_OUT_DB: f64 = 6.0;
/// Ramp at the edges of a de-hum span that stops inside the recording, seconds.
pub const FADE_S: f64 = 0.02;
/// Times the track is corrected from the phase of the unweighted fit before the weighted
/// fits (which correct it again each).
const REFINE_PASSES: usize = 1;
/// Points sampled to choose the nominal fundamental and where tracking starts.
const START_POINTS: usize = 24;
/// Points sampled to decide which harmonics stand above the noise.
const DETECT_POINTS: usize = 48;

/// The fundamental a de-hum step looks for.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Fundamental {
    /// Near this frequency, Hz.
    Hz(f64),
    /// Near 50 or 60 Hz, whichever's harmonics stand out more.
    Auto,
}

impl Fundamental {
    /// The nominal frequencies searched, Hz.
    pub fn candidates_hz(&self) -> Vec<f64> {
        match self {
            Fundamental::Hz(f) => vec![*f],
            Fundamental::Auto => vec![50.0, 60.0],
        }
    }
}

/// What a de-hum step removes.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DehumSettings {
    /// The fundamental to look for.
    pub f0: Fundamental,
    /// Harmonics `1..=N` to remove; `None`: each that stands above the noise, up to
    /// [`DEFAULT_HARMONIC_LIMIT`].
    pub harmonics: Option<usize>,
}

/// What a de-hum step found on one channel.
#[derive(Clone, Debug, PartialEq)]
pub struct DehumReport {
    /// The nominal fundamental chosen (50 or 60 for `"auto"`), Hz.
    pub nominal_hz: f64,
    /// Mean of the tracked fundamental over the span, Hz.
    pub f0_mean_hz: f64,
    /// Lowest tracked fundamental, Hz.
    pub f0_min_hz: f64,
    /// Highest tracked fundamental, Hz.
    pub f0_max_hz: f64,
    /// The harmonic numbers removed (1 is the fundamental), ascending.
    pub harmonics: Vec<usize>,
    /// The tracked fundamental over the span: `[time_s, f0_hz]` points, [`HOP_S`] apart.
    pub track_hz: Vec<[f64; 2]>,
}

/// Finds the hum on `channel` of `source` within `span` (samples, clipped to the recording)
/// and returns its model (what to subtract) and what was found; `None` for an empty span.
pub fn dehum_channel<T: ReadSamples + DeclickSample>(
    source: &dyn SampleSource,
    channel: usize,
    span: Range<i64>,
    settings: DehumSettings,
    progress: &Progress,
) -> Result<Option<(HumModel, DehumReport)>, Cancelled> {
    let len = source.len() as i64;
    let span = span.start.max(0)..span.end.min(len);
    if span.is_empty() {
        return Ok(None);
    }
    let fs = source.sample_rate();
    let complex = T::COMPONENTS == 2;
    let pad = model::WINDOW_HOPS;
    let hop = ((HOP_S * fs).round() as usize).max(1);
    let first = span.start - (pad * hop) as i64;
    let points = 2 * pad + 1 + ((span.end - span.start) as usize).div_ceil(hop);
    let point_sample = |p: usize| first + (p * hop) as i64;
    let inner = pad..points - pad;

    // Harmonics used for tracking, per nominal: up to 1 kHz, below Nyquist.
    let nyquist = 0.5 * fs;
    let nominals = settings.f0.candidates_hz();
    let track_harmonics = |nu: f64| -> usize {
        let top = nu * (1.0 + SEARCH_FRACTION);
        let by_band = (1000.0 / nu).floor() as usize;
        let by_nyquist = (0.45 * fs / top).floor() as usize;
        TRACK_HARMONICS
            .min(by_band)
            .min(by_nyquist)
            .min(settings.harmonics.unwrap_or(usize::MAX))
            .max(usize::from(by_nyquist >= 1))
    };
    let band_hz = nominals
        .iter()
        .map(|&nu| track_harmonics(nu) as f64 * nu * (1.0 + SEARCH_FRACTION))
        .fold(0.0, f64::max);
    if band_hz <= 0.0 {
        // The fundamental lies above Nyquist: nothing to remove.
        let model = HumModel::new(
            fs,
            complex,
            first,
            hop,
            vec![nominals[0]; points],
            span,
            len as u64,
        );
        let report = DehumReport {
            nominal_hz: nominals[0],
            f0_mean_hz: nominals[0],
            f0_min_hz: nominals[0],
            f0_max_hz: nominals[0],
            harmonics: Vec::new(),
            track_hz: Vec::new(),
        };
        return Ok(Some((model, report)));
    }
    let factor = ((fs / (3.0 * band_hz)).floor() as usize).max(1);
    let track_half_full = (0.5 * TRACK_WINDOW_S * fs).ceil() as i64;
    let decimated = decimate::<T>(
        source,
        channel,
        point_sample(inner.start) - track_half_full..point_sample(inner.end - 1) + track_half_full + 1,
        factor,
        progress,
    )?;
    let half = ((0.5 * TRACK_WINDOW_S * decimated.rate).round() as usize).max(2);
    let center = |p: usize| decimated.index(point_sample(p));

    // The nominal, and where the hum stands out most.
    let sampled = spread(inner.clone(), START_POINTS);
    let mut best: Option<(f64, f64, usize, f64)> = None; // (score, nominal, point, f)
    for &nu in &nominals {
        let kt = track_harmonics(nu);
        if kt == 0 {
            continue;
        }
        let range = [nu * (1.0 - SEARCH_FRACTION), nu * (1.0 + SEARCH_FRACTION)];
        let step = 0.5 / (TRACK_WINDOW_S * kt as f64);
        let mut power = HarmonicPower::new(&decimated, half, kt, complex);
        let mut total = 0.0;
        let mut top = (f64::NEG_INFINITY, inner.start, nu);
        for &p in &sampled {
            progress.check()?;
            let f = power.grid_max(center(p), range, step);
            let s = power.salience(center(p), f);
            total += s;
            if s > top.0 {
                top = (s, p, f);
            }
        }
        let score = total / sampled.len().max(1) as f64;
        if best.is_none_or(|b| score > b.0) {
            best = Some((score, nu, top.1, top.2));
        }
    }
    let Some((_, nominal, start_point, start_f)) = best else {
        return Ok(None);
    };
    let kt = track_harmonics(nominal);
    let range = [
        nominal * (1.0 - SEARCH_FRACTION),
        nominal * (1.0 + SEARCH_FRACTION),
    ];
    let step = 0.5 / (TRACK_WINDOW_S * kt as f64);
    let mut power = HarmonicPower::new(&decimated, half, kt, complex);
    let mut f0 = vec![0.0f64; points];
    f0[start_point] = power.refine(center(start_point), start_f, range, step);
    for p in start_point + 1..inner.end {
        progress.check()?;
        f0[p] = power.refine(center(p), f0[p - 1], range, step);
    }
    for p in (inner.start..start_point).rev() {
        progress.check()?;
        f0[p] = power.refine(center(p), f0[p + 1], range, step);
    }
    // A window cut by the recording's start or end measures the fundamental at the centre of
    // its samples, not at its point: move those values along the track's slope.
    let fs_d = decimated.rate;
    let valid = decimated.index(0)..decimated.index(len);
    let offset_s = |p: usize| -> f64 {
        let c = center(p);
        let (mut sw, mut swt) = (0.0, 0.0);
        for t in -(half as i64)..=half as i64 {
            if valid.contains(&(c + t)) {
                let w = (std::f64::consts::PI * (t + half as i64 + 1) as f64 / (2 * half + 2) as f64)
                    .sin()
                    .powi(2);
                sw += w;
                swt += w * t as f64;
            }
        }
        if sw > 0.0 { swt / sw / fs_d } else { 0.0 }
    };
    let offsets: Vec<f64> = (0..points)
        .map(|p| if inner.contains(&p) { offset_s(p) } else { 0.0 })
        .collect();
    let hop_s = hop as f64 / fs;
    for p in (inner.start..inner.end.saturating_sub(1)).rev() {
        if offsets[p] > 0.0 {
            let slope = (f0[p + 1] - f0[p]) / (hop_s + offsets[p + 1] - offsets[p]);
            f0[p] -= slope * offsets[p];
        }
    }
    for p in inner.start + 1..inner.end {
        if offsets[p] < 0.0 {
            let slope = (f0[p] - f0[p - 1]) / (hop_s + offsets[p] - offsets[p - 1]);
            f0[p] -= slope * offsets[p];
        }
    }
    for p in 0..inner.start {
        f0[p] = f0[inner.start];
    }
    for p in inner.end..points {
        f0[p] = f0[inner.end - 1];
    }
    drop(power);
    drop(decimated);

    let mut model = HumModel::new(fs, complex, first, hop, f0.clone(), span.clone(), len as u64);
    let top_hz = f0[inner.clone()].iter().copied().fold(0.0, f64::max);
    let below_nyquist = ((0.95 * nyquist / top_hz).floor() as usize).min(MAX_HARMONICS);
    let selected: Vec<bool> = match settings.harmonics {
        Some(n) => vec![true; n.min(below_nyquist)],
        None => stand_out::<T>(&model, source, channel, DEFAULT_HARMONIC_LIMIT.min(below_nyquist)),
    };
    // Every harmonic at baseband, one value per period, measured once; the fits below work on
    // these values.
    let k = selected.iter().rposition(|&s| s).map_or(0, |i| i + 1);
    let mut base = Baseband::measure::<T>(&model, source, channel, k, progress)?;
    base.fit(&mut model, &selected, None, &[baseband::TRACK_SMOOTHING]);
    // The fitted amplitudes show what error is left in the track (their phase turns): fix it,
    // turning the blocks to the new track.
    let retrack = |model: &mut HumModel, f0: &mut Vec<f64>, base: &mut Baseband| {
        let fix = model.track_corrections(TRACK_HARMONICS);
        if fix.iter().all(|d| *d == 0.0) {
            return false;
        }
        for p in inner.clone() {
            f0[p] = (f0[p] + fix[p]).clamp(
                nominal * (1.0 - SEARCH_FRACTION),
                nominal * (1.0 + SEARCH_FRACTION),
            );
        }
        let (a, b) = (f0[inner.start], f0[inner.end - 1]);
        f0[..inner.start].fill(a);
        f0[inner.end..].fill(b);
        let new = HumModel::new(fs, complex, first, hop, f0.clone(), span.clone(), len as u64);
        base.retrack(model, &new);
        *model = new;
        true
    };
    for _ in 0..REFINE_PASSES {
        if !retrack(&mut model, &mut f0, &mut base) {
            break;
        }
        base.fit(&mut model, &selected, None, &[baseband::TRACK_SMOOTHING]);
    }
    // Weighted least squares: each harmonic's blocks count as the inverse of the power the
    // fit leaves in them (speech), so the fit rests on the pauses where there are any;
    // reweighted from each fit's residual, the track corrected again from the weighted fit.
    for _ in 0..WEIGHTED_PASSES {
        progress.check()?;
        if model.is_empty() {
            break;
        }
        let weights = base.weights(&model);
        base.fit(
            &mut model,
            &selected,
            Some(&weights),
            &[baseband::TRACK_SMOOTHING],
        );
        if retrack(&mut model, &mut f0, &mut base) {
            base.fit(
                &mut model,
                &selected,
                Some(&weights),
                &[baseband::TRACK_SMOOTHING],
            );
        }
    }
    // The final fits: reweighted, each harmonic's smoothing chosen by how well every other hop
    // is predicted from the rest (a steady hum under dense speech is best carried over from
    // the pauses; a hum whose amplitude moves needs a looser fit).
    for _ in 0..FINAL_PASSES {
        if model.is_empty() {
            break;
        }
        let weights = base.weights(&model);
        base.fit(
            &mut model,
            &selected,
            Some(&weights),
            &baseband::SMOOTHING_CHOICES,
        );
    }
    let track = &f0[inner];
    let report = DehumReport {
        nominal_hz: nominal,
        f0_mean_hz: track.iter().sum::<f64>() / track.len() as f64,
        f0_min_hz: track.iter().copied().fold(f64::INFINITY, f64::min),
        f0_max_hz: track.iter().copied().fold(f64::NEG_INFINITY, f64::max),
        harmonics: model.harmonics_removed(),
        track_hz: model
            .track()
            .skip(pad)
            .take(track.len())
            .map(|(n, f)| [n as f64 / fs, f])
            .collect(),
    };
    Ok(Some((model, report)))
}

/// Reweighted fits, each followed by a track correction; see [`dehum_channel`].
const WEIGHTED_PASSES: usize = 3;
/// Reweighted fits at the end, each harmonic choosing its smoothing (on the speech fixture
/// three reached 0.4 dB more in the pauses than one).
const FINAL_PASSES: usize = 3;

/// Up to `count` indices spread evenly over `range`.
fn spread(range: Range<usize>, count: usize) -> Vec<usize> {
    let n = range.len();
    if n <= count {
        return range.collect();
    }
    (0..count)
        .map(|i| range.start + (i * (n - 1)) / (count - 1).max(1))
        .collect()
}

/// Which of harmonics `1..=limit` stand above the noise: at points spread over the span, each
/// harmonic's least-squares power (along the track) against the mean power of the spectrum
/// around it, within a fundamental on each side (leaving out the harmonics' own lobes);
/// kept when the ratio averages [`STAND_OUT_DB`] or more.
fn stand_out<T: ReadSamples + DeclickSample>(
    model: &HumModel,
    source: &dyn SampleSource,
    channel: usize,
    limit: usize,
) -> Vec<bool> {
    if limit == 0 {
        return Vec::new();
    }
    let fs = source.sample_rate();
    let complex = T::COMPONENTS == 2;
    let f0: Vec<f64> = model.track().map(|(_, f)| f).collect();
    let pad = model::WINDOW_HOPS;
    let sampled = spread(model.span_points(), DETECT_POINTS);
    let frame = 2 * pad * model.hop_samples();
    let fft = FftPlanner::<f64>::new().plan_fft_forward(frame);
    let bin_hz = fs / frame as f64;
    let signs: &[f64] = if complex { &[1.0, -1.0] } else { &[1.0] };
    // Per sign and harmonic: sum of dB ratios and count.
    let mut stats = vec![(0.0f64, 0usize); signs.len() * limit];
    for &p in &sampled {
        let (pos, neg, mut framed) = model.project::<T>(source, channel, p, limit);
        fft.process(&mut framed);
        let power: Vec<f64> = framed.iter().map(Complex64::norm_sqr).collect();
        let f = f0[p];
        let chirp_hz = (f0[p + pad] - f0[p - pad]).abs();
        for (si, &sign) in signs.iter().enumerate() {
            for k in 1..=limit {
                let fit = if sign > 0.0 { pos[k - 1] } else { neg[k - 1] };
                let centre = sign * k as f64 * f;
                let exclude = 3.0 * bin_hz + 0.5 * k as f64 * chirp_hz;
                let (lo, hi) = (exclude, f - exclude);
                if lo >= hi {
                    continue;
                }
                let mut sum = 0.0;
                let mut n = 0usize;
                for side in [-1.0, 1.0] {
                    let b0 = ((centre + side * lo) / bin_hz).round() as i64;
                    let b1 = ((centre + side * hi) / bin_hz).round() as i64;
                    for b in b0.min(b1)..=b0.max(b1) {
                        let fb = b as f64 * bin_hz;
                        if (!complex && fb < 0.0) || fb.abs() >= 0.5 * fs {
                            continue;
                        }
                        sum += power[b.rem_euclid(frame as i64) as usize];
                        n += 1;
                    }
                }
                if n == 0 || sum <= 0.0 {
                    continue;
                }
                let level = sum / n as f64;
                let ratio_db = 10.0 * ((fit.norm_sqr() + 1e-30 * level) / level).log10();
                let s = &mut stats[si * limit + k - 1];
                s.0 += ratio_db;
                s.1 += 1;
            }
        }
    }
    (0..limit)
        .map(|j| {
            signs.iter().enumerate().any(|(si, _)| {
                let (sum, n) = stats[si * limit + j];
                n > 0 && sum / n as f64 >= STAND_OUT_DB
            })
        })
        .collect()
}
