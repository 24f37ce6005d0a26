//! Spectral repair (issue 14): rect, lasso and brush regions with `"repair"` filled from their
//! surroundings. Quality is the magnitude SNR over the region's STFT cells against the clean
//! recording, `10·log10(Σ|C|² / Σ(|C| − |Y|)²)` (silence scores 0 dB), on committed music and
//! speech with synthetic events added (the same events and seeds as benches/compare_repair.py).

use crate::common;

use std::sync::Arc;

use common::{Rng, data, spectro, speech, stderr};
use spectro::edit::EditList;
use spectro::pipeline::{Edited, Samples};
use spectro::signal::{
    Complex32, Convention, MemorySource, Progress, SampleSource, Stft, StftParams, StftSample,
};

/// The committed music (tests/data/repair_music.wav), both channels, 44.1 kHz.
fn music() -> Vec<Vec<f32>> {
    let mut r = hound::WavReader::open(data("repair_music.wav")).unwrap();
    assert_eq!(r.spec().sample_rate, 44_100);
    let s: Vec<f32> = r.samples::<i16>().map(|v| v.unwrap() as f32 / 32768.0).collect();
    vec![
        s.iter().step_by(2).copied().collect(),
        s.iter().skip(1).step_by(2).copied().collect(),
    ]
}

const MUSIC_HZ: f64 = 44_100.0;
const SPEECH_HZ: f64 = 16_000.0;

/// A knock: a broadband burst decaying over `duration_s` (time constant a fifth of it).
fn knock(fs: f64, duration_s: f64, peak: f32, seed: u64) -> Vec<f32> {
    let n = (duration_s * fs) as usize;
    let mut rng = Rng(seed);
    (0..n)
        .map(|i| peak * rng.uniform() * (-(i as f64) / (0.2 * duration_s * fs)).exp() as f32)
        .collect()
}

/// A cough: noise band-passed (one-pole high-pass at 250 Hz, two low-passes at 3 kHz) under a
/// raised-sine envelope of `duration_s`, scaled to RMS `rms`.
fn cough(fs: f64, duration_s: f64, rms: f32, seed: u64) -> Vec<f32> {
    let n = (duration_s * fs) as usize;
    let mut rng = Rng(seed);
    let hp = (-std::f64::consts::TAU * 250.0 / fs).exp() as f32;
    let lp = (-std::f64::consts::TAU * 3000.0 / fs).exp() as f32;
    let (mut prev_in, mut h, mut l1, mut l2) = (0.0f32, 0.0f32, 0.0f32, 0.0f32);
    let mut y: Vec<f32> = (0..n)
        .map(|i| {
            let x = rng.uniform();
            h = hp * (h + x - prev_in);
            prev_in = x;
            l1 = (1.0 - lp) * h + lp * l1;
            l2 = (1.0 - lp) * l1 + lp * l2;
            let env = (std::f64::consts::PI * i as f64 / n as f64).sin().powf(0.7) as f32;
            l2 * env
        })
        .collect();
    let r = (y.iter().map(|v| v * v).sum::<f32>() / n as f32).sqrt();
    y.iter_mut().for_each(|v| *v *= rms / r);
    y
}

/// A linear chirp from `f0_hz` to `f1_hz` over `duration_s`, amplitude `amp`, 10 ms fades.
fn chirp(fs: f64, duration_s: f64, f0_hz: f64, f1_hz: f64, amp: f32) -> Vec<f32> {
    let n = (duration_s * fs) as usize;
    (0..n)
        .map(|i| {
            let t = i as f64 / fs;
            let phase = std::f64::consts::TAU * (f0_hz * t + 0.5 * (f1_hz - f0_hz) / duration_s * t * t);
            let fade = (t / 0.01).min((duration_s - t) / 0.01).min(1.0);
            amp * (fade * phase.sin()) as f32
        })
        .collect()
}

/// A phone ring: two tones summed over `duration_s`, 10 ms fades.
fn ring(fs: f64, duration_s: f64, f_hz: [f64; 2], amp: f32) -> Vec<f32> {
    let n = (duration_s * fs) as usize;
    (0..n)
        .map(|i| {
            let t = i as f64 / fs;
            let fade = (t / 0.01).min((duration_s - t) / 0.01).min(1.0);
            let s: f64 = f_hz.iter().map(|f| (std::f64::consts::TAU * f * t).sin()).sum();
            amp * (fade * s) as f32
        })
        .collect()
}

fn add_at(x: &mut [f32], event: &[f32], at_s: f64, fs: f64) {
    let at = (at_s * fs) as usize;
    for (y, e) in x[at..].iter_mut().zip(event) {
        *y += e;
    }
}

/// Region SNR (dB) of `y` against `clean` over the cells of frames centred in `time_s` and
/// bins whose (signed, for complex signals) frequency lies in `freq_hz`.
fn region_snr_db<T: StftSample>(
    clean: &[T],
    y: &[T],
    fs: f64,
    params: StftParams,
    time_s: [f64; 2],
    freq_hz: [f64; 2],
) -> f64 {
    let stft = Stft::<T>::new(params, Convention::Scipy).unwrap();
    let c = stft.stft(clean);
    let o = stft.stft(y);
    let (mut s, mut e) = (0.0f64, 0.0f64);
    for k in 0..c.frames {
        let t = stft.frame_center(k) as f64 / fs;
        if t < time_s[0] || t > time_s[1] {
            continue;
        }
        for b in 0..stft.bins() {
            let f = stft.bin_freq_hz(b, fs);
            if f < freq_hz[0] || f > freq_hz[1] {
                continue;
            }
            let (a, z) = (c.frame(k)[b].norm() as f64, o.frame(k)[b].norm() as f64);
            s += a * a;
            e += (a - z) * (a - z);
        }
    }
    10.0 * (s / e.max(1e-30)).log10()
}

/// The edit list JSON for one rect repair.
fn rect_list(params: StftParams, time_s: [f64; 2], freq_hz: [f64; 2], repair: &str, strength: f64) -> String {
    format!(
        r#"{{"version":1,"stft":{{"fft":{},"hop":{}}},"edits":[{{"type":"rect","time_s":[{},{}],"freq_hz":[{},{}],"repair":"{repair}","strength":{strength}}}]}}"#,
        params.fft_len, params.hop, time_s[0], time_s[1], freq_hz[0], freq_hz[1]
    )
}

/// `channels` with the edit list `json` applied through the pipeline.
fn apply(channels: Vec<Vec<f32>>, fs: f64, params: StftParams, json: &str) -> Vec<Vec<f32>> {
    let list = EditList::from_json(json).unwrap();
    let len = channels[0].len();
    let source: Arc<dyn SampleSource> = Arc::new(MemorySource {
        sample_rate: fs,
        channels,
    });
    let edited = Edited::prepare(
        source,
        &list.edits,
        list.phase.unwrap_or_default(),
        params,
        &Progress::new(),
    )
    .unwrap();
    match edited.render(0, len) {
        Samples::Real(c) => c,
        Samples::Complex(_) => unreachable!(),
    }
}

struct Case {
    name: &'static str,
    clean: Vec<f32>,
    corrupted: Vec<f32>,
    fs: f64,
    params: StftParams,
    time_s: [f64; 2],
    freq_hz: [f64; 2],
}

fn music_params() -> StftParams {
    StftParams::with_fft(2048)
}

fn speech_params() -> StftParams {
    StftParams::with_fft(1024)
}

/// The four cases of the issue, built as benches/compare_repair.py builds them.
fn cases() -> Vec<Case> {
    let m = music().swap_remove(0);
    let s = speech();
    let mut out = Vec::new();
    let mut x = m.clone();
    add_at(&mut x, &knock(MUSIC_HZ, 0.08, 0.5, 11), 3.3, MUSIC_HZ);
    out.push(Case {
        name: "knock 80 ms on music",
        clean: m.clone(),
        corrupted: x,
        fs: MUSIC_HZ,
        params: music_params(),
        time_s: [3.3, 3.38],
        freq_hz: [0.0, MUSIC_HZ / 2.0],
    });
    let mut x = m.clone();
    add_at(&mut x, &cough(MUSIC_HZ, 0.25, 0.15, 12), 6.4, MUSIC_HZ);
    out.push(Case {
        name: "cough 250 ms on music",
        clean: m,
        corrupted: x,
        fs: MUSIC_HZ,
        params: music_params(),
        time_s: [6.4, 6.65],
        freq_hz: [0.0, MUSIC_HZ / 2.0],
    });
    let mut x = s.clone();
    add_at(
        &mut x,
        &chirp(SPEECH_HZ, 0.6, 1200.0, 2800.0, 0.2),
        1.2,
        SPEECH_HZ,
    );
    out.push(Case {
        name: "chirp over speech (box)",
        clean: s.clone(),
        corrupted: x,
        fs: SPEECH_HZ,
        params: speech_params(),
        time_s: [1.2, 1.8],
        freq_hz: [1000.0, 3000.0],
    });
    let mut x = s.clone();
    add_at(
        &mut x,
        &ring(SPEECH_HZ, 1.5, [900.0, 1300.0], 0.08),
        1.8,
        SPEECH_HZ,
    );
    out.push(Case {
        name: "ring over speech (box)",
        clean: s,
        corrupted: x,
        fs: SPEECH_HZ,
        params: speech_params(),
        time_s: [1.8, 3.3],
        freq_hz: [750.0, 1450.0],
    });
    out
}

fn repaired(case: &Case, mode: &str, strength: f64) -> Vec<f32> {
    let json = rect_list(case.params, case.time_s, case.freq_hz, mode, strength);
    apply(vec![case.corrupted.clone()], case.fs, case.params, &json).swap_remove(0)
}

/// Frames whose window reaches the region (its rect widened by the default feather of two
/// hops), and two more frames of phase context on each side: beyond their samples nothing may
/// change at all.
fn touched_samples(case: &Case, len: usize) -> std::ops::Range<usize> {
    let stft = Stft::<f32>::new(case.params, Convention::Scipy).unwrap();
    let hop_s = case.params.hop as f64 / case.fs;
    let first = ((case.time_s[0] - 2.0 * hop_s) / hop_s).ceil() as usize - 1 - 2;
    let last = ((case.time_s[1] + 2.0 * hop_s) / hop_s).floor() as usize + 1 + 2;
    let span = stft.frames_span(first..last + 1);
    span.start.max(0) as usize..(span.end as usize).min(len)
}

/// The region SNR the issue asks for in each case (dB), and the mode expected to reach it
/// besides auto.
fn required(case: &Case) -> (f64, &'static str) {
    match case.name {
        n if n.starts_with("knock") => (4.0, "replace"),
        n if n.starts_with("cough") => (2.0, "pattern"),
        _ => (3.0, "attenuate"),
    }
}

#[test]
fn each_case_reaches_its_figure_and_nothing_changes_outside() {
    let margin_db = 1.0;
    for case in cases() {
        let snr = |y: &[f32]| region_snr_db(&case.clean, y, case.fs, case.params, case.time_s, case.freq_hz);
        let input = snr(&case.corrupted);
        let mut line = format!("{}: input {input:.2}", case.name);
        let (need, mode_expected) = required(&case);
        for mode in ["attenuate", "replace", "pattern", "auto"] {
            let y = repaired(&case, mode, 1.0);
            let got = snr(&y);
            line += &format!(", {mode} {got:.2}");
            if mode == "auto" || mode == mode_expected {
                assert!(
                    got >= need + margin_db,
                    "{}: {mode} reached {got:.2} dB, need {need} + {margin_db}",
                    case.name
                );
            }
            // Every mode improves on the corrupted input.
            assert!(got > input, "{}: {mode} {got:.2} dB, input {input:.2}", case.name);
            // Outside the region, beyond the window and the feather: under -60 dB of change.
            let hop_s = case.params.hop as f64 / case.fs;
            let reach_s = case.params.fft_len as f64 / case.fs + 2.0 * hop_s;
            let lo = ((case.time_s[0] - reach_s) * case.fs) as usize;
            let hi = ((case.time_s[1] + reach_s) * case.fs) as usize;
            let outside = |v: &[f32]| -> f64 {
                v[..lo]
                    .iter()
                    .chain(&v[hi..])
                    .map(|&a| a as f64 * a as f64)
                    .sum::<f64>()
            };
            let diff: Vec<f32> = y.iter().zip(&case.corrupted).map(|(a, b)| a - b).collect();
            let change_db = 10.0 * (outside(&diff) / outside(&case.corrupted)).max(1e-30).log10();
            assert!(
                change_db < -60.0,
                "{}: {mode} changes {change_db:.1} dB outside",
                case.name
            );
            // Beyond the frames the region touches: bit for bit.
            let touched = touched_samples(&case, y.len());
            assert!(
                y[..touched.start] == case.corrupted[..touched.start]
                    && y[touched.end..] == case.corrupted[touched.end..],
                "{}: {mode} changed samples beyond the frames it touches",
                case.name
            );
        }
        println!("{line}");
    }
}

#[test]
fn strength_zero_changes_nothing_and_half_lies_between() {
    let case = cases().swap_remove(0);
    let none = repaired(&case, "replace", 0.0);
    assert!(none == case.corrupted, "strength 0 changed the recording");
    let half = repaired(&case, "attenuate", 0.5);
    let full = repaired(&case, "attenuate", 1.0);
    let change = |y: &[f32]| -> f64 {
        y.iter()
            .zip(&case.corrupted)
            .map(|(a, b)| ((a - b) as f64).powi(2))
            .sum()
    };
    let (h, f) = (change(&half), change(&full));
    assert!(h > 0.1 * f && h < 0.6 * f, "half {h:.3e}, full {f:.3e}");
}

#[test]
fn repairs_compose_in_list_order() {
    // Two knocks, two repairs in one list, and a gain after them: the list acts as the repairs
    // one after the other (each reading the recording as the one before left it), then the gain.
    let clean = music().swap_remove(0);
    let mut x = clean.clone();
    add_at(&mut x, &knock(MUSIC_HZ, 0.08, 0.5, 11), 3.3, MUSIC_HZ);
    add_at(&mut x, &knock(MUSIC_HZ, 0.06, 0.4, 13), 3.6, MUSIC_HZ);
    let p = music_params();
    let edit = |t: [f64; 2]| {
        format!(
            r#"{{"type":"rect","time_s":[{},{}],"freq_hz":[0,22050],"repair":"auto"}}"#,
            t[0], t[1]
        )
    };
    let list = |edits: &[String]| {
        format!(
            r#"{{"version":1,"stft":{{"fft":2048,"hop":512}},"edits":[{}]}}"#,
            edits.join(",")
        )
    };
    let (a, b) = (edit([3.3, 3.38]), edit([3.6, 3.66]));
    let gain = r#"{"type":"rect","time_s":[0,1],"freq_hz":[0,22050],"gain_db":-6}"#.to_string();
    let together = apply(
        vec![x.clone()],
        MUSIC_HZ,
        p,
        &list(&[a.clone(), b.clone(), gain.clone()]),
    )
    .swap_remove(0);
    let first = apply(vec![x.clone()], MUSIC_HZ, p, &list(&[a])).swap_remove(0);
    let second = apply(vec![first], MUSIC_HZ, p, &list(&[b])).swap_remove(0);
    let then_gain = apply(vec![second], MUSIC_HZ, p, &list(&[gain])).swap_remove(0);
    let worst = together
        .iter()
        .zip(&then_gain)
        .map(|(u, v)| (u - v).abs())
        .fold(0.0f32, f32::max);
    assert!(worst < 1e-6, "list and sequence differ by {worst}");
    for t in [[3.3, 3.38], [3.6, 3.66]] {
        let snr = region_snr_db(&clean, &together, MUSIC_HZ, p, t, [0.0, 22050.0]);
        assert!(snr > 4.0, "{t:?}: {snr:.2} dB");
    }
}

#[test]
fn repair_applies_only_to_its_channels() {
    let m = music();
    let mut x = m.clone();
    for ch in &mut x {
        add_at(ch, &knock(MUSIC_HZ, 0.08, 0.5, 11), 3.3, MUSIC_HZ);
    }
    let json = r#"{"version":1,"edits":[{"type":"rect","time_s":[3.3,3.38],"freq_hz":[0,22050],"repair":"replace","channels":[1]}]}"#;
    let y = apply(x.clone(), MUSIC_HZ, music_params(), json);
    assert!(y[0] == x[0], "channel 0 is not in the edit");
    let snr = region_snr_db(
        &m[1],
        &y[1],
        MUSIC_HZ,
        music_params(),
        [3.3, 3.38],
        [0.0, 22050.0],
    );
    assert!(snr > 5.0, "{snr:.2} dB");
}

#[test]
fn iq_regions_are_repaired_on_both_sides_of_zero() {
    // Two carriers at -5 and +3 kHz over a complex noise floor, 48 kHz IQ; a broadband burst over
    // everything, and a tone at -8 kHz intruding on a band: replace the first, attenuate the
    // second (a box at negative frequencies).
    let fs = 48_000.0;
    let n = 2 * fs as usize;
    let mut rng = Rng(21);
    let clean: Vec<Complex32> = (0..n)
        .map(|i| {
            let t = i as f64 / fs;
            let carrier = |f: f64, a: f64| {
                let p = std::f64::consts::TAU * f * t;
                Complex32::new((a * p.cos()) as f32, (a * p.sin()) as f32)
            };
            carrier(-5000.0, 0.2)
                + carrier(3000.0, 0.1)
                + Complex32::new(0.02 * rng.uniform(), 0.02 * rng.uniform())
        })
        .collect();
    let mut x = clean.clone();
    let burst_at = (0.8 * fs) as usize;
    for (i, v) in x[burst_at..burst_at + (0.05 * fs) as usize]
        .iter_mut()
        .enumerate()
    {
        let env = (-(i as f64) / (0.01 * fs)).exp() as f32;
        *v += Complex32::new(0.5 * env * rng.uniform(), 0.5 * env * rng.uniform());
    }
    let tone_at = (1.2 * fs) as usize;
    for (i, v) in x[tone_at..tone_at + (0.4 * fs) as usize].iter_mut().enumerate() {
        let p = std::f64::consts::TAU * -8000.0 * i as f64 / fs;
        *v += Complex32::new((0.05 * p.cos()) as f32, (0.05 * p.sin()) as f32);
    }
    let params = StftParams::with_fft(1024);
    let json = r#"{"version":1,"stft":{"fft":1024,"hop":256},"edits":[
        {"type":"rect","time_s":[0.8,0.85],"freq_hz":[-24000,24000],"repair":"replace"},
        {"type":"rect","time_s":[1.2,1.6],"freq_hz":[-8600,-7400],"repair":"auto"}]}"#;
    let list = EditList::from_json(json).unwrap();
    let source: Arc<dyn SampleSource> = Arc::new(MemorySource {
        sample_rate: fs,
        channels: vec![x.clone()],
    });
    let edited = Edited::prepare(source, &list.edits, Default::default(), params, &Progress::new()).unwrap();
    let Samples::Complex(mut y) = edited.render(0, n) else {
        panic!("IQ renders complex")
    };
    let y = y.swap_remove(0);
    // The box's bed is noise: better than silence (0 dB) is what a fill can promise there.
    for (time_s, freq_hz, need) in [
        ([0.8, 0.85], [-24000.0, 24000.0], 6.0),
        ([1.2, 1.6], [-8600.0, -7400.0], 0.0),
    ] {
        let before = region_snr_db(&clean, &x, fs, params, time_s, freq_hz);
        let after = region_snr_db(&clean, &y, fs, params, time_s, freq_hz);
        assert!(
            after > need && after > before + 20.0,
            "{time_s:?} {freq_hz:?}: {before:.2} -> {after:.2} dB"
        );
    }
    // The positive-frequency carrier under the box's time span is untouched (the box is
    // one-sided): its level stays within 0.1 dB.
    let level = |v: &[Complex32]| {
        common::energy(
            &v[tone_at..tone_at + 8000]
                .iter()
                .map(|z| z.re)
                .collect::<Vec<_>>(),
        )
    };
    assert!(level(&y) > 0.0 && (10.0 * (level(&y) / level(&clean)).log10()).abs() < 0.2);
    assert!(y[..(0.6 * fs) as usize] == x[..(0.6 * fs) as usize]);
}

#[test]
fn repair_through_spectro_apply() {
    let dir = tempfile::tempdir().unwrap();
    let clean = music();
    let mut x = clean.clone();
    for ch in &mut x {
        add_at(ch, &knock(MUSIC_HZ, 0.08, 0.5, 11), 3.3, MUSIC_HZ);
    }
    let input = dir.path().join("knocked.wav");
    let spec = hound::WavSpec {
        channels: 2,
        sample_rate: 44_100,
        bits_per_sample: 32,
        sample_format: hound::SampleFormat::Float,
    };
    let interleaved: Vec<f64> = x[0]
        .iter()
        .zip(&x[1])
        .flat_map(|(&l, &r)| [l as f64, r as f64])
        .collect();
    common::write_wav_hound(&input, spec, &interleaved);
    let edits = dir.path().join("repair.json");
    std::fs::write(
        &edits,
        r#"{"version":1,"edits":[{"type":"lasso","points":[[3.3,0],[3.38,0],[3.38,22050],[3.3,22050]],"repair":"auto","strength":1}]}"#,
    )
    .unwrap();
    let out = dir.path().join("repaired.wav");
    let o = spectro(&[
        "apply",
        input.to_str().unwrap(),
        "--edits",
        edits.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--quiet",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let rec = spectro::io::Recording::open(&out, Default::default()).unwrap();
    for c in 0..2 {
        let mut y = vec![0.0f32; x[c].len()];
        rec.read_real(c, 0, &mut y);
        let snr = region_snr_db(
            &clean[c],
            &y,
            MUSIC_HZ,
            music_params(),
            [3.3, 3.38],
            [0.0, 22050.0],
        );
        assert!(snr > 5.0, "channel {c}: {snr:.2} dB");
        let far = (2.0 * MUSIC_HZ) as usize;
        assert!(y[..far].iter().zip(&x[c]).all(|(a, b)| (a - b).abs() < 1e-6));
    }
}

/// Prints what auto chooses and the pattern match on the committed material and, when present,
/// real music (`../shared/data/audio/blupi_music000_30s.wav`, measuring only): how the auto
/// rule's threshold was set. `cargo test --test suite repair:: -- --ignored --nocapture`.
#[test]
#[ignore]
fn auto_rule_diagnostics() {
    use spectro::pipeline::paint::paint_layer;
    let report = |x: Vec<f32>, fs: f64, params: StftParams, time_s: [f64; 2], label: &str| {
        let json = rect_list(params, time_s, [0.0, fs / 2.0], "auto", 1.0);
        let list = EditList::from_json(&json).unwrap();
        let source = MemorySource {
            sample_rate: fs,
            channels: vec![x],
        };
        let stft = Stft::<f32>::new(params, Convention::Scipy).unwrap();
        let layer = paint_layer(&source, &stft, &list.edits, Default::default(), &Progress::new()).unwrap();
        for r in &layer.repairs {
            println!(
                "{label}: {:?}, ratio {:?}",
                r.mode,
                r.pattern.as_ref().map(|m| (m.distance_ratio(), m.offset_frames))
            );
        }
    };
    let m = music().swap_remove(0);
    for t in [1.3, 3.3, 5.1, 6.4, 8.5] {
        report(
            m.clone(),
            MUSIC_HZ,
            music_params(),
            [t, t + 0.25],
            &format!("fixture music {t}"),
        );
    }
    let s = speech();
    for t in [0.8, 1.5, 2.5] {
        report(
            s.clone(),
            SPEECH_HZ,
            speech_params(),
            [t, t + 0.25],
            &format!("speech {t}"),
        );
        let mut y = s.clone();
        add_at(&mut y, &cough(SPEECH_HZ, 0.25, 0.15, 12), t, SPEECH_HZ);
        let case = Case {
            name: "speech",
            clean: s.clone(),
            corrupted: y,
            fs: SPEECH_HZ,
            params: speech_params(),
            time_s: [t, t + 0.25],
            freq_hz: [0.0, SPEECH_HZ / 2.0],
        };
        let snr = |m: &str| {
            region_snr_db(
                &case.clean,
                &repaired(&case, m, 1.0),
                SPEECH_HZ,
                case.params,
                case.time_s,
                case.freq_hz,
            )
        };
        println!(
            "speech {t} cough: replace {:.2}, pattern {:.2}",
            snr("replace"),
            snr("pattern")
        );
    }
    let real = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/data/audio/blupi_music000_30s.wav");
    if let Ok(rec) = spectro::io::Recording::open(&real, Default::default()) {
        let fs = rec.sample_rate();
        let mut x = vec![0.0f32; rec.len() as usize];
        rec.read_real(0, 0, &mut x);
        for t in [4.0, 9.7, 15.2, 21.0, 26.5] {
            report(
                x.clone(),
                fs,
                StftParams::with_fft(2048),
                [t, t + 0.25],
                &format!("real music {t}"),
            );
            let mut y = x.clone();
            add_at(&mut y, &cough(fs, 0.25, 0.15, 12), t, fs);
            let case = Case {
                name: "real",
                clean: x.clone(),
                corrupted: y,
                fs,
                params: StftParams::with_fft(2048),
                time_s: [t, t + 0.25],
                freq_hz: [0.0, fs / 2.0],
            };
            let snr = |m: &str| {
                region_snr_db(
                    &case.clean,
                    &repaired(&case, m, 1.0),
                    fs,
                    case.params,
                    case.time_s,
                    case.freq_hz,
                )
            };
            println!(
                "real music {t} cough: replace {:.2}, pattern {:.2}",
                snr("replace"),
                snr("pattern")
            );
            let mut y = x.clone();
            add_at(&mut y, &knock(fs, 0.08, 0.5, 11), t, fs);
            let case = Case {
                name: "real knock",
                clean: x.clone(),
                corrupted: y,
                fs,
                params: StftParams::with_fft(2048),
                time_s: [t, t + 0.08],
                freq_hz: [0.0, fs / 2.0],
            };
            let snr = |m: &str| {
                region_snr_db(
                    &case.clean,
                    &repaired(&case, m, 1.0),
                    fs,
                    case.params,
                    case.time_s,
                    case.freq_hz,
                )
            };
            println!(
                "real music {t} knock: replace {:.2}, pattern {:.2}",
                snr("replace"),
                snr("pattern")
            );
        }
    }
}
