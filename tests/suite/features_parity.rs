//! Frame features against librosa (tests/data/gen_features_reference.py): MFCCs, spectral
//! centroid, bandwidth, flatness and roll-off, plus Spectro's band powers and frame level
//! re-implemented in numpy, on a synthetic signal, two real recordings and an IQ capture.
//!
//! Metric, per feature (and per MFCC coefficient): max over frames of |ours − librosa|,
//! divided by max over frames of |librosa|. The requirement is 1e-3; asserted are the bounds
//! README.md states: 3e-6 for librosa's features (worst measured 2.5e-6, an MFCC of the FT8
//! recording), 5e-5 for Spectro's own band powers and frame level against their numpy
//! re-implementation (worst 3.0e-5, a band of sat_ao73). The measured values are printed
//! (`cargo test --test suite features_parity:: -- --nocapture`).
//! Roll-off is a bin frequency: a float rounding difference at the 85 % crossing would move
//! it by one bin, so it is compared within one bin, and 99 % of frames must agree exactly
//! (all do today).

use crate::common;

use std::path::PathBuf;

use serde_json::Value;
use spectro::edit::EditList;
use spectro::features::{FeatureOptions, Features, extract_features};
use spectro::io::{OpenOptions, Recording};
use spectro::signal::{MemorySource, Progress, SampleSource, StftParams, WindowKind};

/// README.md: librosa's spectral statistics and MFCCs "within 3e-6 relative".
const LIBROSA_TOLERANCE: f64 = 3e-6;

/// README.md: band powers and frame level "within 5e-5 relative" of the numpy re-implementation
/// (sums of many f32 powers, where librosa's features are ratios of such sums).
const OWN_TOLERANCE: f64 = 5e-5;

fn reference_dir() -> PathBuf {
    common::data("features_reference")
}

fn read_f32(name: &str) -> Vec<f32> {
    let bytes = std::fs::read(reference_dir().join(name)).unwrap();
    bytes
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect()
}

/// max |a − b| / max |b|.
fn relative_error(ours: &[f32], reference: &[f32]) -> f64 {
    assert_eq!(ours.len(), reference.len(), "length mismatch");
    let peak = reference.iter().map(|&v| v.abs() as f64).fold(0.0, f64::max);
    let err = ours
        .iter()
        .zip(reference)
        .map(|(&a, &b)| (a as f64 - b as f64).abs())
        .fold(0.0, f64::max);
    err / peak
}

/// Column `col` of a frame-major table with `width` columns.
fn column(table: &[f32], width: usize, col: usize) -> Vec<f32> {
    table.iter().skip(col).step_by(width).copied().collect()
}

fn features_of(case: &Value) -> Features {
    let fs = case["sample_rate"].as_f64().unwrap();
    let stft = StftParams {
        fft_len: case["fft"].as_u64().unwrap() as usize,
        hop: case["hop"].as_u64().unwrap() as usize,
        window: WindowKind::from_name(case["window"].as_str().unwrap()).unwrap(),
    };
    let options = FeatureOptions {
        stft,
        bands: case["bands"].as_u64().unwrap() as usize,
        bursts: None,
        ..FeatureOptions::default()
    };
    let source: Box<dyn SampleSource> = match (case["signal"].as_str(), case["source"].as_str()) {
        (Some(signal), _) => Box::new(MemorySource {
            sample_rate: fs,
            channels: vec![read_f32(signal)],
        }),
        (None, Some(file)) => Box::new(
            Recording::open(
                common::data(file),
                OpenOptions {
                    iq: false,
                    sample_rate: file.ends_with(".cu8").then_some(fs),
                },
            )
            .unwrap(),
        ),
        _ => panic!("case without input"),
    };
    extract_features(
        &std::sync::Arc::from(source),
        &EditList::default(),
        StftParams::default(),
        &options,
        &Progress::new(),
    )
    .unwrap()
}

/// Compares one case; returns the worst relative error of each feature.
fn check_case(case: &Value) -> Vec<(String, f64)> {
    let name = case["name"].as_str().unwrap();
    let features = features_of(case);
    let f = &features.frames;
    let frames = case["frames"].as_u64().unwrap() as usize;
    assert_eq!(f.len(), frames, "{name}: frame count");
    assert_eq!(features.complex, case["complex"].as_bool().unwrap());
    let mut report = Vec::new();
    let mut check = |feature: &str, ours: &[f32], reference: &[f32]| {
        let e = relative_error(ours, reference);
        let own = feature == "level_db" || feature.starts_with("band_");
        let tolerance = if own { OWN_TOLERANCE } else { LIBROSA_TOLERANCE };
        assert!(e < tolerance, "{name}: {feature} relative error {e:e}");
        report.push((feature.to_owned(), e));
    };
    check(
        "centroid_hz",
        &f.centroid_hz,
        &read_f32(case["centroid_hz"].as_str().unwrap()),
    );
    check(
        "bandwidth_hz",
        &f.bandwidth_hz,
        &read_f32(case["bandwidth_hz"].as_str().unwrap()),
    );
    check(
        "flatness",
        &f.flatness,
        &read_f32(case["flatness"].as_str().unwrap()),
    );
    check(
        "level_db",
        &f.level_db,
        &read_f32(case["level_db"].as_str().unwrap()),
    );
    let bands = case["bands"].as_u64().unwrap() as usize;
    assert_eq!(f.n_bands, bands);
    let ref_bands = read_f32(case["bands_db"].as_str().unwrap());
    for b in 0..bands {
        check(
            &format!("band_{b}_db"),
            &column(&f.bands_db, bands, b),
            &column(&ref_bands, bands, b),
        );
    }
    let n_mfcc = case["n_mfcc"].as_u64().unwrap() as usize;
    assert_eq!(f.n_mfcc, n_mfcc, "{name}: MFCC count");
    if n_mfcc > 0 {
        let ref_mfcc = read_f32(case["mfcc"].as_str().unwrap());
        for k in 0..n_mfcc {
            check(
                &format!("mfcc_{k}"),
                &column(&f.mfcc, n_mfcc, k),
                &column(&ref_mfcc, n_mfcc, k),
            );
        }
    }

    // Roll-off: within one bin everywhere, exactly equal almost everywhere.
    let bin_hz = features.sample_rate / case["fft"].as_f64().unwrap();
    let ref_rolloff = read_f32(case["rolloff_hz"].as_str().unwrap());
    let mut exact = 0;
    for (k, (&a, &b)) in f.rolloff_hz.iter().zip(&ref_rolloff).enumerate() {
        let d = (a as f64 - b as f64).abs();
        assert!(d <= bin_hz * 1.001, "{name}: roll-off of frame {k}: {a} vs {b}");
        exact += usize::from(d <= 1e-6 * bin_hz.max(b.abs() as f64));
    }
    assert!(
        exact * 100 >= frames * 99,
        "{name}: roll-off equal in only {exact} of {frames} frames"
    );
    report.push((
        "rolloff_hz frames off by one bin".to_owned(),
        (frames - exact) as f64,
    ));
    report
}

#[test]
fn frame_features_match_librosa() {
    let manifest: Value =
        serde_json::from_str(&std::fs::read_to_string(reference_dir().join("manifest.json")).unwrap())
            .unwrap();
    let cases = manifest["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 5);
    let mut kinds = std::collections::BTreeSet::new();
    for case in cases {
        let report = check_case(case);
        let name = case["name"].as_str().unwrap();
        let mfcc_worst = report
            .iter()
            .filter(|(f, _)| f.starts_with("mfcc_"))
            .map(|(_, e)| *e)
            .fold(None, |m: Option<f64>, e| Some(m.map_or(e, |m| m.max(e))));
        let band_worst = report
            .iter()
            .filter(|(f, _)| f.starts_with("band_"))
            .map(|(_, e)| *e)
            .fold(0.0, f64::max);
        eprintln!("{name}:");
        for (feature, e) in report
            .iter()
            .filter(|(f, _)| !f.starts_with("mfcc_") && !f.starts_with("band_"))
        {
            eprintln!("  {feature}: {e:.2e}");
        }
        eprintln!("  band_*_db (worst band): {band_worst:.2e}");
        if let Some(m) = mfcc_worst {
            eprintln!("  mfcc_* (worst coefficient): {m:.2e}");
        }
        kinds.insert(case["complex"].as_bool().unwrap());
    }
    assert_eq!(kinds.len(), 2, "both real and IQ cases must run");
}
