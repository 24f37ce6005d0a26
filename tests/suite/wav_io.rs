//! Spectro's mapped WAV reader against hound's reader, and writing back in the source format.

use crate::common;

use common::{Rng, write_wav_hound};
use spectro::io::{Encoding, OpenOptions, Recording};
use spectro::signal::{Complex32, SampleSource};

fn specs() -> Vec<(hound::WavSpec, Encoding)> {
    let int = |bits, ch| hound::WavSpec {
        channels: ch,
        sample_rate: 22_050,
        bits_per_sample: bits,
        sample_format: hound::SampleFormat::Int,
    };
    vec![
        (int(8, 1), Encoding::Pcm8),
        (int(16, 2), Encoding::Pcm16),
        (int(24, 3), Encoding::Pcm24),
        (int(32, 6), Encoding::Pcm32),
        (
            hound::WavSpec {
                channels: 2,
                sample_rate: 96_000,
                bits_per_sample: 32,
                sample_format: hound::SampleFormat::Float,
            },
            Encoding::Float32,
        ),
    ]
}

/// hound's own decoding of every sample, per channel, normalised like Spectro's.
fn hound_channels(path: &std::path::Path) -> Vec<Vec<f64>> {
    let mut r = hound::WavReader::open(path).unwrap();
    let spec = r.spec();
    let ch = spec.channels as usize;
    let values: Vec<f64> = match spec.sample_format {
        hound::SampleFormat::Float => r.samples::<f32>().map(|s| s.unwrap() as f64).collect(),
        hound::SampleFormat::Int => {
            let scale = 2f64.powi(spec.bits_per_sample as i32 - 1);
            r.samples::<i32>().map(|s| s.unwrap() as f64 / scale).collect()
        }
    };
    (0..ch)
        .map(|c| values.iter().skip(c).step_by(ch).cloned().collect())
        .collect()
}

#[test]
fn mapped_reader_decodes_every_format_like_hound() {
    let dir = tempfile::tempdir().unwrap();
    for (spec, encoding) in specs() {
        let ch = spec.channels as usize;
        let frames = 5_001;
        let mut rng = Rng(spec.bits_per_sample as u64 + ch as u64);
        let data: Vec<f64> = (0..frames * ch).map(|_| 0.99 * rng.uniform() as f64).collect();
        let path = dir.path().join(format!("t{}_{}.wav", spec.bits_per_sample, ch));
        write_wav_hound(&path, spec, &data);

        let rec = Recording::open(&path, OpenOptions::default()).unwrap();
        assert_eq!(rec.encoding(), encoding);
        assert_eq!(rec.channels(), ch);
        assert_eq!(rec.len(), frames as u64);
        assert_eq!(rec.sample_rate(), spec.sample_rate as f64);
        let reference = hound_channels(&path);
        for (c, expected) in reference.iter().enumerate() {
            // Read with margins outside the file: they must come back as zeros.
            let mut got = vec![1.0f32; frames + 20];
            rec.read_real(c, -10, &mut got);
            assert!(got[..10].iter().chain(&got[frames + 10..]).all(|&v| v == 0.0));
            for (i, (&g, &e)) in got[10..frames + 10].iter().zip(expected).enumerate() {
                assert_eq!(g as f64, e as f32 as f64, "{encoding:?} ch {c} sample {i}");
            }
        }
    }
}

#[test]
fn export_keeps_the_source_format_and_is_sample_identical_without_edits() {
    let dir = tempfile::tempdir().unwrap();
    let edits = dir.path().join("none.json");
    std::fs::write(&edits, r#"{"version":1,"edits":[]}"#).unwrap();
    for (spec, _) in specs() {
        let ch = spec.channels as usize;
        let mut rng = Rng(77);
        let data: Vec<f64> = (0..3_000 * ch).map(|_| 0.9 * rng.uniform() as f64).collect();
        let input = dir.path().join(format!("in{}_{}.wav", spec.bits_per_sample, ch));
        let output = dir.path().join(format!("out{}_{}.wav", spec.bits_per_sample, ch));
        write_wav_hound(&input, spec, &data);
        let o = common::spectro(&[
            "apply",
            input.to_str().unwrap(),
            "--edits",
            edits.to_str().unwrap(),
            "-o",
            output.to_str().unwrap(),
            "--quiet",
        ]);
        assert!(o.status.success(), "{}", common::stderr(&o));
        let a = hound::WavReader::open(&input).unwrap();
        let b = hound::WavReader::open(&output).unwrap();
        assert_eq!(a.spec(), b.spec());
        // 8-, 16- and 24-bit PCM and float survive f32 exactly; 32-bit PCM keeps 24 bits.
        let tolerance = if spec.bits_per_sample == 32 && spec.sample_format == hound::SampleFormat::Int {
            2f64.powi(-24)
        } else {
            0.0
        };
        let (x, y) = (hound_channels(&input), hound_channels(&output));
        let worst = x
            .iter()
            .flatten()
            .zip(y.iter().flatten())
            .map(|(p, q)| (p - q).abs())
            .fold(0.0, f64::max);
        assert!(worst <= tolerance, "{spec:?}: samples differ by up to {worst:e}");
    }
}

#[test]
fn iq_wav_and_raw_cu8_of_the_same_capture_agree() {
    let wav = Recording::open(
        common::data("dump1090_modes1_1090M_2000k_iq16.wav"),
        OpenOptions {
            iq: true,
            sample_rate: None,
        },
    )
    .unwrap();
    let raw = Recording::open(
        common::data("dump1090_modes1_1090M_2000k.cu8"),
        OpenOptions {
            iq: false,
            sample_rate: Some(2e6),
        },
    )
    .unwrap();
    assert!(wav.is_complex() && raw.is_complex());
    assert_eq!(wav.len(), raw.len());
    assert_eq!(wav.sample_rate(), 2e6);
    let n = wav.len() as usize;
    let mut a = vec![Complex32::default(); n];
    let mut b = vec![Complex32::default(); n];
    wav.read_complex(0, 0, &mut a);
    raw.read_complex(0, 0, &mut b);
    // The WAV was made from the cu8 bytes; both decode to the same values within 16-bit steps.
    let err = a.iter().zip(&b).map(|(x, y)| (x - y).norm()).fold(0.0, f32::max);
    assert!(err < 2.0 / 127.5, "max difference {err}");
    // And the capture is not silent: ADS-B replies reach well above the noise.
    let peak = b.iter().map(|z| z.norm()).fold(0.0, f32::max);
    assert!(peak > 0.5, "peak {peak}");
}
