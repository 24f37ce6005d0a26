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

/// Runs the built `spectro` binary. Its XDG state directory (where the window autosaves edit
/// lists) is one of the tests' own, never the user's.
pub fn spectro(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_spectro"))
        .args(args)
        .env(
            "XDG_STATE_HOME",
            Path::new(env!("CARGO_TARGET_TMPDIR")).join("xdg-state"),
        )
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

/// Where Debian's alsa-utils installs the real speech recording the tests use (GPL, so it is
/// not copied into the repository).
pub const SPEECH_WAV: &str = "/usr/share/sounds/alsa/Front_Center.wav";

/// The 1.43 s of 48 kHz speech in [`SPEECH_WAV`], as f32 samples. Fails (never skips) when the
/// file is missing, saying how to get it.
pub fn speech() -> Vec<f32> {
    let path = Path::new(SPEECH_WAV);
    assert!(
        path.exists(),
        "{SPEECH_WAV} is missing: run `make test`, which installs it, or `sudo apt-get install alsa-utils`"
    );
    let rec = spectro::io::Recording::open(path, Default::default()).expect("speech file opens");
    let mut x = vec![0.0f32; spectro::signal::SampleSource::len(&rec) as usize];
    spectro::signal::SampleSource::read_real(&rec, 0, 0, &mut x);
    x
}

/// Writes `home/.asoundrc` making ALSA's default device a file: what is played lands in
/// `capture` as raw interleaved samples, so a test hears what playback really sent.
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
