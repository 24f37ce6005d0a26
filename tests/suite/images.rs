//! Spectrogram pictures both ways (issue 6): `spectro render` PNGs turn back into sound without
//! options; an edited picture with `--original` changes only the edited spot; a librosa
//! `specshow` picture of a real recording turns into sound whose own picture matches it far
//! better than the obvious inversion (nearest colour + 32 iterations of librosa.griffinlim).
//!
//! Spectral convergence (SC) = 20·log10(‖|STFT(x)| − |STFT(y)|‖ / ‖|STFT(x)|‖) in dB against
//! the original recording, lower is better.

use crate::common;

use std::path::Path;

use common::{data, spectro, stderr};
use spectro::io::picture::{Picture, Pixels, read_png, write_png};
use spectro::io::{OpenOptions, Recording};
use spectro::signal::phase::magnitude;
use spectro::signal::{
    Colormap, Complex32, Convention, FreqScale, SampleSource, Stft, StftParams, StftSample, WindowKind,
};

fn read_real(path: &Path) -> (f64, Vec<Vec<f32>>) {
    let rec = Recording::open(path, OpenOptions::default()).unwrap();
    let channels = (0..rec.channels())
        .map(|c| {
            let mut x = vec![0.0f32; rec.len() as usize];
            rec.read_real(c, 0, &mut x);
            x
        })
        .collect();
    (rec.sample_rate(), channels)
}

/// SC of `y` against `x` with the picture's STFT: Hann, `fft_len`, a quarter-frame hop.
fn sc_db<T: StftSample>(x: &[T], y: &[T], fft_len: usize) -> f64 {
    assert_eq!(x.len(), y.len(), "lengths differ");
    let stft = Stft::<T>::new(StftParams::with_fft(fft_len), Convention::Scipy).unwrap();
    let (a, b) = (magnitude(&stft, x), magnitude(&stft, y));
    let err: f64 = a.iter().zip(&b).map(|(&p, &q)| ((p - q) as f64).powi(2)).sum();
    let reference: f64 = a.iter().map(|&p| (p as f64).powi(2)).sum();
    10.0 * (err / reference).log10()
}

fn run_ok(args: &[&str]) -> String {
    let out = spectro(args);
    assert!(out.status.success(), "spectro {args:?} failed: {}", stderr(&out));
    stderr(&out)
}

fn json_of(args: &[&str]) -> serde_json::Value {
    let out = spectro(args);
    assert!(out.status.success(), "spectro {args:?} failed: {}", stderr(&out));
    serde_json::from_slice(&out.stdout).expect("one JSON object on stdout")
}

#[test]
fn cells_picture_turns_back_into_the_recording_without_options() {
    let dir = tempfile::tempdir().unwrap();
    let src = data("sat_ao73.wav");
    let (_, original) = read_real(&src);
    for (name, extra) in [("rgb", None), ("gray16", Some("--gray16"))] {
        let png = dir.path().join(format!("{name}.png"));
        let wav = dir.path().join(format!("{name}.wav"));
        let mut args = vec![
            "render",
            src.to_str().unwrap(),
            "-o",
            png.to_str().unwrap(),
            "--cells",
        ];
        args.extend(extra);
        run_ok(&args);
        let picture = read_png(&png).unwrap();
        let meta = picture.meta().expect("metadata present").unwrap();
        assert!(meta.cells);
        // One column per frame, one row per bin.
        assert_eq!((picture.width, picture.height), (meta.frames[1] as u32, 1025));
        let summary = json_of(&[
            "from-image",
            png.to_str().unwrap(),
            "-o",
            wav.to_str().unwrap(),
            "--json",
        ]);
        assert_eq!(summary["metadata"], true);
        let (rate, back) = read_real(&wav);
        assert_eq!(rate, 48000.0);
        assert_eq!(back.len(), 1);
        let sc = sc_db(&original[0], &back[0], 2048);
        println!("{name}: SC {sc:.1} dB against the original (AO-73 downlink, 5.6 s)");
        // Measured: −26.6 dB (colours), −27.1 dB (16-bit grey); the noisy downlink limits it.
        assert!(sc <= -20.0, "{name}: SC {sc:.2} dB");
    }
}

#[test]
fn iq_cells_picture_turns_back_into_iq() {
    let dir = tempfile::tempdir().unwrap();
    let src = data("dump1090_modes1_1090M_2000k.cu8");
    let png = dir.path().join("iq.png");
    let out = dir.path().join("iq.cf32");
    run_ok(&[
        "render",
        src.to_str().unwrap(),
        "--sample-rate",
        "2M",
        "--fft",
        "256",
        "-o",
        png.to_str().unwrap(),
        "--cells",
    ]);
    run_ok(&["from-image", png.to_str().unwrap(), "-o", out.to_str().unwrap()]);
    let open = |p: &Path| {
        let rec = Recording::open(
            p,
            OpenOptions {
                iq: true,
                sample_rate: Some(2e6),
            },
        )
        .unwrap();
        let mut x = vec![Complex32::default(); rec.len() as usize];
        rec.read_complex(0, 0, &mut x);
        x
    };
    let (x, y) = (open(&src), open(&out));
    let sc = sc_db(&x, &y, 256);
    println!("IQ (Mode S bursts): SC {sc:.1} dB");
    assert!(sc <= -20.0, "SC {sc:.2} dB");
}

/// Paints a bright rectangle into a Spectro picture and keeps its metadata.
fn paint(from: &Path, to: &Path, columns: std::ops::Range<u32>, rows: std::ops::Range<u32>) {
    let mut p: Picture = read_png(from).unwrap();
    let Pixels::Rgb8(px) = &mut p.pixels else {
        panic!("RGB picture expected")
    };
    for y in rows {
        for x in columns.clone() {
            px[(y * p.width + x) as usize] = Colormap::Inferno.lut()[230];
        }
    }
    let bytes: Vec<u8> = px.iter().flatten().copied().collect();
    let text: Vec<(&str, String)> = p.text.iter().map(|(k, v)| (k.as_str(), v.clone())).collect();
    write_png(
        to,
        p.width,
        p.height,
        spectro::io::picture::PixelFormat::Rgb8,
        &bytes,
        &text,
        &[],
        true,
    )
    .unwrap();
}

#[test]
fn with_the_original_only_the_painted_spot_changes() {
    let dir = tempfile::tempdir().unwrap();
    let src = data("ft8lib_20m_busy_test_01.wav");
    let png = dir.path().join("ft8.png");
    run_ok(&[
        "render",
        src.to_str().unwrap(),
        "-o",
        png.to_str().unwrap(),
        "--cells",
    ]);
    let (_, x) = read_real(&src);

    // Unedited, the picture gives back the original exactly.
    let same = dir.path().join("same.wav");
    let summary = json_of(&[
        "from-image",
        png.to_str().unwrap(),
        "-o",
        same.to_str().unwrap(),
        "--original",
        src.to_str().unwrap(),
        "--json",
    ]);
    assert_eq!(summary["changed_cells"], 0);
    assert_eq!(
        read_real(&same).1,
        x,
        "an unedited picture must give the original back"
    );

    // A stroke over frames 100..110 at 3 kHz (rows count down from 6 kHz at the top).
    let painted = dir.path().join("painted.png");
    let bin = 512u32; // 3000 Hz at 12 kHz / 2048
    paint(&png, &painted, 100..110, 1024 - bin - 3..1024 - bin + 4);
    let out = dir.path().join("painted.wav");
    let summary = json_of(&[
        "from-image",
        painted.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--original",
        src.to_str().unwrap(),
        "--json",
    ]);
    assert_eq!(summary["changed_cells"], 70);
    let (rate, y) = read_real(&out);
    assert_eq!(rate, 12000.0);
    let y = &y[0];
    assert_eq!(y.len(), x[0].len());
    // Frames 100..110 read samples 100·512 − 1024 .. 109·512 + 1024; nothing else may change.
    let (lo, hi) = (100 * 512 - 1024, 109 * 512 + 1024);
    let changed: Vec<usize> = (0..y.len()).filter(|&i| y[i] != x[0][i]).collect();
    assert!(!changed.is_empty());
    assert!(
        changed.iter().all(|&i| (lo..hi).contains(&i)),
        "samples {}..{} changed, outside {lo}..{hi}",
        changed[0],
        changed[changed.len() - 1]
    );
    // The stroke is there: 3 kHz in frames 102..108 went up from the band's quiet hiss to the
    // painted level (colour 230 of 255 below the ceiling).
    let stft = Stft::<f32>::new(StftParams::with_fft(2048), Convention::Scipy).unwrap();
    let (before, after) = (magnitude(&stft, &x[0]), magnitude(&stft, y));
    let bins = stft.bins();
    let level = |m: &[f32]| {
        let e: f64 = (102..108)
            .map(|k| (m[k * bins + bin as usize] as f64).powi(2))
            .sum();
        10.0 * (e / 6.0).log10()
    };
    let meta = read_png(&png).unwrap().meta().unwrap().unwrap();
    let painted_db = meta.floor_db + 230.0 / 255.0 * (meta.ceiling_db - meta.floor_db);
    let full_scale = stft.full_scale_magnitude() as f64;
    let (was, now) = (
        level(&before) - 20.0 * full_scale.log10(),
        level(&after) - 20.0 * full_scale.log10(),
    );
    println!("3 kHz: {was:.1} dBFS before, {now:.1} dBFS after, painted {painted_db:.1} dBFS");
    assert!(now > was + 20.0, "{was:.1} → {now:.1} dBFS");
    assert!(
        (now - painted_db as f64).abs() < 3.0,
        "{now:.1} vs {painted_db:.1} dBFS"
    );
}

#[test]
fn axes_and_a_chosen_size_still_invert_without_options() {
    // A real recording drawn on a log axis with labels around: the importer finds the plot
    // from the metadata, and the FT8 band (1.1–2.7 kHz) stays where it was.
    let dir = tempfile::tempdir().unwrap();
    let src = data("ft8lib_20m_busy_test_01.wav");
    let png = dir.path().join("axes.png");
    let out = dir.path().join("axes.wav");
    run_ok(&[
        "render",
        src.to_str().unwrap(),
        "-o",
        png.to_str().unwrap(),
        "--size",
        "500x300",
        "--axes",
        "--scale",
        "log",
        "--freq-range",
        "100:6000",
        "--colormap",
        "viridis",
    ]);
    let picture = read_png(&png).unwrap();
    let meta = picture.meta().unwrap().unwrap();
    assert_eq!((meta.plot.width(), meta.plot.height()), (500, 300));
    assert!(picture.width > 500 && picture.height > 300, "axes take room");
    run_ok(&["from-image", png.to_str().unwrap(), "-o", out.to_str().unwrap()]);
    let (_, x) = read_real(&src);
    let (_, y) = read_real(&out);
    assert_eq!(y[0].len(), x[0].len());
    // Energy per 100 Hz band, original and rebuilt: the busiest band must be the same one.
    let band_energy = |s: &[f32]| -> Vec<f64> {
        let stft = Stft::<f32>::new(StftParams::with_fft(2048), Convention::Scipy).unwrap();
        let m = magnitude(&stft, s);
        let bins = stft.bins();
        let mut bands = vec![0.0; 60];
        for frame in m.chunks(bins) {
            for (b, &v) in frame.iter().enumerate() {
                let f = b as f64 * 12000.0 / 2048.0;
                if (100.0..6000.0).contains(&f) {
                    bands[(f / 100.0) as usize] += (v as f64).powi(2);
                }
            }
        }
        bands
    };
    let argmax = |v: &[f64]| (0..v.len()).max_by(|&a, &b| v[a].total_cmp(&v[b])).unwrap();
    let (a, b) = (band_energy(&x[0]), band_energy(&y[0]));
    assert_eq!(argmax(&a), argmax(&b), "busiest 100 Hz band moved");
    // And the band profile follows the original's (correlation of dB profiles).
    let db = |v: &[f64]| {
        v[1..]
            .iter()
            .map(|e| 10.0 * (e + 1e-12).log10())
            .collect::<Vec<f64>>()
    };
    let (da, dbb) = (db(&a), db(&b));
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    let (ma, mb) = (mean(&da), mean(&dbb));
    let cov: f64 = da.iter().zip(&dbb).map(|(p, q)| (p - ma) * (q - mb)).sum();
    let var = |v: &[f64], m: f64| v.iter().map(|p| (p - m).powi(2)).sum::<f64>();
    let r = cov / (var(&da, ma) * var(&dbb, mb)).sqrt();
    println!("band profile correlation {r:.3}");
    assert!(r > 0.95, "correlation {r:.3}");
}

// ---- librosa specshow pictures ----

/// How tests/data/gen_specshow.py drew the picture (read from its JSON).
struct Specshow {
    sample_rate: f64,
    samples: usize,
    n_fft: usize,
    hop: usize,
    top_db: f32,
    width: usize,
    height: usize,
    baseline_mean_abs_db: f64,
}

fn specshow_settings() -> Specshow {
    let text = std::fs::read_to_string(data("specshow_ao73.json")).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let u = |k: &str| v[k].as_u64().unwrap() as usize;
    Specshow {
        sample_rate: v["sample_rate"].as_f64().unwrap(),
        samples: u("samples"),
        n_fft: u("n_fft"),
        hop: u("hop"),
        top_db: v["top_db"].as_f64().unwrap() as f32,
        width: u("width"),
        height: u("height"),
        baseline_mean_abs_db: v["baseline_mean_abs_db"].as_f64().unwrap(),
    }
}

/// The magma index of every pixel of `x` drawn as gen_specshow.py draws it, in Rust:
/// |librosa.stft| (centred, zero padding), amplitude_to_db(ref=max, amin=1e-5, top_db),
/// pcolormesh over bin edges −Δf/2 … sr/2 + Δf/2 on librosa's log axis and frame edges
/// ±hop/2, each pixel taking the cell under its centre, normalised from the data's minimum to
/// its maximum and coloured with entry floor(256·v) (matplotlib's rule).
fn specshow_indices(x: &[f32], s: &Specshow) -> Vec<u8> {
    let stft = Stft::<f32>::new(
        StftParams {
            fft_len: s.n_fft,
            hop: s.hop,
            window: WindowKind::Hann,
        },
        Convention::Librosa,
    )
    .unwrap();
    let spec = stft.stft(x);
    let frames = stft.num_frames(x.len() as u64);
    let bins = stft.bins();
    let amin = 1e-5f64;
    let mag: Vec<f64> = (0..frames)
        .flat_map(|k| spec.frame(k).iter().map(|z| z.norm() as f64).collect::<Vec<_>>())
        .collect();
    let top = mag.iter().cloned().fold(0.0, f64::max).max(amin);
    let db: Vec<f64> = mag
        .iter()
        .map(|&m| 20.0 * m.max(amin).log10() - 20.0 * top.log10())
        .collect();
    let vmax = db.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    let db: Vec<f64> = db.iter().map(|&v| v.max(vmax - s.top_db as f64)).collect();
    let vmin = db.iter().cloned().fold(f64::INFINITY, f64::min);
    let df = s.sample_rate / s.n_fft as f64;
    let (lo, hi) = (-df / 2.0, s.sample_rate / 2.0 + df / 2.0);
    let mut out = Vec::with_capacity(s.width * s.height);
    for r in 0..s.height {
        let u = 1.0 - (r as f64 + 0.5) / s.height as f64;
        let f = FreqScale::LibrosaLog.freq_at(u, lo, hi);
        let bin = (((f - lo) / df).floor() as usize).min(bins - 1);
        for c in 0..s.width {
            let frame =
                (((c as f64 + 0.5) * frames as f64 / s.width as f64).floor() as usize).min(frames - 1);
            let v = (db[frame * bins + bin] - vmin) / (vmax - vmin);
            out.push(((v * 256.0).floor() as i64).clamp(0, 255) as u8);
        }
    }
    out
}

/// The magma index of every pixel of a picture (nearest entry).
fn picture_indices(p: &Picture) -> Vec<u8> {
    let lut = Colormap::Magma.lut();
    let Pixels::Rgb8(px) = &p.pixels else {
        panic!("RGB")
    };
    px.iter()
        .map(|c| {
            (0..256)
                .min_by_key(|&i| {
                    lut[i]
                        .iter()
                        .zip(c)
                        .map(|(&a, &b)| (a as i32 - b as i32).pow(2))
                        .sum::<i32>()
                })
                .unwrap() as u8
        })
        .collect()
}

/// Mean absolute difference in dB of two index pictures of the same range.
fn mean_abs_db(a: &[u8], b: &[u8], top_db: f32) -> f64 {
    let step = top_db as f64 / 256.0;
    a.iter()
        .zip(b)
        .map(|(&p, &q)| (p as f64 - q as f64).abs() * step)
        .sum::<f64>()
        / a.len() as f64
}

#[test]
fn specshow_picture_becomes_sound_that_redraws_it_closely() {
    let s = specshow_settings();
    let input = read_png(&data("specshow_ao73.png")).unwrap();
    assert!(input.meta().is_none(), "a picture from elsewhere");
    assert_eq!((input.width as usize, input.height as usize), (s.width, s.height));
    let wanted = picture_indices(&input);

    // The Rust drawing is the Python one: drawing the original clip again reproduces the
    // picture (a handful of pixels on cell boundaries may round differently).
    let (_, original) = read_real(&data("sat_ao73.wav"));
    let clip = &original[0][..s.samples];
    let redrawn = specshow_indices(clip, &s);
    let same = redrawn.iter().zip(&wanted).filter(|(a, b)| a == b).count() as f64 / wanted.len() as f64;
    let drawing_error = mean_abs_db(&redrawn, &wanted, s.top_db);
    println!(
        "Rust drawing of the original: {:.3} % pixels identical, {drawing_error:.4} dB",
        100.0 * same
    );
    assert!(same > 0.999 && drawing_error < 0.002, "{same} {drawing_error}");

    // One command, with what the picture cannot tell.
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("specshow.wav");
    let rate = s.sample_rate.to_string();
    let hop = s.hop.to_string();
    let duration = (s.samples as f64 / s.sample_rate).to_string();
    let summary = json_of(&[
        "from-image",
        data("specshow_ao73.png").to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--sample-rate",
        &rate,
        "--hop",
        &hop,
        "--duration",
        &duration,
        "--scale",
        "librosa-log",
        "--range-db",
        "80",
        "--json",
    ]);
    assert_eq!(summary["colors"], "magma", "auto must recognise magma");
    let (_, y) = read_real(&out);
    assert_eq!(y[0].len(), s.samples);
    let ours = mean_abs_db(&specshow_indices(&y[0], &s), &wanted, s.top_db);
    println!(
        "specshow picture → sound → picture: {ours:.3} dB mean error (baseline, nearest colour + \
         32 librosa.griffinlim iterations: {:.3} dB)",
        s.baseline_mean_abs_db
    );
    // Measured: 0.63 dB against the baseline's 1.52 dB.
    assert!(ours < 0.75, "{ours:.3} dB");
    assert!(
        ours < s.baseline_mean_abs_db / 2.0,
        "{ours:.3} dB is not half the baseline's {:.3} dB",
        s.baseline_mean_abs_db
    );
}

#[test]
fn bad_pictures_and_missing_options_fail_with_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.wav");
    let o = out.to_str().unwrap();
    let check = |args: &[&str], needle: &str| {
        let r = spectro(args);
        let e = stderr(&r);
        assert_eq!(r.status.code(), Some(2), "{args:?}: {e}");
        assert_eq!(e.trim_end().lines().count(), 1, "one line: {e}");
        assert!(e.contains(needle), "{args:?}: '{e}' lacks '{needle}'");
    };
    let wav = data("sat_ao73.wav");
    check(&["from-image", wav.to_str().unwrap(), "-o", o], "not a PNG");
    let specshow = data("specshow_ao73.png");
    let sp = specshow.to_str().unwrap();
    check(&["from-image", sp, "-o", o], "--sample-rate");
    check(
        &["from-image", sp, "-o", o, "--sample-rate", "48000"],
        "--duration",
    );
    check(
        &[
            "from-image",
            sp,
            "-o",
            o,
            "--sample-rate",
            "48000",
            "--hop",
            "512",
            "--crop",
            "0,0,601,400",
        ],
        "does not fit",
    );
    check(
        &[
            "from-image",
            sp,
            "-o",
            o,
            "--sample-rate",
            "48000",
            "--hop",
            "512",
            "--scale",
            "log",
        ],
        "--freq-range",
    );
    check(
        &[
            "from-image",
            sp,
            "-o",
            o,
            "--sample-rate",
            "48000",
            "--hop",
            "512",
            "--colormap",
            "jet",
        ],
        "unknown colormap",
    );
    check(
        &[
            "from-image",
            sp,
            "-o",
            o,
            "--sample-rate",
            "48000",
            "--hop",
            "512",
            "--original",
            wav.to_str().unwrap(),
        ],
        "exported by Spectro",
    );
    // A Spectro picture cropped in an image editor no longer fits its metadata.
    let png = dir.path().join("cells.png");
    run_ok(&[
        "render",
        wav.to_str().unwrap(),
        "-o",
        png.to_str().unwrap(),
        "--cells",
        "--end",
        "1",
    ]);
    let p = read_png(&png).unwrap();
    let Pixels::Rgb8(px) = &p.pixels else { panic!() };
    let w = p.width as usize;
    let cropped: Vec<u8> = px
        .chunks(w)
        .flat_map(|row| row[..w - 10].iter().flatten().copied().collect::<Vec<u8>>())
        .collect();
    let text: Vec<(&str, String)> = p.text.iter().map(|(k, v)| (k.as_str(), v.clone())).collect();
    let cropped_png = dir.path().join("cropped.png");
    write_png(
        &cropped_png,
        p.width - 10,
        p.height,
        spectro::io::picture::PixelFormat::Rgb8,
        &cropped,
        &text,
        &[],
        true,
    )
    .unwrap();
    let c = cropped_png.to_str().unwrap();
    check(&["from-image", c, "-o", o], "resized or cropped");
    check(
        &[
            "from-image",
            png.to_str().unwrap(),
            "-o",
            o,
            "--sample-rate",
            "8000",
        ],
        "--ignore-metadata",
    );
    // The original must be the recording the picture came from.
    check(
        &[
            "from-image",
            png.to_str().unwrap(),
            "-o",
            o,
            "--original",
            data("ft8lib_20m_busy_test_01.wav").to_str().unwrap(),
        ],
        "not the recording",
    );
    // Never over an input.
    check(
        &["from-image", png.to_str().unwrap(), "-o", png.to_str().unwrap()],
        "is one of the files being read",
    );
    assert!(!out.exists(), "nothing written on failure");
    check(
        &[
            "render",
            wav.to_str().unwrap(),
            "-o",
            o,
            "--cells",
            "--scale",
            "log",
        ],
        "linear",
    );
}
