//! Learned noise removal: a noise power per frequency, learnt from a stretch that holds only
//! noise, given as a stored profile, or estimated by minimum statistics, and a gain per cell
//! that falls smoothly from 1 to the reduction floor as the cell's level nears that noise.
//!
//! For every cell `(k, b)` (frame, bin) of a channel:
//!
//! - `P̄(k, b)` is the cell's power `|X|²` smoothed by a raised-cosine kernel whose width at half
//!   height is `smooth_s` along time and `smooth_hz` along frequency. Smoothing the *power* before
//!   deciding is what keeps isolated noise peaks from surviving as musical noise, and it makes
//!   the a-priori SNR estimate non-causal (it looks at the frames after the cell as well as
//!   before), which is better than the decision-directed recursion and has no state.
//! - `N(k, b)` is the noise power expected in the cell: from the learnt stretch or the stored
//!   profile (constant in time), or for `estimate: auto` by minimum statistics: the minimum over
//!   the surrounding window (two seconds by default) of the power smoothed along time only, then
//!   smoothed along frequency, times the bias that minimum has on pure noise (measured once by
//!   simulation through the same STFT). Taking the minimum before smoothing across frequency
//!   lets the noise between the tones of a steady signal set the floor, not the tones.
//! - The gain is the Wiener gain of the power-subtraction estimate, floored at the reduction:
//!   `g = max(1 − β·N/P̄, 10^(−reduction_db/20))`, with `β = 1 + 2·sensitivity·σ` where `σ` is the
//!   relative standard deviation of `P̄` on pure white noise under this window, hop and kernel
//!   (computed exactly from the window's overlap). At sensitivity 1 a cell of pure noise is
//!   brought to the floor unless its smoothed level strays more than two of its own standard
//!   deviations above the noise; a cell 20 dB above the noise keeps 99 % of its amplitude.
//! - Smoothing across frequency spreads a narrow tone's power over its neighbours, which would
//!   keep the noise beside every tone or harmonic. So the cell must also stand above the noise
//!   on its own track: the same rule on `P_t`, its power smoothed along time only, with
//!   `β_t = 1 + sensitivity·σ_t`, and the smaller gain wins. On pure noise this only lowers
//!   gains (no new isolated cells, so no new musical noise); beside a tone it removes the noise
//!   the tone's neighbourhood would have kept (on noisy IQ carriers, 2 dB more SNR; on noisy
//!   speech the SI-SDR is unchanged to 0.1 dB).
//!
//! Gains of a frame depend only on the frames within a fixed reach around it (the smoothing
//! kernel, plus the estimation window for `auto`), each computed the same way whatever block
//! it is part of, so rendering any range gives exactly the whole-file result.

use std::ops::Range;
use std::sync::{Arc, Mutex};

use rustfft::num_complex::Complex32;

use super::gain_step::GainRequest;
use super::mask::Grid;
use crate::signal::levels::db_to_amplitude;
use crate::signal::{MemorySource, ReadSamples, SampleSource, Stft, StftParams, limits};

/// Default reduction: how far pure noise is brought down, in dB.
pub const DEFAULT_REDUCTION_DB: f64 = 18.0;
/// Default sensitivity (see the module documentation).
pub const DEFAULT_SENSITIVITY: f64 = 1.0;
/// Default smoothing along time when `smooth_s` is absent, in hops (width at half height).
pub const DEFAULT_SMOOTH_HOPS: f64 = 3.0;
/// Default smoothing along frequency when `smooth_hz` is absent, in bins (width at half height).
pub const DEFAULT_SMOOTH_BINS: f64 = 6.0;
/// Default length of the window the automatic estimate takes its minimum over, in hops
/// (2.05 s at 48 kHz with hop 512: long enough to hold a pause in speech, or a gap between
/// the symbols of a steady digital signal).
pub const DEFAULT_ESTIMATE_HOPS: f64 = 192.0;
/// Largest reduction accepted, in dB.
pub const MAX_REDUCTION_DB: f64 = 120.0;
/// Largest sensitivity accepted.
pub const MAX_SENSITIVITY: f64 = 20.0;

/// Where a denoise edit's noise comes from.
#[derive(Clone, Debug, PartialEq)]
pub enum NoiseEstimate {
    /// Learnt, when rendering, from a stretch of the recording that holds only noise.
    Learn {
        /// `[start, end]` of the stretch in seconds.
        time_s: [f64; 2],
        /// `[low, high]` in Hz of the band the noise was seen in; `None` for the whole band.
        /// Frequencies outside it are left alone (the stretch says nothing about them).
        freq_hz: Option<[f64; 2]>,
    },
    /// A stored profile (learnt earlier, perhaps from another recording).
    Profile(NoiseProfile),
    /// Estimated from the recording itself by minimum statistics over time: for recordings
    /// with no stretch of noise alone.
    Auto {
        /// Length of the window the minimum is taken over, in seconds; `None` for
        /// [`DEFAULT_ESTIMATE_HOPS`] hops.
        window_s: Option<f64>,
    },
}

/// A noise profile in physical units: the noise's power spectral density at evenly spaced
/// frequencies, so it applies to any FFT size, window and hop.
///
/// `density_db` is `10·log10` of the two-sided power spectral density of the samples (full
/// scale = 1) per Hz: white noise of RMS `σ` at rate `fs` reads `10·log10(σ²/fs)` everywhere.
/// Between points the density is interpolated linearly in dB; outside them it is not used (the
/// profile's band is where the denoise acts).
#[derive(Clone, Debug, PartialEq)]
pub struct NoiseProfile {
    /// Frequencies of the first and the last point, in Hz (negative below the centre for IQ).
    pub freq_hz: [f64; 2],
    /// One row of densities per channel, or a single row for every channel; all rows have the
    /// same number of points, at least one.
    pub density_db: Vec<Vec<f64>>,
}

/// A denoise edit's settings: where the noise comes from and how hard to remove it.
#[derive(Clone, Debug, PartialEq)]
pub struct Denoise {
    /// The noise estimate.
    pub noise: NoiseEstimate,
    /// How far cells of pure noise are brought down, in dB (0 or more).
    pub reduction_db: f64,
    /// How readily cells are taken for noise: 1 is the calibrated default, higher removes more
    /// (and eats more of quiet wanted sound), lower keeps more noise.
    pub sensitivity: f64,
    /// Smoothing along time, width at half height in seconds; `None` for
    /// [`DEFAULT_SMOOTH_HOPS`] hops.
    pub smooth_s: Option<f64>,
    /// Smoothing along frequency, width at half height in Hz; `None` for
    /// [`DEFAULT_SMOOTH_BINS`] bins.
    pub smooth_hz: Option<f64>,
}

impl Denoise {
    /// Default settings with noise learnt from `time_s` (seconds), over the band `freq_hz`
    /// (Hz, `None` for all frequencies).
    pub fn learn(time_s: [f64; 2], freq_hz: Option<[f64; 2]>) -> Self {
        Self::with_noise(NoiseEstimate::Learn { time_s, freq_hz })
    }

    /// Default settings with the noise estimated automatically.
    pub fn auto() -> Self {
        Self::with_noise(NoiseEstimate::Auto { window_s: None })
    }

    /// Default settings with a stored profile.
    pub fn from_profile(profile: NoiseProfile) -> Self {
        Self::with_noise(NoiseEstimate::Profile(profile))
    }

    fn with_noise(noise: NoiseEstimate) -> Self {
        Denoise {
            noise,
            reduction_db: DEFAULT_REDUCTION_DB,
            sensitivity: DEFAULT_SENSITIVITY,
            smooth_s: None,
            smooth_hz: None,
        }
    }

    /// The same settings with a stored profile in place of a learnt stretch: learns it now from
    /// `source` with the STFT `params` (an editor does this on a worker thread), so that the
    /// edit no longer depends on the recording it was learnt from. Other estimates are returned
    /// unchanged.
    pub fn with_learnt_profile(
        &self,
        source: &dyn SampleSource,
        params: StftParams,
    ) -> Result<Denoise, DenoiseError> {
        let NoiseEstimate::Learn { time_s, freq_hz } = self.noise else {
            return Ok(self.clone());
        };
        Ok(Denoise {
            noise: NoiseEstimate::Profile(NoiseProfile::learn(source, params, time_s, freq_hz)?),
            ..self.clone()
        })
    }

    /// A one-line description for edit lists and history panels, e.g. `denoise −18 dB, noise
    /// from 0.00–0.50 s`.
    pub fn describe(&self) -> String {
        let source = match &self.noise {
            NoiseEstimate::Learn { time_s, freq_hz } => {
                let band = freq_hz
                    .map(|f| format!(", {:.0}–{:.0} Hz", f[0], f[1]))
                    .unwrap_or_default();
                format!("noise from {:.2}–{:.2} s{band}", time_s[0], time_s[1])
            }
            NoiseEstimate::Profile(p) => {
                format!("stored profile, {:.0}–{:.0} Hz", p.freq_hz[0], p.freq_hz[1])
            }
            NoiseEstimate::Auto { .. } => "noise estimated automatically".to_owned(),
        };
        format!("denoise −{:.0} dB, {source}", self.reduction_db)
    }

    /// Checks the settings against a recording: the stretch lies in it and is long enough, the
    /// profile has a row per channel. Rendering never fails; this is what a command line or an
    /// editor calls to tell the user why a denoise would do nothing.
    pub fn check(&self, source: &dyn SampleSource, params: StftParams) -> Result<(), DenoiseError> {
        match &self.noise {
            NoiseEstimate::Learn { time_s, .. } => {
                learn_frames(source.len(), source.sample_rate(), params, *time_s).map(|_| ())
            }
            NoiseEstimate::Profile(p) => {
                if p.density_db.len() != 1 && p.density_db.len() < source.channels() {
                    return Err(DenoiseError::ProfileChannels {
                        rows: p.density_db.len(),
                        channels: source.channels(),
                    });
                }
                Ok(())
            }
            NoiseEstimate::Auto { .. } => Ok(()),
        }
    }
}

/// Why noise cannot be learnt or a profile used.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DenoiseError {
    /// The stretch lies outside the recording or holds no STFT frame.
    #[error(
        "the noise stretch {:.3}–{:.3} s holds no STFT frame of the recording ({:.3} s long); \
         choose a stretch of at least one frame ({:.3} s) inside it",
        time_s[0], time_s[1], duration_s, frame_s
    )]
    Stretch {
        /// The stretch asked for, seconds.
        time_s: [f64; 2],
        /// The recording's duration, seconds.
        duration_s: f64,
        /// One frame's duration, seconds.
        frame_s: f64,
    },
    /// A profile with several rows has fewer rows than the recording has channels.
    #[error("the noise profile has {rows} channel rows but the recording has {channels} channels")]
    ProfileChannels {
        /// Rows in the profile.
        rows: usize,
        /// Channels in the recording.
        channels: usize,
    },
    /// Invalid STFT settings.
    #[error(transparent)]
    Stft(#[from] crate::signal::StftError),
}

/// The frames noise is learnt from: those whose window lies wholly inside the stretch and the
/// recording, or failing that (a stretch shorter than a frame), those centred inside both.
fn learn_frames(
    len: u64,
    sample_rate: f64,
    params: StftParams,
    time_s: [f64; 2],
) -> Result<Range<usize>, DenoiseError> {
    let n = params.fft_len as i64;
    // A checked STFT has a hop of at least 1; never divide by zero on an unchecked one.
    let hop = params.hop.max(1) as i64;
    let a = ((time_s[0] * sample_rate).ceil() as i64).max(0);
    let b = ((time_s[1] * sample_rate).floor() as i64).min(len as i64);
    let whole = {
        // frame_start(k) = k·hop − n/2 ≥ a and frame_start(k) + n ≤ b.
        let first = (a + n / 2).div_euclid(hop) + i64::from((a + n / 2).rem_euclid(hop) != 0);
        let last = (b - n + n / 2).div_euclid(hop);
        first.max(0)..(last + 1).max(0)
    };
    let frames = if whole.end > whole.start {
        whole
    } else {
        // Centres k·hop in [a, b).
        let first = a.div_euclid(hop) + i64::from(a.rem_euclid(hop) != 0);
        let last = (b - 1).div_euclid(hop);
        first.max(0)..(last + 1).max(0)
    };
    if frames.end <= frames.start || b <= a {
        return Err(DenoiseError::Stretch {
            time_s,
            duration_s: len as f64 / sample_rate,
            frame_s: params.fft_len as f64 / sample_rate,
        });
    }
    Ok(frames.start as usize..frames.end as usize)
}

/// Samples read at a time when learning noise.
const MEAN_POWER_BLOCK_SAMPLES: usize = 1 << 20;

/// Mean raw power per bin (FFT order) of `channel` over `frames`.
fn mean_power<T: ReadSamples>(
    source: &dyn SampleSource,
    stft: &Stft<T>,
    channel: usize,
    frames: Range<usize>,
) -> Vec<f32> {
    let n = stft.fft_len();
    let mut scratch = stft.scratch();
    let mut spectrum = vec![Complex32::default(); stft.bins()];
    let mut sum = vec![0.0f64; stft.bins()];
    let mut input = Vec::new();
    // A block of frames at a time: a stretch may be the whole of an hour-long recording.
    let block = (MEAN_POWER_BLOCK_SAMPLES / stft.hop()).max(1);
    let mut first = frames.start;
    while first < frames.end {
        let part = first..(first + block).min(frames.end);
        let span = stft.frames_span(part.clone());
        input.clear();
        input.resize((span.end - span.start) as usize, T::default());
        T::read(source, channel, span.start, &mut input);
        for k in part.clone() {
            let at = (stft.frame_start(k) - span.start) as usize;
            stft.analyse_frame(&input[at..at + n], &mut spectrum, &mut scratch);
            for (s, z) in sum.iter_mut().zip(&spectrum) {
                *s += z.norm_sqr() as f64;
            }
        }
        first = part.end;
    }
    let count = frames.len().max(1) as f64;
    sum.iter().map(|&s| (s / count) as f32).collect()
}

/// Bins of a grid in ascending frequency: for IQ the negative half first.
fn ascending_bins(bins: usize, complex: bool) -> impl Iterator<Item = usize> {
    let split = if complex { bins.div_ceil(2) } else { bins };
    (split..bins).chain(0..split)
}

/// Raw power per bin of white noise of unit density (1 per Hz, two-sided): `fs·Σw²`.
fn unit_density_power(window: &[f32], sample_rate: f64) -> f64 {
    sample_rate * window.iter().map(|&w| (w as f64) * (w as f64)).sum::<f64>()
}

impl NoiseProfile {
    /// Learns a profile from `time_s` of `source` (every channel), over the band `freq_hz`
    /// (`None` for all frequencies), with the STFT `params`. Densities are rounded to 0.01 dB,
    /// which keeps stored edit lists short.
    pub fn learn(
        source: &dyn SampleSource,
        params: StftParams,
        time_s: [f64; 2],
        freq_hz: Option<[f64; 2]>,
    ) -> Result<NoiseProfile, DenoiseError> {
        if source.is_complex() {
            Self::learn_typed::<Complex32>(source, params, time_s, freq_hz)
        } else {
            Self::learn_typed::<f32>(source, params, time_s, freq_hz)
        }
    }

    fn learn_typed<T: ReadSamples>(
        source: &dyn SampleSource,
        params: StftParams,
        time_s: [f64; 2],
        freq_hz: Option<[f64; 2]>,
    ) -> Result<NoiseProfile, DenoiseError> {
        let stft = Stft::<T>::new(params, crate::signal::Convention::Scipy)?;
        let frames = learn_frames(source.len(), source.sample_rate(), params, time_s)?;
        let fs = source.sample_rate();
        let unit = unit_density_power(stft.window(), fs);
        let band = freq_hz.unwrap_or([f64::NEG_INFINITY, f64::INFINITY]);
        let chosen: Vec<usize> = ascending_bins(stft.bins(), T::IS_COMPLEX)
            .filter(|&b| (band[0]..=band[1]).contains(&stft.bin_freq_hz(b, fs)))
            .collect();
        if chosen.is_empty() {
            // A band narrower than a bin: learn the bin nearest its centre.
            let centre = 0.5 * (band[0] + band[1]);
            let distance = |b: usize| (stft.bin_freq_hz(b, fs) - centre).abs();
            let nearest = (0..stft.bins())
                .min_by(|&a, &b| distance(a).total_cmp(&distance(b)))
                .unwrap_or(0);
            return Self::learn_bins(source, &stft, frames, &[nearest], unit);
        }
        Self::learn_bins(source, &stft, frames, &chosen, unit)
    }

    fn learn_bins<T: ReadSamples>(
        source: &dyn SampleSource,
        stft: &Stft<T>,
        frames: Range<usize>,
        bins: &[usize],
        unit: f64,
    ) -> Result<NoiseProfile, DenoiseError> {
        let fs = source.sample_rate();
        let density_db = (0..source.channels())
            .map(|c| {
                let power = mean_power(source, stft, c, frames.clone());
                bins.iter()
                    .map(|&b| {
                        let d = 10.0 * (power[b] as f64 / unit).max(1e-30).log10();
                        (d * 100.0).round() / 100.0
                    })
                    .collect()
            })
            .collect();
        let f = |b: usize| stft.bin_freq_hz(b, fs);
        Ok(NoiseProfile {
            freq_hz: [f(bins[0]), f(bins[bins.len() - 1])],
            density_db,
        })
    }

    /// Number of points per row.
    pub fn points(&self) -> usize {
        self.density_db.first().map_or(0, Vec::len)
    }

    /// The density in dB (per Hz) of `channel` at `freq_hz`, interpolated; `None` outside the
    /// profile's band or for a channel it has no row for.
    pub fn density_at(&self, channel: usize, freq_hz: f64) -> Option<f64> {
        let row = self.row(channel)?;
        let [f0, f1] = self.freq_hz;
        if row.is_empty() || freq_hz < f0 || freq_hz > f1 {
            return None;
        }
        Some(interpolate(row, f0, f1, freq_hz))
    }

    fn row(&self, channel: usize) -> Option<&[f64]> {
        match self.density_db.len() {
            1 => Some(&self.density_db[0]),
            _ => self.density_db.get(channel).map(Vec::as_slice),
        }
    }
}

/// Linear interpolation of evenly spaced `row` (from `f0` to `f1`) at `f`, clamped at the ends.
fn interpolate(row: &[f64], f0: f64, f1: f64, f: f64) -> f64 {
    if row.len() == 1 || f1 <= f0 {
        return row[0];
    }
    let u = ((f - f0) / (f1 - f0) * (row.len() - 1) as f64).clamp(0.0, (row.len() - 1) as f64);
    let i = (u.floor() as usize).min(row.len() - 2);
    let t = u - i as f64;
    row[i] * (1.0 - t) + row[i + 1] * t
}

/// Raised-cosine smoothing taps whose width at half height is `width` cells: `0.5·(1 +
/// cos(π·j/width))` for `|j| < width`, a single tap when `width ≤ 1`. Continuous in `width`:
/// a new tap enters with weight 0.
fn kernel(width: f64) -> Vec<f32> {
    // NaN counts as no smoothing.
    if width.is_nan() || width <= 1.0 {
        return vec![1.0];
    }
    let reach = (width.ceil() as usize).saturating_sub(1);
    (0..=2 * reach)
        .map(|i| {
            let j = i as f64 - reach as f64;
            (0.5 * (1.0 + (std::f64::consts::PI * j / width).cos())) as f32
        })
        .collect()
}

/// Relative standard deviation of a smoothed power of white Gaussian noise: with `ρ(Δk, Δb)`
/// the correlation of two cells' complex values (from the window's overlap), the covariance of
/// their powers is `|ρ|²`, so `σ² = Σ A_t(Δk)·A_f(Δb)·|ρ(Δk, Δb)|²` with `A` the kernels'
/// autocorrelations (kernels normalised to sum 1).
fn smoothed_noise_sigma(window: &[f32], hop: usize, kt: &[f32], kf: &[f32]) -> f64 {
    let n = window.len();
    let auto = |k: &[f32]| -> Vec<f64> {
        let s: f64 = k.iter().map(|&v| v as f64).sum();
        let h: Vec<f64> = k.iter().map(|&v| v as f64 / s).collect();
        let m = h.len();
        (0..2 * m - 1)
            .map(|d| {
                let lag = d as i64 - (m as i64 - 1);
                (0..m as i64)
                    .filter_map(|i| {
                        let j = i + lag;
                        (0..m as i64).contains(&j).then(|| h[i as usize] * h[j as usize])
                    })
                    .sum()
            })
            .collect()
    };
    let at = auto(kt);
    let af = auto(kf);
    let rt = (at.len() / 2) as i64;
    let rf = ((af.len() / 2) as i64).min(n as i64 / 2);
    let energy: f64 = window.iter().map(|&w| (w as f64) * (w as f64)).sum();
    let twiddle: Vec<(f64, f64)> = (0..n)
        .map(|m| {
            let ph = std::f64::consts::TAU * m as f64 / n as f64;
            (ph.cos(), ph.sin())
        })
        .collect();
    let mut var = 0.0;
    for dk in -rt..=rt {
        let shift = dk.unsigned_abs() as usize * hop;
        if shift >= n {
            continue;
        }
        let a_t = at[(dk + rt) as usize];
        for db in -rf..=rf {
            let a_f = af[(db + (af.len() / 2) as i64) as usize];
            let (mut re, mut im) = (0.0, 0.0);
            for i in 0..n - shift {
                let p = window[i] as f64 * window[i + shift] as f64;
                let (c, s) = twiddle[(db.rem_euclid(n as i64) as usize * i) % n];
                re += p * c;
                im -= p * s;
            }
            var += a_t * a_f * (re * re + im * im) / (energy * energy);
        }
    }
    var.sqrt()
}

/// One denoise edit prepared for a grid. What needs the window or the recording (the
/// sensitivity factor, the learnt noise, the auto-estimate bias) is derived on first use from
/// the STFT and source the render passes, and cached.
pub(crate) struct PreparedDenoise {
    settings: Denoise,
    grid: Grid,
    /// Time kernel (unnormalised), `2·reach_t + 1` taps.
    kt: Vec<f32>,
    /// Frequency kernel (unnormalised), `2·reach_f + 1` taps.
    kf: Vec<f32>,
    /// Half-window of the automatic estimate in frames (0 when not automatic).
    estimate_reach: usize,
    derived: Mutex<Option<Arc<Derived>>>,
}

/// What a prepared denoise derives from the STFT and the recording.
struct Derived {
    params: StftParams,
    source_len: u64,
    source_channels: usize,
    beta: f32,
    /// `β_t` of the time-only rule.
    beta_t: f32,
    floor: f32,
    /// Multiplier from the windowed minimum of `P̄` to the noise power (automatic estimate).
    bias: f32,
    /// Noise power per bin (FFT order) per channel; empty rows for channels left alone. Unused
    /// by the automatic estimate.
    noise: Vec<Vec<f32>>,
    /// Membership of each bin in the band the denoise acts on, per channel row as `noise`.
    band: Vec<Vec<f32>>,
}

/// Buffers one worker reuses across blocks.
#[derive(Default)]
pub(crate) struct DenoiseScratch {
    /// Frequency-smoothed power of the core frames and the time kernel's reach around them.
    pf: Vec<f32>,
    /// Time- and frequency-smoothed power of the core frames.
    pbar: Vec<f32>,
    /// Power smoothed along time only, over the core frames (and for the automatic estimate
    /// its window around them).
    pt: Vec<f32>,
    /// Windowed minimum per bin for the core frames.
    minimum: Vec<f32>,
    /// One row of the noise floor.
    floor: Vec<f32>,
    deque: Vec<usize>,
}

impl PreparedDenoise {
    pub(crate) fn new(settings: &Denoise, grid: &Grid) -> Self {
        // A hop of 0 never reaches here through a checked STFT; it must not divide by zero.
        let hop_s = grid.hop.max(1) as f64 / grid.sample_rate;
        // `EditList::check_against` refuses wider windows; the caps keep an unchecked list
        // (or one made in code) from allocating or looping without end.
        let width_t = settings
            .smooth_s
            .map_or(DEFAULT_SMOOTH_HOPS, |s| s / hop_s)
            .min(limits::MAX_SMOOTH_HOPS);
        let width_f = settings
            .smooth_hz
            .map_or(DEFAULT_SMOOTH_BINS, |hz| hz / grid.bin_hz())
            .min(limits::MAX_SMOOTH_BINS);
        let mut kf = kernel(width_f);
        // A frequency kernel wider than the spectrum would wrap onto itself.
        if kf.len() > grid.bins() {
            kf = kernel((grid.bins() / 2) as f64);
        }
        let estimate_reach = match settings.noise {
            NoiseEstimate::Auto { window_s } => {
                let hops = window_s.map_or(DEFAULT_ESTIMATE_HOPS, |w| w / hop_s);
                let most = limits::MAX_DENOISE_CONTEXT_CELLS / grid.bins().max(1) as f64;
                ((hops / 2.0).min(most).round() as usize).max(1)
            }
            _ => 0,
        };
        PreparedDenoise {
            settings: settings.clone(),
            grid: *grid,
            kt: kernel(width_t),
            kf,
            estimate_reach,
            derived: Mutex::new(None),
        }
    }

    fn reach_t(&self) -> usize {
        self.kt.len() / 2
    }

    /// Frames on each side of a frame whose spectra its gain depends on.
    pub(crate) fn context_frames(&self) -> usize {
        self.reach_t() + self.estimate_reach
    }

    /// True when this denoise may act on `channel` (profiles without a row for it do not).
    pub(crate) fn acts_on(&self, channel: usize) -> bool {
        match &self.settings.noise {
            NoiseEstimate::Profile(p) => p.row(channel).is_some(),
            _ => true,
        }
    }

    fn derived<T: ReadSamples>(&self, source: &dyn SampleSource, stft: &Stft<T>) -> Arc<Derived> {
        let params = stft.params();
        let fresh = |d: &Derived| {
            d.params == params && d.source_len == source.len() && d.source_channels == source.channels()
        };
        // A poisoned lock only means another render panicked; the cached value is still whole.
        let mut slot = self.derived.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(d) = slot.as_ref().filter(|d| fresh(d)) {
            return d.clone();
        }
        let d = Arc::new(self.derive(source, stft));
        *slot = Some(d.clone());
        d
    }

    fn derive<T: ReadSamples>(&self, source: &dyn SampleSource, stft: &Stft<T>) -> Derived {
        let sigma = smoothed_noise_sigma(stft.window(), stft.hop(), &self.kt, &self.kf);
        let beta = (1.0 + 2.0 * self.settings.sensitivity * sigma) as f32;
        let sigma_t = smoothed_noise_sigma(stft.window(), stft.hop(), &self.kt, &[1.0]);
        let beta_t = (1.0 + self.settings.sensitivity * sigma_t) as f32;
        let floor = db_to_amplitude(-self.settings.reduction_db) as f32;
        let bins = stft.bins();
        let fs = source.sample_rate();
        let freqs: Vec<f64> = (0..bins).map(|b| stft.bin_freq_hz(b, fs)).collect();
        // Band edges ramp over two bins, like an edit's default feather.
        let feather = 2.0 * self.grid.bin_hz();
        let membership = |lo: f64, hi: f64| -> Vec<f32> {
            freqs
                .iter()
                .map(|&f| {
                    let outside = (lo - f).max(f - hi);
                    if outside <= 0.0 {
                        1.0
                    } else if outside >= feather {
                        0.0
                    } else {
                        (0.5 * (1.0 + (std::f64::consts::PI * outside / feather).cos())) as f32
                    }
                })
                .collect()
        };
        let channels = source.channels();
        let (noise, band, bias) = match &self.settings.noise {
            NoiseEstimate::Learn { time_s, freq_hz } => {
                match learn_frames(source.len(), fs, stft.params(), *time_s) {
                    Ok(frames) => {
                        let [lo, hi] = freq_hz.unwrap_or([f64::NEG_INFINITY, f64::INFINITY]);
                        let m = membership(lo, hi);
                        let noise = (0..channels)
                            .map(|c| mean_power(source, stft, c, frames.clone()))
                            .collect();
                        (noise, vec![m; channels], 1.0)
                    }
                    // Nothing to learn from: leave the recording alone (`Denoise::check` says why).
                    Err(_) => (vec![Vec::new(); channels], vec![Vec::new(); channels], 1.0),
                }
            }
            NoiseEstimate::Profile(p) => {
                let unit = unit_density_power(stft.window(), fs);
                let m = membership(p.freq_hz[0], p.freq_hz[1]);
                let rows: Vec<(Vec<f32>, Vec<f32>)> = (0..channels)
                    .map(|c| match p.row(c) {
                        Some(row) if !row.is_empty() => (
                            freqs
                                .iter()
                                .map(|&f| {
                                    let d = interpolate(row, p.freq_hz[0], p.freq_hz[1], f);
                                    (10f64.powf(d / 10.0) * unit) as f32
                                })
                                .collect(),
                            m.clone(),
                        ),
                        _ => (Vec::new(), Vec::new()),
                    })
                    .collect();
                let (noise, band) = rows.into_iter().unzip();
                (noise, band, 1.0)
            }
            NoiseEstimate::Auto { .. } => (
                Vec::new(),
                Vec::new(),
                minimum_bias(stft, &self.kt, &self.kf, self.estimate_reach),
            ),
        };
        Derived {
            params: stft.params(),
            source_len: source.len(),
            source_channels: channels,
            beta,
            beta_t,
            floor,
            bias,
            noise,
            band,
        }
    }

    /// Gains of the frames `core` of `channel` into `out` (`core.len() × bins`, frame-major).
    ///
    /// `power` holds the raw power `|X|²` of the frames `power_frames`, which must include
    /// `core` widened by [`PreparedDenoise::context_frames`] on each side (clamped to the
    /// recording's `total_frames`).
    pub(crate) fn gains<T: ReadSamples>(
        &self,
        request: &GainRequest<'_, T>,
        scratch: &mut DenoiseScratch,
        out: &mut [f32],
    ) {
        let GainRequest {
            source,
            stft,
            channel,
            power,
            ref power_frames,
            ref core,
            total_frames,
            ..
        } = *request;
        let (power_frames, core) = (power_frames.clone(), core.clone());
        let bins = stft.bins();
        debug_assert_eq!(out.len(), core.len() * bins);
        let derived = self.derived(source, stft);
        let auto = self.estimate_reach > 0;
        if !auto && derived.noise.get(channel).is_none_or(Vec::is_empty) {
            out.fill(1.0);
            return;
        }
        let rt = self.reach_t();
        let row = |first: usize, k: usize| (k - first) * bins..(k - first + 1) * bins;
        // P̄ of the core: frequency smoothing row by row, then time smoothing.
        let pf_frames = core.start.saturating_sub(rt)..(core.end + rt).min(total_frames);
        debug_assert!(power_frames.start <= pf_frames.start && pf_frames.end <= power_frames.end);
        scratch.pf.resize(pf_frames.len() * bins, 0.0);
        for (i, k) in pf_frames.clone().enumerate() {
            let src = &power[row(power_frames.start, k)];
            smooth_row(
                src,
                &self.kf,
                T::IS_COMPLEX,
                &mut scratch.pf[i * bins..(i + 1) * bins],
            );
        }
        scratch.pbar.resize(core.len() * bins, 0.0);
        time_smooth(
            &scratch.pf,
            pf_frames.start,
            core.clone(),
            &self.kt,
            total_frames,
            bins,
            &mut scratch.pbar,
        );
        // P_t, the power smoothed along time only: over the core, and for the automatic
        // estimate over its whole window around the core.
        let reach = self.estimate_reach;
        let pt_frames = core.start.saturating_sub(reach)..(core.end + reach).min(total_frames);
        debug_assert!(
            power_frames.start <= pt_frames.start.saturating_sub(rt)
                && (pt_frames.end + rt).min(total_frames) <= power_frames.end
        );
        scratch.pt.resize(pt_frames.len() * bins, 0.0);
        time_smooth(
            power,
            power_frames.start,
            pt_frames.clone(),
            &self.kt,
            total_frames,
            bins,
            &mut scratch.pt,
        );
        let pt_core = (core.start - pt_frames.start) * bins..(core.end - pt_frames.start) * bins;

        let (beta, beta_t, floor) = (derived.beta, derived.beta_t, derived.floor);
        if auto {
            // The noise floor: the minimum over the estimate window of the power smoothed
            // along time only (a tone holding one bin leaves its neighbours' minima to the
            // noise), smoothed along frequency afterwards, times the bias that has on noise.
            self.windowed_minimum(stft, source.len(), &pt_frames, &core, total_frames, scratch);
            scratch.floor.resize(bins, 0.0);
            let pt = &scratch.pt[pt_core];
            for i in 0..core.len() {
                let cells = i * bins..(i + 1) * bins;
                smooth_row(
                    &scratch.minimum[cells.clone()],
                    &self.kf,
                    T::IS_COMPLEX,
                    &mut scratch.floor,
                );
                for (((g, &p), &q), &m) in out[cells.clone()]
                    .iter_mut()
                    .zip(&scratch.pbar[cells.clone()])
                    .zip(&pt[cells])
                    .zip(&scratch.floor)
                {
                    let n = derived.bias * m;
                    *g = gain(p, beta * n, floor).min(gain(q, beta_t * n, floor));
                }
            }
        } else {
            let noise = &derived.noise[channel];
            let band = &derived.band[channel];
            let pt = &scratch.pt[pt_core];
            for i in 0..core.len() {
                let cells = i * bins..(i + 1) * bins;
                for ((((g, &p), &q), &n), &m) in out[cells.clone()]
                    .iter_mut()
                    .zip(&scratch.pbar[cells.clone()])
                    .zip(&pt[cells])
                    .zip(noise)
                    .zip(band)
                {
                    *g = if m > 0.0 {
                        let both = gain(p, beta * n, floor).min(gain(q, beta_t * n, floor));
                        1.0 - m * (1.0 - both)
                    } else {
                        1.0
                    };
                }
            }
        }
    }

    /// For each core frame and bin, the minimum of the time-smoothed power `scratch.pt` (rows
    /// `pt_frames`) over the estimate window around the frame, restricted to frames whose
    /// window lies wholly inside the recording (partial frames at the ends read zeros and would
    /// drag the minimum down) unless there are none within reach.
    fn windowed_minimum<T: ReadSamples>(
        &self,
        stft: &Stft<T>,
        source_len: u64,
        pt_frames: &Range<usize>,
        core: &Range<usize>,
        total_frames: usize,
        scratch: &mut DenoiseScratch,
    ) {
        let bins = stft.bins();
        let full = whole_frames(stft, source_len, total_frames);
        let valid = if full.is_empty() { 0..total_frames } else { full };
        let reach = self.estimate_reach;
        // The window of frame k: [k − reach, k + reach] ∩ valid, or all of [k − reach, k + reach]
        // when that is empty. Both ends never decrease with k, so a monotone queue per bin
        // finds every minimum in one pass; a minimum is exact, so any block finds the same.
        let window = |k: usize| -> Range<usize> {
            let a = k.saturating_sub(reach).max(valid.start);
            let b = (k + reach + 1).min(valid.end);
            if a < b {
                a..b
            } else {
                k.saturating_sub(reach)..(k + reach + 1).min(total_frames)
            }
        };
        scratch.minimum.resize(core.len() * bins, 0.0);
        let pt = &scratch.pt;
        let at = |j: usize, b: usize| pt[(j - pt_frames.start) * bins + b];
        let deque = &mut scratch.deque;
        for b in 0..bins {
            deque.clear();
            let mut head = 0;
            let mut next = window(core.start).start;
            for (i, k) in core.clone().enumerate() {
                let w = window(k);
                next = next.max(w.start);
                while next < w.end {
                    let v = at(next, b);
                    while deque.len() > head && at(deque[deque.len() - 1], b) >= v {
                        deque.pop();
                    }
                    deque.push(next);
                    next += 1;
                }
                while deque[head] < w.start {
                    head += 1;
                }
                scratch.minimum[i * bins + b] = at(deque[head], b);
            }
        }
    }
}

/// Smooths rows along time: row `k` of `dst` (for `k` in `frames`) is the kernel-weighted mean
/// of the rows `k + j` of `src` (which starts at frame `src_first`) that exist in the
/// recording. Each row is a fixed-order sum, so it is the same whichever block computes it.
fn time_smooth(
    src: &[f32],
    src_first: usize,
    frames: Range<usize>,
    kernel: &[f32],
    total_frames: usize,
    bins: usize,
    dst: &mut [f32],
) {
    let r = kernel.len() / 2;
    for (i, k) in frames.enumerate() {
        let row = &mut dst[i * bins..(i + 1) * bins];
        row.fill(0.0);
        let mut weight = 0.0f32;
        for (t, &w) in kernel.iter().enumerate() {
            let j = k as i64 + t as i64 - r as i64;
            if j < 0 || j >= total_frames as i64 {
                continue;
            }
            let j = j as usize - src_first;
            weight += w;
            for (o, &p) in row.iter_mut().zip(&src[j * bins..(j + 1) * bins]) {
                *o += w * p;
            }
        }
        let inv = 1.0 / weight;
        for o in row.iter_mut() {
            *o *= inv;
        }
    }
}

/// The frames whose window lies wholly inside a recording of `len` samples.
fn whole_frames<T: ReadSamples>(stft: &Stft<T>, len: u64, total_frames: usize) -> Range<usize> {
    let n = stft.fft_len() as i64;
    let hop = stft.hop() as i64;
    let first = (n / 2).div_euclid(hop) + i64::from((n / 2).rem_euclid(hop) != 0);
    let last = (len as i64 - n + n / 2).div_euclid(hop);
    let a = first.clamp(0, total_frames as i64) as usize;
    let b = (last + 1).clamp(0, total_frames as i64) as usize;
    a..b.max(a)
}

/// The gain of a cell of smoothed power `p` whose noise (times β) is `noise`.
#[inline]
fn gain(p: f32, noise: f32, floor: f32) -> f32 {
    if noise <= 0.0 {
        1.0
    } else if p > noise {
        (1.0 - noise / p).max(floor)
    } else {
        floor
    }
}

/// Smooths one row of powers along frequency. Real spectra renormalise the kernel at DC and
/// Nyquist; two-sided (IQ) spectra wrap, since −fs/2 and +fs/2 are the same frequency.
fn smooth_row(src: &[f32], kernel: &[f32], circular: bool, out: &mut [f32]) {
    let n = src.len();
    let r = kernel.len() / 2;
    if r == 0 {
        out.copy_from_slice(src);
        return;
    }
    let total: f32 = kernel.iter().sum();
    let inv_total = 1.0 / total;
    for (b, o) in out.iter_mut().enumerate() {
        if b >= r && b + r < n {
            let mut acc = 0.0f32;
            for (&w, &p) in kernel.iter().zip(&src[b - r..=b + r]) {
                acc += w * p;
            }
            *o = acc * inv_total;
            continue;
        }
        let mut acc = 0.0f32;
        let mut weight = 0.0f32;
        for (t, &w) in kernel.iter().enumerate() {
            let j = b as i64 + t as i64 - r as i64;
            let j = if circular {
                j.rem_euclid(n as i64)
            } else if j < 0 || j >= n as i64 {
                continue;
            } else {
                j
            };
            acc += w * src[j as usize];
            weight += w;
        }
        *o = acc / weight;
    }
}

/// Key of a cached minimum-statistics bias.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
struct BiasKey {
    params: StftParams,
    complex: bool,
    taps_t: usize,
    taps_f: usize,
    kernel_bits: u64,
    reach: usize,
}

static BIAS_CACHE: Mutex<Vec<(BiasKey, f32)>> = Mutex::new(Vec::new());

/// How far the windowed minimum of `P̄` lies below the mean on pure noise: `mean / E[min]`.
///
/// No closed form covers overlapping frames and arbitrary kernels, so it is measured: a fixed
/// pseudo-random white noise goes through this very STFT and kernel. The result is cached per
/// setting and is the same in every run.
fn minimum_bias<T: ReadSamples>(stft: &Stft<T>, kt: &[f32], kf: &[f32], reach: usize) -> f32 {
    let kernel_bits = kt
        .iter()
        .chain(kf)
        .fold(0u64, |h, &w| h.rotate_left(7) ^ w.to_bits() as u64);
    let key = BiasKey {
        params: stft.params(),
        complex: T::IS_COMPLEX,
        taps_t: kt.len(),
        taps_f: kf.len(),
        kernel_bits,
        reach,
    };
    if let Some(&(_, b)) = BIAS_CACHE
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .iter()
        .find(|(k, _)| *k == key)
    {
        return b;
    }
    let bias = measure_minimum_bias(stft, kt, kf, reach);
    BIAS_CACHE
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .push((key, bias));
    bias
}

fn measure_minimum_bias<T: ReadSamples>(stft: &Stft<T>, kt: &[f32], kf: &[f32], reach: usize) -> f32 {
    let bins = stft.bins();
    let window = 2 * reach + 1;
    // Enough interior frames for about two million cells and four windows, within bounds.
    let interior = ((1usize << 21) / bins).max(4 * window).clamp(64, 1 << 16);
    let rt = kt.len() / 2;
    let frames = interior + 2 * (reach + rt);
    // Frames from `first` on read only noise: it starts half a frame before frame `first`.
    let first = stft.fft_len().div_ceil(stft.hop());
    let offset = first * stft.hop() - stft.fft_len() / 2;
    let len = offset + (frames + 1) * stft.hop() + stft.fft_len();
    // Gaussian white noise by Box-Muller from a fixed xorshift64* sequence.
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut uniform = move || {
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        ((state.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    };
    let mut gauss = move || {
        let (u, v) = (uniform(), uniform());
        let r = (-2.0 * u.ln()).sqrt();
        let ph = std::f64::consts::TAU * v;
        ((r * ph.cos()) as f32, (r * ph.sin()) as f32)
    };
    let source: Box<dyn SampleSource> = if T::IS_COMPLEX {
        let mut x = vec![Complex32::default(); len];
        for s in &mut x[offset..] {
            let (a, b) = gauss();
            *s = Complex32::new(a, b);
        }
        Box::new(MemorySource {
            sample_rate: 1.0,
            channels: vec![x],
        })
    } else {
        let mut x = vec![0.0f32; len];
        for s in &mut x[offset..] {
            *s = gauss().0;
        }
        Box::new(MemorySource {
            sample_rate: 1.0,
            channels: vec![x],
        })
    };
    let range = first..first + frames;
    let mut power = vec![0.0f32; range.len() * bins];
    let mut scratch = stft.scratch();
    let mut spectrum = vec![Complex32::default(); bins];
    let mut input = vec![T::default(); stft.fft_len()];
    for (i, k) in range.clone().enumerate() {
        T::read(source.as_ref(), 0, stft.frame_start(k), &mut input);
        stft.analyse_frame(&input, &mut spectrum, &mut scratch);
        for (p, z) in power[i * bins..(i + 1) * bins].iter_mut().zip(&spectrum) {
            *p = z.norm_sqr();
        }
    }
    // Estimate as the denoiser does (time smoothing, windowed minimum, frequency smoothing of
    // the minimum) and compare with the mean power, over frames whose window lies wholly in
    // the noise, away from DC, Nyquist and the kernels' reach.
    let pt_len = range.len() - 2 * rt;
    let mut pt = vec![0.0f32; pt_len * bins];
    time_smooth(
        &power,
        range.start,
        range.start + rt..range.end - rt,
        kt,
        range.end,
        bins,
        &mut pt,
    );
    let edge = if T::IS_COMPLEX { 0 } else { kf.len() / 2 + 1 };
    // Windowed minima per bin by a monotone queue: rows `reach .. pt_len − reach`.
    let rows = pt_len - 2 * reach;
    let mut minima = vec![0.0f32; rows * bins];
    let mut deque: Vec<usize> = Vec::with_capacity(pt_len);
    for b in 0..bins {
        deque.clear();
        let mut head = 0;
        for j in 0..pt_len {
            let v = pt[j * bins + b];
            while deque.len() > head && pt[deque[deque.len() - 1] * bins + b] >= v {
                deque.pop();
            }
            deque.push(j);
            if j >= 2 * reach {
                let i = j - 2 * reach;
                while deque[head] < i {
                    head += 1;
                }
                minima[i * bins + b] = pt[deque[head] * bins + b];
            }
        }
    }
    let mut floor = vec![0.0f32; bins];
    let (mut mean, mut estimate) = (0.0f64, 0.0f64);
    for i in 0..rows {
        smooth_row(&minima[i * bins..(i + 1) * bins], kf, T::IS_COMPLEX, &mut floor);
        for b in edge..bins - edge {
            estimate += floor[b] as f64;
            mean += power[(i + reach + rt) * bins + b] as f64;
        }
    }
    if estimate <= 0.0 || mean <= 0.0 {
        return 1.0;
    }
    (mean / estimate) as f32
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::signal::{Convention, WindowKind};

    #[test]
    fn kernel_width_is_the_width_at_half_height_and_grows_continuously() {
        assert_eq!(kernel(0.5), vec![1.0]);
        assert_eq!(kernel(1.0), vec![1.0]);
        let k = kernel(4.0);
        assert_eq!(k.len(), 7);
        // Half height at ±2 cells: width 4.
        assert!((k[3 - 2] - 0.5).abs() < 1e-6 && (k[3 + 2] - 0.5).abs() < 1e-6);
        let just_over = kernel(2.0001);
        assert_eq!(just_over.len(), 5);
        assert!(just_over[0] < 1e-3, "a new tap enters with almost no weight");
    }

    #[test]
    fn smoothed_sigma_matches_independent_cells_for_a_rectangular_window_without_overlap() {
        // Rectangular window, hop = n: frames independent; bins of white noise independent.
        // Averaging m × m equally weighted independent exponential cells gives σ = 1/m.
        let window = vec![1.0f32; 64];
        let flat = vec![1.0f32; 3];
        let s = smoothed_noise_sigma(&window, 64, &flat, &flat);
        assert!((s - 1.0 / 3.0).abs() < 1e-9, "{s}");
        // A single cell of exponential power: σ = 1.
        assert!((smoothed_noise_sigma(&window, 64, &[1.0], &[1.0]) - 1.0).abs() < 1e-9);
    }

    #[test]
    fn smoothed_sigma_matches_a_measurement_on_noise() {
        let params = StftParams::with_fft(512);
        let stft = Stft::<f32>::new(params, Convention::Scipy).unwrap();
        let (kt, kf) = (kernel(3.0), kernel(6.0));
        let predicted = smoothed_noise_sigma(stft.window(), stft.hop(), &kt, &kf);
        let mut state = 12345u64;
        let x: Vec<f32> = (0..400_000)
            .map(|_| {
                state ^= state >> 12;
                state ^= state << 25;
                state ^= state >> 27;
                ((state.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
            })
            .collect();
        let spec = stft.stft(&x);
        let bins = stft.bins();
        let power: Vec<f32> = spec.data.iter().map(|z| z.norm_sqr()).collect();
        let mut pf = vec![0.0; power.len()];
        for k in 0..spec.frames {
            smooth_row(
                &power[k * bins..(k + 1) * bins],
                &kf,
                false,
                &mut pf[k * bins..(k + 1) * bins],
            );
        }
        let total: f32 = kt.iter().sum();
        let (mut s1, mut s2, mut n) = (0.0f64, 0.0f64, 0.0f64);
        for k in 10..spec.frames - 10 {
            for b in 20..bins - 20 {
                let v: f32 = kt
                    .iter()
                    .enumerate()
                    .map(|(t, &w)| w * pf[(k + t - kt.len() / 2) * bins + b])
                    .sum::<f32>()
                    / total;
                s1 += v as f64;
                s2 += (v as f64) * (v as f64);
                n += 1.0;
            }
        }
        let mean = s1 / n;
        let measured = (s2 / n - mean * mean).sqrt() / mean;
        assert!(
            (measured / predicted - 1.0).abs() < 0.05,
            "predicted σ {predicted:.4}, measured {measured:.4}"
        );
    }

    #[test]
    fn learn_frames_are_those_inside_the_stretch() {
        let p = StftParams {
            fft_len: 100,
            hop: 25,
            window: WindowKind::Hann,
        };
        // 1000 samples at 1 kHz; stretch 0.2–0.5 s = samples 200..500: frames k with
        // 25k − 50 ≥ 200 and 25k + 50 ≤ 500, k = 10..=18.
        assert_eq!(learn_frames(1000, 1000.0, p, [0.2, 0.5]).unwrap(), 10..19);
        // Shorter than a frame: the frames centred inside, k = 8 and 9 (200, 225).
        assert_eq!(learn_frames(1000, 1000.0, p, [0.2, 0.24]).unwrap(), 8..10);
        assert!(learn_frames(1000, 1000.0, p, [2.0, 3.0]).is_err());
        assert!(learn_frames(1000, 1000.0, p, [0.201, 0.202]).is_err());
    }

    #[test]
    fn profile_interpolates_and_knows_its_band() {
        let p = NoiseProfile {
            freq_hz: [100.0, 300.0],
            density_db: vec![vec![-80.0, -90.0, -70.0]],
        };
        assert_eq!(p.density_at(0, 150.0), Some(-85.0));
        assert_eq!(p.density_at(3, 300.0), Some(-70.0));
        assert_eq!(p.density_at(0, 99.0), None);
    }

    #[test]
    fn minimum_bias_is_what_a_windowed_minimum_of_noise_needs() {
        // A single cell (no smoothing) of complex Gaussian noise is exponential: the minimum of
        // m independent ones has mean 1/m. Rectangular window, no overlap: frames independent.
        let params = StftParams {
            fft_len: 64,
            hop: 64,
            window: WindowKind::Rectangular,
        };
        let stft = Stft::<Complex32>::new(params, Convention::Scipy).unwrap();
        let b = measure_minimum_bias(&stft, &[1.0], &[1.0], 2);
        assert!((b - 5.0).abs() < 0.25, "bias {b}, expected 5");
    }
}
