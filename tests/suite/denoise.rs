//! Learned noise removal measured on real recordings: it beats noisereduce on noisy speech, it
//! leaves clean recordings and the wanted part of noisy ones alone, it works on IQ, it composes
//! with painted edits, and `spectro denoise` runs it from the command line.

use crate::common;

use std::f64::consts::TAU;
use std::path::Path;

use common::{Rng, energy, render, spectro, stderr};
use spectro::edit::denoise::NoiseEstimate;
use spectro::edit::mask::MaskRaster;
use spectro::edit::{Denoise, Edit, EditList, NoiseProfile, Shape};
use spectro::pipeline::picture::column_levels;
use spectro::pipeline::render::grid_for;
use spectro::signal::levels::energy_ratio_db;
use spectro::signal::{
    Complex32, Convention, MemorySource, Progress, ReadSamples, SampleSource, Stft, StftParams,
};

/// Real speech (CMU ARCTIC arctic_a0007, committed in tests/data), at 16 kHz.
fn speech() -> (f64, Vec<f32>) {
    (common::SPEECH_RATE_HZ, common::speech())
}

/// A mono PCM16 WAV as f32 in [-1, 1).
fn read_wav(path: &Path) -> (f64, Vec<f32>) {
    let mut r = hound::WavReader::open(path).unwrap();
    let fs = r.spec().sample_rate as f64;
    let x = r.samples::<i16>().map(|v| v.unwrap() as f32 / 32768.0).collect();
    (fs, x)
}

fn denoise_mono(fs: f64, x: &[f32], d: Denoise) -> Vec<f32> {
    let source = MemorySource {
        sample_rate: fs,
        channels: vec![x.to_vec()],
    };
    render::<f32>(&source, &[Edit::denoise(d)], StftParams::default())
        .pop()
        .unwrap()
}

/// Scale-invariant SDR in dB (Le Roux et al. 2019).
fn si_sdr(reference: &[f32], estimate: &[f32]) -> f64 {
    let dot: f64 = reference
        .iter()
        .zip(estimate)
        .map(|(&r, &e)| r as f64 * e as f64)
        .sum();
    let alpha = dot / energy(reference);
    let error: f64 = reference
        .iter()
        .zip(estimate)
        .map(|(&r, &e)| (e as f64 - alpha * r as f64).powi(2))
        .sum();
    energy_ratio_db(alpha * alpha * energy(reference), error)
}

/// How much `y` differs from `x`, relative to `x`, in dB.
fn change_db(x: &[f32], y: &[f32]) -> f64 {
    let diff: Vec<f32> = x.iter().zip(y).map(|(a, b)| a - b).collect();
    energy_ratio_db(energy(&diff), energy(x))
}

/// The figure tests/data/gen_noisereduce_reference.py measured with noisereduce.
struct NoisereduceReference {
    seed: u64,
    snr_db: f64,
    lead_s: f64,
    input_fnv1a: String,
    input_si_sdr_db: f64,
    improvement_db: f64,
}

fn noisereduce_reference() -> NoisereduceReference {
    let text = std::fs::read_to_string(common::data("noisereduce_speech_5db.json")).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let num = |k: &str| v[k].as_f64().unwrap_or_else(|| panic!("{k} missing"));
    NoisereduceReference {
        seed: v["seed"].as_u64().unwrap(),
        snr_db: num("snr_db"),
        lead_s: num("lead_s"),
        input_fnv1a: v["input_fnv1a"].as_str().unwrap().to_owned(),
        input_si_sdr_db: num("input_si_sdr_db"),
        improvement_db: num("noisereduce_improvement_db"),
    }
}

/// The noisy speech of the reference: `lead_s` of white noise, then speech with the noise
/// going on, at `snr_db` over the speech. Built exactly as the Python script builds it.
/// Returns (rate, clean reference with silence in the lead, noisy input).
fn noisy_speech(r: &NoisereduceReference) -> (f64, Vec<f32>, Vec<f32>) {
    let (fs, s) = speech();
    let lead = (r.lead_s * fs).round() as usize;
    let mut rng = Rng(r.seed);
    let noise: Vec<f32> = (0..lead + s.len()).map(|_| rng.uniform()).collect();
    let es: f64 = s.iter().map(|&v| v as f64 * v as f64).sum();
    let en: f64 = noise[lead..].iter().map(|&v| v as f64 * v as f64).sum();
    let scale = (es / (en * 10f64.powf(r.snr_db / 10.0))).sqrt();
    let clean: Vec<f32> = std::iter::repeat_n(0.0, lead).chain(s.iter().copied()).collect();
    let noisy = clean
        .iter()
        .zip(&noise)
        .map(|(&c, &n)| (c as f64 + scale * n as f64) as f32)
        .collect();
    (fs, clean, noisy)
}

fn fnv1a(x: &[f32]) -> String {
    let mut h = 0xCBF2_9CE4_8422_2325u64;
    for v in x {
        for b in v.to_le_bytes() {
            h ^= b as u64;
            h = h.wrapping_mul(0x0100_0000_01B3);
        }
    }
    format!("{h:016x}")
}

#[test]
fn noisy_speech_improves_more_than_noisereduce_by_over_1_db() {
    let reference = noisereduce_reference();
    let (fs, clean, noisy) = noisy_speech(&reference);
    // The very input the Python script gave noisereduce.
    assert_eq!(
        fnv1a(&noisy),
        reference.input_fnv1a,
        "the noisy input differs from the script's"
    );
    let before = si_sdr(&clean, &noisy);
    assert!((before - reference.input_si_sdr_db).abs() < 1e-3, "{before}");

    let learnt = denoise_mono(fs, &noisy, Denoise::learn([0.0, reference.lead_s], None));
    let gain = si_sdr(&clean, &learnt) - before;
    eprintln!(
        "SI-SDR {before:.2} dB → spectro {:.2} dB (+{gain:.2}), noisereduce +{:.2}",
        before + gain,
        reference.improvement_db
    );
    assert!(
        gain > reference.improvement_db + 1.0,
        "spectro improves SI-SDR by {gain:.2} dB, noisereduce by {:.2} dB",
        reference.improvement_db
    );
}

#[test]
fn automatic_estimate_on_noisy_speech_improves_as_much_as_a_noise_sample() {
    // Without being told where the noise is, minimum statistics still beat noisereduce with
    // its noise sample.
    let reference = noisereduce_reference();
    let (fs, clean, noisy) = noisy_speech(&reference);
    let before = si_sdr(&clean, &noisy);
    let auto = denoise_mono(fs, &noisy, Denoise::auto());
    let gain = si_sdr(&clean, &auto) - before;
    eprintln!("automatic estimate: SI-SDR +{gain:.2} dB");
    assert!(
        gain > reference.improvement_db,
        "automatic estimate improves SI-SDR by {gain:.2} dB, noisereduce (with a noise sample) by {:.2}",
        reference.improvement_db
    );
}

#[test]
fn clean_speech_is_left_alone() {
    // A studio recording: the speech stands 25 to 35 dB above the room's floor (about −48 dBFS
    // in the pauses). Denoising rightly takes that floor down, so what must not change is the
    // speech itself: the cells 20 dB or more above the floor (as in the FT8 test below), which
    // hold nearly all the energy. The whole signal changes by little more than the floor.
    let (fs, x) = speech();
    let stft = Stft::<f32>::new(StftParams::default(), Convention::Scipy).unwrap();
    let spec_x = stft.stft(&x);
    // The pause before the first word; the frames whose window lies wholly inside it.
    let lead = [0.05, 0.35];
    let (n, hop) = (stft.fft_len() as f64, stft.hop() as f64);
    let floor_frames = ((lead[0] * fs + n / 2.0) / hop).ceil() as usize
        ..((lead[1] * fs - n / 2.0) / hop).floor() as usize + 1;
    assert!(!floor_frames.is_empty());
    let floor = mean_power(&spec_x, floor_frames);
    let wanted = |k: usize, b: usize| spec_x.frame(k)[b].norm_sqr() as f64 >= 100.0 * floor[b];
    let share = cells_energy(&spec_x, wanted) / cells_energy(&spec_x, |_, _| true);
    eprintln!("clean speech: the cells 20 dB over the floor hold {share:.4} of the energy");
    assert!(share > 0.9, "the speech cells hold only {share:.3}");
    // Learnt from the pause before the first word, from the one after the last, and estimated
    // automatically.
    for d in [
        Denoise::learn(lead, None),
        Denoise::learn([3.5, 3.95], None),
        Denoise::auto(),
    ] {
        let y = denoise_mono(fs, &x, d.clone());
        let kept = wanted_change_db(&stft, &x, &y, &spec_x, &wanted);
        let change = change_db(&x, &y);
        eprintln!(
            "{}: speech cells changed by {kept:.1} dB, the whole by {change:.1} dB",
            d.describe()
        );
        assert!(
            kept < -30.0,
            "{}: clean speech changed by {kept:.1} dB",
            d.describe()
        );
        assert!(
            change < -25.0,
            "{}: the whole changed by {change:.1} dB",
            d.describe()
        );
        assert!(change > -200.0, "{}: nothing was removed", d.describe());
    }
}

/// Mean power per bin of `spec` over `frames`.
fn mean_power(spec: &spectro::signal::Spectrogram, frames: std::ops::Range<usize>) -> Vec<f64> {
    (0..spec.bins)
        .map(|b| {
            frames
                .clone()
                .map(|k| spec.frame(k)[b].norm_sqr() as f64)
                .sum::<f64>()
                / frames.len() as f64
        })
        .collect()
}

/// Energy of `spec` over the cells `keep(frame, bin)`.
fn cells_energy(spec: &spectro::signal::Spectrogram, keep: impl Fn(usize, usize) -> bool) -> f64 {
    (0..spec.frames)
        .flat_map(|k| (0..spec.bins).map(move |b| (k, b)))
        .filter(|&(k, b)| keep(k, b))
        .map(|(k, b)| spec.frame(k)[b].norm_sqr() as f64)
        .sum()
}

/// How much denoising `x` into `y` changed the cells `wanted` (cells of `spec_x`), relative to
/// their energy, in dB.
fn wanted_change_db(
    stft: &Stft<f32>,
    x: &[f32],
    y: &[f32],
    spec_x: &spectro::signal::Spectrogram,
    wanted: &dyn Fn(usize, usize) -> bool,
) -> f64 {
    let diff: Vec<f32> = y.iter().zip(x).map(|(a, b)| a - b).collect();
    energy_ratio_db(
        cells_energy(&stft.stft(&diff), wanted),
        cells_energy(spec_x, wanted),
    )
}

#[test]
fn ft8_tones_above_the_learnt_noise_are_kept_and_the_noise_goes() {
    // A real HF recording: FT8 tones over band noise. What must not change is the wanted
    // signal, the cells standing 20 dB or more above the noise, which carry most of the energy.
    let (fs, x) = read_wav(&common::data("ft8lib_20m_busy_test_01.wav"));
    // After the last transmissions end. Faint signals remain (bursts near 2.4 kHz, weak
    // carriers 15 dB over the true floor): learning from this stretch calls them noise, and so
    // does the definition of the wanted cells below.
    let quiet = [14.2, 15.0];
    let stft = Stft::<f32>::new(StftParams::default(), Convention::Scipy).unwrap();
    let spec_x = stft.stft(&x);
    // The frames whose window lies wholly inside the stretch: what the denoiser learns from.
    let (n, hop) = (stft.fft_len() as f64, stft.hop() as f64);
    let learnt = ((quiet[0] * fs + n / 2.0) / hop).ceil() as usize
        ..((quiet[1] * fs - n / 2.0) / hop).floor() as usize + 1;
    let noise = mean_power(&spec_x, learnt.clone());
    let wanted = |k: usize, b: usize| spec_x.frame(k)[b].norm_sqr() as f64 >= 100.0 * noise[b];
    let share = cells_energy(&spec_x, wanted) / cells_energy(&spec_x, |_, _| true);
    assert!(share > 0.5, "the wanted cells hold only {share:.2}");

    let d = Denoise::learn(quiet, None);
    let y = denoise_mono(fs, &x, d.clone());
    let kept = wanted_change_db(&stft, &x, &y, &spec_x, &wanted);
    let in_quiet = |k: usize, _: usize| learnt.contains(&k);
    let noise_drop = energy_ratio_db(
        cells_energy(&stft.stft(&y), in_quiet),
        cells_energy(&spec_x, in_quiet),
    );
    eprintln!("FT8, learnt: wanted cells changed by {kept:.1} dB, the noise fell by {noise_drop:.1} dB");
    assert!(kept < -30.0, "the wanted signal changed by {kept:.1} dB");
    assert!(noise_drop < -12.0, "the noise only fell by {noise_drop:.1} dB");
}

#[test]
fn automatic_estimate_removes_hiss_added_to_ft8_and_keeps_the_tones() {
    // The FT8 band has no stretch of noise alone, which is when the automatic estimate is for.
    // White noise added at a known level (about 25 dB above the recording's own floor) is the
    // noise;
    // the recording itself is the reference.
    let (fs, x) = read_wav(&common::data("ft8lib_20m_busy_test_01.wav"));
    let mut rng = Rng(8);
    let noise: Vec<f32> = x.iter().map(|_| 0.1 * rng.uniform()).collect();
    let noisy: Vec<f32> = x.iter().zip(&noise).map(|(a, b)| a + b).collect();
    let stft = Stft::<f32>::new(StftParams::default(), Convention::Scipy).unwrap();
    let spec_x = stft.stft(&x);
    let spec_noisy = stft.stft(&noisy);
    let spec_n = stft.stft(&noise);
    let noise_power = mean_power(&spec_n, 0..spec_n.frames);
    let wanted = |k: usize, b: usize| spec_x.frame(k)[b].norm_sqr() as f64 >= 100.0 * noise_power[b];
    let share = cells_energy(&spec_x, wanted) / cells_energy(&spec_x, |_, _| true);
    assert!(share > 0.5, "the wanted cells hold only {share:.2}");

    let error = |z: &[f32]| -> f64 { z.iter().zip(&x).map(|(a, b)| ((a - b) as f64).powi(2)).sum() };
    let snr_in = energy_ratio_db(energy(&x), error(&noisy));
    // What the denoiser does when told the true noise (uniform noise of amplitude 0.1 has
    // variance 0.01/3, spread over fs Hz), and what it does estimating it.
    let truth = Denoise::from_profile(NoiseProfile {
        freq_hz: [0.0, fs / 2.0],
        density_db: vec![vec![10.0 * (0.01 / 3.0 / fs).log10()]],
    });
    let mut snr_out = Vec::new();
    for (name, d, max_change_db) in [
        ("true noise", truth, -30.0),
        ("automatic", Denoise::auto(), -25.0),
    ] {
        let y = denoise_mono(fs, &noisy, d);
        let kept = wanted_change_db(&stft, &noisy, &y, &spec_noisy, &wanted);
        let snr = energy_ratio_db(energy(&x), error(&y));
        eprintln!("FT8 + hiss, {name}: wanted cells changed by {kept:.1} dB, SNR {snr_in:.1} → {snr:.1} dB");
        assert!(
            kept < max_change_db,
            "{name}: the wanted signal changed by {kept:.1} dB"
        );
        snr_out.push(snr);
    }
    assert!(
        snr_out[0] - snr_in > 7.0,
        "knowing the noise, SNR only rose from {snr_in:.1} to {:.1} dB",
        snr_out[0]
    );
    // Signals hold some bins of this busy band for most of the estimate's window, raising
    // their minima: the estimate may cost a little, not much.
    assert!(
        snr_out[1] > snr_out[0] - 3.0,
        "the automatic estimate reached {:.1} dB, knowing the noise {:.1} dB",
        snr_out[1],
        snr_out[0]
    );
}

#[test]
fn iq_noise_is_removed_on_both_sides_of_the_centre() {
    // Two carriers, one below and one above the centre, in complex white noise; the first
    // 0.2 s is noise alone.
    let fs = 250_000.0;
    let len = 250_000;
    let lead = 50_000;
    let mut rng = Rng(99);
    let carrier = |f: f64, a: f32, n: usize| -> Complex32 {
        if n < lead {
            Complex32::default()
        } else {
            Complex32::from_polar(a, ((TAU * f * n as f64 / fs) % TAU) as f32)
        }
    };
    let wanted: Vec<Complex32> = (0..len)
        .map(|n| carrier(-60_000.0, 0.2, n) + carrier(31_000.0, 0.05, n))
        .collect();
    let noise: Vec<Complex32> = (0..len)
        .map(|_| Complex32::new(0.05 * rng.uniform(), 0.05 * rng.uniform()))
        .collect();
    let x: Vec<Complex32> = wanted.iter().zip(&noise).map(|(a, b)| a + b).collect();
    let source = MemorySource {
        sample_rate: fs,
        channels: vec![x.clone()],
    };
    let params = StftParams::with_fft(1024);
    let y = &render::<Complex32>(
        &source,
        &[Edit::denoise(Denoise::learn([0.0, 0.2], None))],
        params,
    )[0];
    let err = |a: &[Complex32], b: &[Complex32]| -> f64 {
        a.iter().zip(b).map(|(p, q)| (p - q).norm_sqr() as f64).sum()
    };
    let power = |a: &[Complex32]| -> f64 { a.iter().map(|p| p.norm_sqr() as f64).sum() };
    let body = lead + 4096..len - 4096;
    let snr_in = energy_ratio_db(
        power(&wanted[body.clone()]),
        err(&x[body.clone()], &wanted[body.clone()]),
    );
    let snr_out = energy_ratio_db(
        power(&wanted[body.clone()]),
        err(&y[body.clone()], &wanted[body.clone()]),
    );
    // Each carrier survives: its amplitude by projection stays within 0.5 dB.
    for (f, a) in [(-60_000.0, 0.2), (31_000.0, 0.05)] {
        let (mut re, mut im) = (0.0, 0.0);
        for n in body.clone() {
            let z = y[n] * Complex32::from_polar(1.0, (-(TAU * f * n as f64 / fs) % TAU) as f32);
            re += z.re as f64;
            im += z.im as f64;
        }
        let amp = (re * re + im * im).sqrt() / body.len() as f64;
        let db = 20.0 * (amp / a).log10();
        assert!(db.abs() < 0.5, "carrier at {f} Hz changed by {db:.2} dB");
    }
    eprintln!("IQ: SNR {snr_in:.1} dB → {snr_out:.1} dB");
    assert!(
        snr_out - snr_in > 15.0,
        "SNR only rose from {snr_in:.1} to {snr_out:.1} dB"
    );
}

#[test]
fn denoise_composes_with_painted_edits_in_list_order() {
    let reference = noisereduce_reference();
    let (fs, _, noisy) = noisy_speech(&reference);
    let stft = Stft::<f32>::new(StftParams::default(), Convention::Scipy).unwrap();
    let source = MemorySource {
        sample_rate: fs,
        channels: vec![noisy],
    };
    let grid = grid_for(&stft, &source);
    let denoise = Edit::denoise(Denoise::learn([0.0, 0.5], None));
    let mut erase = Edit::new(
        Shape::Erase {
            points: vec![[0.25, 4000.0]],
            radius_s: 0.1,
            radius_hz: 1500.0,
        },
        0.0,
    );
    erase.feather_s = Some(0.0);
    erase.feather_hz = Some(0.0);
    let rect = Edit::new(
        Shape::Rect {
            time_s: [0.0, 2.0],
            freq_hz: [0.0, 8_000.0],
        },
        -6.0,
    );
    let levels = |edits: &[Edit]| {
        let raster = MaskRaster::new(edits, grid);
        // 0.2–0.3 s, noise alone: one column over those frames.
        let frames = grid.frames_in(0.2, 0.3, stft.num_frames(source.len()));
        column_levels(&source, &stft, Some(&raster), frames, 1, None, &Progress::new())
    };
    let at = |l: &spectro::pipeline::picture::ColumnLevels, hz: f64| {
        l.column(0)[l.bins.position(hz).round() as usize]
    };
    let original = column_levels(
        &source,
        &stft,
        None,
        grid.frames_in(0.2, 0.3, stft.num_frames(source.len())),
        1,
        None,
        &Progress::new(),
    );
    let denoised = levels(std::slice::from_ref(&denoise));
    let erased = levels(&[denoise.clone(), erase.clone()]);
    let erase_first = levels(&[erase, denoise.clone()]);
    let both = levels(&[denoise, rect]);
    for hz in [1000.0, 4000.0, 7000.0] {
        let drop = at(&denoised, hz) - at(&original, hz);
        // The processed view shows the reduction on noise alone (18 dB, within the noise's
        // own fluctuation in one column).
        assert!(
            (drop + 18.0).abs() < 3.0,
            "{hz} Hz fell by {drop:.1} dB in the view"
        );
        // Gains multiply: another −6 dB on top.
        let more = at(&both, hz) - at(&denoised, hz);
        assert!(
            (more + 6.0).abs() < 0.01,
            "{hz} Hz: rect on top gave {more:.2} dB"
        );
    }
    // An eraser after the denoise restores the cells it covers, and only after it.
    assert!((at(&erased, 4000.0) - at(&original, 4000.0)).abs() < 0.01);
    assert!((at(&erased, 7000.0) - at(&denoised, 7000.0)).abs() < 0.01);
    assert!((at(&erase_first, 4000.0) - at(&denoised, 4000.0)).abs() < 0.01);
}

#[test]
fn a_learnt_profile_stored_in_the_list_renders_like_learning_on_the_fly() {
    let reference = noisereduce_reference();
    let (fs, clean, noisy) = noisy_speech(&reference);
    let source = MemorySource {
        sample_rate: fs,
        channels: vec![noisy.clone()],
    };
    let learn = Denoise::learn([0.0, 0.5], None);
    let stored = learn.with_learnt_profile(&source, StftParams::default()).unwrap();
    assert!(matches!(stored.noise, NoiseEstimate::Profile(_)));
    // Through JSON and back, as the editor saves it.
    let list = EditList {
        stft: None,
        edits: vec![Edit::denoise(stored)],
        phase: None,
    };
    let list = EditList::from_json(&list.to_json()).unwrap();
    let a = denoise_mono(fs, &noisy, learn);
    let b = render::<f32>(&source, &list.edits, StftParams::default())
        .pop()
        .unwrap();
    // Densities are stored to 0.01 dB: the outputs agree far below the noise left.
    let differ = change_db(&a, &b);
    assert!(
        differ < -60.0,
        "stored and learnt profiles differ by {differ:.1} dB"
    );
    // And it denoises as well as learning does: better than noisereduce by over 1 dB.
    let gain = si_sdr(&clean, &b) - si_sdr(&clean, &noisy);
    assert!(
        gain > reference.improvement_db + 1.0,
        "stored profile: SI-SDR +{gain:.2} dB, noisereduce +{:.2} dB",
        reference.improvement_db
    );
}

#[test]
fn spectro_denoise_writes_the_source_format_and_reports_json() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("hiss.wav");
    let fs = 16_000u32;
    let mut rng = Rng(5);
    let samples: Vec<f64> = (0..fs as usize * 2)
        .map(|n| {
            let tone = if n > 8000 {
                0.3 * (TAU * 700.0 * n as f64 / fs as f64).sin()
            } else {
                0.0
            };
            tone + 0.02 * rng.uniform() as f64
        })
        .collect();
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: fs,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    common::write_wav_hound(&input, spec, &samples);
    let out = dir.path().join("clean.wav");
    let o = spectro(&[
        "denoise",
        input.to_str().unwrap(),
        "--noise-from",
        "0:0.45",
        "-o",
        out.to_str().unwrap(),
        "--json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(report["edits"]["edits"][0]["type"], "denoise");
    assert_eq!(report["edits"]["edits"][0]["learn_time_s"][1], 0.45);
    let r = hound::WavReader::open(&out).unwrap();
    assert_eq!(r.spec(), spec);
    let y: Vec<f32> = r
        .into_samples::<i16>()
        .map(|v| v.unwrap() as f32 / 32768.0)
        .collect();
    let x: Vec<f32> = samples.iter().map(|&v| v as f32).collect();
    // The hiss alone falls by about the reduction; the tone stays.
    let lead = 1000..7000;
    let drop = energy_ratio_db(energy(&y[lead.clone()]), energy(&x[lead]));
    assert!(drop < -15.0, "hiss fell by only {drop:.1} dB");
    let tone = common::tone_amplitude(&y[12_000..30_000], 700.0 / fs as f64);
    assert!((tone / 0.3 - 1.0).abs() < 0.02, "tone amplitude {tone}");

    // The same step from an edit list through `spectro apply` gives the same file.
    let edits = dir.path().join("edits.json");
    std::fs::write(&edits, report["edits"].to_string()).unwrap();
    let again = dir.path().join("again.wav");
    let o = spectro(&[
        "apply",
        input.to_str().unwrap(),
        "--edits",
        edits.to_str().unwrap(),
        "-o",
        again.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(std::fs::read(&again).unwrap(), std::fs::read(&out).unwrap());

    // A batch into a directory keeps the names.
    let batch = dir.path().join("batch");
    std::fs::create_dir(&batch).unwrap();
    let o = spectro(&[
        "denoise",
        input.to_str().unwrap(),
        out.to_str().unwrap(),
        "-o",
        batch.to_str().unwrap(),
        "--quiet",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(batch.join("hiss.wav").exists() && batch.join("clean.wav").exists());
}

#[test]
fn spectro_denoise_errors_are_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let input = common::data("ft8lib_20m_busy_test_01.wav");
    let out = dir.path().join("o.wav");
    let cases: [(&[&str], &str); 4] = [
        (&["--noise-from", "20:21"], "holds no STFT frame"),
        (&["--noise-from", "0:1", "--estimate"], "cannot be used with"),
        (&["--noise-from", "2:1"], "start must be below the end"),
        (&["--reduction-db", "-3"], "reduction between 0 and"),
    ];
    for (extra, expected) in cases {
        let mut args = vec!["denoise", input.to_str().unwrap(), "-o", out.to_str().unwrap()];
        args.extend_from_slice(extra);
        let o = spectro(&args);
        assert_eq!(o.status.code(), Some(2), "{extra:?}");
        let e = stderr(&o);
        assert!(e.contains(expected), "{extra:?}: {e}");
        assert!(!out.exists());
    }
    // Several inputs need a directory.
    let o = spectro(&[
        "denoise",
        input.to_str().unwrap(),
        input.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    let e = stderr(&o);
    assert_eq!(e.trim().lines().count(), 1, "{e}");
    assert!(e.contains("must be an existing directory"), "{e}");
}

/// Renders `source` whole, then checks that several ranges rendered alone equal it bit for bit.
fn check_ranges<T: ReadSamples + PartialEq + std::fmt::Debug>(
    source: &dyn SampleSource,
    edits: &[Edit],
    params: StftParams,
) {
    use spectro::pipeline::render::{RenderScratch, Renderer};
    let whole = render::<T>(source, edits, params);
    let stft = Stft::<T>::new(params, Convention::Scipy).unwrap();
    let raster = MaskRaster::new(edits, grid_for(&stft, source));
    let mut scratch = RenderScratch::new(&stft);
    let len = source.len() as usize;
    for (c, whole) in whole.iter().enumerate() {
        let mut original = vec![T::default(); len];
        T::read(source, c, 0, &mut original);
        assert!(*whole != original, "channel {c}: the edits changed nothing");
        for (start, n) in [
            (0, 1),
            (0, 3000),
            (65_530, 20),
            (40_001, 777),
            (len - 5000, 5000),
            (len - 1, 1),
        ] {
            let mut part = vec![T::default(); n];
            Renderer::new(source, &stft, &raster).render_range(c, start as i64, &mut part, &mut scratch);
            assert!(
                part == whole[start..start + n],
                "channel {c}: range {start}+{n} differs from the whole render"
            );
        }
    }
}

#[test]
fn rendering_any_range_equals_the_whole_render() {
    // Long enough for several render blocks and for the automatic estimate's window to be
    // cut off at both ends; two channels, each with its own noise.
    let fs = 16_000.0;
    let len = 150_000;
    let mut rng = Rng(17);
    let channels: Vec<Vec<f32>> = (0..2)
        .map(|c| {
            (0..len)
                .map(|n| {
                    let tone = if n > 20_000 {
                        0.2 * ((TAU * (500.0 + 300.0 * c as f64) * n as f64 / fs).sin() as f32)
                    } else {
                        0.0
                    };
                    tone + 0.03 * rng.uniform()
                })
                .collect()
        })
        .collect();
    let source = MemorySource {
        sample_rate: fs,
        channels,
    };
    let params = StftParams::with_fft(512);
    let rect = Edit::new(
        Shape::Rect {
            time_s: [2.0, 3.0],
            freq_hz: [400.0, 900.0],
        },
        -12.0,
    );
    let mut learn = Denoise::learn([0.1, 1.1], Some([0.0, 6000.0]));
    learn.smooth_s = Some(0.05);
    learn.sensitivity = 1.5;
    check_ranges::<f32>(&source, &[Edit::denoise(learn), rect.clone()], params);
    check_ranges::<f32>(&source, &[rect, Edit::denoise(Denoise::auto())], params);

    let iq = MemorySource {
        sample_rate: fs,
        channels: vec![
            source.channels[0]
                .iter()
                .zip(&source.channels[1])
                .map(|(&a, &b)| Complex32::new(a, b))
                .collect(),
        ],
    };
    check_ranges::<Complex32>(&iq, &[Edit::denoise(Denoise::auto())], params);
    check_ranges::<Complex32>(
        &iq,
        &[Edit::denoise(Denoise::learn([0.1, 1.1], Some([-3000.0, 2000.0])))],
        params,
    );
}

#[test]
fn a_denoise_edit_undoes_and_redoes_like_any_other() {
    use spectro::edit::{Affected, Change, Document};
    let reference = noisereduce_reference();
    let (fs, _, noisy) = noisy_speech(&reference);
    let source = std::sync::Arc::new(MemorySource {
        sample_rate: fs,
        channels: vec![noisy.clone()],
    });
    let mut doc = Document::new(source.clone());
    let learnt = Edit::denoise(Denoise::learn([0.0, 0.5], None));
    // It acts on the whole recording: everything is to redraw.
    assert_eq!(doc.apply(Change::Add(learnt.clone()), 0.02), Affected::Everywhere);
    let mut stronger = learnt.clone();
    stronger.shape = Shape::Denoise(Denoise {
        reduction_db: 30.0,
        ..Denoise::learn([0.0, 0.5], None)
    });
    doc.apply(
        Change::Replace {
            index: 0,
            before: learnt.clone(),
            after: stronger.clone(),
        },
        0.02,
    );
    // A drag continuing the same change amends it.
    let mut strongest = stronger.clone();
    strongest.shape = Shape::Denoise(Denoise {
        reduction_db: 40.0,
        ..Denoise::learn([0.0, 0.5], None)
    });
    assert_eq!(doc.amend(0, strongest.clone(), 0.02), Some(Affected::Everywhere));
    let render_doc = |doc: &Document| {
        render::<f32>(source.as_ref(), &doc.edits.edits, StftParams::default())
            .pop()
            .unwrap()
    };
    let at_40 = render_doc(&doc);
    assert_eq!(doc.undo(0.02), Some(Affected::Everywhere));
    assert_eq!(doc.edits.edits, vec![learnt.clone()]);
    let at_18 = render_doc(&doc);
    assert_eq!(at_18, denoise_mono(fs, &noisy, Denoise::learn([0.0, 0.5], None)));
    assert!(doc.undo(0.02).is_some());
    assert!(doc.edits.edits.is_empty());
    assert_eq!(render_doc(&doc), noisy);
    assert!(doc.redo(0.02).is_some() && doc.redo(0.02).is_some());
    assert_eq!(doc.edits.edits, vec![strongest]);
    assert_eq!(render_doc(&doc), at_40);
    // 40 dB takes more of the lead-in's noise than 18 dB.
    let lead = (0.1 * fs) as usize..(0.4 * fs) as usize;
    assert!(energy(&at_40[lead.clone()]) < 0.1 * energy(&at_18[lead]));
}
