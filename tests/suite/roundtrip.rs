//! With no edit, analysis then synthesis returns the input: within 1e-6 of full scale for real
//! and complex signals and every window (README.md's bound; worst measured 5.4e-7, the 1000/500
//! Blackman case), and sample-identical for 16-bit files.

use crate::common;

use common::{Rng, data};
use spectro::io::{OpenOptions, Recording};
use spectro::signal::{Complex32, Convention, SampleSource, Stft, StftParams, WindowKind};

/// README.md: the inverse reproduces `x` "to within 1e-6 of full scale".
const TOLERANCE: f32 = 1e-6;

fn check_real(params: StftParams, convention: Convention, len: usize) {
    let mut rng = Rng(params.fft_len as u64 * 7919 + len as u64);
    let x: Vec<f32> = (0..len).map(|_| rng.uniform()).collect();
    let stft = Stft::<f32>::new(params, convention).unwrap();
    let y = stft.istft(&stft.stft(&x), len);
    let err = x.iter().zip(&y).map(|(a, b)| (a - b).abs()).fold(0.0, f32::max);
    eprintln!("{params:?} {convention:?}: {err:.2e}");
    assert!(err < TOLERANCE, "{params:?} {convention:?}: max error {err:e}");
}

#[test]
fn real_round_trip_is_exact_for_every_window_and_odd_sizes() {
    for window in WindowKind::ALL {
        for (fft_len, hop) in [(16, 4), (255, 64), (1024, 256), (2048, 512), (1000, 500)] {
            let p = StftParams { fft_len, hop, window };
            check_real(p, Convention::Scipy, 10_007);
            check_real(p, Convention::Librosa, 10_007);
        }
    }
}

#[test]
fn long_non_power_of_two_windows_round_trip() {
    // 20 ms at 2 MS/s: the case the issue names.
    let p = StftParams {
        fft_len: 40_000,
        hop: 10_000,
        window: WindowKind::Hann,
    };
    check_real(p, Convention::Scipy, 200_001);
    let stft = Stft::<Complex32>::new(p, Convention::Scipy).unwrap();
    let mut rng = Rng(99);
    let x: Vec<Complex32> = (0..150_000)
        .map(|_| Complex32::new(rng.uniform(), rng.uniform()))
        .collect();
    let y = stft.istft(&stft.stft(&x), x.len());
    let err = x.iter().zip(&y).map(|(a, b)| (a - b).norm()).fold(0.0, f32::max);
    eprintln!("complex 40000: {err:.2e}");
    assert!(err < TOLERANCE, "complex 40000: {err:e}");
}

#[test]
fn complex_round_trip_is_exact() {
    for window in [WindowKind::Hann, WindowKind::Blackman, WindowKind::SqrtHann] {
        let p = StftParams {
            fft_len: 512,
            hop: 128,
            window,
        };
        let stft = Stft::<Complex32>::new(p, Convention::Scipy).unwrap();
        let mut rng = Rng(5);
        let x: Vec<Complex32> = (0..20_000)
            .map(|_| Complex32::new(rng.uniform(), rng.uniform()))
            .collect();
        let y = stft.istft(&stft.stft(&x), x.len());
        let err = x.iter().zip(&y).map(|(a, b)| (a - b).norm()).fold(0.0, f32::max);
        eprintln!("complex {window}: {err:.2e}");
        assert!(err < TOLERANCE, "{window}: {err:e}");
    }
}

#[test]
fn sixteen_bit_recording_through_stft_and_back_is_sample_identical() {
    let rec = Recording::open(data("sat_ao73.wav"), OpenOptions::default()).unwrap();
    let mut x = vec![0.0f32; rec.len() as usize];
    rec.read_real(0, 0, &mut x);
    let stft = Stft::<f32>::new(StftParams::default(), Convention::Scipy).unwrap();
    let y = stft.istft(&stft.stft(&x), x.len());
    let q = |v: f32| (v * 32768.0).round() as i32;
    let differing = x.iter().zip(&y).filter(|(a, b)| q(**a) != q(**b)).count();
    assert_eq!(differing, 0, "{differing} of {} samples changed", x.len());
}

#[test]
fn apply_with_an_edit_outside_the_file_writes_identical_samples() {
    // A real edit that misses the recording entirely (after its end) must not change a sample.
    let dir = tempfile::tempdir().unwrap();
    let edits = dir.path().join("e.json");
    std::fs::write(
        &edits,
        r#"{"version":1,"edits":[{"type":"rect","time_s":[100,101],"freq_hz":[0,5000],"gain_db":-100}]}"#,
    )
    .unwrap();
    let out = dir.path().join("out.wav");
    let input = data("ft8lib_20m_busy_test_01.wav");
    let o = common::spectro(&[
        "apply",
        input.to_str().unwrap(),
        "--edits",
        edits.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", common::stderr(&o));
    let a: Vec<i16> = hound::WavReader::open(&input)
        .unwrap()
        .samples()
        .map(|s| s.unwrap())
        .collect();
    let b: Vec<i16> = hound::WavReader::open(&out)
        .unwrap()
        .samples()
        .map(|s| s.unwrap())
        .collect();
    assert_eq!(a, b);
}
