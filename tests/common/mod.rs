//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Path to a file in tests/data.
pub fn data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

/// The decoding cache the tests use (never the user's).
pub fn test_cache_dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("decoded")
}

/// Runs the built `spectro` binary. Its XDG state directory (where the window autosaves edit
/// lists) and its decoding cache are the tests' own, never the user's.
pub fn spectro(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_spectro"))
        .args(args)
        .env(
            "XDG_STATE_HOME",
            Path::new(env!("CARGO_TARGET_TMPDIR")).join("xdg-state"),
        )
        .env("SPECTRO_CACHE_DIR", test_cache_dir())
        .output()
        .expect("spectro runs")
}

/// Stderr as text.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A deterministic pseudo-random generator (xorshift64*).
pub struct Rng(pub u64);

impl Rng {
    /// Uniform in [-1, 1).
    pub fn uniform(&mut self) -> f32 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        let v = self.0.wrapping_mul(0x2545_F491_4F6C_DD1D);
        ((v >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
    }
}

/// Writes a WAV with hound (the independent writer).
pub fn write_wav_hound(path: &Path, spec: hound::WavSpec, interleaved: &[f64]) {
    let mut w = hound::WavWriter::create(path, spec).unwrap();
    for &x in interleaved {
        match (spec.sample_format, spec.bits_per_sample) {
            (hound::SampleFormat::Float, _) => w.write_sample(x as f32).unwrap(),
            (_, 8) => w
                .write_sample((x * 128.0).round().clamp(-128.0, 127.0) as i8)
                .unwrap(),
            (_, 16) => w
                .write_sample((x * 32768.0).round().clamp(-32768.0, 32767.0) as i16)
                .unwrap(),
            (_, 24) => w
                .write_sample((x * 8388608.0).round().clamp(-8388608.0, 8388607.0) as i32)
                .unwrap(),
            (_, _) => w
                .write_sample((x * 2147483648.0).round().clamp(-2147483648.0, 2147483647.0) as i32)
                .unwrap(),
        }
    }
    w.finalize().unwrap();
}

/// Writes `samples` as a mono 16-bit WAV at `sample_rate_hz` with hound: the short recordings
/// the session tests open, edit and save sessions of.
pub fn write_mono_wav16(path: &Path, sample_rate_hz: u32, samples: &[f64]) {
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: sample_rate_hz,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    write_wav_hound(path, spec, samples);
}

/// Energy of a slice.
pub fn energy(x: &[f32]) -> f64 {
    x.iter().map(|&v| (v as f64) * (v as f64)).sum()
}

/// Amplitude of the component at `freq` (cycles per sample) in `x`, by projection.
pub fn tone_amplitude(x: &[f32], freq: f64) -> f64 {
    let (mut c, mut s) = (0.0, 0.0);
    for (n, &v) in x.iter().enumerate() {
        let ph = std::f64::consts::TAU * freq * n as f64;
        c += v as f64 * ph.cos();
        s += v as f64 * ph.sin();
    }
    2.0 * (c * c + s * s).sqrt() / x.len() as f64
}

/// The real speech recording the tests use: CMU ARCTIC's arctic_a0007 (speaker awb), 4.0 s of
/// 16 kHz mono PCM16, committed under its permissive licence (tests/data/SOURCES.md).
pub const SPEECH_WAV: &str = "arctic_a0007.wav";

/// Sample rate of [`SPEECH_WAV`], in Hz.
pub const SPEECH_RATE_HZ: f64 = 16_000.0;

/// The 64 000 samples of 16 kHz speech in [`SPEECH_WAV`], as f32.
pub fn speech() -> Vec<f32> {
    let rec = spectro::io::Recording::open(data(SPEECH_WAV), Default::default()).expect("speech file opens");
    assert_eq!(spectro::signal::SampleSource::sample_rate(&rec), SPEECH_RATE_HZ);
    let mut x = vec![0.0f32; spectro::signal::SampleSource::len(&rec) as usize];
    spectro::signal::SampleSource::read_real(&rec, 0, 0, &mut x);
    x
}

/// Writes `home/.asoundrc` making ALSA's default device a file: what is played lands in
/// `capture` as raw interleaved samples, so a test hears what playback really sent. ALSA's null
/// device behind the file is not paced: while a stream is open, the file grows as fast as the
/// callback runs (hundreds of MB a second). Fine for a `spectro play` that ends; a window that
/// keeps its device open wants [`paced_alsa_file_device`].
pub fn alsa_file_device(home: &Path, capture: &Path) {
    std::fs::write(
        home.join(".asoundrc"),
        format!(
            "pcm.!default {{\n  type file\n  slave.pcm \"null\"\n  file \"{}\"\n  format \"raw\"\n}}\n",
            capture.display()
        ),
    )
    .unwrap();
}

/// Like [`alsa_file_device`], but paced: ALSA writes into a FIFO that a thread copies into
/// `capture` at most at `bytes_per_s`, so a window holding its device open for seconds writes
/// megabytes, not gigabytes. The copy runs until the process ends.
pub fn paced_alsa_file_device(home: &Path, capture: &Path, bytes_per_s: f64) {
    let fifo = home.join("alsa.fifo");
    let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(
        unsafe { libc::mkfifo(c.as_ptr(), 0o600) },
        0,
        "mkfifo {}",
        fifo.display()
    );
    alsa_file_device(home, &fifo);
    std::fs::write(capture, b"").unwrap();
    let capture = capture.to_path_buf();
    std::thread::spawn(move || {
        use std::io::{Read, Write};
        let started = std::time::Instant::now();
        let mut copied = 0.0;
        let mut buf = vec![0u8; 16384];
        // ALSA opens and closes the file with each stream: read it again after every close.
        while let Ok(mut from) = std::fs::File::open(&fifo) {
            let Ok(mut to) = std::fs::OpenOptions::new().append(true).open(&capture) else {
                return;
            };
            while let Ok(n) = from.read(&mut buf) {
                if n == 0 {
                    break;
                }
                if to.write_all(&buf[..n]).is_err() {
                    return;
                }
                copied += n as f64;
                let due = std::time::Duration::from_secs_f64(copied / bytes_per_s);
                if let Some(wait) = due.checked_sub(started.elapsed()) {
                    std::thread::sleep(wait);
                }
            }
        }
    });
}

/// The first channel of a capture of stereo f32 device frames, from byte `from` on.
pub fn captured(capture: &Path, from: usize) -> Vec<f32> {
    let bytes = std::fs::read(capture).unwrap();
    bytes
        .get(from..)
        .unwrap_or_default()
        .chunks_exact(8)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect()
}

/// The sounding (non-zero) samples of [`captured`] from byte `from` on, once the copy of a
/// [`paced_alsa_file_device`] has caught up: their count has not changed for 0.4 s.
pub fn sounding(capture: &Path, from: usize) -> Vec<f32> {
    use std::time::{Duration, Instant};
    let count = |x: &[f32]| x.iter().filter(|&&v| v != 0.0).count();
    let mut last = captured(capture, from);
    let mut since = Instant::now();
    let started = Instant::now();
    while since.elapsed() < Duration::from_millis(400) && started.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(50));
        let now = captured(capture, from);
        if count(&now) != count(&last) {
            since = Instant::now();
        }
        last = now;
    }
    last.into_iter().filter(|&v| v != 0.0).collect()
}

/// Scale-invariant SDR of `estimate` against `reference`, dB.
pub fn si_sdr_db(estimate: &[f32], reference: &[f32]) -> f64 {
    let dot: f64 = estimate
        .iter()
        .zip(reference)
        .map(|(&e, &r)| e as f64 * r as f64)
        .sum();
    let rr: f64 = reference.iter().map(|&r| r as f64 * r as f64).sum();
    let a = dot / rr;
    let (mut t, mut e) = (0.0, 0.0);
    for (&x, &r) in estimate.iter().zip(reference) {
        let target = a * r as f64;
        t += target * target;
        e += (x as f64 - target).powi(2);
    }
    10.0 * (t / e).log10()
}

/// `source` with `edits` applied through the pipeline's renderer (STFT `params`, scipy
/// framing), one vector per channel.
pub fn render<T: spectro::signal::ReadSamples>(
    source: &dyn spectro::signal::SampleSource,
    edits: &[spectro::edit::Edit],
    params: spectro::signal::StftParams,
) -> Vec<Vec<T>> {
    use spectro::pipeline::render::{grid_for, render_stream};
    use spectro::signal::{Cancelled, Convention, Progress, Stft};
    let stft = Stft::<T>::new(params, Convention::Scipy).expect("valid STFT");
    let raster = spectro::edit::MaskRaster::new(edits, grid_for(&stft, source));
    let mut out = vec![Vec::new(); source.channels()];
    render_stream(
        source,
        &stft,
        &raster,
        &Progress::new(),
        |_, b: &[Vec<T>]| -> Result<(), Cancelled> {
            for (o, c) in out.iter_mut().zip(b) {
                o.extend_from_slice(c);
            }
            Ok(())
        },
    )
    .expect("renders");
    out
}
