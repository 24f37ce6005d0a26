//! IQ recordings end to end: SDR WAV metadata, SigMF sidecars, format-keeping exports, and
//! removing an interferer from a real capture.

use crate::common;

use std::f64::consts::TAU;
use std::path::Path;

use common::{data, spectro, stderr};
use spectro::io::{Encoding, OpenOptions, Recording};
use spectro::signal::{Complex32, SampleSource};

/// A stereo 16-bit WAV with an SDR `auxi` chunk (SpectraVue layout) before its data.
fn sdr_wav(path: &Path, rate: u32, center_hz: u32, iq: &[(i16, i16)]) {
    let mut auxi = vec![0u8; 16 + 16];
    auxi.extend_from_slice(&center_hz.to_le_bytes());
    auxi.extend_from_slice(&rate.to_le_bytes());
    auxi.extend(vec![0u8; 36]);
    let data_len = (iq.len() * 4) as u32;
    let mut v = Vec::new();
    v.extend_from_slice(b"RIFF");
    v.extend_from_slice(&(4 + 24 + 8 + auxi.len() as u32 + 8 + data_len).to_le_bytes());
    v.extend_from_slice(b"WAVEfmt ");
    v.extend_from_slice(&16u32.to_le_bytes());
    v.extend_from_slice(&1u16.to_le_bytes());
    v.extend_from_slice(&2u16.to_le_bytes());
    v.extend_from_slice(&rate.to_le_bytes());
    v.extend_from_slice(&(rate * 4).to_le_bytes());
    v.extend_from_slice(&4u16.to_le_bytes());
    v.extend_from_slice(&16u16.to_le_bytes());
    v.extend_from_slice(b"auxi");
    v.extend_from_slice(&(auxi.len() as u32).to_le_bytes());
    v.extend_from_slice(&auxi);
    v.extend_from_slice(b"data");
    v.extend_from_slice(&data_len.to_le_bytes());
    for (i, q) in iq {
        v.extend_from_slice(&i.to_le_bytes());
        v.extend_from_slice(&q.to_le_bytes());
    }
    std::fs::write(path, v).unwrap();
}

fn chunk_ids(bytes: &[u8]) -> Vec<String> {
    let mut ids = Vec::new();
    let mut pos = 12;
    while pos + 8 <= bytes.len() {
        ids.push(String::from_utf8_lossy(&bytes[pos..pos + 4]).into_owned());
        let len = u32::from_le_bytes(bytes[pos + 4..pos + 8].try_into().unwrap()) as usize;
        pos += 8 + len + (len & 1);
    }
    ids
}

#[test]
fn an_sdr_wav_opens_as_iq_with_its_centre_frequency_and_keeps_it_on_export() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("HDSDR_20240101_120000Z_433920kHz_RF.wav");
    let iq: Vec<(i16, i16)> = (0..50_000)
        .map(|n| {
            let ph = TAU * 25_000.0 * n as f64 / 250_000.0;
            ((8000.0 * ph.cos()) as i16, (8000.0 * ph.sin()) as i16)
        })
        .collect();
    sdr_wav(&input, 250_000, 433_920_000, &iq);

    // No --iq needed: the auxi chunk says what it is.
    let rec = Recording::open(&input, OpenOptions::default()).unwrap();
    assert!(rec.is_complex());
    assert_eq!(rec.channels(), 1);
    assert_eq!(rec.center_freq_hz(), Some(433_920_000.0));
    let o = spectro(&["info", "--json", input.to_str().unwrap()]);
    let info: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(info["iq"], true);
    assert_eq!(info["center_freq_hz"], 433_920_000.0);
    // Its length is in samples per channel (STFT frames are something else).
    assert_eq!(info["samples"], 50_000);
    assert!(info.get("frames").is_none(), "{info}");

    // Remove the +25 kHz carrier; the export keeps the format and the auxi chunk, before data.
    let edits = dir.path().join("e.json");
    std::fs::write(
        &edits,
        r#"{"version":1,"stft":{"fft":1024},"edits":[{"type":"rect","time_s":[0,1],"freq_hz":[20000,30000],"gain_db":"-inf"}]}"#,
    )
    .unwrap();
    let out = dir.path().join("clean.wav");
    let o = spectro(&[
        "apply",
        input.to_str().unwrap(),
        "--edits",
        edits.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let bytes = std::fs::read(&out).unwrap();
    assert_eq!(chunk_ids(&bytes), vec!["fmt ", "auxi", "data"]);
    let original = std::fs::read(&input).unwrap();
    let auxi_at = |b: &[u8]| b.windows(4).position(|w| w == b"auxi").unwrap();
    let (a, b) = (auxi_at(&original), auxi_at(&bytes));
    assert_eq!(
        &original[a..a + 8 + 68],
        &bytes[b..b + 8 + 68],
        "auxi carried over unchanged"
    );
    // hound (an independent reader) reads the result.
    let r = hound::WavReader::open(&out).unwrap();
    assert_eq!(r.spec().channels, 2);
    assert_eq!(r.spec().bits_per_sample, 16);
    assert_eq!(r.len(), 100_000);
    let back = Recording::open(&out, OpenOptions::default()).unwrap();
    assert!(back.is_complex());
    assert_eq!(back.center_freq_hz(), Some(433_920_000.0));
    let mut z = vec![Complex32::default(); 50_000];
    back.read_complex(0, 0, &mut z);
    let rms = (z[5_000..45_000].iter().map(|v| v.norm_sqr() as f64).sum::<f64>() / 40_000.0).sqrt();
    assert!(rms < 8000.0 / 32768.0 * 1e-3, "carrier left at {rms}");
}

#[test]
fn sigmf_pairs_open_without_options() {
    let dir = tempfile::tempdir().unwrap();
    let data_path = dir.path().join("burst.sigmf-data");
    let samples: Vec<u8> = (0..4000i32)
        .flat_map(|n| {
            let i = ((n % 200) * 100 - 10_000) as i16;
            let q = (-(n % 300) * 50) as i16;
            [i.to_le_bytes(), q.to_le_bytes()].concat()
        })
        .collect();
    std::fs::write(&data_path, &samples).unwrap();
    std::fs::write(
        dir.path().join("burst.sigmf-meta"),
        r#"{"global":{"core:datatype":"ci16_le","core:sample_rate":1000000,"core:version":"1.0.0"},
            "captures":[{"core:sample_start":0,"core:frequency":868300000}],"annotations":[]}"#,
    )
    .unwrap();
    for p in ["burst.sigmf-data", "burst.sigmf-meta"] {
        let rec = Recording::open(dir.path().join(p), OpenOptions::default()).unwrap();
        assert_eq!(rec.encoding(), Encoding::Cs16);
        assert_eq!(rec.sample_rate(), 1e6);
        assert_eq!(rec.center_freq_hz(), Some(868.3e6));
        assert_eq!(rec.len(), 4000);
        let mut z = vec![Complex32::default(); 3];
        rec.read_complex(0, 201, &mut z);
        assert_eq!(z[0], Complex32::new(-9900.0 / 32768.0, -(201.0 * 50.0) / 32768.0));
    }
    // Without its metadata a .sigmf-data file says what is missing.
    std::fs::remove_file(dir.path().join("burst.sigmf-meta")).unwrap();
    let o = spectro(&["info", data_path.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("needs its .sigmf-meta"), "{}", stderr(&o));
}

/// rtl_433 and dump1090 name raw captures `<freq>_<rate>.cu8`; with no sidecar and no
/// `--sample-rate`, that name is what tells their rate and centre.
#[test]
fn raw_captures_named_the_rtl_433_way_open_without_options() {
    let rec = Recording::open(data("dump1090_modes1_1090M_2000k.cu8"), OpenOptions::default()).unwrap();
    assert_eq!(rec.sample_rate(), 2e6);
    assert_eq!(rec.center_freq_hz(), Some(1090e6));
    // The user's rate wins over the name.
    let options = OpenOptions {
        sample_rate: Some(2.4e6),
        ..OpenOptions::default()
    };
    let rec = Recording::open(data("dump1090_modes1_1090M_2000k.cu8"), options).unwrap();
    assert_eq!(rec.sample_rate(), 2.4e6);
    // A plain name still asks for the rate, in one line, exit code 2.
    let dir = tempfile::tempdir().unwrap();
    let plain = dir.path().join("capture.cu8");
    std::fs::copy(data("dump1090_modes1_1090M_2000k.cu8"), &plain).unwrap();
    let o = spectro(&["info", plain.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--sample-rate"), "{}", stderr(&o));
}

/// Energy of `x` in frames where `reference` is active (ADS-B replies), and the frame mask.
fn burst_energy(x: &[Complex32], active: &[bool], frame: usize) -> f64 {
    x.chunks(frame)
        .zip(active)
        .filter(|(_, a)| **a)
        .map(|(c, _)| c.iter().map(|v| v.norm_sqr() as f64).sum::<f64>())
        .sum()
}

#[test]
fn a_cw_interferer_at_negative_frequency_is_removed_from_a_real_capture() {
    let dir = tempfile::tempdir().unwrap();
    let capture = Recording::open(
        data("dump1090_modes1_1090M_2000k.cu8"),
        OpenOptions {
            iq: false,
            sample_rate: Some(2e6),
        },
    )
    .unwrap();
    let n = capture.len() as usize;
    let mut clean = vec![Complex32::default(); n];
    capture.read_complex(0, 0, &mut clean);
    // A strong carrier 300 kHz below the centre, as loud as the strongest replies.
    let f_cw = -300_000.0;
    let interferer: Vec<Complex32> = (0..n)
        .map(|k| Complex32::from_polar(0.3, ((TAU * f_cw * k as f64 / 2e6) % TAU) as f32))
        .collect();
    let mixed: Vec<Complex32> = clean.iter().zip(&interferer).map(|(a, b)| a + b).collect();
    let input = dir.path().join("adsb_with_cw.cf32");
    let bytes: Vec<u8> = mixed
        .iter()
        .flat_map(|z| [z.re.to_le_bytes(), z.im.to_le_bytes()].concat())
        .collect();
    std::fs::write(&input, bytes).unwrap();
    let edits = dir.path().join("notch.json");
    std::fs::write(
        &edits,
        r#"{"version":1,"stft":{"fft":1024,"hop":256},"edits":[{"type":"rect","time_s":[0,1],"freq_hz":[-306000,-294000],"gain_db":"-inf"}]}"#,
    )
    .unwrap();
    let output = dir.path().join("adsb_clean.cf32");
    let o = spectro(&[
        "apply",
        input.to_str().unwrap(),
        "--sample-rate",
        "2M",
        "--edits",
        edits.to_str().unwrap(),
        "-o",
        output.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out_bytes = std::fs::read(&output).unwrap();
    assert_eq!(out_bytes.len(), n * 8, "raw stays raw, same encoding");
    let y: Vec<Complex32> = out_bytes
        .chunks_exact(8)
        .map(|b| {
            Complex32::new(
                f32::from_le_bytes(b[..4].try_into().unwrap()),
                f32::from_le_bytes(b[4..].try_into().unwrap()),
            )
        })
        .collect();

    // What is left of the carrier: project the output minus the clean capture on it, away
    // from the ends where frames are only partly inside the recording.
    let inner = 4096..n - 4096;
    let residual: Vec<Complex32> = y.iter().zip(&clean).map(|(a, b)| a - b).collect();
    let proj = residual[inner.clone()]
        .iter()
        .zip(&interferer[inner.clone()])
        .map(|(r, i)| r * i.conj())
        .sum::<Complex32>()
        .norm() as f64
        / inner.len() as f64;
    let removed_db = 20.0 * (proj / 0.3).log10();
    assert!(removed_db < -50.0, "carrier left at {removed_db:.1} dB");

    // The replies elsewhere in the band keep their energy.
    let frame = 200; // 100 µs
    let active: Vec<bool> = clean
        .chunks(frame)
        .map(|c| c.iter().map(|v| v.norm()).fold(0.0, f32::max) > 0.35)
        .collect();
    let replies = active.iter().filter(|a| **a).count();
    assert!(
        replies > 20,
        "only {replies} active frames: is the capture right?"
    );
    let before = burst_energy(&clean, &active, frame);
    let after = burst_energy(&y, &active, frame);
    let change = 10.0 * (after / before).log10();
    assert!(change.abs() < 0.5, "replies changed by {change:.3} dB");
}

#[test]
fn extracting_a_band_tunes_it_to_baseband_and_decimates() {
    let dir = tempfile::tempdir().unwrap();
    let fs = 2e6;
    let n = 200_000;
    let wanted = 0.2f32;
    let z: Vec<Complex32> = (0..n)
        .map(|k| {
            let ph = |f: f64| ((TAU * f * k as f64 / fs) % TAU) as f32;
            // The burst we want 1 kHz above 200 kHz, an interferer at -300 kHz.
            Complex32::from_polar(wanted, ph(201_000.0)) + Complex32::from_polar(0.5, ph(-300_000.0))
        })
        .collect();
    let input = dir.path().join("cap.cf32");
    std::fs::write(
        &input,
        z.iter()
            .flat_map(|v| [v.re.to_le_bytes(), v.im.to_le_bytes()].concat())
            .collect::<Vec<u8>>(),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("cap.sigmf-meta"),
        r#"{"global":{"core:datatype":"cf32_le","core:sample_rate":2000000},"captures":[{"core:sample_start":0,"core:frequency":1090000000}]}"#,
    )
    .unwrap();
    let out = dir.path().join("burst.cf32");
    let o = spectro(&[
        "extract",
        input.to_str().unwrap(),
        "--time",
        "0.01:0.09",
        "--freq",
        "190000:210000",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    // No --sample-rate needed: the output carries its own SigMF metadata.
    let rec = Recording::open(&out, OpenOptions::default()).unwrap();
    // The 20 kHz band plus the mask's feather (two 977 Hz bins each side) and a 10 % margin
    // fit in ±15.6 kHz: 2 MS/s decimated by 64.
    assert_eq!(rec.sample_rate(), 31_250.0);
    assert_eq!(rec.center_freq_hz(), Some(1_090_200_000.0));
    assert_eq!(rec.len(), 2500, "0.08 s at 31.25 kS/s");
    let mut y = vec![Complex32::default(); 2500];
    rec.read_complex(0, 0, &mut y);
    // The wanted tone now sits at +1 kHz with its level; nothing of the interferer is left.
    let inner = &y[200..2300];
    let project = |f: f64| {
        inner
            .iter()
            .enumerate()
            .map(|(k, v)| {
                v * Complex32::from_polar(1.0, (-(TAU * f * (k + 200) as f64 / 31_250.0) % TAU) as f32)
            })
            .sum::<Complex32>()
            .norm()
            / inner.len() as f32
    };
    let level = project(1000.0);
    assert!(
        (20.0 * (level / wanted).log10()).abs() < 0.1,
        "tone level {level}"
    );
    let power: f32 = inner.iter().map(|v| v.norm_sqr()).sum::<f32>() / inner.len() as f32;
    let other = power - level * level;
    assert!(
        10.0 * (other.max(1e-20) / (wanted * wanted)).log10() < -60.0,
        "residual power {other:e}"
    );
}

/// `--edits` applies the document's edits before cutting the region: an interferer removed by
/// a rect edit inside the band stays removed in the extracted file.
#[test]
fn extracting_with_edits_keeps_the_interferer_cut() {
    let dir = tempfile::tempdir().unwrap();
    let fs = 1e6;
    let z: Vec<Complex32> = (0..100_000)
        .map(|k| {
            let ph = |f: f64| ((TAU * f * k as f64 / fs) % TAU) as f32;
            Complex32::from_polar(0.2, ph(101_000.0)) + Complex32::from_polar(0.4, ph(106_000.0))
        })
        .collect();
    let input = dir.path().join("cap_433M_1000k.cf32");
    std::fs::write(
        &input,
        z.iter()
            .flat_map(|v| [v.re.to_le_bytes(), v.im.to_le_bytes()].concat())
            .collect::<Vec<u8>>(),
    )
    .unwrap();
    let edits = dir.path().join("e.json");
    std::fs::write(
        &edits,
        r#"{"version":1,"edits":[{"type":"rect","time_s":[0,1],"freq_hz":[104000,108000],"gain_db":"-inf"}]}"#,
    )
    .unwrap();
    let level = |out: &Path| -> (f32, f32) {
        let rec = Recording::open(out, OpenOptions::default()).unwrap();
        let rate = rec.sample_rate();
        let mut y = vec![Complex32::default(); rec.len() as usize];
        rec.read_complex(0, 0, &mut y);
        let inner = &y[y.len() / 5..y.len() * 4 / 5];
        let project = |f: f64| {
            inner
                .iter()
                .enumerate()
                .map(|(k, v)| v * Complex32::from_polar(1.0, (-(TAU * f * k as f64 / rate) % TAU) as f32))
                .sum::<Complex32>()
                .norm()
                / inner.len() as f32
        };
        // The band 95..115 kHz is centred on 105 kHz: the tones sit at -4 and +1 kHz.
        (project(-4000.0), project(1000.0))
    };
    let plain = dir.path().join("plain.cf32");
    let cleaned = dir.path().join("cleaned.cf32");
    for (out, with_edits) in [(&plain, false), (&cleaned, true)] {
        let mut args = vec![
            "extract",
            input.to_str().unwrap(),
            "--time",
            "0.01:0.09",
            "--freq",
            "95000:115000",
            "-o",
            out.to_str().unwrap(),
        ];
        if with_edits {
            args.extend(["--edits", edits.to_str().unwrap()]);
        }
        let o = spectro(&args);
        assert!(o.status.success(), "{}", stderr(&o));
    }
    let (wanted, interferer) = level(&plain);
    assert!(
        (wanted - 0.2).abs() < 0.01 && (interferer - 0.4).abs() < 0.02,
        "{wanted} {interferer}"
    );
    let (wanted, interferer) = level(&cleaned);
    assert!(
        (20.0 * (wanted / 0.2).log10()).abs() < 0.1,
        "the wanted tone: {wanted}"
    );
    assert!(
        20.0 * (interferer / 0.4).log10() < -50.0,
        "the interferer: {interferer}"
    );
}
