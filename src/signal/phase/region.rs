//! Regional reconstruction: rebuild the phase of some cells of an STFT and keep the rest.
//!
//! A magnitude edit (painted energy) should change the signal where it was painted and
//! nowhere else. Running phase reconstruction on the whole file would re-phase everything and
//! smear the edit over it; here the iterations only ever change cells of the region, and every
//! other cell keeps its original complex value in every iteration.
//!
//! Everything runs in difference form, like rendering an edit list: with `X` the original
//! (consistent) STFT of `x` and `D` the change confined to the region,
//! `STFT(ISTFT(X + D)) = X + P1(D)`, and `P1(D)` only involves the frames that hold region
//! cells. The result is `x + ISTFT(D)`, so samples out of reach of the region's frames are
//! returned unchanged, bit for bit.

use std::ops::Range;
use std::time::Instant;

use rayon::prelude::*;
use rustfft::num_complex::Complex32;

use super::project::{BlockWork, Projector};
use super::{
    FrameUpdate, IterationPlan, Method, PhaseError, PhaseOptions, PhaseReport, Start, Sums, check_magnitude,
    check_options, check_shape, convergence_db, iterate, magnitude_over_norm, start_phasors,
};
use crate::signal::stft::overlap_add;
use crate::signal::{Progress, Stft, StftSample};

/// A block of frames to rebuild in part: the original STFT, the wanted magnitude and where.
///
/// All three arrays hold `frames.len() × stft.bins()` values, frame-major, in the raw scale of
/// [`Stft::forward`].
#[derive(Clone, Debug)]
pub struct RegionTarget<'a> {
    /// The frames (of the whole signal) the arrays hold; any range, for instance the frames
    /// around an edit. Frames without region cells cost almost nothing.
    pub frames: Range<usize>,
    /// Length of the whole signal in samples: it fixes the frame count and the ends.
    pub signal_len: u64,
    /// The original STFT of those frames, exactly as [`Stft::forward`] computed it from the
    /// signal that [`RegionReconstruction::apply_to`] will be applied to.
    pub original: &'a [Complex32],
    /// The wanted magnitude in each cell (only read where the region is not 0).
    pub magnitude: &'a [f32],
    /// Per cell, 0 to 1: 1 rebuilds the phase for the wanted magnitude, 0 keeps the original
    /// value, and values between blend the two (`(1 − w)·X + w·S·e^{iφ}`), for feathered
    /// edges.
    pub region: &'a [f32],
}

/// The outcome of [`reconstruct_region`].
#[derive(Clone, Debug)]
pub struct RegionReconstruction<T> {
    /// The raw STFT of the rebuilt signal over [`RegionTarget::frames`]: what
    /// [`Stft::forward`] of the signal after [`RegionReconstruction::apply_to`] gives there,
    /// ready to display. Frames just outside that range can change too (those overlapping
    /// [`RegionReconstruction::changed_samples`]).
    pub spectrum: Vec<Complex32>,
    /// The change to add to the signal, for samples `delta_start ..`.
    pub delta: Vec<T>,
    /// First sample of `delta`.
    pub delta_start: i64,
    /// What was done and how well, the spectral convergence measured over the region's cells.
    pub report: PhaseReport,
}

impl<T: StftSample> RegionReconstruction<T> {
    /// The samples the reconstruction changes (empty when the region was empty).
    pub fn changed_samples(&self) -> Range<i64> {
        self.delta_start..self.delta_start + self.delta.len() as i64
    }

    /// Adds the change to `signal`, whose first element is sample `signal_start`: turns the
    /// original signal into the rebuilt one wherever the two overlap.
    pub fn apply_to(&self, signal: &mut [T], signal_start: i64) {
        overlap_add(signal, signal_start, &self.delta, self.delta_start);
    }
}

/// Rebuilds the phase inside `target.region` so that the magnitude there becomes
/// `target.magnitude`, keeping every cell outside the region at its original value.
///
/// With the PGHI methods the integration starts from the original phase around the region,
/// so the rebuilt cells join their neighbours smoothly; GLA and FGLA start from
/// [`PhaseOptions::start`] (`Start::Phase(target.original)` keeps the original phase as the
/// start). Cancellable and reporting progress like [`reconstruct`](super::reconstruct).
///
/// # Example
///
/// The editor's flow for energy painted on frames 40..50: take the original STFT of the frames
/// around it, set the wanted magnitude and the region, and add the result to the samples.
///
/// ```
/// use spectro::signal::phase::{PhaseOptions, RegionTarget, reconstruct_region};
/// use spectro::signal::stft::pad_signal;
/// use spectro::signal::{Complex32, Convention, Progress, Stft, StftParams};
///
/// let stft = Stft::<f32>::new(StftParams::with_fft(512), Convention::Scipy).unwrap();
/// let mut signal: Vec<f32> = (0..48_000).map(|n| (n as f32 * 0.05).sin() * 0.1).collect();
/// let total = stft.num_frames(signal.len() as u64);
/// let bins = stft.bins();
///
/// // The frames the editor holds (any range around the edit), and their original STFT.
/// let frames = 30..60;
/// let span = stft.frames_span(frames.clone());
/// let mut original = vec![Complex32::default(); frames.len() * bins];
/// stft.forward(&pad_signal(&signal, span.clone()), span.start, frames.clone(), &mut original);
///
/// // Paint energy at bins 60..64 of frames 40..50.
/// let mut magnitude: Vec<f32> = original.iter().map(|c| c.norm()).collect();
/// let mut region = vec![0.0f32; original.len()];
/// for k in 40..50 {
///     for m in 60..64 {
///         let cell = (k - frames.start) * bins + m;
///         magnitude[cell] += 20.0;
///         region[cell] = 1.0;
///     }
/// }
/// let target = RegionTarget {
///     frames: frames.clone(),
///     signal_len: signal.len() as u64,
///     original: &original,
///     magnitude: &magnitude,
///     region: &region,
/// };
/// let result = reconstruct_region(&stft, &target, &PhaseOptions::default(), &Progress::new())?;
/// // Only the samples under frames 40..50 change; apply the change in place.
/// assert_eq!(result.changed_samples(), stft.frames_span(40..50));
/// result.apply_to(&mut signal, 0);
/// println!("region rebuilt to {:.1} dB", result.report.spectral_convergence_db);
/// # assert!(total > 60);
/// # Ok::<(), spectro::signal::phase::PhaseError>(())
/// ```
pub fn reconstruct_region<T: StftSample>(
    stft: &Stft<T>,
    target: &RegionTarget<'_>,
    options: &PhaseOptions<'_>,
    progress: &Progress,
) -> Result<RegionReconstruction<T>, PhaseError> {
    let (result, _) = reconstruct_region_until(stft, target, options, progress, target.frames.end, true)?;
    Ok(result)
}

/// [`reconstruct_region`], keeping in the returned change only the part of the frames before
/// `commit_end` (a frame of the whole signal): what a blockwise reconstruction keeps of a
/// block whose last frames the next block rebuilds again. Also returns the squared error and
/// reference the spectral convergence was computed from, so blocks can be combined. Without
/// `want_spectrum` the returned [`RegionReconstruction::spectrum`] is left empty.
pub(crate) fn reconstruct_region_until<T: StftSample>(
    stft: &Stft<T>,
    target: &RegionTarget<'_>,
    options: &PhaseOptions<'_>,
    progress: &Progress,
    commit_end: usize,
    want_spectrum: bool,
) -> Result<(RegionReconstruction<T>, Sums), PhaseError> {
    let started = Instant::now();
    let bins = stft.bins();
    let total = stft.num_frames(target.signal_len);
    let frames = target.frames.clone();
    if frames.start > frames.end || frames.end > total {
        return Err(PhaseError::Frames {
            start: frames.start,
            end: frames.end,
            total,
            signal_len: target.signal_len,
        });
    }
    let n = frames.len();
    check_shape("original STFT", target.original.len(), n, bins)?;
    check_shape("target magnitude", target.magnitude.len(), n, bins)?;
    check_shape("region", target.region.len(), n, bins)?;
    check_magnitude(target.magnitude)?;
    if let Some(index) = target.region.iter().position(|w| !(0.0..=1.0).contains(w)) {
        return Err(PhaseError::BadRegion {
            index,
            value: target.region[index],
        });
    }
    check_options(stft, options)?;
    if let Start::Phase(values) = options.start {
        check_shape("warm-start phase", values.len(), n, bins)?;
    }
    let iterations = if options.method == Method::Pghi {
        0
    } else {
        options.iterations
    };

    // Frames (relative to `frames`) holding region cells: the only ones that change.
    let has_region = |k: usize| target.region[k * bins..(k + 1) * bins].iter().any(|&w| w > 0.0);
    let Some(first) = (0..n).find(|&k| has_region(k)) else {
        let result = RegionReconstruction {
            spectrum: if want_spectrum {
                target.original.to_vec()
            } else {
                Vec::new()
            },
            delta: Vec::new(),
            delta_start: stft.frame_center(frames.start),
            report: PhaseReport {
                method: options.method,
                iterations: 0,
                spectral_convergence_db: f64::NEG_INFINITY,
                elapsed_s: started.elapsed().as_secs_f64(),
                history_db: Vec::new(),
            },
        };
        return Ok((result, (0.0, 0.0)));
    };
    let last = (0..n).rev().find(|&k| has_region(k)).unwrap_or(first);
    let active = first..last + 1;
    progress.start(iterations as u64 + 2);
    progress.check()?;

    // The start: PGHI over the active frames and one known frame on each side, integrating
    // from the original phase of the cells around the region; or the chosen start.
    let around = active.start.saturating_sub(1)..(active.end + 1).min(n);
    let cells = |r: &Range<usize>| r.start * bins..r.end * bins;
    let mut phasors = vec![Complex32::default(); around.len() * bins];
    let original = &target.original[cells(&around)];
    let weights = &target.region[cells(&around)];
    let wanted = &target.magnitude[cells(&around)];
    if options.method.uses_pghi() {
        let combined: Vec<f32> = original
            .iter()
            .zip(wanted)
            .zip(weights)
            .map(|((x, &s), &w)| (1.0 - w) * x.norm_sqr().sqrt() + w * s)
            .collect();
        let known: Vec<bool> = weights.iter().map(|&w| w == 0.0).collect();
        start_phasors(
            stft,
            &combined,
            around.len(),
            options,
            Some((&known, original)),
            progress,
            &mut phasors,
        )?;
    } else {
        let mut local = *options;
        if let Start::Phase(values) = options.start {
            local.start = Start::Phase(&values[cells(&around)]);
        }
        start_phasors(stft, wanted, around.len(), &local, None, progress, &mut phasors)?;
    }
    // D₀ over the active frames: the start's values minus the original, weighted.
    let skip = (active.start - around.start) * bins;
    let mut current: Vec<Complex32> = phasors[skip..skip + active.len() * bins]
        .iter()
        .zip(&target.original[cells(&active)])
        .zip(&target.magnitude[cells(&active)])
        .zip(&target.region[cells(&active)])
        .map(|(((&u, &x), &s), &w)| (u * s - x) * w)
        .collect();
    drop(phasors);
    progress.advance(1);

    let absolute = |r: &Range<usize>| frames.start + r.start..frames.start + r.end;
    let projector = Projector::new(stft, absolute(&active), target.signal_len);
    let mut work = projector.workspaces();
    let update = Regional {
        original: &target.original[cells(&active)],
        target: &target.magnitude[cells(&active)],
        weight: &target.region[cells(&active)],
        bins,
    };
    let mut history = Vec::new();
    iterate(
        &projector,
        &mut work,
        &update,
        &mut current,
        IterationPlan {
            iterations,
            momentum: options.method.momentum(options.momentum),
            track: options.track_convergence,
        },
        progress,
        &mut history,
    )?;
    drop(work);
    progress.check()?;

    // The STFT of the result, X + P1(D), over the frames D reaches within `frames`.
    let reach = {
        let span = stft.frames_span(absolute(&active));
        let touching = stft.frames_touching(span, total);
        touching.start.max(frames.start) - frames.start..touching.end.min(frames.end) - frames.start
    };
    // Without `want_spectrum` only the measure is taken: each block writes into a scratch
    // frame instead of the spectrum.
    let mut spectrum = if want_spectrum {
        target.original.to_vec()
    } else {
        Vec::new()
    };
    let mut padded = vec![Complex32::default(); reach.len() * bins];
    let offset = (active.start - reach.start) * bins;
    padded[offset..offset + current.len()].copy_from_slice(&current);
    let (err, reference) = {
        let projector = Projector::new(stft, absolute(&reach), target.signal_len);
        let mut work = projector.workspaces();
        let measured = Regional {
            original: &target.original[cells(&reach)],
            target: &target.magnitude[cells(&reach)],
            weight: &target.region[cells(&reach)],
            bins,
        };
        let block_frames = projector.block_frames();
        let block_len = projector.block_len();
        let measure_block = |b: usize, w: &mut BlockWork, mut out: Option<&mut [Complex32]>| {
            let mut sums = (0.0, 0.0);
            projector.project_block(w, &padded, |i, r| {
                let k = b * block_frames + i;
                if let Some(out) = out.as_deref_mut() {
                    for (o, &d) in out[i * bins..(i + 1) * bins].iter_mut().zip(r) {
                        *o += d;
                    }
                }
                let (e, s) = measured.measure(k, r);
                sums.0 += e;
                sums.1 += s;
            });
            sums
        };
        let add = |a: Sums, b: Sums| (a.0 + b.0, a.1 + b.1);
        if want_spectrum {
            work.par_iter_mut()
                .zip(spectrum[cells(&reach)].par_chunks_mut(block_len))
                .enumerate()
                .map(|(b, (w, out))| measure_block(b, w, Some(out)))
                .reduce(|| (0.0, 0.0), add)
        } else {
            work.par_iter_mut()
                .enumerate()
                .map(|(b, w)| measure_block(b, w, None))
                .reduce(|| (0.0, 0.0), add)
        }
    };
    let spectral_convergence_db = convergence_db(err, reference);
    if options.track_convergence {
        history.push(spectral_convergence_db);
    }

    // The change in the signal: ISTFT(D) over the samples the active frames cover.
    let span = stft.frames_span(absolute(&active));
    let span = span.start.max(0)..span.end.min(target.signal_len as i64);
    let mut delta = vec![T::default(); (span.end - span.start).max(0) as usize];
    let needed = stft.frames_touching(span.clone(), total);
    let mut around_d = vec![Complex32::default(); needed.len() * bins];
    let offset = (absolute(&active).start - needed.start) * bins;
    around_d[offset..offset + current.len()].copy_from_slice(&current);
    // Frames from `commit_end` on are left to whoever rebuilds them next.
    let kept = commit_end.clamp(needed.start, needed.end) - needed.start;
    around_d[kept * bins..].fill(Complex32::default());
    stft.inverse(&around_d, needed, total, span.start, &mut delta);
    progress.advance(1);

    let result = RegionReconstruction {
        spectrum,
        delta,
        delta_start: span.start,
        report: PhaseReport {
            method: options.method,
            iterations,
            spectral_convergence_db,
            elapsed_s: started.elapsed().as_secs_f64(),
            history_db: history,
        },
    };
    Ok((result, (err, reference)))
}

/// Regional iterations in difference form: the estimate is `D`, the projection `P1(D)`.
struct Regional<'a> {
    original: &'a [Complex32],
    target: &'a [f32],
    weight: &'a [f32],
    bins: usize,
}

impl FrameUpdate for Regional<'_> {
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
        let x = &self.original[cells.clone()];
        let s = &self.target[cells.clone()];
        let w = &self.weight[cells];
        for (j, ((&d, p), a)) in projection
            .iter()
            .zip(prev.iter_mut())
            .zip(next.iter_mut())
            .enumerate()
        {
            if w[j] == 0.0 {
                // Outside the region the original value stays: no change.
                *a = Complex32::default();
                continue;
            }
            // The projection of the whole estimate X + D is X + P1(D).
            let r = x[j] + d;
            let t = r - *p * beta;
            *p = r;
            *a = (t * magnitude_over_norm(t, s[j]) - x[j]) * w[j];
        }
        if track {
            self.measure(k, projection)
        } else {
            (0.0, 0.0)
        }
    }

    fn measure(&self, k: usize, projection: &[Complex32]) -> Sums {
        let cells = k * self.bins..(k + 1) * self.bins;
        let (mut err, mut reference) = (0.0f32, 0.0f32);
        for (((&d, &x), &s), &w) in projection
            .iter()
            .zip(&self.original[cells.clone()])
            .zip(&self.target[cells.clone()])
            .zip(&self.weight[cells])
        {
            let e = s - (x + d).norm_sqr().sqrt();
            err += w * e * e;
            reference += w * s * s;
        }
        (err as f64, reference as f64)
    }
}
