//! One edit list, holding painted energy, masks and a denoise step, through every consumer of
//! the edited recording: each must give the same samples (and pictures the same levels).
//!
//! - `spectro apply` and the window's File > Export (`export_edited`): the reference;
//! - `spectro extract` and Export selection (`extract_region`): the same samples over the
//!   region, once the band's keep-only mask is added to the list;
//! - the window's playback and waveform (`Edited::reader`, `Edited::stream`): the same samples;
//! - `spectro features --edits`: the features of the applied file;
//! - `spectro render --edits`: the picture of the edited recording, painted energy included,
//!   with the levels of the applied file's picture.

use crate::common;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use common::{Rng, data, spectro, stderr, write_wav_hound};
use spectro::edit::load_edit_list;
use spectro::io::{OpenOptions, Recording};
use spectro::pipeline::export::export_edited;
use spectro::pipeline::extract::{Region, extract_region};
use spectro::pipeline::render::Rendered;
use spectro::pipeline::{Blocks, Edited};
use spectro::signal::{Progress, SampleSource, StftParams};

const FS: u32 = 16_000;

/// 3 s of a 1 kHz tone (0.5–2.5 s) over white noise at about -45 dBFS, float32.
fn recording(dir: &Path) -> PathBuf {
    let mut rng = Rng(7);
    let n = 3 * FS as usize;
    let x: Vec<f64> = (0..n)
        .map(|i| {
            let t = i as f64 / FS as f64;
            let tone = if (0.5..2.5).contains(&t) {
                0.25 * (std::f64::consts::TAU * 1000.0 * t).sin()
            } else {
                0.0
            };
            tone + 0.01 * rng.uniform() as f64
        })
        .collect();
    let path = dir.join("take.wav");
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: FS,
        bits_per_sample: 32,
        sample_format: hound::SampleFormat::Float,
    };
    write_wav_hound(&path, spec, &x);
    path
}

const EDITS: &str = r#"{"version": 1, "stft": {"fft": 1024, "hop": 256},
  "edits": [
    {"type": "denoise", "learn_time_s": [0.0, 0.45], "learn_freq_hz": [0, 8000]},
    {"type": "rect", "time_s": [1.0, 1.5], "freq_hz": [900, 1100], "gain_db": -30},
    {"type": "paint", "points": [[1.8, 4000], [2.1, 4000], [2.4, 4000]], "radius_s": 0.02,
     "radius_hz": 30, "level_db": -20}
  ]}"#;

fn read_f32(path: &Path) -> Vec<f32> {
    let mut r = hound::WavReader::open(path).unwrap();
    assert_eq!(r.spec().sample_format, hound::SampleFormat::Float);
    r.samples::<f32>().map(Result::unwrap).collect()
}

fn run_ok(args: &[&str]) {
    let out = spectro(args);
    assert!(out.status.success(), "spectro {args:?}: {}", stderr(&out));
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

struct Setup {
    _dir: tempfile::TempDir,
    dir: PathBuf,
    input: PathBuf,
    edits: PathBuf,
    applied: Vec<f32>,
}

fn setup() -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().to_path_buf();
    let input = recording(&path);
    let edits = path.join("edits.json");
    std::fs::write(&edits, EDITS).unwrap();
    let applied_path = path.join("applied.wav");
    run_ok(&[
        "apply",
        s(&input),
        "--edits",
        s(&edits),
        "-o",
        s(&applied_path),
        "-q",
    ]);
    let applied = read_f32(&applied_path);
    Setup {
        _dir: dir,
        dir: path,
        input,
        edits,
        applied,
    }
}

fn params() -> StftParams {
    StftParams {
        fft_len: 1024,
        hop: 256,
        ..StftParams::default()
    }
}

/// The edits did all three things, so that agreement below means something: the tone is cut in
/// the rect, the painted tone is there, the noise is down.
#[test]
fn the_edit_list_paints_cuts_and_denoises() {
    let set = setup();
    let original = read_f32(&set.input);
    let fs = FS as f64;
    let amp = |x: &[f32], f: f64, t: [f64; 2]| {
        common::tone_amplitude(&x[(t[0] * fs) as usize..(t[1] * fs) as usize], f / fs)
    };
    let db = |a: f64, b: f64| 20.0 * (a / b).log10();
    // The rect takes 30 dB off the tone (within a few dB of feathering).
    let cut = db(
        amp(&set.applied, 1000.0, [1.1, 1.4]),
        amp(&original, 1000.0, [1.1, 1.4]),
    );
    let painted = amp(&set.applied, 4000.0, [1.9, 2.3]);
    assert!(cut < -25.0, "rect: {cut:.1} dB");
    // The painted 4 kHz tone is new energy, 30 dB above what was there.
    let before = amp(&original, 4000.0, [1.9, 2.3]);
    assert!(db(painted, before) > 30.0, "paint: {painted} over {before}");
    // The denoise step lowers the noise where only noise is.
    let quiet = |x: &[f32]| common::energy(&x[(2.6 * fs) as usize..(2.9 * fs) as usize]);
    let reduced = 10.0 * (quiet(&set.applied) / quiet(&original)).log10();
    assert!(reduced < -6.0, "denoise: {reduced:.1} dB");
}

#[test]
fn export_playback_and_waveform_render_the_same_samples_as_apply() {
    let set = setup();
    let rec = Arc::new(Recording::open(&set.input, OpenOptions::default()).unwrap());
    let list = load_edit_list(&set.edits).unwrap();
    // File > Export.
    let exported_path = set.dir.join("exported.wav");
    export_edited(
        &rec,
        &list,
        params(),
        &exported_path,
        None,
        &[s(&set.input).as_ref()],
        false,
        &Progress::new(),
    )
    .unwrap();
    assert_eq!(read_f32(&exported_path), set.applied, "File > Export");
    // Playback reads the edited recording by range, in small chunks.
    let base: Arc<dyn SampleSource> = rec.clone();
    let edited = Edited::prepare(
        base,
        &list.edits,
        list.phase.unwrap_or_default(),
        params(),
        &Progress::new(),
    )
    .unwrap();
    let reader = edited.reader(Rendered::Edited);
    let mut played = vec![0.0f32; set.applied.len()];
    for chunk in played.chunks_mut(441).enumerate() {
        let (i, out) = chunk;
        reader.read_real(0, (i * 441) as i64, out);
    }
    assert_eq!(played, set.applied, "playback");
    // What the edits remove reads as the unedited recording minus the edited one (the
    // painted energy counts as a change, as a repair's would).
    let removed = edited.reader(Rendered::Removed);
    let mut r = vec![0.0f32; set.applied.len()];
    removed.read_real(0, 0, &mut r);
    let original = read_f32(&set.input);
    for ((r, o), a) in r.iter().zip(&original).zip(&set.applied) {
        assert_eq!(*r, o - a);
    }
    // The waveform and every streamed output.
    let mut streamed = Vec::new();
    edited
        .stream(&Progress::new(), |start, blocks| {
            assert_eq!(start as usize, streamed.len());
            match blocks {
                Blocks::Real(b) => streamed.extend_from_slice(&b[0]),
                Blocks::Complex(_) => panic!("a real recording renders real blocks"),
            }
            Ok::<(), spectro::signal::Cancelled>(())
        })
        .unwrap();
    assert_eq!(streamed, set.applied, "stream");
}

#[test]
fn extract_renders_the_edited_recording_with_the_band_kept() {
    let set = setup();
    // The band 0..5 kHz between 0.5 and 2.5 s: extract applies the edits, then keeps the band
    // with a keep-only rect. The same rect added to the list and applied gives the reference.
    let mut keep_list: serde_json::Value = serde_json::from_str(EDITS).unwrap();
    keep_list["edits"].as_array_mut().unwrap().push(serde_json::json!(
        {"type": "rect", "time_s": [-1e8, 1e8], "freq_hz": [0, 5000], "gain_db": "-inf", "invert": true}
    ));
    let keep_path = set.dir.join("keep.json");
    std::fs::write(&keep_path, keep_list.to_string()).unwrap();
    let reference_path = set.dir.join("reference.wav");
    run_ok(&[
        "apply",
        s(&set.input),
        "--edits",
        s(&keep_path),
        "-o",
        s(&reference_path),
        "-q",
    ]);
    let reference = read_f32(&reference_path);
    let (start, end) = (8000usize, 40000usize);
    let extracted_path = set.dir.join("extracted.wav");
    run_ok(&[
        "extract",
        s(&set.input),
        "--edits",
        s(&set.edits),
        "--time",
        "0.5:2.5",
        "--freq",
        "0:5000",
        "-o",
        s(&extracted_path),
        "-q",
    ]);
    assert_eq!(
        read_f32(&extracted_path),
        reference[start..end],
        "spectro extract"
    );
    // The window's Export selection calls the same function.
    let rec = Arc::new(Recording::open(&set.input, OpenOptions::default()).unwrap());
    let list = load_edit_list(&set.edits).unwrap();
    let selection_path = set.dir.join("selection.wav");
    let region = Region {
        time_s: [0.5, 2.5],
        freq_hz: [0.0, 5000.0],
    };
    extract_region(
        &rec,
        &list,
        region,
        params(),
        &selection_path,
        None,
        &[],
        false,
        &Progress::new(),
    )
    .unwrap();
    assert_eq!(
        read_f32(&selection_path),
        reference[start..end],
        "Export selection"
    );
    // The painted tone (at 4 kHz, inside the band) is in the extract.
    let painted = common::tone_amplitude(&read_f32(&extracted_path)[22000..28000], 4000.0 / FS as f64);
    assert!(
        painted > 0.005,
        "painted energy missing from the extract: {painted}"
    );
}

#[test]
fn features_of_the_edited_recording_are_those_of_the_applied_file() {
    let set = setup();
    let applied_path = set.dir.join("applied.wav");
    let with_edits = set.dir.join("edited.csv");
    let of_file = set.dir.join("file.csv");
    run_ok(&[
        "features",
        s(&set.input),
        "--edits",
        s(&set.edits),
        "--no-bursts",
        "-o",
        s(&with_edits),
        "-q",
    ]);
    run_ok(&[
        "features",
        s(&applied_path),
        "--no-bursts",
        "-o",
        s(&of_file),
        "-q",
    ]);
    let a = std::fs::read_to_string(&with_edits).unwrap();
    let b = std::fs::read_to_string(&of_file).unwrap();
    assert!(a.lines().count() > 50);
    assert_eq!(
        a, b,
        "features --edits differ from the features of the applied file"
    );
}

/// Decodes a `render --gray16 --cells` picture into dB levels (rows top first).
fn picture_db(path: &Path) -> (usize, usize, Vec<f32>) {
    let picture = spectro::io::picture::read_png(path).unwrap();
    let meta = picture.meta().expect("metadata").unwrap();
    let (w, h) = (picture.width as usize, picture.height as usize);
    let codes = match &picture.pixels {
        spectro::io::picture::Pixels::Gray16(v) => v.clone(),
        _ => panic!("gray16 expected"),
    };
    let db = codes
        .iter()
        .map(|&c| meta.floor_db + (c as f32 / 65535.0) * (meta.ceiling_db - meta.floor_db))
        .collect();
    (w, h, db)
}

#[test]
fn render_edits_shows_the_edited_recording_painted_energy_included() {
    let set = setup();
    let applied_path = set.dir.join("applied.wav");
    let edited_png = set.dir.join("edited.png");
    let file_png = set.dir.join("file.png");
    let common_args = [
        "--cells",
        "--gray16",
        "--fft",
        "1024",
        "--hop",
        "256",
        "--range-db",
        "120",
        "--ceiling-db",
        "0",
    ];
    let mut a = vec![
        "render",
        s(&set.input),
        "--edits",
        s(&set.edits),
        "-o",
        s(&edited_png),
    ];
    a.extend(common_args);
    run_ok(&a);
    let mut b = vec!["render", s(&applied_path), "-o", s(&file_png)];
    b.extend(common_args);
    run_ok(&b);
    let (w, h, edited) = picture_db(&edited_png);
    let (w2, h2, file) = picture_db(&file_png);
    assert_eq!((w, h), (w2, h2));
    // The painted cells: 4 kHz (row from the top), 1.9–2.3 s.
    let row = ((8000.0 - 4000.0) / 8000.0 * (h - 1) as f64).round() as usize;
    let cols = (1.9 * FS as f64 / 256.0) as usize..(2.3 * FS as f64 / 256.0) as usize;
    for c in cols {
        let (e, f) = (edited[row * w + c], file[row * w + c]);
        assert!(
            f > -30.0,
            "the applied file has the painted tone at column {c}: {f} dB"
        );
        assert!(
            (e - f).abs() < 1.5,
            "column {c}: render --edits {e} dB, applied file {f} dB"
        );
    }
    // Everywhere, the masked spectrogram and the spectrogram of the masked signal agree closely.
    let mut diffs: Vec<f32> = edited.iter().zip(&file).map(|(a, b)| (a - b).abs()).collect();
    diffs.sort_by(f32::total_cmp);
    let median = diffs[diffs.len() / 2];
    assert!(median < 1.0, "median level difference {median} dB");
}

#[test]
fn the_committed_recordings_render_alike_in_apply_and_playback() {
    // A real recording and a complex IQ one, with a mask and a denoise step.
    for (name, edits) in [
        (
            "ft8lib_20m_busy_test_01.wav",
            r#"{"version": 1, "edits": [{"type": "rect", "time_s": [1, 3], "freq_hz": [700, 1500], "gain_db": "-inf"},
               {"type": "denoise", "estimate": "auto"}]}"#,
        ),
        (
            "dump1090_modes1_1090M_2000k_iq16.wav",
            r#"{"version": 1, "edits": [{"type": "rect", "time_s": [0.01, 0.1], "freq_hz": [-300000, 200000], "gain_db": -40},
               {"type": "paint", "points": [[0.05, 500000], [0.08, 500000]], "radius_s": 0.001, "radius_hz": 5000, "level_db": -20}]}"#,
        ),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let edits_path = dir.path().join("e.json");
        std::fs::write(&edits_path, edits).unwrap();
        let out = dir.path().join("out.wav");
        let input = data(name);
        let mut args = vec![
            "apply",
            s(&input),
            "--edits",
            s(&edits_path),
            "--format",
            "float32",
            "-o",
            s(&out),
            "-q",
        ];
        if name.contains("iq16") {
            args.push("--iq");
        }
        run_ok(&args);
        let applied = read_f32(&out);
        let iq = name.contains("iq16");
        let rec = Arc::new(
            Recording::open(
                &input,
                OpenOptions {
                    iq,
                    ..OpenOptions::default()
                },
            )
            .unwrap(),
        );
        assert_eq!(rec.is_complex(), iq);
        let list = load_edit_list(&edits_path).unwrap();
        let base: Arc<dyn SampleSource> = rec.clone();
        let params = list.stft.map(|s| s.params()).unwrap_or_default();
        let edited = Edited::prepare(
            base,
            &list.edits,
            list.phase.unwrap_or_default(),
            params,
            &Progress::new(),
        )
        .unwrap();
        let reader = edited.reader(Rendered::Edited);
        let channels = rec.info().stored_channels;
        assert!(channels == 1 || rec.is_complex());
        let len = rec.len() as usize;
        let mut played = vec![0.0f32; len * channels];
        if rec.is_complex() {
            let mut z = vec![spectro::signal::Complex32::default(); len];
            reader.read_complex(0, 0, &mut z);
            for (i, v) in z.iter().enumerate() {
                played[2 * i] = v.re;
                played[2 * i + 1] = v.im;
            }
        } else {
            let mut x = vec![0.0f32; len];
            reader.read_real(0, 0, &mut x);
            played = x;
        }
        assert_eq!(played.len(), applied.len(), "{name}");
        let worst = played
            .iter()
            .zip(&applied)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0f32, f32::max);
        assert_eq!(worst, 0.0, "{name}: playback and apply differ by {worst}");
    }
}
