//! Nothing the user has is ever lost: no command writes over one of its inputs (whatever path
//! spells it, even with --force), other existing files are replaced only with --force, special
//! files are written into or refused (never replaced), a result made of several files appears
//! whole or not at all, and an interrupted write leaves no temporary file.

use crate::common;

use std::path::{Path, PathBuf};
use std::process::Output;

use common::{data, spectro, stderr};

/// Every file name in `dir`, sorted.
fn entries(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// A short mono WAV and an edit list for it, in a fresh directory.
struct Take {
    dir: tempfile::TempDir,
    wav: PathBuf,
    edits: PathBuf,
}

impl Take {
    fn new() -> Take {
        let dir = tempfile::tempdir().unwrap();
        let wav = dir.path().join("take.wav");
        let spec = hound::WavSpec {
            channels: 1,
            sample_rate: 8000,
            bits_per_sample: 16,
            sample_format: hound::SampleFormat::Int,
        };
        let x: Vec<f64> = (0..8000)
            .map(|n| 0.3 * (std::f64::consts::TAU * 440.0 * n as f64 / 8000.0).sin())
            .collect();
        common::write_wav_hound(&wav, spec, &x);
        let edits = dir.path().join("take.edits.json");
        std::fs::write(
            &edits,
            r#"{"version":1,"edits":[{"type":"rect","time_s":[0.2,0.4],"freq_hz":[300,600],"gain_db":-40}]}"#,
        )
        .unwrap();
        Take { dir, wav, edits }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn snapshot(&self) -> Vec<(String, Vec<u8>)> {
        entries(self.dir.path())
            .into_iter()
            .map(|n| {
                let bytes = std::fs::read(self.dir.path().join(&n)).unwrap_or_default();
                (n, bytes)
            })
            .collect()
    }
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn refused(out: &Output, expect: &str) {
    let err = stderr(out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains(expect), "{err:?} should say {expect:?}");
    assert_eq!(err.trim_end().lines().count(), 1, "one line: {err:?}");
    assert!(err.starts_with("spectro: "), "{err:?}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn no_command_writes_over_its_inputs_even_with_force() {
    let t = Take::new();
    let hard = t.path("hard.wav");
    std::fs::hard_link(&t.wav, &hard).unwrap();
    let soft = t.path("soft.wav");
    std::os::unix::fs::symlink(&t.wav, &soft).unwrap();
    let dotted = t.dir.path().join(".").join("take.wav");
    let before = t.snapshot();
    let (w, e) = (s(&t.wav), s(&t.edits));
    let cases: Vec<Vec<String>> = [&t.wav, &hard, &soft, &dotted, &t.edits]
        .iter()
        .flat_map(|o| {
            let o = s(o).to_owned();
            vec![
                vec![
                    "apply".into(),
                    w.into(),
                    "--edits".into(),
                    e.into(),
                    "-o".into(),
                    o.clone(),
                ],
                vec![
                    "render".into(),
                    w.into(),
                    "--edits".into(),
                    e.into(),
                    "-o".into(),
                    o.clone(),
                ],
                vec![
                    "extract".into(),
                    w.into(),
                    "--edits".into(),
                    e.into(),
                    "--time".into(),
                    "0:0.5".into(),
                    "--freq".into(),
                    "0:1000".into(),
                    "-o".into(),
                    o.clone(),
                ],
                vec![
                    "features".into(),
                    w.into(),
                    "--edits".into(),
                    e.into(),
                    "-o".into(),
                    o.clone(),
                ],
                vec![
                    "denoise".into(),
                    w.into(),
                    "--noise-from".into(),
                    "0:0.1".into(),
                    "-o".into(),
                    o.clone(),
                ],
                vec![
                    "reconstruct".into(),
                    w.into(),
                    "--iters".into(),
                    "1".into(),
                    "-o".into(),
                    o.clone(),
                ],
            ]
        })
        .collect();
    for args in &cases {
        // The edit list is an input only of the commands that read it.
        let reads_edits = args.iter().any(|a| a == "--edits");
        if args.last().map(String::as_str) == Some(e) && !reads_edits {
            continue;
        }
        for force in [false, true] {
            let mut a: Vec<&str> = args.iter().map(String::as_str).collect();
            if force {
                a.push("--force");
            }
            refused(&spectro(&a), "is one of the files being read");
        }
    }
    assert_eq!(
        t.snapshot(),
        before,
        "inputs and links untouched, nothing left behind"
    );
}

#[test]
fn an_existing_output_is_replaced_only_with_force() {
    let t = Take::new();
    let out = t.path("out.wav");
    std::fs::write(&out, b"keep me").unwrap();
    let args = ["apply", s(&t.wav), "--edits", s(&t.edits), "-o", s(&out)];
    let o = spectro(&args);
    refused(&o, "already exists; add --force to replace it");
    assert!(stderr(&o).contains("out.wav"));
    assert_eq!(std::fs::read(&out).unwrap(), b"keep me");
    let mut forced = args.to_vec();
    forced.push("--force");
    let o = spectro(&forced);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(&std::fs::read(&out).unwrap()[..4], b"RIFF");
    assert_eq!(
        entries(t.dir.path()),
        ["out.wav", "take.edits.json", "take.wav"],
        "no temporary left"
    );
}

#[test]
fn a_sidecar_written_next_to_an_output_never_replaces_the_inputs() {
    let dir = tempfile::tempdir().unwrap();
    // A capture with its rate in a sidecar, and one whose rate is given on the command line.
    let cap = dir.path().join("cap.cu8");
    std::fs::copy(data("dump1090_modes1_1090M_2000k.cu8"), &cap).unwrap();
    let meta = dir.path().join("cap.sigmf-meta");
    let meta_text = r#"{"global":{"core:datatype":"cu8","core:sample_rate":2000000,"core:version":"1.0.0"},"captures":[{"core:sample_start":0,"core:frequency":1090000000}],"annotations":[]}"#;
    std::fs::write(&meta, meta_text).unwrap();
    let bare = dir.path().join("bare.cu8");
    std::fs::copy(data("dump1090_modes1_1090M_2000k.cu8"), &bare).unwrap();
    let region = ["--time", "0:0.01", "--freq", "-100000:100000"];
    let out = dir.path().join("cap.cf32");
    let mut a = vec!["extract", s(&cap)];
    a.extend(region);
    a.extend(["-o", s(&out), "--force"]);
    refused(&spectro(&a), "cap.sigmf-meta: is one of the files being read");
    assert_eq!(std::fs::read_to_string(&meta).unwrap(), meta_text);
    // bare.cu8 has no sidecar yet; bare.sigmf-meta would make it open as cf32 next time.
    let out = dir.path().join("bare.cf32");
    let mut a = vec!["extract", s(&bare), "--sample-rate", "2M"];
    a.extend(region);
    a.extend(["-o", s(&out)]);
    refused(&spectro(&a), "bare.sigmf-meta: is one of the files being read");
    assert_eq!(entries(dir.path()), ["bare.cu8", "cap.cu8", "cap.sigmf-meta"]);
}

#[test]
fn a_result_of_several_files_appears_whole_or_not_at_all() {
    let t = Take::new();
    // The bursts file cannot be written where a directory stands: no frames file either.
    let csv = t.path("f.csv");
    std::fs::create_dir(t.path("f.bursts.csv")).unwrap();
    let o = spectro(&["features", s(&t.wav), "-o", s(&csv)]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("f.bursts.csv"), "{}", stderr(&o));
    assert!(!csv.exists());
    // Raw IQ whose sidecar cannot be written: no data file.
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("x.sigmf-meta")).unwrap();
    let out = dir.path().join("x.cu8");
    let o = spectro(&[
        "extract",
        s(&data("dump1090_modes1_1090M_2000k.cu8")),
        "--sample-rate",
        "2M",
        "--time",
        "0:0.01",
        "--freq",
        "-1e5:1e5",
        "-o",
        s(&out),
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert_eq!(entries(dir.path()), ["x.sigmf-meta"]);
}

#[test]
fn batch_outputs_never_collide_and_nothing_is_written_when_they_would() {
    let dir = tempfile::tempdir().unwrap();
    for sub in ["a", "b", "out"] {
        std::fs::create_dir(dir.path().join(sub)).unwrap();
    }
    let a = Take::new();
    let (ta, tb) = (dir.path().join("a/take.wav"), dir.path().join("b/take.wav"));
    std::fs::copy(&a.wav, &ta).unwrap();
    std::fs::copy(&a.wav, &tb).unwrap();
    let out = dir.path().join("out");
    let o = spectro(&["denoise", s(&ta), s(&tb), "--noise-from", "0:0.1", "-o", s(&out)]);
    refused(&o, "is named twice among the outputs");
    assert!(entries(&out).is_empty());
    // An output of one job landing on the input of another.
    let o = spectro(&[
        "denoise",
        s(&ta),
        s(&tb),
        "--noise-from",
        "0:0.1",
        "-o",
        s(&dir.path().join("b")),
        "--force",
    ]);
    refused(&o, "is one of the files being read");
    assert_eq!(std::fs::read(&tb).unwrap(), std::fs::read(&a.wav).unwrap());
}

#[test]
fn a_character_device_is_written_into_and_other_special_files_refused() {
    let t = Take::new();
    let before = std::fs::symlink_metadata("/dev/null").unwrap();
    let o = spectro(&["apply", s(&t.wav), "--edits", s(&t.edits), "-o", "/dev/null"]);
    assert!(o.status.success(), "{}", stderr(&o));
    use std::os::unix::fs::{FileTypeExt, MetadataExt};
    let after = std::fs::symlink_metadata("/dev/null").unwrap();
    assert!(after.file_type().is_char_device());
    assert_eq!(after.ino(), before.ino());
    if Path::new("/dev/full").exists() {
        let o = spectro(&["apply", s(&t.wav), "--edits", s(&t.edits), "-o", "/dev/full"]);
        assert_eq!(o.status.code(), Some(2), "writing into a full device fails");
        assert!(stderr(&o).contains("/dev/full"), "{}", stderr(&o));
        assert!(
            std::fs::metadata("/dev/full")
                .unwrap()
                .file_type()
                .is_char_device()
        );
    }
    // A FIFO would block until a reader comes: refused at once.
    let fifo = t.path("pipe.wav");
    let c = std::ffi::CString::new(s(&fifo)).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    let started = std::time::Instant::now();
    let o = spectro(&[
        "apply",
        s(&t.wav),
        "--edits",
        s(&t.edits),
        "-o",
        s(&fifo),
        "--force",
    ]);
    refused(&o, "is a FIFO (named pipe), not a regular file");
    assert!(started.elapsed().as_secs() < 20);
    let o = spectro(&["render", s(&t.wav), "-o", s(t.dir.path())]);
    refused(&o, "is a directory");
}

#[test]
fn an_output_name_at_the_length_limit_is_written() {
    let t = Take::new();
    let name = format!("{}.wav", "n".repeat(246));
    let out = t.path(&name);
    let o = spectro(&["apply", s(&t.wav), "--edits", s(&t.edits), "-o", s(&out)]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(out.exists());
}

/// SIGTERM (or Ctrl-C) while the output is being written: no temporary file, no output.
#[test]
fn an_interrupted_write_leaves_nothing_behind() {
    let dir = tempfile::tempdir().unwrap();
    // Long enough that the write takes a while: 4 minutes of 48 kHz stereo, with an automatic
    // noise estimate to keep the renderer busy.
    let wav = dir.path().join("long.wav");
    {
        let spec = hound::WavSpec {
            channels: 2,
            sample_rate: 48000,
            bits_per_sample: 16,
            sample_format: hound::SampleFormat::Int,
        };
        let mut w = hound::WavWriter::create(&wav, spec).unwrap();
        let mut rng = common::Rng(7);
        for _ in 0..(240 * 48000 * 2) {
            w.write_sample((rng.uniform() * 3000.0) as i16).unwrap();
        }
        w.finalize().unwrap();
    }
    let out_dir = dir.path().join("out");
    std::fs::create_dir(&out_dir).unwrap();
    let out = out_dir.join("clean.wav");
    for signal in [libc::SIGTERM, libc::SIGINT] {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_spectro"))
            .args(["denoise", s(&wav), "--estimate", "-o", s(&out), "--quiet"])
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        // Wait for the temporary file to appear, then interrupt.
        let started = std::time::Instant::now();
        while entries(&out_dir).is_empty() {
            assert!(started.elapsed().as_secs() < 60, "no temporary file appeared");
            assert!(
                child.try_wait().unwrap().is_none(),
                "finished before it could be interrupted"
            );
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        // SAFETY: sending a signal to our own child.
        unsafe { libc::kill(child.id() as i32, signal) };
        let status = child.wait().unwrap();
        assert!(!status.success());
        assert!(
            entries(&out_dir).is_empty(),
            "left behind: {:?}",
            entries(&out_dir)
        );
    }
}
