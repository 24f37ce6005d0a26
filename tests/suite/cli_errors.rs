//! Bad input gets one clear line naming the file and the problem, exit code 2, no panic, and
//! no output file.

use crate::common;

use std::path::{Path, PathBuf};

use common::{data, spectro, stderr};

fn header(tag: u16, channels: u16, rate: u32, bits: u16, data_len: u32) -> Vec<u8> {
    let block = channels * bits / 8;
    let mut v = Vec::new();
    v.extend_from_slice(b"RIFF");
    v.extend_from_slice(&(36 + data_len).to_le_bytes());
    v.extend_from_slice(b"WAVEfmt ");
    v.extend_from_slice(&16u32.to_le_bytes());
    v.extend_from_slice(&tag.to_le_bytes());
    v.extend_from_slice(&channels.to_le_bytes());
    v.extend_from_slice(&rate.to_le_bytes());
    v.extend_from_slice(&(rate * block as u32).to_le_bytes());
    v.extend_from_slice(&block.to_le_bytes());
    v.extend_from_slice(&bits.to_le_bytes());
    v.extend_from_slice(b"data");
    v.extend_from_slice(&data_len.to_le_bytes());
    v
}

struct Case {
    name: &'static str,
    bytes: Vec<u8>,
    extra: Vec<&'static str>,
    expect: &'static str,
}

fn cases() -> Vec<Case> {
    let mut truncated = header(1, 1, 8000, 16, 10_000);
    truncated.extend(vec![0u8; 100]);
    let mut zero_rate = header(1, 1, 0, 16, 4);
    zero_rate.extend([0, 0, 0, 0]);
    let mut mp3wav = header(0x55, 1, 8000, 8, 16);
    mp3wav.extend(vec![0u8; 16]);
    let mut mono = header(1, 1, 8000, 16, 4);
    mono.extend([1, 0, 2, 0]);
    vec![
        Case {
            name: "empty.wav",
            bytes: vec![],
            extra: vec![],
            expect: "the file is empty",
        },
        Case {
            name: "text.wav",
            bytes: b"just some text, not audio".to_vec(),
            extra: vec![],
            expect: "not a WAV file",
        },
        Case {
            name: "truncated.wav",
            bytes: truncated,
            extra: vec![],
            expect: "truncated: the data chunk claims 10000 bytes but only 100",
        },
        Case {
            name: "rate0.wav",
            bytes: zero_rate,
            extra: vec![],
            expect: "sample rate is 0",
        },
        Case {
            name: "mp3.wav",
            bytes: mp3wav,
            extra: vec![],
            expect: "unsupported encoding: MP3 in WAV",
        },
        Case {
            name: "mono_iq.wav",
            bytes: mono,
            extra: vec!["--iq"],
            expect: "--iq needs a stereo WAV",
        },
        Case {
            name: "capture.cu8",
            bytes: vec![127; 64],
            extra: vec![],
            expect: "give its rate with --sample-rate",
        },
        Case {
            name: "odd.cs16",
            bytes: vec![0; 6],
            extra: vec!["--sample-rate", "1M"],
            expect: "not a whole number of 4-byte I/Q pairs",
        },
        Case {
            name: "song.mp3",
            bytes: vec![0xFF, 0xFB, 0x90, 0x00],
            extra: vec![],
            expect: "no audio stream found: not a MP3 file",
        },
        Case {
            name: "notes.txt",
            bytes: b"just some text".to_vec(),
            extra: vec![],
            expect: "unknown file type \".txt\": Spectro opens WAV",
        },
    ]
}

fn assert_clean_failure(out: &std::process::Output, file: &Path, expect: &str, output_file: Option<&Path>) {
    let err = stderr(out);
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}: exit code, stderr: {err}",
        file.display()
    );
    assert!(!err.contains("panicked"), "panic: {err}");
    assert_eq!(err.trim_end().lines().count(), 1, "one line expected: {err}");
    assert!(err.starts_with("spectro: error: "), "{err}");
    assert!(
        err.contains(&file.display().to_string()),
        "must name {}: {err}",
        file.display()
    );
    assert!(err.contains(expect), "expected {expect:?} in {err:?}");
    if let Some(o) = output_file {
        assert!(!o.exists(), "no output may be written on failure");
        let leftovers: Vec<PathBuf> = std::fs::read_dir(o.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.to_string_lossy().ends_with(".tmp"))
            .collect();
        assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
    }
}

#[test]
fn bad_recordings_fail_cleanly_in_every_command() {
    let dir = tempfile::tempdir().unwrap();
    let edits = dir.path().join("edits.json");
    std::fs::write(&edits, r#"{"version":1,"edits":[]}"#).unwrap();
    for case in cases() {
        let file = dir.path().join(case.name);
        std::fs::write(&file, &case.bytes).unwrap();
        let f = file.to_str().unwrap();
        let out_wav = dir.path().join(format!("{}.out.wav", case.name));
        let out_png = dir.path().join(format!("{}.out.png", case.name));
        let rebuilt = dir.path().join(format!("{}.rebuilt.wav", case.name));
        let mut runs: Vec<(Vec<&str>, Option<&Path>)> = vec![
            (vec!["info", f], None),
            (
                vec!["render", f, "-o", out_png.to_str().unwrap()],
                Some(out_png.as_path()),
            ),
            (
                vec![
                    "apply",
                    f,
                    "--edits",
                    edits.to_str().unwrap(),
                    "-o",
                    out_wav.to_str().unwrap(),
                ],
                Some(out_wav.as_path()),
            ),
            (
                vec!["reconstruct", f, "-o", rebuilt.to_str().unwrap()],
                Some(rebuilt.as_path()),
            ),
        ];
        for (args, output) in runs.iter_mut() {
            args.extend(case.extra.iter().copied());
            let out = spectro(args);
            assert_clean_failure(&out, &file, case.expect, *output);
        }
    }
}

#[test]
fn missing_file_and_directory_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope.wav");
    let out = spectro(&["info", missing.to_str().unwrap()]);
    assert_clean_failure(&out, &missing, "No such file or directory", None);
    let out = spectro(&["info", dir.path().to_str().unwrap()]);
    assert_clean_failure(&out, dir.path(), "is a directory", None);
}

#[test]
fn bad_edit_lists_name_the_entry() {
    let dir = tempfile::tempdir().unwrap();
    let input = data("sat_ao73.wav");
    let out_wav = dir.path().join("out.wav");
    let cases = [
        (
            r#"{"version":1,"edits":[{"type":"rect","time_s":[0,1],"freq_hz":[0,100],"gain_db":-10,"feathr_s":1}]}"#,
            "edits[0] (rect): unknown field \"feathr_s\" (did you mean \"feather_s\"?)",
        ),
        (
            r#"{"version":1,"edits":[{"type":"ellipse","gain_db":-10}]}"#,
            "edits[0]: unknown type \"ellipse\"",
        ),
        (
            r#"{"version":1,"edits":[{"type":"rect","time_s":[0,1],"freq_hz":[0,100],"gain_db":-10,"channels":[3]}]}"#,
            "edits[0] (rect): channel 3 does not exist (the recording has 1 channel",
        ),
        (
            r#"{"version":1,"stft":{"fft":8},"edits":[]}"#,
            "FFT length 8 is outside 16..=65536",
        ),
        (
            r#"{"version":1,"stft":{"fft":1024,"hop":1024},"edits":[]}"#,
            "hop 1024 breaks the overlap-add condition for a hann window of 1024 samples",
        ),
        ("{not json", "not valid JSON"),
    ];
    for (i, (text, expect)) in cases.iter().enumerate() {
        let edits = dir.path().join(format!("edits{i}.json"));
        std::fs::write(&edits, text).unwrap();
        let out = spectro(&[
            "apply",
            input.to_str().unwrap(),
            "--edits",
            edits.to_str().unwrap(),
            "-o",
            out_wav.to_str().unwrap(),
        ]);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(err.contains(expect), "expected {expect:?} in {err:?}");
        assert_eq!(err.trim_end().lines().count(), 1, "{err}");
        // Every edit-list error, STFT settings included, names the file.
        assert!(
            err.starts_with(&format!("spectro: error: {}: ", edits.display())),
            "{err}"
        );
        assert!(!out_wav.exists());
    }
}

#[test]
fn input_is_never_overwritten_even_with_force() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("take.wav");
    std::fs::copy(data("sat_ao73.wav"), &input).unwrap();
    let before = std::fs::read(&input).unwrap();
    let edits = dir.path().join("e.json");
    std::fs::write(
        &edits,
        r#"{"version":1,"edits":[{"type":"rect","time_s":[1,2],"freq_hz":[0,3000],"gain_db":"-inf"}]}"#,
    )
    .unwrap();
    let i = input.to_str().unwrap();
    let out = spectro(&["apply", i, "--edits", edits.to_str().unwrap(), "-o", i]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("take.wav: is one of the files being read"),
        "{}",
        stderr(&out)
    );
    assert_eq!(std::fs::read(&input).unwrap(), before);

    let out = spectro(&["apply", i, "--edits", edits.to_str().unwrap(), "-o", i, "--force"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(!stderr(&out).contains("--force"), "{}", stderr(&out));
    assert_eq!(std::fs::read(&input).unwrap(), before);
}

#[test]
fn usage_errors_exit_2() {
    let out = spectro(&["render"]);
    assert_eq!(out.status.code(), Some(2));
    let out = spectro(&["info", "x.wav", "--sample-rate", "fast"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("is not a rate in Hz"));
}

#[test]
fn usage_errors_are_one_line_and_help_is_not_an_error() {
    for (args, expect) in [
        (
            vec!["render"],
            "spectro: error: the following required arguments were not provided: --output <OUT.png> <FILE> (see --help)",
        ),
        (
            vec!["info", "x.wav", "--sample-rate", "fast"],
            "spectro: error: invalid value 'fast' for '--sample-rate <HZ>': 'fast' is not a rate in Hz (try 48000, 2e6 or 2M) (see --help)",
        ),
        (
            vec!["features", "x.cu8", "-o", "x.csv", "--center-freq", "-5"],
            "spectro: error: invalid value '-5' for '--center-freq <HZ>': '-5' is not a centre frequency from 0 to 1e12 Hz (see --help)",
        ),
        (
            vec!["info", "x.wav", "--jsn"],
            "spectro: error: unexpected argument '--jsn' found; tip: a similar argument exists: '--json' (see --help)",
        ),
    ] {
        let out = spectro(&args);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert_eq!(err.trim_end().lines().count(), 1, "{args:?}: {err}");
        assert!(
            err.starts_with(expect),
            "{args:?}: {err:?} should start with {expect:?}"
        );
    }
    for args in [vec!["--help"], vec!["render", "--help"], vec!["--version"]] {
        let out = spectro(&args);
        assert_eq!(out.status.code(), Some(0), "{args:?}");
        assert!(stderr(&out).is_empty(), "{args:?}");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("spectro"), "{args:?}: {text}");
    }
    let help = String::from_utf8_lossy(&spectro(&["render", "--help"]).stdout).into_owned();
    assert!(help.lines().count() > 20, "{help}");
}
