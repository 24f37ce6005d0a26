//! Memory is bounded by design (issue 12): each test runs `spectro` on an input made here and
//! checks the child's peak resident memory (`ru_maxrss` from `wait4`) against a bound that the
//! earlier designs exceeded (their figures, measured on the same inputs, are quoted with each
//! bound; BENCHMARKS.md "Peak memory (issue 12)" has the larger cases).
//!
//! `SPECTRO_MEMORY_BIN=/path/to/spectro cargo test --test memory` runs the same checks on
//! another build, to see an older design fail them.
#![cfg(target_os = "linux")]

mod common;

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// What a measured run did.
struct Run {
    code: i32,
    stderr: String,
    /// Peak resident memory, MB.
    peak_mb: f64,
}

fn binary() -> PathBuf {
    std::env::var_os("SPECTRO_MEMORY_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_spectro")))
}

/// One test at a time: a child's peak counts the test process's own resident memory when it
/// starts (see `measured`), so no other test may be holding a large input then.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn one_at_a_time() -> std::sync::MutexGuard<'static, ()> {
    ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner())
}

/// Runs `spectro args` and measures its peak resident memory.
///
/// Linux starts a new program's peak (`ru_maxrss`) at the peak of the process that started it,
/// here this test process: so that peak is first reset to what this process holds now
/// (`/proc/self/clear_refs`, 5), a few MB. The figure can only be an overestimate.
fn measured(args: &[&str]) -> Run {
    std::fs::write("/proc/self/clear_refs", "5").expect("the peak of this process can be reset");
    let mut child = Command::new(binary())
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spectro starts");
    let mut pipe = child.stderr.take().expect("stderr is piped");
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = pipe.read_to_string(&mut s);
        s
    });
    let mut status = 0;
    // SAFETY: `rusage` is plain data that wait4 fills; the pid is our own child, reaped here
    // (std's `Child` neither waits nor kills on drop).
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let pid = unsafe { libc::wait4(child.id() as libc::pid_t, &mut status, 0, &mut usage) };
    assert_eq!(pid, child.id() as libc::pid_t, "wait4 failed");
    drop(child);
    let code = if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        -libc::WTERMSIG(status)
    };
    Run {
        code,
        stderr: reader.join().unwrap_or_default(),
        // Kilobytes on Linux.
        peak_mb: usage.ru_maxrss as f64 / 1024.0,
    }
}

fn path(p: &Path) -> &str {
    p.to_str().expect("temporary paths are UTF-8")
}

/// Writes a mono 8-bit WAV: `samples`, repeated `times` times, at `rate` Hz.
fn write_u8_wav(file: &Path, rate: u32, samples: &[u8], times: usize) {
    let data_len = (samples.len() * times) as u32;
    let mut f = std::io::BufWriter::new(std::fs::File::create(file).unwrap());
    let mut header = Vec::new();
    header.extend(b"RIFF");
    header.extend((36 + data_len).to_le_bytes());
    header.extend(b"WAVEfmt ");
    header.extend(16u32.to_le_bytes());
    header.extend(1u16.to_le_bytes());
    header.extend(1u16.to_le_bytes());
    header.extend(rate.to_le_bytes());
    header.extend(rate.to_le_bytes());
    header.extend(1u16.to_le_bytes());
    header.extend(8u16.to_le_bytes());
    header.extend(b"data");
    header.extend(data_len.to_le_bytes());
    f.write_all(&header).unwrap();
    for _ in 0..times {
        f.write_all(samples).unwrap();
    }
    f.flush().unwrap();
}

/// `n` samples of 8-bit noise.
fn noise(n: usize, seed: u64) -> Vec<u8> {
    let mut rng = common::Rng(seed);
    (0..n).map(|_| (128.0 + 30.0 * rng.uniform()) as u8).collect()
}

/// A PNG of `width × height` 16-bit RGBA whose image data is a few zero bytes: enough for a
/// reader to see its size.
fn png_header(width: u32, height: u32) -> Vec<u8> {
    fn crc32(data: &[u8]) -> u32 {
        let mut c = 0xffff_ffffu32;
        for &b in data {
            c ^= b as u32;
            for _ in 0..8 {
                c = if c & 1 != 0 {
                    0xedb8_8320 ^ (c >> 1)
                } else {
                    c >> 1
                };
            }
        }
        !c
    }
    let chunk = |kind: &[u8], data: &[u8]| {
        let mut c = (data.len() as u32).to_be_bytes().to_vec();
        let body: Vec<u8> = kind.iter().chain(data).copied().collect();
        c.extend(&body);
        c.extend(crc32(&body).to_be_bytes());
        c
    };
    let mut ihdr = width.to_be_bytes().to_vec();
    ihdr.extend(height.to_be_bytes());
    ihdr.extend([16, 6, 0, 0, 0]);
    // zlib, one stored block of 64 zeros, Adler-32 of them.
    let mut idat = vec![0x78, 0x01, 1, 64, 0, !64u8, 0xff];
    idat.extend([0; 64]);
    idat.extend(((64u32 << 16) | 1).to_be_bytes());
    let mut out = vec![0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a];
    out.extend(chunk(b"IHDR", &ihdr));
    out.extend(chunk(b"IDAT", &idat));
    out.extend(chunk(b"IEND", &[]));
    out
}

fn check(what: &str, run: &Run, bound_mb: f64) {
    assert_eq!(run.code, 0, "{what}: {}", run.stderr);
    println!("{what}: {:.0} MB (bound {bound_mb} MB)", run.peak_mb);
    assert!(
        run.peak_mb < bound_mb,
        "{what} took {:.0} MB, over its bound of {bound_mb} MB",
        run.peak_mb
    );
}

#[test]
fn paint_strokes_at_both_ends_of_an_hour_hold_their_own_spans() {
    let _serial = one_at_a_time();
    // An hour of near-silence at 8 kHz (8-bit, 29 MB), strokes near its start, near its end,
    // and one before the first. One buffer spanning every stroke held the whole hour as f32
    // (115 MB, all of it resident once the third stroke grew it at the front): 152 MB in all.
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("hour.wav");
    let second: Vec<u8> = (0..8000).map(|i| (127 + i % 3) as u8).collect();
    write_u8_wav(&input, 8000, &second, 3600);
    let edits = dir.path().join("paint.json");
    std::fs::write(
        &edits,
        r#"{"version":1,"stft":{"fft":512,"hop":128},"phase":{"iterations":4},"edits":[
            {"type":"paint","points":[[1.0,1000],[1.5,1000]],"radius_s":0.01,"radius_hz":20,"level_db":-20},
            {"type":"paint","points":[[3598.0,2000],[3598.5,2000]],"radius_s":0.01,"radius_hz":20,"level_db":-20},
            {"type":"paint","points":[[0.5,3000],[0.7,3000]],"radius_s":0.01,"radius_hz":20,"level_db":-20}]}"#,
    )
    .unwrap();
    let output = dir.path().join("painted.wav");
    let run = measured(&[
        "apply",
        path(&input),
        "--edits",
        path(&edits),
        "-o",
        path(&output),
    ]);
    check("three strokes over an hour", &run, 90.0);
    // The strokes were painted: the output differs near both ends, and only there.
    let (a, b) = (std::fs::read(&input).unwrap(), std::fs::read(&output).unwrap());
    assert_eq!(a.len(), b.len());
    let changed: Vec<usize> = (44..a.len()).filter(|&i| a[i] != b[i]).collect();
    let second = |i: usize| (i - 44) as f64 / 8000.0;
    assert!(changed.iter().any(|&i| second(i) < 2.0) && changed.iter().any(|&i| second(i) > 3597.0));
    assert!(changed.iter().all(|&i| second(i) < 2.0 || second(i) > 3597.0));
}

#[test]
fn features_stream_their_frames_and_bursts_whatever_the_length() {
    let _serial = one_at_a_time();
    // The ADS-B capture eight times over (5.7 MB of cu8) at the README's --fft 16 --hop 4:
    // 714 000 frames and 41 000 bursts. Holding every frame and burst before writing took
    // 150 MB here (8-26 GB for a 1 GB capture); streamed, memory does not grow with either.
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("adsb_1090M_2000k.cu8");
    let one = std::fs::read(common::data("dump1090_modes1_1090M_2000k.cu8")).unwrap();
    std::fs::write(&input, one.repeat(8)).unwrap();
    let output = dir.path().join("f.csv");
    let run = measured(&[
        "features",
        path(&input),
        "--sample-rate",
        "2M",
        "--fft",
        "16",
        "--hop",
        "4",
        "-o",
        path(&output),
    ]);
    check("features of 714 000 frames", &run, 60.0);
    let rows = std::fs::read_to_string(&output).unwrap().lines().count();
    let samples = 8 * one.len() / 2;
    assert_eq!(rows, 1 + 1 + samples / 4, "a header and one row per frame");
    let bursts = std::fs::read_to_string(dir.path().join("f.bursts.csv")).unwrap();
    let found = bursts.lines().count() - 1;
    // The capture alone holds 5172; the joins between copies change a few.
    assert!(
        (found as f64 - 8.0 * 5172.0).abs() < 0.01 * 8.0 * 5172.0,
        "{found} bursts"
    );
    // In order of start, as the file promises.
    let starts: Vec<f64> = bursts
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(1).unwrap().parse().unwrap())
        .collect();
    assert!(starts.windows(2).all(|w| w[0] <= w[1]));
}

#[test]
fn long_ffts_with_the_shortest_hops_stay_bounded() {
    let _serial = one_at_a_time();
    // --fft 4096 --hop 2, about the most frames per sample the STFT limits allow (FFT² / hop at
    // most 2^23), on 2.5 s of noise (120 000 samples: 60 000 frames of 2049 bins).
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("noise.wav");
    write_u8_wav(&input, 48_000, &noise(120_000, 3), 1);
    // Features: blocks of 8192 frames, a batch of them at once, took 266 MB; blocks sized in
    // bytes hold a few MB.
    let out = dir.path().join("t.csv");
    let run = measured(&[
        "features",
        path(&input),
        "--fft",
        "4096",
        "--hop",
        "2",
        "-o",
        path(&out),
    ]);
    check("features at 4096 / 2", &run, 60.0);
    // An edit list at 4096 / 2 over the whole file: a render block analysed the 34 816 frames
    // touching 64 Ki samples at once (1.6 GB on 200 000 samples); now at most 2 Mi cells.
    let edits = dir.path().join("e.json");
    std::fs::write(
        &edits,
        r#"{"version":1,"stft":{"fft":4096,"hop":2},"edits":[
            {"type":"rect","time_s":[0,5],"freq_hz":[1000,2000],"gain_db":-20}]}"#,
    )
    .unwrap();
    let out = dir.path().join("a.wav");
    let run = measured(&["apply", path(&input), "--edits", path(&edits), "-o", path(&out)]);
    check("apply at 4096 / 2", &run, 100.0);
}

#[test]
fn reconstruct_of_a_long_recording_holds_a_few_blocks() {
    let _serial = one_at_a_time();
    // Ten minutes at 8 kHz (4.8 MB), 256 / 64: 9.7 M cells. The whole STFT took 349 MB; in
    // blocks of 2 Mi cells, about a third.
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("tone.wav");
    let mut rng = common::Rng(5);
    let tone: Vec<u8> = (0..8000)
        .map(|i| {
            let v = 60.0 * (std::f32::consts::TAU * 440.0 * i as f32 / 8000.0).sin() + 5.0 * rng.uniform();
            (128.0 + v) as u8
        })
        .collect();
    write_u8_wav(&input, 8000, &tone, 600);
    let output = dir.path().join("rebuilt.wav");
    let run = measured(&[
        "reconstruct",
        path(&input),
        "-o",
        path(&output),
        "--fft",
        "256",
        "--hop",
        "64",
        "--method",
        "pghi",
    ]);
    check("reconstruct of ten minutes", &run, 200.0);
    assert!(run.stderr.contains("spectral convergence -3"), "{}", run.stderr);
}

#[test]
fn pictures_past_the_size_limit_are_refused_before_any_work() {
    let _serial = one_at_a_time();
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("s.wav");
    write_u8_wav(&input, 8000, &noise(8000, 9), 1);
    // 65535 × 65535 pixels grew past 4 GB before it could be written.
    let out = dir.path().join("x.png");
    let run = measured(&[
        "render",
        path(&input),
        "-o",
        path(&out),
        "--width",
        "65535",
        "--height",
        "65535",
    ]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert_eq!(run.stderr.trim().lines().count(), 1, "{}", run.stderr);
    assert!(run.stderr.contains("65535 × 65535"), "{}", run.stderr);
    assert!(run.peak_mb < 50.0, "{:.0} MB", run.peak_mb);
    assert!(!out.exists());
}

#[test]
fn a_large_picture_is_decoded_row_by_row() {
    let _serial = one_at_a_time();
    // 8192 × 4096 16-bit RGBA (256 MB in the PNG's own layout, 3 MB on disk): decoded row by
    // row into 3-byte pixels (100 MB) and read as levels (134 MB). Decoding the whole frame
    // first held the 256 MB too (about 360 MB in all here).
    let dir = tempfile::tempdir().unwrap();
    let picture = dir.path().join("big.png");
    let (w, h) = (8192u32, 4096u32);
    {
        let file = std::io::BufWriter::new(std::fs::File::create(&picture).unwrap());
        let mut enc = png::Encoder::new(file, w, h);
        enc.set_color(png::ColorType::Rgba);
        enc.set_depth(png::BitDepth::Sixteen);
        enc.set_compression(png::Compression::Fast);
        let mut writer = enc.write_header().unwrap();
        let mut stream = writer.stream_writer().unwrap();
        let mut row = vec![0u8; w as usize * 8];
        for y in 0..h {
            let v = ((y * 65535) / (h - 1)) as u16;
            for px in row.chunks_exact_mut(8) {
                px[..2].copy_from_slice(&v.to_be_bytes());
                px[2..4].copy_from_slice(&(v / 2).to_be_bytes());
                px[4..6].copy_from_slice(&(65535 - v).to_be_bytes());
                px[6..].copy_from_slice(&[255, 255]);
            }
            stream.write_all(&row).unwrap();
        }
        stream.finish().unwrap();
    }
    let out = dir.path().join("sound.wav");
    let run = measured(&[
        "from-image",
        path(&picture),
        "-o",
        path(&out),
        "--sample-rate",
        "8000",
        "--hop",
        "64",
        "--duration",
        "1",
        "--iters",
        "2",
    ]);
    check("from-image of 8192 × 4096 RGBA16", &run, 300.0);
    // A picture over the limit is refused from its header, before any decoding.
    let big = dir.path().join("huge.png");
    std::fs::write(&big, png_header(16384, 16384)).unwrap();
    let run = measured(&[
        "from-image",
        path(&big),
        "-o",
        path(&out),
        "--sample-rate",
        "8000",
    ]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("16384 × 16384"), "{}", run.stderr);
    assert!(run.peak_mb < 50.0, "{:.0} MB", run.peak_mb);
}
