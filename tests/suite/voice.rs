//! Voice isolation (issue 18): parity of Spectro's DeepFilterNet3 signal path with the
//! reference runtime (libDF's C API) on a committed clip, and the model archive's errors.

use crate::common;

use common::{data, si_sdr_db};
use spectro::signal::voice::{VoiceModel, VoiceModelError, enhance};

/// Samples of a mono WAV fixture as f32 (PCM16 scaled by 1/32768, as soundfile reads it).
fn read_wav(name: &str) -> (Vec<f32>, u32) {
    let mut reader = hound::WavReader::open(data(name)).expect("fixture opens");
    let spec = reader.spec();
    let x = match spec.sample_format {
        hound::SampleFormat::Float => reader.samples::<f32>().map(|s| s.expect("sample")).collect(),
        hound::SampleFormat::Int => reader
            .samples::<i16>()
            .map(|s| s.expect("sample") as f32 / 32768.0)
            .collect(),
    };
    (x, spec.sample_rate)
}

#[test]
fn matches_the_reference_runtime_on_the_parity_clip() {
    let (input, rate_hz) = read_wav("voice/parity_input.wav");
    let (reference, _) = read_wav("voice/parity_reference.wav");
    assert_eq!(rate_hz, 48000);
    assert_eq!(input.len(), reference.len());
    let model = VoiceModel::bundled().expect("vendored model loads");
    let start = std::time::Instant::now();
    let ours = enhance(&model, &input).expect("enhances");
    let elapsed_s = start.elapsed().as_secs_f64();
    assert_eq!(ours.len(), input.len());
    let parity_db = si_sdr_db(&ours, &reference);
    let input_db = si_sdr_db(&input, &reference);
    eprintln!(
        "voice parity: SI-SDR against the reference {parity_db:.1} dB (input {input_db:.1} dB), \
         {:.1}x real time",
        input.len() as f64 / rate_hz as f64 / elapsed_s
    );
    // The same computation as the reference up to float rounding (measured 130.2 dB); a path
    // that differed in any stage (window, features and their normalisation, look-ahead,
    // filter taps) would land far lower (the input itself is 8 dB from the reference).
    assert!(parity_db > 60.0, "SI-SDR against the reference {parity_db:.1} dB");
}

#[test]
fn runs_faster_than_real_time() {
    let (clip, rate_hz) = read_wav("voice/parity_input.wav");
    // 30 s: the clip repeated, so the figure is not dominated by per-call overheads.
    let input: Vec<f32> = clip.iter().copied().cycle().take(30 * rate_hz as usize).collect();
    let start = std::time::Instant::now();
    let model = VoiceModel::bundled().expect("vendored model loads");
    let load_s = start.elapsed().as_secs_f64();
    let start = std::time::Instant::now();
    let out = enhance(&model, &input).expect("enhances");
    let speed = input.len() as f64 / rate_hz as f64 / start.elapsed().as_secs_f64();
    eprintln!("voice: model loaded in {load_s:.2} s, {speed:.1}x real time on 48 kHz mono");
    assert_eq!(out.len(), input.len());
    assert!(speed > 1.0, "{speed:.2}x real time");
}

#[test]
fn a_corrupt_archive_is_one_clear_error() {
    let mut bytes = std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/DeepFilterNet3_onnx.tar.gz"),
    )
    .expect("vendored archive");
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x40;
    let err = VoiceModel::from_archive_bytes(&bytes).expect_err("corrupt archive rejected");
    assert!(matches!(err, VoiceModelError::Checksum { .. }), "{err}");
    assert!(err.to_string().contains("corrupt"), "{err}");
}

#[test]
fn a_missing_archive_is_one_clear_error() {
    let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("no-such-model.tar.gz");
    let err = VoiceModel::from_archive_path(&path).expect_err("missing archive rejected");
    assert!(matches!(err, VoiceModelError::Read { .. }), "{err}");
    assert!(err.to_string().contains("no-such-model.tar.gz"), "{err}");
}

/// How much context before a range the model needs: a range processed with `context_s` of
/// recording before it, against the same range out of one run over the whole recording.
#[test]
fn a_range_with_enough_context_matches_the_whole_run() {
    let (clip, rate_hz) = read_wav("voice/parity_input.wav");
    let rate = rate_hz as usize;
    // 12 s: the clip four times, each copy reversed or not and scaled, so the states differ.
    let mut input = Vec::new();
    for (i, gain) in [1.0f32, 0.6, 1.3, 0.8, 1.0].iter().enumerate() {
        let copy: Vec<f32> = if i % 2 == 1 {
            clip.iter().rev().copied().collect()
        } else {
            clip.clone()
        };
        input.extend(copy.iter().map(|x| x * gain));
    }
    let model = VoiceModel::bundled().expect("vendored model loads");
    let whole = enhance(&model, &input).expect("enhances");
    let (range_start, range_end) = (8 * rate, 11 * rate);
    let mut figures_db = Vec::new();
    for context_s in [0.5f64, 1.0, 2.0, 4.0] {
        let from = range_start - (context_s * rate as f64) as usize;
        let part = enhance(&model, &input[from..range_end + rate]).expect("enhances");
        let ours = &part[range_start - from..range_end - from];
        let db = si_sdr_db(ours, &whole[range_start..range_end]);
        eprintln!("voice: range with {context_s} s of context: {db:.1} dB against the whole run");
        figures_db.push(db);
    }
    // Measured 17.6, 17.5, 22.1, 25.6 dB: the running normalisations (1 s time constant,
    // starting far from the signal's levels) and the recurrent states converge slowly, so
    // processing by range will need their states carried in, not a short warm-up.
    assert!(
        figures_db[3] > 20.0 && figures_db[3] > figures_db[0] + 3.0,
        "{figures_db:?}"
    );
}

// The voice isolation edit: its JSON, its rendering through the pipeline (like the model, by
// range exactly as in the whole, at other rates), its composition with a rectangle, its
// errors from the command line.

use common::render;
use spectro::edit::mask::MaskRaster;
use spectro::edit::{Edit, EditList, Shape, Voice};
use spectro::pipeline::render::{RenderScratch, Renderer, grid_for};
use spectro::signal::{Convention, MemorySource, SampleSource, Stft, StftParams};

fn voice(reduction_db: f64) -> Edit {
    Edit::new(Shape::Voice(Voice { reduction_db }), 0.0)
}

/// Energy (dB) in the band `freq_hz` over `time_s`, from a 2048-point STFT.
fn band_energy_db(x: &[f32], fs: f64, time_s: [f64; 2], freq_hz: [f64; 2]) -> f64 {
    let stft = Stft::<f32>::new(StftParams::with_fft(2048), Convention::Scipy).expect("stft");
    let s = stft.stft(&x[(time_s[0] * fs) as usize..(time_s[1] * fs) as usize]);
    let bins = (freq_hz[0] * 2048.0 / fs).ceil() as usize..=(freq_hz[1] * 2048.0 / fs).floor() as usize;
    let e: f64 = (2..s.frames - 2)
        .map(|k| {
            s.frame(k)[bins.clone()]
                .iter()
                .map(|z| z.norm_sqr() as f64)
                .sum::<f64>()
        })
        .sum();
    10.0 * (e + 1e-30).log10()
}

fn mono(rate_hz: f64, x: Vec<f32>) -> MemorySource<f32> {
    MemorySource {
        sample_rate: rate_hz,
        channels: vec![x],
    }
}

#[test]
fn the_voice_edit_round_trips_through_json_and_refuses_bad_values() {
    let text = r#"{"version": 1, "edits": [{"type": "voice", "reduction_db": 24, "channels": [1]}]}"#;
    let list = EditList::from_json(text).expect("parses");
    assert_eq!(list.edits.len(), 1);
    assert_eq!(list.edits[0].shape, Shape::Voice(Voice { reduction_db: 24.0 }));
    assert_eq!(list.edits[0].channels, Some(vec![1]));
    let again = EditList::from_json(&list.to_json()).expect("its own output parses");
    assert_eq!(again, list);
    let default = EditList::from_json(r#"{"version": 1, "edits": [{"type": "voice"}]}"#).expect("parses");
    assert_eq!(default.edits[0].shape, Shape::Voice(Voice { reduction_db: 30.0 }));
    for bad in [
        r#""reduction_db": -3"#,
        r#""reduction_db": 1e9"#,
        r#""reduction_db": "loud""#,
    ] {
        let text = format!(r#"{{"version": 1, "edits": [{{"type": "voice", {bad}}}]}}"#);
        let err = EditList::from_json(&text).expect_err(bad).to_string();
        assert!(err.contains("reduction_db"), "{bad}: {err}");
    }
}

#[test]
fn the_voice_edit_renders_the_models_result_and_composes_with_a_rectangle() {
    let (input, rate_hz) = read_wav("voice/parity_input.wav");
    let (reference, _) = read_wav("voice/parity_reference.wav");
    let source = mono(rate_hz as f64, input.clone());
    let voiced = render(&source, &[voice(100.0)], StftParams::default()).remove(0);
    let ours_db = si_sdr_db(&voiced, &reference);
    let input_db = si_sdr_db(&input, &reference);
    eprintln!("voice edit: SI-SDR against the reference runtime {ours_db:.1} dB (input {input_db:.1} dB)");
    // A real gain per cell of the recording's STFT, Re(Y X*)/|X|² from the model's output:
    // close to the model's own output, far closer than the input is. Measured 24.1 dB; the
    // magnitude ratio |Y|/|X| gave 23.3.
    assert!(
        ours_db > 23.7 && ours_db > input_db + 8.0,
        "{ours_db:.1} dB, input {input_db:.1} dB"
    );

    // A rectangle removing 1-3 kHz over 0.8-1.8 s after the voice edit: that band is gone
    // there, and everything far from it is the voice edit's result alone.
    let rect = Edit::new(
        Shape::Rect {
            time_s: [0.8, 1.8],
            freq_hz: [1000.0, 3000.0],
        },
        f64::NEG_INFINITY,
    );
    let both = render(&source, &[voice(100.0), rect], StftParams::default()).remove(0);
    let fs = rate_hz as f64;
    let band = |x: &[f32]| band_energy_db(x, fs, [1.0, 1.6], [1300.0, 2700.0]);
    let removed_db = band(&both) - band(&voiced);
    assert!(
        removed_db < -40.0,
        "the rectangle took the band down {removed_db:.1} dB only"
    );
    let far = (0.3 * fs) as usize;
    assert_eq!(
        both[..far],
        voiced[..far],
        "before the rectangle the result is the voice edit's"
    );
}

#[test]
fn a_voice_edit_renders_any_range_exactly_as_the_whole() {
    let (clip, rate_hz) = read_wav("voice/parity_input.wav");
    // 11 s: more than one chunk, so the crossfade between chunks is inside.
    let mut input = Vec::new();
    for gain in [1.0f32, 0.5, 1.2, 0.8, 0.9] {
        input.extend(clip.iter().map(|x| x * gain));
    }
    let source = mono(rate_hz as f64, input);
    let edits = [voice(30.0)];
    let whole: Vec<f32> = render(&source, &edits, StftParams::default()).remove(0);
    let stft = Stft::<f32>::new(StftParams::default(), Convention::Scipy).expect("stft");
    let raster = MaskRaster::new(&edits, grid_for(&stft, &source));
    let mut scratch = RenderScratch::new(&stft);
    let len = source.len() as usize;
    let chunk_end = (spectro::edit::voice::CHUNK_S * rate_hz as f64) as usize;
    for (start, n) in [
        (0, 1000),
        (chunk_end - 30_000, 40_000),
        (chunk_end + 5, 777),
        (len - 5000, 5000),
    ] {
        let mut part = vec![0.0f32; n];
        Renderer::new(&source, &stft, &raster).render_range(0, start as i64, &mut part, &mut scratch);
        assert!(
            part == whole[start..start + n],
            "range {start}+{n} differs from the whole render"
        );
    }
    // How close the chunks come to one run over the whole: the test below.
}

#[test]
fn a_voice_edit_on_a_16_khz_recording_keeps_its_rate_and_removes_noise() {
    // Clean speech at its own 16 kHz under white noise at 5 dB SNR.
    let (clean, rate_hz) = {
        let mut r = hound::WavReader::open(data("arctic_a0007.wav")).expect("speech");
        let rate = r.spec().sample_rate;
        let x: Vec<f32> = r
            .samples::<i16>()
            .map(|s| s.expect("sample") as f32 / 32768.0)
            .collect();
        (x, rate)
    };
    assert_eq!(rate_hz, 16_000);
    let mut rng = common::Rng(18);
    let noise: Vec<f32> = (0..clean.len()).map(|_| rng.uniform()).collect();
    let gain = (common::energy(&clean) / common::energy(&noise) / 10f64.powf(0.5)).sqrt() as f32;
    let noisy: Vec<f32> = clean.iter().zip(&noise).map(|(c, n)| c + gain * n).collect();
    let out = render(
        &mono(16_000.0, noisy.clone()),
        &[voice(30.0)],
        StftParams::default(),
    )
    .remove(0);
    assert_eq!(out.len(), noisy.len());
    let before = si_sdr_db(&noisy, &clean);
    let after = si_sdr_db(&out, &clean);
    eprintln!("voice edit at 16 kHz: SI-SDR {before:.1} -> {after:.1} dB");
    // Measured 5.0 -> 12.5 dB; the reference runtime on the same mixture (resampled to 48 kHz
    // and back) gives 13.3.
    assert!(after > before + 6.0, "{before:.1} -> {after:.1} dB");
}

#[test]
fn the_command_line_gives_one_clear_error_for_a_missing_model_or_iq() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("out.wav");
    let input = data("voice/parity_input.wav");
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_spectro"))
        .env("SPECTRO_VOICE_MODEL", dir.path().join("no-such-model.tar.gz"))
        .args(["denoise", input.to_str().expect("path"), "--voice", "-o"])
        .arg(&out)
        .output()
        .expect("runs");
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(
        err.contains("voice model archive") && err.contains("no-such-model"),
        "{err}"
    );
    assert!(!out.exists(), "no output is written");

    // A device named as the archive is refused, not read without end.
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_spectro"))
        .env("SPECTRO_VOICE_MODEL", "/dev/zero")
        .args(["denoise", input.to_str().expect("path"), "--voice", "-o"])
        .arg(&out)
        .output()
        .expect("runs");
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("not a model archive"), "{err}");
    assert!(!out.exists(), "no output is written");

    let iq = dir.path().join("iq.wav");
    let spec = hound::WavSpec {
        channels: 2,
        sample_rate: 48_000,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    common::write_wav_hound(&iq, spec, &vec![0.1; 9600]);
    let o = common::spectro(&[
        "denoise",
        iq.to_str().expect("path"),
        "--iq",
        "--voice",
        "-o",
        out.to_str().expect("path"),
    ]);
    let err = common::stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("not on complex IQ"), "{err}");
    assert!(!out.exists());
}

/// The voice edit's chunks against one run of the model over the whole recording: near the
/// chunk boundaries (where a chunk's warm-up and the crossfade do their work) the edit follows
/// the whole run as closely as it does far from them. A chunk started without enough warm-up,
/// or a crossfade out of place, shows there first.
#[test]
fn the_voice_edit_follows_one_whole_run_across_chunk_boundaries() {
    let (clip, rate_hz) = read_wav("voice/parity_input.wav");
    let fs = rate_hz as f64;
    // About 26 s: the clip twelve times, reversed or not and scaled, so the states differ
    // from copy to copy and three chunk boundaries fall inside.
    let mut input = Vec::new();
    for i in 0..12 {
        let gain = [1.0f32, 0.6, 1.3, 0.8][i % 4];
        if i % 2 == 1 {
            input.extend(clip.iter().rev().map(|x| x * gain));
        } else {
            input.extend(clip.iter().map(|x| x * gain));
        }
    }
    let model = VoiceModel::bundled().expect("vendored model loads");
    let whole_run = enhance(&model, &input).expect("enhances");
    let source = mono(fs, input.clone());
    let edited = render(&source, &[voice(100.0)], StftParams::default()).remove(0);
    let chunk_s = spectro::edit::voice::CHUNK_S;
    // SI-SDR of the edit against the whole run over 1 s windows: those holding a chunk
    // boundary, and the others.
    let window = fs as usize;
    let (mut near, mut far) = (Vec::new(), Vec::new());
    for w in 0..input.len() / window {
        let (a, b) = (w * window, (w + 1) * window);
        let db = si_sdr_db(&edited[a..b], &whole_run[a..b]);
        let boundary = (1..)
            .map(|k| (k as f64 * chunk_s * fs) as usize)
            .take_while(|&t| t < input.len())
            .any(|t| t + window / 2 > a && t < b + window / 2);
        if boundary { near.push(db) } else { far.push(db) }
    }
    let overall_db = si_sdr_db(&edited, &whole_run);
    let worst_near = near.iter().copied().fold(f64::INFINITY, f64::min);
    eprintln!(
        "voice edit against one whole run: {overall_db:.1} dB overall; per second near chunk \
         boundaries {near:.1?}, elsewhere {far:.1?}"
    );
    assert!(near.len() >= 3, "{near:?}");
    // Measured with 2.5 s of warm-up: 18.7 dB overall, 13.8 dB at worst near a boundary and
    // 14.0 elsewhere (1.0 s of warm-up, with the magnitude-ratio gain: 17.6 dB overall, 9.7
    // near a boundary). The rest of the
    // difference is the edit's own: a gain per cell of the recording's STFT rather than the
    // model's output itself.
    assert!(overall_db > 18.0, "{overall_db:.1} dB overall");
    assert!(worst_near > 12.0, "near a boundary {worst_near:.1} dB");
}
