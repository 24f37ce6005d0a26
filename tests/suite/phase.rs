//! Phase reconstruction (issue 5): GLA, FGLA, PGHI and PGHI + FGLA on real speech, a chirp,
//! harmonic music and complex IQ; regional reconstruction; cancellation; the CLI.
//!
//! Spectral convergence (SC) = 20·log10(‖S − |STFT(x̂)|‖ / ‖S‖) in dB, lower is better. The
//! speech is tests/data/arctic_a0007.wav (4.0 s, 16 kHz). The thresholds on it are the figures
//! README.md states; librosa 0.11 reaches −26.98 dB with its default 100 FGLA iterations on it at
//! 1024 / 256 (mean over seeds 0–4, `python3 benches/compare_phase.py --quality`), so PGHI + 32
//! FGLA at −29 dB beats it, as issue 5 asks.
//!
//! Every SC asserted here is measured by [`independent`], a plain STFT written in this file
//! (rustfft in f64, its own Hann window and framing), never by `spectro::signal`: a fault in
//! the library's transform cannot make its own reconstruction look good. The reports' figures
//! are checked against that measurement.

use crate::common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{Rng, data, spectro, speech, stderr};
use independent::Sample;
use spectro::signal::phase::{
    Method, PhaseError, PhaseOptions, RegionTarget, Start, magnitude, reconstruct, reconstruct_region,
};
use spectro::signal::{Complex32, Convention, Progress, Stft, StftParams, StftSample, WindowKind};

/// The measuring instrument: an STFT magnitude written from scipy's documented framing, in f64,
/// sharing no code with `spectro::signal`.
mod independent {
    use rustfft::FftPlanner;
    use rustfft::num_complex::Complex64;
    use spectro::signal::Complex32;

    /// A sample the transform reads: real (one-sided spectrum) or complex (two-sided).
    pub trait Sample: Copy {
        /// Whether the spectrum keeps all `N` bins (complex input) or `N/2 + 1` (real).
        const COMPLEX: bool;
        /// The sample as a complex number.
        fn to_c64(self) -> Complex64;
    }

    impl Sample for f32 {
        const COMPLEX: bool = false;
        fn to_c64(self) -> Complex64 {
            Complex64::new(self as f64, 0.0)
        }
    }

    impl Sample for Complex32 {
        const COMPLEX: bool = true;
        fn to_c64(self) -> Complex64 {
            Complex64::new(self.re as f64, self.im as f64)
        }
    }

    /// `|STFT(x)|`, frame-major, unscaled (`|DFT(w · frame)|`): periodic Hann window of
    /// `fft_len`; frame `k` covers samples `k·hop − fft_len/2 ..` (zeros outside `x`), and
    /// frames run until the last one reaches the end of `x` plus `fft_len/2` zeros, as scipy's
    /// `stft(boundary='zeros', padded=True)` frames a signal.
    pub fn magnitude<T: Sample>(x: &[T], fft_len: usize, hop: usize) -> Vec<f64> {
        let half = fft_len / 2;
        let padded_len = x.len() + 2 * half;
        let frames = (padded_len - fft_len).div_ceil(hop) + 1;
        let bins = if T::COMPLEX { fft_len } else { fft_len / 2 + 1 };
        let window: Vec<f64> = (0..fft_len)
            .map(|n| 0.5 - 0.5 * (std::f64::consts::TAU * n as f64 / fft_len as f64).cos())
            .collect();
        let fft = FftPlanner::<f64>::new().plan_fft_forward(fft_len);
        let mut buf = vec![Complex64::default(); fft_len];
        let mut out = Vec::with_capacity(frames * bins);
        for k in 0..frames {
            for (n, b) in buf.iter_mut().enumerate() {
                let i = (k * hop + n) as i64 - half as i64;
                let v = usize::try_from(i)
                    .ok()
                    .and_then(|i| x.get(i))
                    .map_or(Complex64::default(), |&v| v.to_c64());
                *b = v * window[n];
            }
            fft.process(&mut buf);
            out.extend(buf[..bins].iter().map(|z| z.norm()));
        }
        out
    }

    /// `20·log10(‖S − G‖_F / ‖S‖_F)` over the cells where `include` holds.
    pub fn convergence_db(target: &[f64], got: &[f64], include: impl Fn(usize) -> bool) -> f64 {
        assert_eq!(target.len(), got.len(), "spectrogram shapes differ");
        let (mut err, mut norm) = (0.0f64, 0.0f64);
        for (c, (&s, &g)) in target.iter().zip(got).enumerate() {
            if include(c) {
                err += (s - g) * (s - g);
                norm += s * s;
            }
        }
        10.0 * (err / norm).log10()
    }

    /// SC of `rebuilt` towards the magnitude of `original`, both measured here.
    pub fn spectral_convergence_db<T: Sample>(
        original: &[T],
        rebuilt: &[T],
        fft_len: usize,
        hop: usize,
    ) -> f64 {
        convergence_db(
            &magnitude(original, fft_len, hop),
            &magnitude(rebuilt, fft_len, hop),
            |_| true,
        )
    }
}

/// SC of `rebuilt` towards `original`'s magnitude under `stft`'s FFT length and hop, measured
/// by [`independent`] (whose frame count must agree with the library's).
fn measure_sc<T: StftSample + Sample>(stft: &Stft<T>, original: &[T], rebuilt: &[T]) -> f64 {
    let p = stft.params();
    assert_eq!(p.window, WindowKind::Hann, "the instrument uses a Hann window");
    let target = independent::magnitude(original, p.fft_len, p.hop);
    assert_eq!(
        target.len(),
        stft.num_frames(original.len() as u64) * stft.bins(),
        "independent framing disagrees with the library's"
    );
    let got = independent::magnitude(rebuilt, p.fft_len, p.hop);
    independent::convergence_db(&target, &got, |_| true)
}

fn plan<T: StftSample>(fft_len: usize, hop: usize) -> Stft<T> {
    Stft::new(
        StftParams {
            fft_len,
            hop,
            window: WindowKind::Hann,
        },
        Convention::Scipy,
    )
    .unwrap()
}

/// Reconstructs `x` from its magnitude alone; returns the SC of the result measured by
/// [`independent`], checking the report's figure against it.
fn rebuild<T: StftSample + Sample>(stft: &Stft<T>, x: &[T], options: &PhaseOptions<'_>) -> f64 {
    let target = magnitude(stft, x);
    let out = reconstruct(stft, &target, x.len(), options, &Progress::new()).unwrap();
    assert_eq!(out.signal.len(), x.len());
    let measured = measure_sc(stft, x, &out.signal);
    let reported = out.report.spectral_convergence_db;
    // The report measures in f32 through the fused projection, the check in f64 here: they
    // agree to float rounding, which only shows far below any audible error.
    assert!(
        (measured - reported).abs() < 0.05 || measured.max(reported) < -80.0,
        "report says {reported:.3} dB, the signal measures {measured:.3} dB"
    );
    assert_eq!(out.report.method, options.method);
    measured
}

fn options(method: Method, iterations: usize, seed: u64) -> PhaseOptions<'static> {
    let mut o = PhaseOptions::new(method);
    o.iterations = iterations;
    o.seed = seed;
    o
}

#[test]
fn pghi_alone_on_speech_reaches_minus_21_db() {
    let x = speech();
    let sc = rebuild(&plan::<f32>(1024, 256), &x, &options(Method::Pghi, 0, 0));
    println!("speech 1024/256, PGHI alone: {sc:.2} dB (measured −21.30 dB)");
    assert!(sc <= -21.0, "PGHI alone: {sc:.2} dB");
}

#[test]
fn pghi_then_32_fgla_on_speech_reaches_minus_29_db() {
    let x = speech();
    let sc = rebuild(&plan::<f32>(1024, 256), &x, &options(Method::PghiFgla, 32, 0));
    println!("speech 1024/256, PGHI + 32 FGLA: {sc:.2} dB (measured −29.37 dB; librosa FGLA 100: −26.98 dB)");
    assert!(sc <= -29.0, "PGHI + 32 FGLA: {sc:.2} dB");
}

#[test]
fn fgla_100_from_random_phase_on_speech_reaches_minus_27_db() {
    // Random starts differ by a dB or two (librosa: −26.3 to −27.6 dB over seeds 0–4), so this
    // is the mean over five seeds, as in dsp.md's reference table; it must be as good as
    // librosa's mean (−26.98 dB).
    let x = speech();
    let stft = plan::<f32>(1024, 256);
    let runs: Vec<f64> = (0..5)
        .map(|seed| rebuild(&stft, &x, &options(Method::Fgla, 100, seed)))
        .collect();
    let mean = runs.iter().sum::<f64>() / runs.len() as f64;
    println!("speech 1024/256, FGLA 100 from random phase: mean {mean:.2} dB over {runs:.2?}");
    assert!(mean <= -27.0, "FGLA 100: mean {mean:.2} dB ({runs:.2?})");
    // Momentum is what makes FGLA fast: plain Griffin-Lim from the same starts is far behind.
    let gla = rebuild(&stft, &x, &options(Method::Gla, 100, 0));
    println!("speech 1024/256, GLA 100 from random phase: {gla:.2} dB");
    assert!(gla > runs[0] + 3.0, "GLA {gla:.2} dB vs FGLA {:.2} dB", runs[0]);
}

/// A linear chirp from 100 Hz to 8 kHz over 2 s at 48 kHz, with a fade in and out.
fn chirp() -> Vec<f32> {
    let fs = 48_000.0;
    let n = 96_000;
    (0..n)
        .map(|i| {
            let t = i as f64 / fs;
            let phase = std::f64::consts::TAU * (100.0 * t + 0.5 * (7900.0 / 2.0) * t * t);
            let fade = (t / 0.05).min(1.0) * ((2.0 - t) / 0.05).min(1.0);
            (0.5 * fade * phase.sin()) as f32
        })
        .collect()
}

#[test]
fn default_method_reaches_minus_25_db_on_chirp_speech_and_music() {
    // Default method (PGHI + 32 FGLA) and the default STFT (2048 / 512, Hann).
    let stft = plan::<f32>(2048, 512);
    let defaults = PhaseOptions::default();
    assert_eq!((defaults.method, defaults.iterations), (Method::PghiFgla, 32));
    let music = spectro::cli::demo::demo_signal().swap_remove(0);
    for (name, x) in [("chirp", chirp()), ("speech", speech()), ("music", music)] {
        let sc = rebuild(&stft, &x, &defaults);
        println!("{name}: {sc:.2} dB with pghi+fgla, 32 iterations, 2048/512");
        assert!(sc <= -25.0, "{name}: {sc:.2} dB");
    }
}

#[test]
fn report_tracks_convergence_per_iteration() {
    let x = speech();
    let stft = plan::<f32>(1024, 256);
    let mut o = options(Method::Gla, 20, 3);
    o.track_convergence = true;
    let target = magnitude(&stft, &x);
    let out = reconstruct(&stft, &target, x.len(), &o, &Progress::new()).unwrap();
    let h = &out.report.history_db;
    // The SC entering each iteration (the first is the start's), then the result's.
    assert_eq!(h.len(), 21);
    assert_eq!(*h.last().unwrap(), out.report.spectral_convergence_db);
    let measured = measure_sc(&stft, &x, &out.signal);
    assert!(
        (measured - h[20]).abs() < 0.05,
        "history ends at {:.3} dB, the signal measures {measured:.3} dB",
        h[20]
    );
    // Griffin-Lim never increases the distance to the set of consistent spectrograms; the
    // magnitude error follows it closely. From a random start, 20 iterations gain over 8 dB.
    assert!(h[0] > -6.0, "random start: {:.2} dB", h[0]);
    assert!(h[20] < h[0] - 8.0, "{h:.2?}");
    for w in h.windows(2) {
        assert!(w[1] <= w[0] + 0.05, "GLA went up: {h:.2?}");
    }
}

#[test]
fn warm_start_from_the_true_phase_stays_exact() {
    // Starting from the original phase the estimate is already consistent: FGLA keeps it.
    let x = speech();
    let stft = plan::<f32>(1024, 256);
    let frames = stft.num_frames(x.len() as u64);
    let span = stft.frames_span(0..frames);
    let padded = spectro::signal::stft::pad_signal(&x, span.clone());
    let mut original = vec![Complex32::default(); frames * stft.bins()];
    stft.forward(&padded, span.start, 0..frames, &mut original);
    let mut o = options(Method::Fgla, 5, 0);
    o.start = Start::Phase(&original);
    let sc = rebuild(&stft, &x, &o);
    assert!(sc < -70.0, "warm start from the true phase: {sc:.2} dB");
    // Zero phase is a poor start by comparison.
    o.start = Start::Zero;
    let zero = rebuild(&stft, &x, &o);
    assert!(zero > -15.0, "zero start, 5 iterations: {zero:.2} dB");
}

/// A complex test signal: two tones at negative and positive frequencies, a chirp sweeping
/// through DC and a burst, at 1 MS/s.
fn iq_signal() -> Vec<Complex32> {
    let n = 50_000;
    let mut rng = Rng(0x1234_5678);
    (0..n)
        .map(|i| {
            let t = i as f64 / 1e6;
            let tau = std::f64::consts::TAU;
            let mut z = Complex32::from_polar(0.3, (tau * -120e3 * t) as f32)
                + Complex32::from_polar(0.2, (tau * 210e3 * t) as f32);
            let chirp = tau * (-300e3 * t + 0.5 * 12e6 * t * t);
            z += Complex32::from_polar(0.25, chirp as f32);
            if (20_000..26_000).contains(&i) {
                z += Complex32::from_polar(0.3, (tau * 50e3 * t) as f32);
            }
            z + Complex32::new(0.003 * rng.uniform(), 0.003 * rng.uniform())
        })
        .collect()
}

#[test]
fn fgla_rebuilds_two_sided_iq() {
    let x = iq_signal();
    let stft = plan::<Complex32>(256, 64);
    let random = rebuild(&stft, &x, &options(Method::Fgla, 100, 1));
    let zero = {
        let mut o = options(Method::Fgla, 100, 0);
        o.start = Start::Zero;
        rebuild(&stft, &x, &o)
    };
    let pghi = rebuild(&stft, &x, &options(Method::PghiFgla, 32, 0));
    // Warm start from the true two-sided STFT: already consistent, it stays exact.
    let frames = stft.num_frames(x.len() as u64);
    let span = stft.frames_span(0..frames);
    let padded = spectro::signal::stft::pad_signal(&x, span.clone());
    let mut original = vec![Complex32::default(); frames * stft.bins()];
    stft.forward(&padded, span.start, 0..frames, &mut original);
    let mut o = options(Method::Fgla, 5, 0);
    o.start = Start::Phase(&original);
    let warm = rebuild(&stft, &x, &o);
    println!(
        "IQ 256/64: FGLA 100 random {random:.2} dB, zero {zero:.2} dB; PGHI + 32 FGLA {pghi:.2} dB; warm {warm:.2} dB"
    );
    assert!(warm <= -70.0, "FGLA from the true phase: {warm:.2} dB");
    assert!(random <= -25.0, "FGLA from random phase: {random:.2} dB");
    assert!(zero <= -25.0, "FGLA from zero phase: {zero:.2} dB");
    assert!(pghi <= -25.0, "PGHI + FGLA: {pghi:.2} dB");
}

/// The editor's situation: the original raw STFT of some frames of `x`, and a target
/// magnitude that differs from it in `region`.
struct Edit {
    frames: std::ops::Range<usize>,
    original: Vec<Complex32>,
    target: Vec<f32>,
    region: Vec<f32>,
}

impl Edit {
    /// Frames `frames` of `x`, with `paint(frame, bin, magnitude)` giving the target
    /// magnitude of the region's cells (`None` outside the region).
    fn new(
        stft: &Stft<f32>,
        x: &[f32],
        frames: std::ops::Range<usize>,
        paint: impl Fn(usize, usize, f32) -> Option<f32>,
    ) -> Edit {
        let bins = stft.bins();
        let span = stft.frames_span(frames.clone());
        let segment = spectro::signal::stft::pad_signal(x, span.clone());
        let mut original = vec![Complex32::default(); frames.len() * bins];
        stft.forward(&segment, span.start, frames.clone(), &mut original);
        let mut target: Vec<f32> = original.iter().map(|c| c.norm()).collect();
        let mut region = vec![0.0f32; original.len()];
        for k in frames.clone() {
            for m in 0..bins {
                let c = (k - frames.start) * bins + m;
                if let Some(s) = paint(k, m, target[c]) {
                    target[c] = s;
                    region[c] = 1.0;
                }
            }
        }
        Edit {
            frames,
            original,
            target,
            region,
        }
    }

    fn run(
        &self,
        stft: &Stft<f32>,
        x: &[f32],
        o: &PhaseOptions<'_>,
    ) -> spectro::signal::phase::RegionReconstruction<f32> {
        reconstruct_region(
            stft,
            &RegionTarget {
                frames: self.frames.clone(),
                signal_len: x.len() as u64,
                original: &self.original,
                magnitude: &self.target,
                region: &self.region,
            },
            o,
            &Progress::new(),
        )
        .unwrap()
    }

    /// SC over the region of the signal `edited` (measured by [`independent`]), and the
    /// largest difference between that measurement and the spectrum the reconstruction
    /// returned.
    fn measure(&self, stft: &Stft<f32>, edited: &[f32], spectrum: &[Complex32]) -> (f64, f64) {
        let bins = stft.bins();
        let p = stft.params();
        let full = independent::magnitude(edited, p.fft_len, p.hop);
        let cells = self.frames.start * bins..self.frames.end * bins;
        let got = &full[cells];
        let target: Vec<f64> = self.target.iter().map(|&s| s as f64).collect();
        let sc = independent::convergence_db(&target, got, |c| self.region[c] > 0.0);
        let spec_err = spectrum
            .iter()
            .zip(got)
            .map(|(z, &g)| (z.norm() as f64 - g).abs())
            .fold(0.0, f64::max);
        (sc, spec_err)
    }
}

#[test]
fn regional_reconstruction_changes_only_the_region() {
    let x = speech();
    let stft = plan::<f32>(1024, 256);
    let bins = stft.bins();
    // The editor shows frames 60..200 and paints a steady 1.56 kHz whistle (bins 99..=101 of
    // a Hann window's main lobe) over frames 110..140, on top of the speech there. Only a
    // magnitude is painted: the phase has to be invented.
    let tone = |m: usize| match m {
        100 => Some(60.0),
        99 | 101 => Some(30.0),
        _ => None,
    };
    let edit_frames = 110..140;
    // A smooth swell and fade (sin² over the 30 frames), as a brush stroke would paint it.
    let envelope = |k: usize| (std::f32::consts::PI * (k - 109) as f32 / 31.0).sin().powi(2);
    let edit = Edit::new(&stft, &x, 60..200, |k, m, s| {
        (edit_frames.contains(&k))
            .then(|| tone(m).map(|t| envelope(k) * t + s))
            .flatten()
    });
    let mut results = Vec::new();
    for (method, iterations) in [
        (Method::Fgla, 0),
        (Method::Pghi, 0),
        (Method::PghiFgla, 32),
        (Method::Fgla, 32),
    ] {
        let mut o = options(method, iterations, 0);
        // GLA and FGLA start from the original phase, which is noise for the painted tone.
        o.start = Start::Phase(&edit.original);
        let out = edit.run(&stft, &x, &o);
        // Only the samples under the edited frames change, the rest is bit for bit the input.
        let changed = out.changed_samples();
        assert_eq!(changed, stft.frames_span(edit_frames.clone()), "{method}");
        let mut edited = x.clone();
        out.apply_to(&mut edited, 0);
        for (i, (a, b)) in x.iter().zip(&edited).enumerate() {
            if !changed.contains(&(i as i64)) {
                assert_eq!(
                    a.to_bits(),
                    b.to_bits(),
                    "{method}: sample {i} outside the edit changed"
                );
            }
        }
        let (sc, spec_err) = edit.measure(&stft, &edited, &out.spectrum);
        println!(
            "painted whistle, {method} {iterations} it: region SC {sc:.2} dB (report {:.2} dB)",
            out.report.spectral_convergence_db
        );
        assert!((sc - out.report.spectral_convergence_db).abs() < 0.1);
        // The returned spectrum is the STFT of the edited signal (to rounding).
        assert!(spec_err < 1e-2, "{method}: returned spectrum off by {spec_err}");
        // Cells more than a window away from the edit keep their values exactly.
        for k in (edit.frames.start..edit_frames.start - 4).chain(edit_frames.end + 4..edit.frames.end) {
            for m in 0..bins {
                let c = (k - edit.frames.start) * bins + m;
                assert_eq!(out.spectrum[c], edit.original[c], "{method}: frame {k} bin {m}");
            }
        }
        results.push(sc);
    }
    let [keep_phase, pghi, pghi_fgla, fgla] = results[..] else {
        unreachable!()
    };
    // Keeping the original (noise) phase under the painted tone, as a mask would, leaves a
    // large error (measured −7.4 dB). PGHI, integrating from the original phase around the
    // region, invents a coherent one (−42.8 dB) and FGLA keeps it there (−42.5 dB); FGLA alone
    // from the original phase gets less far in as many iterations (−29.0 dB).
    assert!(keep_phase > -10.0, "original phase: {keep_phase:.2} dB");
    assert!(pghi <= -30.0, "pghi: {pghi:.2} dB");
    assert!(pghi_fgla <= -38.0, "pghi+fgla: {pghi_fgla:.2} dB");
    assert!(
        pghi_fgla < fgla - 5.0,
        "pghi+fgla {pghi_fgla:.2} dB vs fgla {fgla:.2} dB"
    );
}

#[test]
fn regional_reconstruction_rejects_bad_regions_and_skips_empty_ones() {
    let x = speech();
    let stft = plan::<f32>(1024, 256);
    let mut edit = Edit::new(&stft, &x, 10..20, |_, _, _| None);
    let out = edit.run(&stft, &x, &PhaseOptions::default());
    assert!(out.delta.is_empty() && out.changed_samples().is_empty());
    assert_eq!(out.spectrum, edit.original);
    edit.region[5] = 1.5;
    let r = reconstruct_region(
        &stft,
        &RegionTarget {
            frames: edit.frames.clone(),
            signal_len: x.len() as u64,
            original: &edit.original,
            magnitude: &edit.target,
            region: &edit.region,
        },
        &PhaseOptions::default(),
        &Progress::new(),
    );
    assert!(matches!(r, Err(PhaseError::BadRegion { index: 5, .. })));
    let r = reconstruct_region(
        &stft,
        &RegionTarget {
            frames: 10..20,
            signal_len: 3000,
            original: &edit.original,
            magnitude: &edit.target,
            region: &edit.region,
        },
        &PhaseOptions::default(),
        &Progress::new(),
    );
    assert!(matches!(r, Err(PhaseError::Frames { total: 13, .. })), "{r:?}");
}

#[test]
fn pghi_rebuilds_steady_tones_real_and_complex() {
    // Off-bin tones at 1 kHz and 7.3 kHz at 48 kHz, and for IQ at ±, through the spectrum's
    // wrap: PGHI alone must get them almost exactly.
    let n = 48_000;
    let tau = std::f64::consts::TAU;
    let real: Vec<f32> = (0..n)
        .map(|i| {
            let t = i as f64 / 48_000.0;
            (0.3 * (tau * 1000.0 * t).sin() + 0.2 * (tau * 7300.0 * t + 1.0).sin()) as f32
        })
        .collect();
    let iq: Vec<Complex32> = (0..n)
        .map(|i| {
            let t = i as f64 / 48_000.0;
            Complex32::from_polar(0.3, (tau * -5000.0 * t) as f32)
                + Complex32::from_polar(0.2, (tau * 7300.0 * t) as f32)
        })
        .collect();
    let real_sc = rebuild(&plan::<f32>(1024, 256), &real, &options(Method::Pghi, 0, 0));
    let iq_sc = rebuild(&plan::<Complex32>(1024, 256), &iq, &options(Method::Pghi, 0, 0));
    println!("steady tones, PGHI alone: real {real_sc:.2} dB, IQ {iq_sc:.2} dB");
    assert!(real_sc <= -30.0, "real: {real_sc:.2} dB");
    assert!(iq_sc <= -30.0, "IQ: {iq_sc:.2} dB");
}

#[test]
fn cancelling_stops_early() {
    let x = speech();
    let stft = plan::<f32>(1024, 256);
    let target = magnitude(&stft, &x);
    // Already cancelled: nothing runs.
    let progress = Progress::new();
    progress.cancel();
    let r = reconstruct(&stft, &target, x.len(), &options(Method::Fgla, 100, 0), &progress);
    assert!(matches!(r, Err(PhaseError::Cancelled)));
    // Cancelled while running: a million iterations would take many minutes; cancelling after
    // a few returns promptly, having done only those.
    let progress = Arc::new(Progress::new());
    let watcher = {
        let progress = progress.clone();
        std::thread::spawn(move || {
            while progress.fraction() == 0.0 {
                std::thread::sleep(Duration::from_millis(1));
            }
            std::thread::sleep(Duration::from_millis(20));
            progress.cancel();
        })
    };
    let started = Instant::now();
    let r = reconstruct(
        &stft,
        &target,
        x.len(),
        &options(Method::Fgla, 1_000_000, 0),
        &progress,
    );
    watcher.join().unwrap();
    assert!(
        matches!(r, Err(PhaseError::Cancelled)),
        "{:?}",
        r.map(|o| o.report)
    );
    assert!(started.elapsed() < Duration::from_secs(20));
    assert!(progress.fraction() < 0.01, "{}", progress.fraction());
}

#[test]
fn bad_requests_are_errors() {
    let stft = plan::<f32>(256, 64);
    let p = Progress::new();
    let frames = stft.num_frames(1000);
    let good = vec![1.0f32; frames * stft.bins()];
    let short = vec![1.0f32; 10];
    assert!(matches!(
        reconstruct(&stft, &short, 1000, &PhaseOptions::default(), &p),
        Err(PhaseError::Shape { got: 10, .. })
    ));
    let mut nan = good.clone();
    nan[7] = f32::NAN;
    assert!(matches!(
        reconstruct(&stft, &nan, 1000, &PhaseOptions::default(), &p),
        Err(PhaseError::BadMagnitude { index: 7, .. })
    ));
    let o = PhaseOptions {
        momentum: 1.5,
        ..Default::default()
    };
    assert!(matches!(
        reconstruct(&stft, &good, 1000, &o, &p),
        Err(PhaseError::BadMomentum(_))
    ));
    let rect = Stft::<f32>::new(
        StftParams {
            fft_len: 256,
            hop: 64,
            window: WindowKind::Rectangular,
        },
        Convention::Scipy,
    )
    .unwrap();
    let e = reconstruct(&rect, &good, 1000, &PhaseOptions::default(), &p).unwrap_err();
    assert!(e.to_string().contains("use the fgla or gla method"), "{e}");
    // FGLA needs no window model.
    assert!(reconstruct(&rect, &good, 1000, &options(Method::Fgla, 2, 0), &p).is_ok());
}

#[test]
fn cli_reconstruct_keeps_the_format_and_reports_json() {
    let dir = tempfile::tempdir().unwrap();
    let input = data("sat_ao73.wav");
    let output = dir.path().join("rebuilt.wav");
    let out = spectro(&[
        "reconstruct",
        input.to_str().unwrap(),
        "-o",
        output.to_str().unwrap(),
        "--json",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("one JSON object");
    assert_eq!(report["method"], "pghi+fgla");
    assert_eq!(report["iterations"], 32);
    let reported = report["spectral_convergence_db"].as_f64().unwrap();
    // Measured on the written 16-bit file against the input, at the defaults (2048 / 512 Hann);
    // the output's quantisation (−96 dB) does not show at these levels.
    let read = |p: &std::path::Path| -> Vec<f32> {
        hound::WavReader::open(p)
            .unwrap()
            .samples::<i16>()
            .map(|s| s.unwrap() as f32 / 32768.0)
            .collect()
    };
    let sc = independent::spectral_convergence_db(&read(&input), &read(&output), 2048, 512);
    println!(
        "sat_ao73.wav, default settings: {sc:.2} dB (report {reported:.2} dB) in {} s",
        report["elapsed_s"]
    );
    assert!(sc < -20.0, "{sc}");
    assert!(
        (sc - reported).abs() < 0.05,
        "report says {reported:.3} dB, the output measures {sc:.3} dB"
    );
    assert!(report["elapsed_s"].as_f64().unwrap() > 0.0);
    let info = |p: &std::path::Path| {
        let o = spectro(&["info", p.to_str().unwrap(), "--json"]);
        let mut v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        v.as_object_mut().unwrap().remove("file");
        v
    };
    assert_eq!(info(&input), info(&output));

    // Human-readable report on stderr, nothing on stdout.
    let out = spectro(&[
        "reconstruct",
        input.to_str().unwrap(),
        "-o",
        output.to_str().unwrap(),
        "--method",
        "fgla",
        "--iters",
        "3",
        "--fft",
        "512",
        "--force",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(out.stdout.is_empty());
    let err = stderr(&out);
    assert!(err.contains("fgla, 3 iterations, spectral convergence"), "{err}");
}

#[test]
fn cli_reconstruct_rejects_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let input = data("sat_ao73.wav");
    let output = dir.path().join("out.wav");
    let (i, o) = (input.to_str().unwrap(), output.to_str().unwrap());
    let out = spectro(&["reconstruct", i, "-o", o, "--method", "magic"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("unknown method 'magic'"),
        "{}",
        stderr(&out)
    );
    let out = spectro(&["reconstruct", i, "-o", o, "--window", "rectangular"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    assert!(err.contains("PGHI needs a window"), "{err}");
    let out = spectro(&["reconstruct", i, "-o", o, "--fft", "1024", "--hop", "1024"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("overlap-add"), "{}", stderr(&out));
    assert!(!output.exists());
    // IQ in, IQ out: the same raw format.
    let cu8 = data("dump1090_modes1_1090M_2000k.cu8");
    let rebuilt = dir.path().join("rebuilt.cu8");
    let out = spectro(&[
        "reconstruct",
        cu8.to_str().unwrap(),
        "--sample-rate",
        "2M",
        "--fft",
        "256",
        "--method",
        "fgla",
        "--iters",
        "5",
        "-o",
        rebuilt.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        std::fs::metadata(&rebuilt).unwrap().len(),
        std::fs::metadata(&cu8).unwrap().len()
    );
}

#[test]
fn cli_reconstruct_rebuilds_a_long_recording_block_by_block() {
    // Speech repeated to 576 k samples (36 s): at 1024 / 128 its STFT holds 2.3 M cells, more
    // than one block (spectro::signal::phase::BLOCK_CELLS), so it is rebuilt block by block.
    let x: Vec<f32> = speech().repeat(9);
    let stft = plan::<f32>(1024, 128);
    assert!(stft.num_frames(x.len() as u64) * stft.bins() > spectro::signal::phase::BLOCK_CELLS);
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("long.wav");
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: common::SPEECH_RATE_HZ as u32,
        bits_per_sample: 32,
        sample_format: hound::SampleFormat::Float,
    };
    let mut w = hound::WavWriter::create(&input, spec).unwrap();
    for &v in &x {
        w.write_sample(v).unwrap();
    }
    w.finalize().unwrap();
    let output = dir.path().join("rebuilt.wav");
    let out = spectro(&[
        "reconstruct",
        input.to_str().unwrap(),
        "-o",
        output.to_str().unwrap(),
        "--fft",
        "1024",
        "--hop",
        "128",
        "--json",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let reported = report["spectral_convergence_db"].as_f64().unwrap();
    let y: Vec<f32> = hound::WavReader::open(&output)
        .unwrap()
        .samples::<f32>()
        .map(|s| s.unwrap())
        .collect();
    assert_eq!(y.len(), x.len());
    // The report is the output's own convergence, measured independently here.
    let target = magnitude(&stft, &x);
    let measured = measure_sc(&stft, &x, &y);
    assert!(
        (measured - reported).abs() < 0.05,
        "report says {reported:.3} dB, the output measures {measured:.3} dB"
    );
    // Nearly as good as rebuilding the whole at once (which holds the whole STFT): README.md's
    // "within 2 dB" (measured −31.67 dB in blocks, −33.41 dB whole).
    let whole = reconstruct(
        &stft,
        &target,
        x.len(),
        &PhaseOptions::default(),
        &Progress::new(),
    )
    .unwrap();
    let sc_whole = measure_sc(&stft, &x, &whole.signal);
    println!("long speech, 1024/128: blocks {measured:.2} dB, whole {sc_whole:.2} dB");
    assert!(
        measured < sc_whole + 2.0,
        "blocks {measured:.2} dB, whole {sc_whole:.2} dB"
    );
}
