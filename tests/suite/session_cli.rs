//! The command line takes a session wherever it takes `--edits`: the session's edit list is
//! applied exactly as the same list in its own file, and a recording that changed since the
//! session was saved gets one line of warning.

use crate::common;

use std::path::Path;

use common::{spectro, stderr};
use spectro::edit::session::recording_ref;
use spectro::edit::{EditList, Session, save_session};
use spectro::io::OpenOptions;
use spectro::io::content_hash::hash_file;
use spectro::signal::Progress;

fn noise_and_tone(path: &Path, tone: f64) {
    let fs = 22_050u32;
    let mut rng = common::Rng(7);
    let x: Vec<f64> = (0..2 * fs as usize)
        .map(|i| {
            0.05 * rng.uniform() as f64 + tone * (std::f64::consts::TAU * 1000.0 * i as f64 / fs as f64).sin()
        })
        .collect();
    common::write_mono_wav16(path, fs, &x);
}

#[test]
fn apply_with_a_session_equals_apply_with_its_edit_list() {
    let dir = tempfile::tempdir().unwrap();
    let wav = dir.path().join("take.wav");
    noise_and_tone(&wav, 0.3);
    let list = EditList::from_json(
        r#"{"version": 1, "stft": {"fft": 1024, "hop": 256},
            "edits": [{"type": "rect", "time_s": [0.5, 1.2], "freq_hz": [800, 1200], "gain_db": -60},
                      {"type": "denoise", "learn_time_s": [0, 0.4], "reduction_db": 12}]}"#,
    )
    .unwrap();
    let json = dir.path().join("take.edits.json");
    std::fs::write(&json, list.to_json()).unwrap();
    let session_path = dir.path().join("take.spectro");
    let hash = hash_file(&wav, &Progress::new()).unwrap();
    let session = Session {
        recording: recording_ref(&wav, &session_path, hash, OpenOptions::default()).unwrap(),
        edits: list,
        view: None,
        selection: None,
        tool: None,
    };
    save_session(&session_path, &session, &[], false).unwrap();
    let run = |edits: &Path, out: &Path| {
        let o = spectro(&[
            "apply",
            wav.to_str().unwrap(),
            "--edits",
            edits.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
        o
    };
    let (a, b) = (dir.path().join("a.wav"), dir.path().join("b.wav"));
    let from_session = run(&session_path, &a);
    run(&json, &b);
    assert!(
        !stderr(&from_session).contains("warning"),
        "{}",
        stderr(&from_session)
    );
    let (a_bytes, b_bytes) = (std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());
    assert_eq!(a_bytes.len(), b_bytes.len());
    assert!(a_bytes == b_bytes, "byte-identical outputs");
    // The edits did something: the output is not the input.
    assert_ne!(a_bytes, std::fs::read(&wav).unwrap());

    // Another recording under the same name: applied all the same, with one warning line.
    noise_and_tone(&wav, 0.25);
    let c = dir.path().join("c.wav");
    let o = run(&session_path, &c);
    let warnings: Vec<String> = stderr(&o)
        .lines()
        .filter(|l| l.contains("warning"))
        .map(str::to_owned)
        .collect();
    assert_eq!(warnings.len(), 1, "{}", stderr(&o));
    assert!(warnings[0].contains("take.spectro") && warnings[0].contains("content hash differs"));
    assert!(c.exists());
}
