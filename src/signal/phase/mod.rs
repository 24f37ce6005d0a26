//! Phase reconstruction: rebuild a signal, or part of one, from an STFT magnitude alone.
//!
//! Needed wherever only a magnitude exists: energy painted by hand, a spectrogram picture
//! imported as audio, or a magnitude edit whose phase should not be kept. Methods (see
//! `docs/dsp.md` §2 in the shared documentation):
//!
//! - [`Method::Gla`]: Griffin-Lim, `X ← P2(P1(X))`, with `P1(X) = STFT(ISTFT(X))` the
//!   projection onto consistent spectrograms and `P2(X) = S·X/|X|` imposing the magnitude.
//! - [`Method::Fgla`]: fast Griffin-Lim (Perraudin et al. 2013) in librosa's formulation, with
//!   momentum `m` (0.99): `R_k = P1(A)`, `T = R_k − m/(1+m)·R_{k−1}`, `A = S·T/|T|`.
//! - [`Method::Pghi`]: phase gradient heap integration (Průša et al. 2017), non-iterative.
//! - [`Method::PghiFgla`]: PGHI as the start of FGLA, the default: 32 iterations of it beat
//!   100 of FGLA from a random start.
//!
//! All spectra and magnitudes here are *raw*, the unnormalised DFT of windowed frames that
//! [`Stft::forward`] produces (use [`magnitude`] to get one from a signal); results and the
//! spectral convergence depend on that scale matching the plan's.
//!
//! Real signals use one-sided spectra; complex (IQ) signals two-sided ones, for every method
//! (PGHI integrates across the wrap from the highest negative to DC).
//!
//! Each iteration is one fused inverse-and-forward pass, parallel over blocks of frames, with
//! every buffer allocated before the first iteration.
//! [`reconstruct_region`] rebuilds the phase inside a region of cells only and keeps the
//! original STFT outside it, for local edits.

#![warn(missing_docs)]

mod blocks;
mod pghi;
mod project;
mod region;

use std::f32::consts::TAU;
use std::time::Instant;

use rayon::prelude::*;
use rustfft::num_complex::Complex32;
use serde::Serialize;

use self::project::{BlockWork, Projector};
use super::stft::pad_signal;
use super::{Cancelled, Progress, Stft, StftSample, WindowKind};

pub use blocks::{
    BLOCK_CELLS, Block, BlockOutcome, BlockSignal, plan_blocks, rebuild_block, reconstruct_region_blocks,
};
pub use region::{RegionReconstruction, RegionTarget, reconstruct_region};

/// FGLA's momentum unless told otherwise (librosa's default).
pub const DEFAULT_MOMENTUM: f32 = 0.99;
/// PGHI gives cells at or below this fraction of the largest magnitude a random phase instead
/// of integrating through them: their gradients are noise. The result barely depends on it.
pub const DEFAULT_PGHI_TOLERANCE: f32 = 1e-5;

/// A phase-reconstruction method.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
pub enum Method {
    /// Griffin-Lim: alternate projections, monotone but slow.
    #[serde(rename = "gla")]
    Gla,
    /// Fast Griffin-Lim: Griffin-Lim with momentum.
    #[serde(rename = "fgla")]
    Fgla,
    /// Phase gradient heap integration alone, no iterations.
    #[serde(rename = "pghi")]
    Pghi,
    /// PGHI, then fast Griffin-Lim from its estimate.
    #[default]
    #[serde(rename = "pghi+fgla")]
    PghiFgla,
}

impl Method {
    /// Every method, in the order help texts list them.
    pub const ALL: [Method; 4] = [Method::PghiFgla, Method::Fgla, Method::Gla, Method::Pghi];

    /// The name used on the command line and in reports.
    pub fn name(self) -> &'static str {
        match self {
            Method::Gla => "gla",
            Method::Fgla => "fgla",
            Method::Pghi => "pghi",
            Method::PghiFgla => "pghi+fgla",
        }
    }

    /// Parses a method name (case-insensitive; `pghi-fgla` is accepted too).
    pub fn from_name(name: &str) -> Option<Method> {
        match name.to_ascii_lowercase().as_str() {
            "gla" | "griffin-lim" => Some(Method::Gla),
            "fgla" => Some(Method::Fgla),
            "pghi" => Some(Method::Pghi),
            "pghi+fgla" | "pghi-fgla" => Some(Method::PghiFgla),
            _ => None,
        }
    }

    /// Iterations used unless told otherwise: 32 after PGHI, 100 from scratch (librosa's
    /// default), none for PGHI alone.
    pub fn default_iterations(self) -> usize {
        match self {
            Method::PghiFgla => 32,
            Method::Fgla | Method::Gla => 100,
            Method::Pghi => 0,
        }
    }

    /// True if the method starts from PGHI (and needs a window with a PGHI `γ`).
    pub fn uses_pghi(self) -> bool {
        matches!(self, Method::Pghi | Method::PghiFgla)
    }

    /// The momentum the iterations use: 0 for GLA, `momentum` for the FGLA methods.
    fn momentum(self, momentum: f32) -> f32 {
        match self {
            Method::Gla | Method::Pghi => 0.0,
            Method::Fgla | Method::PghiFgla => momentum,
        }
    }
}

impl std::fmt::Display for Method {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Method {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Method::from_name(s)
            .ok_or_else(|| format!("unknown method '{s}' (expected pghi+fgla, fgla, gla or pghi)"))
    }
}

/// Where [`Method::Gla`] and [`Method::Fgla`] start (the PGHI methods start from PGHI).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub enum Start<'a> {
    /// Zero phase everywhere (librosa's `init=None`).
    Zero,
    /// Independent uniform random phases from [`PhaseOptions::seed`] (librosa's default).
    #[default]
    Random,
    /// The phase of these values, one per cell like the magnitude (a warm start, e.g. the
    /// original STFT of an edited region). Zero values count as phase 0.
    Phase(&'a [Complex32]),
}

/// How to reconstruct.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PhaseOptions<'a> {
    /// The method.
    pub method: Method,
    /// GLA or FGLA iterations (after PGHI for [`Method::PghiFgla`]); ignored by
    /// [`Method::Pghi`].
    pub iterations: usize,
    /// FGLA momentum, 0 to 1 ([`DEFAULT_MOMENTUM`]); 0 turns FGLA into GLA.
    pub momentum: f32,
    /// Start of GLA and FGLA.
    pub start: Start<'a>,
    /// Seed of every random phase (random start, PGHI's negligible cells): the same seed gives
    /// the same result.
    pub seed: u64,
    /// PGHI's relative magnitude floor ([`DEFAULT_PGHI_TOLERANCE`]).
    pub pghi_tolerance: f32,
    /// Record the spectral convergence reached after every iteration in
    /// [`PhaseReport::history_db`] (costs a square root per cell and iteration).
    pub track_convergence: bool,
}

impl PhaseOptions<'_> {
    /// `method` with its default iterations and every other setting at its default.
    pub fn new(method: Method) -> Self {
        PhaseOptions {
            method,
            iterations: method.default_iterations(),
            momentum: DEFAULT_MOMENTUM,
            start: Start::Random,
            seed: 0,
            pghi_tolerance: DEFAULT_PGHI_TOLERANCE,
            track_convergence: false,
        }
    }
}

impl Default for PhaseOptions<'_> {
    fn default() -> Self {
        PhaseOptions::new(Method::default())
    }
}

/// What a reconstruction did and how well.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PhaseReport {
    /// The method.
    pub method: Method,
    /// Iterations run (after PGHI for `pghi+fgla`).
    pub iterations: usize,
    /// Spectral convergence of the result, `20·log10(‖S − |STFT(x̂)|‖ / ‖S‖)` in dB, lower is
    /// better; −∞ for a silent target rebuilt exactly. For a region, over the region's cells
    /// (weighted by the region).
    pub spectral_convergence_db: f64,
    /// Wall time of the reconstruction in seconds.
    pub elapsed_s: f64,
    /// With [`PhaseOptions::track_convergence`]: the spectral convergence of the estimate
    /// entering each iteration (the first is the start's), then the result's. Empty otherwise.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub history_db: Vec<f64>,
}

/// Why a reconstruction cannot run.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PhaseError {
    /// The caller cancelled through [`Progress::cancel`].
    #[error("cancelled")]
    Cancelled,
    /// PGHI was asked for with a window it has no Gaussian model for.
    #[error(
        "PGHI needs a window it has a Gaussian model for (hann, hamming, blackman or sqrt-hann), \
         not {0}; use the fgla or gla method, or another window"
    )]
    NoPghiWindow(WindowKind),
    /// An array does not have the shape the STFT gives.
    #[error("{what} has {got} values, but {frames} frames of {bins} bins need {}", frames * bins)]
    Shape {
        /// Which array.
        what: &'static str,
        /// Its length.
        got: usize,
        /// Frames expected.
        frames: usize,
        /// Bins per frame.
        bins: usize,
    },
    /// A magnitude is negative, infinite or NaN.
    #[error("target magnitude {index} is {value}; magnitudes must be finite and non-negative")]
    BadMagnitude {
        /// Index of the first bad value (frame × bins + bin).
        index: usize,
        /// The value.
        value: f32,
    },
    /// A region weight outside 0..=1.
    #[error("region weight {index} is {value}; weights must be between 0 and 1")]
    BadRegion {
        /// Index of the first bad weight.
        index: usize,
        /// The weight.
        value: f32,
    },
    /// The momentum is outside 0..=1.
    #[error("momentum {0} is outside 0..=1")]
    BadMomentum(f32),
    /// A region's frames reach past the signal's.
    #[error("frames {start}..{end} reach past the {total} frames of a {signal_len}-sample signal")]
    Frames {
        /// First frame.
        start: usize,
        /// End frame.
        end: usize,
        /// Frames of the signal.
        total: usize,
        /// Length of the signal.
        signal_len: u64,
    },
}

impl From<Cancelled> for PhaseError {
    fn from(_: Cancelled) -> Self {
        PhaseError::Cancelled
    }
}

/// A signal rebuilt from a magnitude.
#[derive(Clone, Debug)]
pub struct Reconstruction<T> {
    /// The signal, as long as asked.
    pub signal: Vec<T>,
    /// What was done and how well.
    pub report: PhaseReport,
}

/// Raw STFT magnitude `|Stft::forward(signal)|` of every frame, `frames × bins`.
pub fn magnitude<T: StftSample>(stft: &Stft<T>, signal: &[T]) -> Vec<f32> {
    let frames = stft.num_frames(signal.len() as u64);
    let span = stft.frames_span(0..frames);
    let padded = pad_signal(signal, span.clone());
    let mut spectrum = vec![Complex32::default(); frames * stft.bins()];
    stft.forward(&padded, span.start, 0..frames, &mut spectrum);
    spectrum.par_iter().map(|c| c.norm_sqr().sqrt()).collect()
}

/// Spectral convergence of `signal` towards the raw magnitude `target`, in dB:
/// `20·log10(‖S − |STFT(x̂)|‖_F / ‖S‖_F)`, with `stft`'s own transform. Lower is better; −∞
/// when both are silent.
pub fn spectral_convergence_db<T: StftSample>(
    stft: &Stft<T>,
    target: &[f32],
    signal: &[T],
) -> Result<f64, PhaseError> {
    let frames = stft.num_frames(signal.len() as u64);
    check_shape("target magnitude", target.len(), frames, stft.bins())?;
    let got = magnitude(stft, signal);
    let (err, reference) = target
        .par_iter()
        .zip(&got)
        .map(|(&s, &g)| {
            let d = (s - g) as f64;
            (d * d, s as f64 * s as f64)
        })
        .reduce(|| (0.0, 0.0), |a, b| (a.0 + b.0, a.1 + b.1));
    Ok(convergence_db(err, reference))
}

/// Rebuilds a signal of `signal_len` samples whose raw STFT magnitude is `target`
/// (`stft.num_frames(signal_len) × stft.bins()` values), from the magnitude alone.
///
/// Checks [`Progress::check`] before every iteration and reports one unit of progress per
/// iteration, plus one for the start and one for the final measurement. The whole
/// spectrogram is held in memory: the target and three complex arrays of its shape, about
/// 28 bytes per cell (160 MB per minute of 48 kHz audio at 2048 / 512).
pub fn reconstruct<T: StftSample>(
    stft: &Stft<T>,
    target: &[f32],
    signal_len: usize,
    options: &PhaseOptions<'_>,
    progress: &Progress,
) -> Result<Reconstruction<T>, PhaseError> {
    reconstruct_inner(stft, target, None, signal_len, options, progress)
}

/// Like [`reconstruct`], but only the cells marked in `known` are held to `target`; the others
/// start from `target` and then take whatever magnitude keeps the whole consistent.
///
/// For magnitudes known only in part: a picture shows one level per pixel, and where several
/// STFT bins share a pixel row, or frames lie past the picture's edge, the bins between the
/// rows' centres are guesses. Leaving them free lets the iterations fit the cells the picture
/// does show much better. The spectral convergence is measured over the known cells.
pub fn reconstruct_known<T: StftSample>(
    stft: &Stft<T>,
    target: &[f32],
    known: &[bool],
    signal_len: usize,
    options: &PhaseOptions<'_>,
    progress: &Progress,
) -> Result<Reconstruction<T>, PhaseError> {
    reconstruct_inner(stft, target, Some(known), signal_len, options, progress)
}

fn reconstruct_inner<T: StftSample>(
    stft: &Stft<T>,
    target: &[f32],
    known: Option<&[bool]>,
    signal_len: usize,
    options: &PhaseOptions<'_>,
    progress: &Progress,
) -> Result<Reconstruction<T>, PhaseError> {
    let started = Instant::now();
    let frames = stft.num_frames(signal_len as u64);
    let bins = stft.bins();
    check_shape("target magnitude", target.len(), frames, bins)?;
    if let Some(known) = known {
        check_shape("known cells", known.len(), frames, bins)?;
    }
    check_magnitude(target)?;
    check_options(stft, options)?;
    if let Start::Phase(values) = options.start {
        check_shape("warm-start phase", values.len(), frames, bins)?;
    }
    let iterations = if options.method == Method::Pghi {
        0
    } else {
        options.iterations
    };
    progress.start(iterations as u64 + 2);
    progress.check()?;

    let mut current = vec![Complex32::default(); frames * bins];
    start_phasors(stft, target, frames, options, None, progress, &mut current)?;
    current.par_iter_mut().zip(target).for_each(|(c, &s)| *c *= s);
    progress.advance(1);

    let projector = Projector::new(stft, 0..frames, signal_len as u64);
    let mut work = projector.workspaces();
    let whole = Whole { target, known, bins };
    let mut history = Vec::new();
    iterate(
        &projector,
        &mut work,
        &whole,
        &mut current,
        IterationPlan {
            iterations,
            momentum: options.method.momentum(options.momentum),
            track: options.track_convergence,
        },
        progress,
        &mut history,
    )?;

    progress.check()?;
    let mut signal = vec![T::default(); signal_len];
    stft.inverse(&current, 0..frames, frames, 0, &mut signal);
    let (err, reference) = measure(&projector, &mut work, &current, |k, r| whole.measure(k, r));
    let spectral_convergence_db = convergence_db(err, reference);
    if options.track_convergence {
        history.push(spectral_convergence_db);
    }
    progress.advance(1);
    Ok(Reconstruction {
        signal,
        report: PhaseReport {
            method: options.method,
            iterations,
            spectral_convergence_db,
            elapsed_s: started.elapsed().as_secs_f64(),
            history_db: history,
        },
    })
}

/// `20·log10(sqrt(err / reference))`, with the silent cases made explicit.
fn convergence_db(err: f64, reference: f64) -> f64 {
    if reference > 0.0 {
        10.0 * (err / reference).log10()
    } else if err > 0.0 {
        f64::INFINITY
    } else {
        f64::NEG_INFINITY
    }
}

fn check_shape(what: &'static str, got: usize, frames: usize, bins: usize) -> Result<(), PhaseError> {
    if got == frames * bins {
        Ok(())
    } else {
        Err(PhaseError::Shape {
            what,
            got,
            frames,
            bins,
        })
    }
}

fn check_magnitude(target: &[f32]) -> Result<(), PhaseError> {
    match target.iter().position(|s| !(s.is_finite() && *s >= 0.0)) {
        Some(index) => Err(PhaseError::BadMagnitude {
            index,
            value: target[index],
        }),
        None => Ok(()),
    }
}

fn check_options<T: StftSample>(stft: &Stft<T>, options: &PhaseOptions<'_>) -> Result<(), PhaseError> {
    if !(0.0..=1.0).contains(&options.momentum) {
        return Err(PhaseError::BadMomentum(options.momentum));
    }
    let window = stft.params().window;
    if options.method.uses_pghi() && window.pghi_gamma(stft.fft_len()).is_none() {
        return Err(PhaseError::NoPghiWindow(window));
    }
    Ok(())
}

/// Writes the starting unit phasors for `magnitude` into `out`: PGHI's (with `known` cells
/// kept) or the [`Start`]'s.
fn start_phasors<T: StftSample>(
    stft: &Stft<T>,
    magnitude: &[f32],
    frames: usize,
    options: &PhaseOptions<'_>,
    known: Option<(&[bool], &[Complex32])>,
    progress: &Progress,
    out: &mut [Complex32],
) -> Result<(), PhaseError> {
    if options.method.uses_pghi() {
        let window = stft.params().window;
        let gamma = window
            .pghi_gamma(stft.fft_len())
            .ok_or(PhaseError::NoPghiWindow(window))?;
        pghi::pghi(
            &pghi::PghiInput {
                magnitude,
                frames,
                bins: stft.bins(),
                fft_len: stft.fft_len(),
                hop: stft.hop(),
                gamma,
                two_sided: T::IS_COMPLEX,
                tolerance: options.pghi_tolerance,
                known,
                seed: options.seed,
            },
            progress,
            out,
        )?;
        return Ok(());
    }
    match options.start {
        Start::Zero => out.fill(Complex32::new(1.0, 0.0)),
        Start::Random => out
            .par_iter_mut()
            .enumerate()
            .for_each(|(i, c)| *c = random_unit(options.seed, i as u64)),
        Start::Phase(values) => out.par_iter_mut().zip(values).for_each(|(c, v)| {
            let norm = v.norm_sqr().sqrt();
            *c = if norm > 0.0 {
                v / norm
            } else {
                Complex32::new(1.0, 0.0)
            };
        }),
    }
    Ok(())
}

/// A unit phasor of uniformly random phase, a pure function of `seed` and `index` so that
/// results do not depend on how the work was split between threads.
pub(crate) fn random_unit(seed: u64, index: u64) -> Complex32 {
    // SplitMix64 of the pair: consecutive indices give independent outputs.
    let mut z = seed ^ index.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    let u = (z >> 40) as f32 / (1u64 << 24) as f32;
    let (sin, cos) = (TAU * u).sin_cos();
    Complex32::new(cos, sin)
}

/// Squared error and squared reference accumulated by a pass, for the spectral convergence.
type Sums = (f64, f64);

/// The per-frame step of an iteration: what the projection of each frame becomes.
trait FrameUpdate: Sync {
    /// Frame `k` (relative to the projector's range) was projected to `projection`: write the
    /// next estimate into `next`. `prev` holds the previous projection (FGLA's `R_{k−1}`) and
    /// receives this one. With `track`, returns the frame's squared magnitude error and
    /// reference.
    fn update(
        &self,
        k: usize,
        projection: &[Complex32],
        prev: &mut [Complex32],
        next: &mut [Complex32],
        beta: f32,
        track: bool,
    ) -> Sums;

    /// The squared magnitude error and reference of frame `k`'s projection.
    fn measure(&self, k: usize, projection: &[Complex32]) -> Sums;
}

/// Whole-signal reconstruction: every cell follows the target magnitude, or with `known` only
/// the cells marked there (the others keep the projection's magnitude).
struct Whole<'a> {
    target: &'a [f32],
    known: Option<&'a [bool]>,
    bins: usize,
}

impl FrameUpdate for Whole<'_> {
    fn update(
        &self,
        k: usize,
        projection: &[Complex32],
        prev: &mut [Complex32],
        next: &mut [Complex32],
        beta: f32,
        track: bool,
    ) -> Sums {
        let cells = k * self.bins..(k + 1) * self.bins;
        let s = &self.target[cells.clone()];
        match self.known {
            None if beta == 0.0 => {
                for ((&r, &s), a) in projection.iter().zip(s).zip(next.iter_mut()) {
                    *a = r * magnitude_over_norm(r, s);
                }
            }
            None => {
                for (((&r, &s), p), a) in projection.iter().zip(s).zip(prev.iter_mut()).zip(next.iter_mut()) {
                    let t = r - *p * beta;
                    *p = r;
                    *a = t * magnitude_over_norm(t, s);
                }
            }
            Some(known) => {
                let known = &known[cells];
                for ((((&r, &s), p), a), &kn) in projection
                    .iter()
                    .zip(s)
                    .zip(prev.iter_mut())
                    .zip(next.iter_mut())
                    .zip(known)
                {
                    let t = r - *p * beta;
                    *p = r;
                    // A free cell takes the projection itself: the momentum step has no
                    // magnitude to restore there and would decay it to 0.
                    *a = if kn { t * magnitude_over_norm(t, s) } else { r };
                }
            }
        }
        if track {
            self.measure(k, projection)
        } else {
            (0.0, 0.0)
        }
    }

    fn measure(&self, k: usize, projection: &[Complex32]) -> Sums {
        let cells = k * self.bins..(k + 1) * self.bins;
        let s = &self.target[cells.clone()];
        let (mut err, mut reference) = (0.0f32, 0.0f32);
        for (i, (&r, &s)) in projection.iter().zip(s).enumerate() {
            if self.known.is_some_and(|known| !known[cells.start + i]) {
                continue;
            }
            let d = s - r.norm_sqr().sqrt();
            err += d * d;
            reference += s * s;
        }
        (err as f64, reference as f64)
    }
}

/// `s / |t|`, or 0 where `t` vanishes (the phase is undefined there and the cell stays 0,
/// as librosa's `t / (|t| + tiny)` leaves it).
#[inline]
fn magnitude_over_norm(t: Complex32, s: f32) -> f32 {
    // norm_sqr().sqrt() rather than norm(): `hypot` is several times slower and the values
    // here are far from overflow.
    let n = t.norm_sqr().sqrt();
    if n > f32::MIN_POSITIVE { s / n } else { 0.0 }
}

/// Iteration settings shared by the whole-signal and the regional loop.
struct IterationPlan {
    iterations: usize,
    /// FGLA momentum `m`; 0 for GLA.
    momentum: f32,
    track: bool,
}

/// Runs the iterations on `current` (the estimate `A`, left holding the last one).
fn iterate<T: StftSample, U: FrameUpdate>(
    projector: &Projector<'_, T>,
    work: &mut [BlockWork],
    update: &U,
    current: &mut Vec<Complex32>,
    plan: IterationPlan,
    progress: &Progress,
    history: &mut Vec<f64>,
) -> Result<(), Cancelled> {
    if plan.iterations == 0 {
        return Ok(());
    }
    let beta = plan.momentum / (1.0 + plan.momentum);
    let mut next = vec![Complex32::default(); current.len()];
    // FGLA's previous projection, R_0 = 0 as in librosa.
    let mut prev = vec![Complex32::default(); current.len()];
    let block_len = projector.block_len();
    let block_frames = projector.block_frames();
    let bins = block_len / block_frames;
    for _ in 0..plan.iterations {
        progress.check()?;
        let a: &[Complex32] = current;
        let (err, reference) = work
            .par_iter_mut()
            .zip(next.par_chunks_mut(block_len))
            .zip(prev.par_chunks_mut(block_len))
            .enumerate()
            .map(|(b, ((w, next), prev))| {
                let mut sums = (0.0, 0.0);
                projector.project_block(w, a, |i, r| {
                    let cells = i * bins..(i + 1) * bins;
                    let (e, s) = update.update(
                        b * block_frames + i,
                        r,
                        &mut prev[cells.clone()],
                        &mut next[cells],
                        beta,
                        plan.track,
                    );
                    sums.0 += e;
                    sums.1 += s;
                });
                sums
            })
            .reduce(|| (0.0, 0.0), |a, b| (a.0 + b.0, a.1 + b.1));
        if plan.track {
            history.push(convergence_db(err, reference));
        }
        std::mem::swap(current, &mut next);
        progress.advance(1);
    }
    Ok(())
}

/// Projects `current` once and sums `visit`'s per-frame results.
fn measure<T: StftSample>(
    projector: &Projector<'_, T>,
    work: &mut [BlockWork],
    current: &[Complex32],
    visit: impl Fn(usize, &[Complex32]) -> Sums + Sync,
) -> Sums {
    let block_frames = projector.block_frames();
    work.par_iter_mut()
        .enumerate()
        .map(|(b, w)| {
            let mut sums = (0.0, 0.0);
            projector.project_block(w, current, |i, r| {
                let (e, s) = visit(b * block_frames + i, r);
                sums.0 += e;
                sums.1 += s;
            });
            sums
        })
        .reduce(|| (0.0, 0.0), |a, b| (a.0 + b.0, a.1 + b.1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn method_names_round_trip() {
        for m in Method::ALL {
            assert_eq!(Method::from_name(m.name()), Some(m));
            assert_eq!(m.name().parse::<Method>(), Ok(m));
            assert_eq!(serde_json::to_string(&m).unwrap(), format!("\"{}\"", m.name()));
        }
        assert_eq!(Method::default(), Method::PghiFgla);
        assert_eq!(Method::from_name("PGHI-FGLA"), Some(Method::PghiFgla));
        assert!(
            "griffin"
                .parse::<Method>()
                .unwrap_err()
                .contains("pghi+fgla, fgla, gla or pghi")
        );
        let defaults: Vec<usize> = Method::ALL.iter().map(|m| m.default_iterations()).collect();
        assert_eq!(defaults, [32, 100, 100, 0]);
    }

    #[test]
    fn random_phases_are_unit_uniform_and_reproducible() {
        let n = 100_000;
        let z: Vec<Complex32> = (0..n).map(|i| random_unit(42, i)).collect();
        assert!(z.iter().all(|c| (c.norm() - 1.0).abs() < 1e-5));
        assert_eq!(random_unit(42, 17), z[17]);
        assert_ne!(random_unit(43, 17), z[17]);
        // Uniform phase: the mean phasor vanishes (to about 1/√n) and each quadrant holds a
        // quarter.
        let mean = z.iter().sum::<Complex32>() / n as f32;
        assert!(mean.norm() < 0.01, "{mean}");
        let first = z.iter().filter(|c| c.re > 0.0 && c.im > 0.0).count() as f64 / n as f64;
        assert!((first - 0.25).abs() < 0.01, "{first}");
    }

    #[test]
    fn convergence_of_silence_is_explicit() {
        assert_eq!(convergence_db(0.0, 0.0), f64::NEG_INFINITY);
        assert_eq!(convergence_db(1.0, 0.0), f64::INFINITY);
        assert!((convergence_db(1.0, 100.0) + 20.0).abs() < 1e-12);
    }
}
