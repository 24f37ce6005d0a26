//! De-click (issue 14) on committed real recordings: music rendered from a MIDI score
//! (tests/data/declick_music.wav) and CMU ARCTIC speech, with 50 synthetic clicks of
//! 0.2–2 ms added at seeded random times, and the music with 10 pops of 5–25 ms (longer
//! events, repaired spectrally).
//!
//! The references are independent of the detector: the clean recording itself (SNR), and
//! Janssen interpolation given the true click positions (the ceiling a detector approaches).

use crate::common;

use std::ops::Range;
use std::time::Instant;

use common::{Rng, data};
use spectro::pipeline::declick::{BLOCK_S, declick_channel};
use spectro::pipeline::paint::ChannelDelta;
use spectro::signal::declick::{Click, JanssenScratch, janssen_fill};
use spectro::signal::{Complex32, MemorySource, Progress, SampleSource};

/// The channels of a WAV file, as f32 in [-1, 1), and its sample rate (read with hound).
fn read_wav(name: &str) -> (Vec<Vec<f32>>, f64) {
    let mut r = hound::WavReader::open(data(name)).expect("fixture opens");
    let spec = r.spec();
    let ch = spec.channels as usize;
    let samples: Vec<i16> = r.samples::<i16>().map(|s| s.expect("sample")).collect();
    let mut out = vec![Vec::with_capacity(samples.len() / ch); ch];
    for (i, s) in samples.iter().enumerate() {
        out[i % ch].push(*s as f32 / 32768.0);
    }
    (out, spec.sample_rate as f64)
}

/// A synthetic click: start, length, and the samples added.
struct TrueClick {
    start: usize,
    samples: Vec<f32>,
}

/// `count` sorted start samples drawn uniformly from `[edge, len - edge)` with `u`, each more
/// than `spacing` from the others.
fn spaced_starts(
    u: &mut impl FnMut() -> f64,
    len: usize,
    edge: usize,
    spacing: usize,
    count: usize,
) -> Vec<usize> {
    let mut starts: Vec<usize> = Vec::new();
    while starts.len() < count {
        let s = edge + (u() * (len - 2 * edge) as f64) as usize;
        if starts.iter().all(|&t| s.abs_diff(t) > spacing) {
            starts.push(s);
        }
    }
    starts.sort_unstable();
    starts
}

/// `count` clicks of 0.2–2 ms on a recording of `len` samples: sharp onsets with random
/// polarity, peak 3–13 times the recording's RMS (input SNR near the 12 dB of repair.md's
/// measurement), of three shapes (a decaying spike, a ringing
/// spike at 2–8 kHz, a noise burst), at least 10 ms apart. The same construction as
/// benches/compare_declick.py.
fn make_clicks(len: usize, fs: f64, count: usize, rms: f64, seed: u64) -> Vec<TrueClick> {
    let mut rng = Rng(seed);
    let mut u = move || (rng.uniform() as f64 + 1.0) / 2.0; // [0, 1)
    let (edge, spacing) = ((0.05 * fs) as usize, (0.01 * fs) as usize);
    spaced_starts(&mut u, len, edge, spacing, count)
        .into_iter()
        .map(|start| {
            let l = ((0.2e-3 + u() * 1.8e-3) * fs).round().max(2.0) as usize;
            let shape = (u() * 3.0) as usize;
            let sign = if u() < 0.5 { -1.0 } else { 1.0 };
            let amp = sign * rms * (3.0 + 10.0 * u());
            let ring_hz = 2000.0 + 6000.0 * u();
            let samples = (0..l)
                .map(|t| {
                    let x = t as f64 / l as f64;
                    let w = match shape {
                        0 => (-5.0 * x).exp(),
                        1 => (-4.0 * x).exp() * (std::f64::consts::TAU * ring_hz * t as f64 / fs).cos(),
                        _ => 2.0 * u() - 1.0,
                    };
                    (amp * w) as f32
                })
                .collect();
            TrueClick { start, samples }
        })
        .collect()
}

/// `count` pops of 5–25 ms on a recording of `len` samples: decaying broadband bursts
/// (uniform noise under an exp(−4 t/L) envelope, peak 3–10 times the recording's RMS), at
/// least 200 ms apart. The same construction as benches/compare_declick.py.
fn make_pops(len: usize, fs: f64, count: usize, rms: f64, seed: u64) -> Vec<TrueClick> {
    let mut rng = Rng(seed);
    let mut u = move || (rng.uniform() as f64 + 1.0) / 2.0; // [0, 1)
    let (edge, spacing) = ((0.1 * fs) as usize, (0.2 * fs) as usize);
    spaced_starts(&mut u, len, edge, spacing, count)
        .into_iter()
        .map(|start| {
            let l = ((0.005 + 0.02 * u()) * fs).round() as usize;
            let amp = rms * (3.0 + 7.0 * u());
            let samples = (0..l)
                .map(|t| (amp * (-4.0 * t as f64 / l as f64).exp() * (2.0 * u() - 1.0)) as f32)
                .collect();
            TrueClick { start, samples }
        })
        .collect()
}

fn add_clicks(x: &[f32], clicks: &[TrueClick]) -> Vec<f32> {
    let mut y = x.to_vec();
    for c in clicks {
        for (i, v) in c.samples.iter().enumerate() {
            y[c.start + i] += v;
        }
    }
    y
}

fn rms(x: &[f32]) -> f64 {
    (x.iter().map(|&v| (v as f64).powi(2)).sum::<f64>() / x.len() as f64).sqrt()
}

fn snr_db(clean: &[f32], x: &[f32]) -> f64 {
    let s: f64 = clean.iter().map(|&v| (v as f64).powi(2)).sum();
    let e: f64 = clean
        .iter()
        .zip(x)
        .map(|(&c, &v)| (c as f64 - v as f64).powi(2))
        .sum();
    10.0 * (s / e.max(1e-30)).log10()
}

fn apply(x: &[f32], deltas: &[ChannelDelta<f32>]) -> Vec<f32> {
    let mut y = x.to_vec();
    for d in deltas {
        for (i, v) in d.delta.iter().enumerate() {
            y[(d.start as usize) + i] += v;
        }
    }
    y
}

/// Janssen interpolation over the true click positions (the peer with perfect detection).
fn janssen_true(x: &[f32], clicks: &[TrueClick]) -> Vec<f32> {
    let mut y: Vec<f64> = x.iter().map(|&v| v as f64).collect();
    let mut scratch = JanssenScratch::default();
    for c in clicks {
        janssen_fill(&mut y, c.start..c.start + c.samples.len(), &mut scratch);
    }
    y.into_iter().map(|v| v as f32).collect()
}

fn declick_mono(x: &[f32], fs: f64, span: Range<i64>) -> (Vec<f32>, Vec<Click>) {
    let source = MemorySource {
        sample_rate: fs,
        channels: vec![x.to_vec()],
    };
    let (deltas, clicks) =
        declick_channel::<f32>(&source, 0, span, 1.0, &Progress::new()).expect("not cancelled");
    assert_eq!(deltas.len(), clicks.len());
    (apply(x, &deltas), clicks)
}

/// Clicks found that overlap a true click, and true clicks overlapped by one found.
fn matches(found: &[Click], truth: &[TrueClick]) -> (usize, usize) {
    let overlaps = |f: &Click, t: &TrueClick| {
        let (fs, fe) = (f.start_sample, f.start_sample + f.len_samples as i64);
        let (ts, te) = (t.start as i64, (t.start + t.samples.len()) as i64);
        fs < te && ts < fe
    };
    let true_found = found
        .iter()
        .filter(|f| truth.iter().any(|t| overlaps(f, t)))
        .count();
    let recalled = truth
        .iter()
        .filter(|t| found.iter().any(|f| overlaps(f, t)))
        .count();
    (true_found, recalled)
}

struct Figures {
    input_db: f64,
    output_db: f64,
    janssen_db: f64,
    precision: f64,
    recall: f64,
    found: usize,
}

fn run_clicked(clean: &[f32], fs: f64, seed: u64) -> Figures {
    let truth = make_clicks(clean.len(), fs, 50, rms(clean), seed);
    let clicked = add_clicks(clean, &truth);
    let (out, found) = declick_mono(&clicked, fs, 0..clean.len() as i64);
    let (true_found, recalled) = matches(&found, &truth);
    let f = Figures {
        input_db: snr_db(clean, &clicked),
        output_db: snr_db(clean, &out),
        janssen_db: snr_db(clean, &janssen_true(&clicked, &truth)),
        precision: true_found as f64 / found.len().max(1) as f64,
        recall: recalled as f64 / truth.len() as f64,
        found: found.len(),
    };
    println!(
        "seed {seed}: input {:.1} dB, declick {:.1} dB, Janssen at true positions {:.1} dB, \
         found {} (precision {:.2}, recall {:.2})",
        f.input_db, f.output_db, f.janssen_db, f.found, f.precision, f.recall
    );
    f
}

/// Largest gap (dB) to Janssen at the true positions held on speech (measured 7.0 and 2.8 dB
/// on seeds 3 and 4).
const SPEECH_GAP_DB: f64 = 8.0;
/// How far (dB) the spectral repair of pops must beat Janssen at the true positions
/// (measured 2.1 and 3.8 dB above it).
const POPS_OVER_JANSSEN_DB: f64 = 1.0;

fn assert_figures(f: &Figures, what: &str) {
    assert!(
        f.output_db >= f.input_db + 10.0,
        "{what}: {:.1} dB out vs {:.1} dB in",
        f.output_db,
        f.input_db
    );
    assert!(
        f.output_db >= f.janssen_db - 4.0,
        "{what}: {:.1} dB vs Janssen at the true positions {:.1} dB",
        f.output_db,
        f.janssen_db
    );
    assert!(f.recall >= 0.9, "{what}: recall {:.2}", f.recall);
    assert!(f.precision >= 0.8, "{what}: precision {:.2}", f.precision);
}

#[test]
fn music_with_50_clicks_is_repaired_near_the_true_position_ceiling() {
    let (music, fs) = read_wav("declick_music.wav");
    assert_eq!(fs, 44_100.0);
    for (c, seed) in [(0usize, 1u64), (1, 2)] {
        let f = run_clicked(&music[c], fs, seed);
        assert_figures(&f, &format!("music channel {c}"));
    }
}

#[test]
fn speech_with_50_clicks_is_repaired_and_glottal_pulses_are_left_alone() {
    let (speech, fs) = read_wav("arctic_a0007.wav");
    for seed in [3u64, 4] {
        let f = run_clicked(&speech[0], fs, seed);
        assert!(
            f.output_db >= f.input_db + 10.0,
            "speech: {:.1} dB out vs {:.1} dB in",
            f.output_db,
            f.input_db
        );
        // The 4 dB is for music; on speech the gap to Janssen at the true positions
        // was 11.6 dB before glottal pulses were told from clicks (BENCHMARKS.md).
        assert!(
            f.output_db >= f.janssen_db - SPEECH_GAP_DB,
            "speech: {:.1} dB vs Janssen at the true positions {:.1} dB",
            f.output_db,
            f.janssen_db
        );
        assert!(f.recall >= 0.9, "speech: recall {:.2}", f.recall);
        assert!(f.precision >= 0.8, "speech: precision {:.2}", f.precision);
    }
}

#[test]
fn click_free_recordings_come_back_unchanged() {
    let (music, fs) = read_wav("declick_music.wav");
    let (speech, speech_fs) = read_wav("arctic_a0007.wav");
    for (name, x, fs) in [
        ("music left", &music[0], fs),
        ("music right", &music[1], fs),
        ("speech", &speech[0], speech_fs),
    ] {
        let (out, found) = declick_mono(x, fs, 0..x.len() as i64);
        let snr = snr_db(x, &out);
        println!("{name}: {} false detections, SNR {snr:.1} dB", found.len());
        // 40 dB is the figure, for speech too now that glottal pulses and the starts
        // of voicing are left alone.
        assert!(snr >= 40.0, "{name}: {snr:.1} dB ({} detections)", found.len());
    }
}

#[test]
fn pops_of_5_to_25_ms_are_found_and_repaired_spectrally() {
    let (music, fs) = read_wav("declick_music.wav");
    for (c, seed) in [(0usize, 7u64), (1, 8)] {
        let clean = &music[c];
        let truth = make_pops(clean.len(), fs, 10, rms(clean), seed);
        let popped = add_clicks(clean, &truth);
        let (out, found) = declick_mono(&popped, fs, 0..clean.len() as i64);
        let (_, recalled) = matches(&found, &truth);
        let input_db = snr_db(clean, &popped);
        let output_db = snr_db(clean, &out);
        let janssen_db = snr_db(clean, &janssen_true(&popped, &truth));
        let longest_ms = found.iter().map(|k| k.len_samples).max().unwrap_or(0) as f64 / fs * 1e3;
        println!(
            "pops, channel {c}: input {input_db:.1} dB, declick {output_db:.1} dB, Janssen at the true \
             positions {janssen_db:.1} dB, found {} (recalled {recalled} of 10, longest {longest_ms:.1} ms)",
            found.len()
        );
        assert_eq!(recalled, 10, "channel {c}: {found:?}");
        assert!(
            output_db >= input_db + 6.0,
            "channel {c}: {input_db:.1} -> {output_db:.1} dB"
        );
        assert!(
            output_db >= janssen_db + POPS_OVER_JANSSEN_DB,
            "channel {c}: {output_db:.1} dB vs Janssen at the true positions {janssen_db:.1} dB"
        );
        // Each pop is reported as one repair as long as the event (not cut into clicks).
        assert!(longest_ms >= 5.0, "longest repair {longest_ms:.1} ms");
    }
}

#[test]
fn only_the_span_is_touched() {
    let (music, fs) = read_wav("declick_music.wav");
    let clean = &music[0];
    let truth = make_clicks(clean.len(), fs, 50, rms(clean), 1);
    let clicked = add_clicks(clean, &truth);
    let span = (3.0 * fs) as i64..(6.0 * fs) as i64;
    let (out, found) = declick_mono(&clicked, fs, span.clone());
    assert!(!found.is_empty());
    for (i, (a, b)) in clicked.iter().zip(&out).enumerate() {
        if !span.contains(&(i as i64)) {
            assert_eq!(a, b, "sample {i} outside the span changed");
        }
    }
    // Inside the span, the same clicks as a whole-recording pass (blocks are independent).
    let (whole_out, whole) = declick_mono(&clicked, fs, 0..clicked.len() as i64);
    let inside: Vec<&Click> = whole
        .iter()
        .filter(|c| span.contains(&c.start_sample) && c.start_sample + (c.len_samples as i64) <= span.end)
        .collect();
    assert_eq!(found.len(), inside.len());
    let a = &out[span.start as usize..span.end as usize];
    let b = &whole_out[span.start as usize..span.end as usize];
    assert!(snr_db(b, a) > 60.0, "span vs whole: {:.1} dB", snr_db(b, a));
}

#[test]
fn iq_clicks_in_either_channel_are_found_and_both_repaired() {
    let (music, fs) = read_wav("declick_music.wav");
    let n = (4.0 * fs) as usize;
    let (i_clean, q_clean) = (&music[0][..n], &music[1][..n]);
    let truth = make_clicks(n, fs, 20, rms(i_clean), 5);
    // Odd clicks in I, even ones in Q.
    let (odd, even): (Vec<_>, Vec<_>) = truth.into_iter().enumerate().partition(|(k, _)| k % 2 == 1);
    let odd: Vec<TrueClick> = odd.into_iter().map(|(_, c)| c).collect();
    let even: Vec<TrueClick> = even.into_iter().map(|(_, c)| c).collect();
    let i_clicked = add_clicks(i_clean, &odd);
    let q_clicked = add_clicks(q_clean, &even);
    let iq: Vec<Complex32> = i_clicked
        .iter()
        .zip(&q_clicked)
        .map(|(&i, &q)| Complex32::new(i, q))
        .collect();
    let source = MemorySource {
        sample_rate: fs,
        channels: vec![iq.clone()],
    };
    assert!(source.is_complex());
    let (deltas, found) =
        declick_channel::<Complex32>(&source, 0, 0..n as i64, 1.0, &Progress::new()).expect("not cancelled");
    let mut out = iq;
    for d in &deltas {
        for (k, v) in d.delta.iter().enumerate() {
            out[d.start as usize + k] += v;
        }
    }
    let i_out: Vec<f32> = out.iter().map(|z| z.re).collect();
    let q_out: Vec<f32> = out.iter().map(|z| z.im).collect();
    let all: Vec<TrueClick> = odd.into_iter().chain(even).collect();
    let (_, recalled) = matches(&found, &all);
    let (i_in, i_after) = (snr_db(i_clean, &i_clicked), snr_db(i_clean, &i_out));
    let (q_in, q_after) = (snr_db(q_clean, &q_clicked), snr_db(q_clean, &q_out));
    println!(
        "IQ: found {} of 20 (recalled {recalled}); I {i_in:.1} -> {i_after:.1} dB, Q {q_in:.1} -> {q_after:.1} dB",
        found.len()
    );
    assert!(recalled >= 18, "recalled {recalled} of 20");
    assert!(i_after >= i_in + 8.0 && q_after >= q_in + 8.0);
}

#[test]
fn speed_is_reported() {
    // The release figure (at least 20x real time on 44.1 kHz stereo) is in BENCHMARKS.md;
    // here the test build's time is printed and bounded loosely.
    let (music, fs) = read_wav("declick_music.wav");
    let truth = make_clicks(music[0].len(), fs, 50, rms(&music[0]), 1);
    let channels: Vec<Vec<f32>> = music.iter().map(|c| add_clicks(c, &truth)).collect();
    let source = MemorySource {
        sample_rate: fs,
        channels,
    };
    let t = Instant::now();
    for c in 0..2 {
        declick_channel::<f32>(&source, c, 0..source.len() as i64, 1.0, &Progress::new())
            .expect("not cancelled");
    }
    let ratio = source.duration_s() / t.elapsed().as_secs_f64();
    println!("declick: {ratio:.1}x real time on 44.1 kHz stereo (test build)");
    assert!(ratio > 2.0, "{ratio:.1}x real time");
}

#[test]
fn cancelling_stops_the_work() {
    let (music, fs) = read_wav("declick_music.wav");
    let source = MemorySource {
        sample_rate: fs,
        channels: vec![music[0].clone()],
    };
    let progress = Progress::new();
    progress.cancel();
    assert!(declick_channel::<f32>(&source, 0, 0..source.len() as i64, 1.0, &progress).is_err());
}

#[test]
fn janssen_matches_the_numpy_peer() {
    // tests/data/janssen_reference.json: benches/janssen.py's fills of three gaps (9, 60 and
    // 110 samples), written by tests/data/gen_janssen_reference.py.
    let text = std::fs::read_to_string(data("janssen_reference.json")).expect("reference");
    let v: serde_json::Value = serde_json::from_str(&text).expect("json");
    let signal: Vec<f64> = v["signal"]
        .as_array()
        .expect("signal")
        .iter()
        .map(|s| s.as_f64().expect("number"))
        .collect();
    let mut scratch = JanssenScratch::default();
    for case in v["cases"].as_array().expect("cases") {
        let start = case["start"].as_u64().expect("start") as usize;
        let end = case["end"].as_u64().expect("end") as usize;
        let want: Vec<f64> = case["filled"]
            .as_array()
            .expect("filled")
            .iter()
            .map(|s| s.as_f64().expect("number"))
            .collect();
        let mut x = signal.clone();
        x[start..end].fill(0.0);
        janssen_fill(&mut x, start..end, &mut scratch);
        let err = (start..end)
            .map(|i| (x[i] - want[i - start]).abs())
            .fold(0.0, f64::max);
        let scale = want.iter().map(|w| w.abs()).fold(0.0, f64::max);
        assert!(err <= 1e-6 * scale, "gap {start}..{end}: max difference {err:e}");
        assert_eq!(x[..start], signal[..start]);
        assert_eq!(x[end..], signal[end..]);
    }
}

#[test]
fn a_click_across_a_block_boundary_is_repaired_whole() {
    // Blocks report on BLOCK_S (one second) each from the span's start: a 2 ms click
    // straddling 1 s must be found and filled as when the blocks start 300 samples later
    // (click inside one).
    let (music, fs) = read_wav("declick_music.wav");
    assert_eq!(BLOCK_S, 1.0, "the click below is placed for one-second blocks");
    let boundary = fs as usize;
    let clean = &music[0][..(3.0 * fs) as usize];
    let at = boundary - 40;
    let click: Vec<f32> = (0..88)
        .map(|t| (0.6 * (-4.0 * t as f64 / 88.0).exp()) as f32)
        .collect();
    let truth = [TrueClick {
        start: at,
        samples: click,
    }];
    let clicked = add_clicks(clean, &truth);
    let (across, found_across) = declick_mono(&clicked, fs, 0..clean.len() as i64);
    let (inside, found_inside) = declick_mono(&clicked, fs, 300..clean.len() as i64);
    assert_eq!(found_across.len(), 1, "{found_across:?}");
    assert_eq!(found_inside.len(), 1, "{found_inside:?}");
    let (a, b) = (found_across[0], found_inside[0]);
    assert!(
        a.start_sample <= at as i64 && a.start_sample + a.len_samples as i64 > boundary as i64,
        "{a:?}"
    );
    // The detector's hop grid moves with the blocks: the two find the click a few samples
    // apart, and a repair then grows by whole steps (EXTEND_STEP_S) while its joins stand
    // out, so they may differ by one step more.
    let step = (spectro::signal::declick::EXTEND_STEP_S * fs).round() as u64;
    assert!(
        a.start_sample.abs_diff(b.start_sample) <= 16 + step,
        "{a:?} vs {b:?}"
    );
    let window = at - 200..at + 300;
    let before = snr_db(&clean[window.clone()], &clicked[window.clone()]);
    // Both must repair it. This click's smooth decaying tail is predicted by the AR model, so
    // the detector finds its sharp start (40–75 samples of 88): measured +6.5 dB (inside) to
    // more (across); before the speech tests (issue 14's second pass) the tail's abrupt end
    // was merged in and both gained 10 dB (see the report in BENCHMARKS.md).
    for (name, out) in [("across", &across), ("inside", &inside)] {
        let after = snr_db(&clean[window.clone()], &out[window.clone()]);
        assert!(
            after >= before + 5.0,
            "{name}: {before:.1} -> {after:.1} dB ({a:?}, {b:?})"
        );
    }
}
