//! Hostile input, table-driven: malformed recordings, sidecars, edit lists and pictures, special
//! files, and absurd numbers in every option, each run through every command that reads that
//! kind of input. Every run must end with exit code 2 and exactly one line on stderr that starts
//! with `spectro: error:` and names the file (or the option) at fault, within a time limit,
//! without leaving any file in the output directory, without changing any input, and without
//! taking more than about 1 GB of memory.
//!
//! The last tests feed float recordings holding 1e30, f32::MAX, NaN and infinities: those are
//! read (with one warning line) and every output must be finite.

use crate::common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Peak resident memory allowed for one run.
const MAX_RSS_BYTES: u64 = 1 << 30;
/// A run taking longer than this is a hang.
const TIMEOUT: Duration = Duration::from_secs(60);

fn wav_header(tag: u16, channels: u16, rate: u32, bits: u16, block: u16, data_len: u32) -> Vec<u8> {
    let mut v = Vec::new();
    v.extend_from_slice(b"RIFF");
    v.extend_from_slice(&(36 + data_len).to_le_bytes());
    v.extend_from_slice(b"WAVE");
    v.extend(fmt_chunk(tag, channels, rate, bits, block));
    v.extend_from_slice(b"data");
    v.extend_from_slice(&data_len.to_le_bytes());
    v
}

fn fmt_chunk(tag: u16, channels: u16, rate: u32, bits: u16, block: u16) -> Vec<u8> {
    let mut v = Vec::new();
    v.extend_from_slice(b"fmt ");
    v.extend_from_slice(&16u32.to_le_bytes());
    v.extend_from_slice(&tag.to_le_bytes());
    v.extend_from_slice(&channels.to_le_bytes());
    v.extend_from_slice(&rate.to_le_bytes());
    v.extend_from_slice(&(rate as u64 * block as u64).min(u32::MAX as u64).to_le_bytes()[..4]);
    v.extend_from_slice(&block.to_le_bytes());
    v.extend_from_slice(&bits.to_le_bytes());
    v
}

fn data_chunk(bytes: &[u8]) -> Vec<u8> {
    let mut v = b"data".to_vec();
    v.extend_from_slice(&(bytes.len() as u32).to_le_bytes());
    v.extend_from_slice(bytes);
    v
}

/// A valid WAV: `channels` of 16-bit PCM, `frames` frames of a quiet ramp.
fn pcm16(channels: u16, rate: u32, frames: usize) -> Vec<u8> {
    let block = 2 * channels;
    let mut v = wav_header(1, channels, rate, 16, block, (frames * block as usize) as u32);
    for i in 0..frames * channels as usize {
        v.extend_from_slice(&((i % 200) as i16 * 10).to_le_bytes());
    }
    v
}

/// A valid 32-bit float WAV holding `samples` (interleaved).
fn float_wav(channels: u16, rate: u32, samples: &[f32]) -> Vec<u8> {
    let block = 4 * channels;
    let mut v = wav_header(3, channels, rate, 32, block, (samples.len() * 4) as u32);
    for s in samples {
        v.extend_from_slice(&s.to_le_bytes());
    }
    v
}

/// What one bad input is made of.
enum Content {
    Bytes(Vec<u8>),
    /// A named pipe (opening it would block forever).
    Fifo,
    /// A sparse file of this many bytes.
    Sparse(u64),
    /// A directory.
    Dir,
}

/// One run: the command line (with `{in}` for the input directory, `{out}` for the output
/// directory, `{good}` for the good inputs), the text the error must contain, and the text naming the culprit.
struct Run {
    args: Vec<String>,
    expect: String,
    names: String,
}

struct Case {
    name: String,
    files: Vec<(String, Content)>,
    runs: Vec<Run>,
}

fn run(args: &str, expect: &str, names: &str) -> Run {
    Run {
        args: args.split_whitespace().map(str::to_owned).collect(),
        expect: expect.to_owned(),
        names: names.to_owned(),
    }
}

/// Every command that reads a recording, on `file` (relative to `{in}` unless absolute) with
/// `extra` options.
fn recording_runs(file: &str, extra: &str, expect: &str, names: &str) -> Vec<Run> {
    let f = if file.starts_with('/') {
        file.to_owned()
    } else {
        format!("{{in}}/{file}")
    };
    [
        format!("info {f}"),
        format!("render {f} -o {{out}}/x.png"),
        format!("apply {f} --edits {{good}}/empty.json -o {{out}}/x.wav"),
        format!("features {f} -o {{out}}/x.csv"),
        format!("denoise {f} --noise-from 0:0.1 -o {{out}}/x.wav"),
        format!("extract {f} --time 0:0.1 --freq 100:200 -o {{out}}/x.wav"),
        format!("reconstruct {f} -o {{out}}/x.wav"),
        format!("repair {f} --time 0:0.05 -o {{out}}/x.wav"),
        format!("declick {f} -o {{out}}/x.wav"),
        format!("dehum {f} -o {{out}}/x.wav"),
        format!("play {f}"),
    ]
    .into_iter()
    .map(|a| run(&format!("{a} {extra}"), expect, names))
    .collect()
}

/// Every command that reads an edit list, with `{in}/edits.json` and a good recording.
fn edit_list_runs(expect: &str) -> Vec<Run> {
    let w = "{good}/take.wav";
    let e = "{in}/edits.json";
    [
        format!("apply {w} --edits {e} -o {{out}}/x.wav"),
        format!("render {w} --edits {e} -o {{out}}/x.png"),
        format!("features {w} --edits {e} -o {{out}}/x.csv"),
        format!("extract {w} --edits {e} --time 0:0.5 --freq 100:2000 -o {{out}}/x.wav"),
        format!("play {w} --edits {e}"),
    ]
    .into_iter()
    .map(|a| run(&a, expect, "edits.json"))
    .collect()
}

fn recording_case(name: &str, file: &str, content: Content, extra: &str, expect: &str) -> Case {
    Case {
        name: name.to_owned(),
        files: vec![(file.to_owned(), content)],
        runs: recording_runs(file, extra, expect, file),
    }
}

fn edit_case(name: &str, json: impl Into<Vec<u8>>, expect: &str) -> Case {
    Case {
        name: name.to_owned(),
        files: vec![("edits.json".to_owned(), Content::Bytes(json.into()))],
        runs: edit_list_runs(expect),
    }
}

fn edits_json(entry: &str) -> String {
    format!(r#"{{"version":1,"edits":[{entry}]}}"#)
}

fn recording_cases() -> Vec<Case> {
    let mut cases = Vec::new();
    let mut bad_align = wav_header(1, 1, 8000, 16, 4, 400);
    bad_align.extend(vec![0u8; 400]);
    cases.push(recording_case(
        "block align contradicts the bit depth",
        "align.wav",
        Content::Bytes(bad_align),
        "",
        "block align 4 contradicts 1 channel of 16 bits (expected 2)",
    ));
    let mut two_fmt = b"RIFF\0\0\0\0WAVE".to_vec();
    two_fmt.extend(fmt_chunk(1, 1, 8000, 16, 2));
    two_fmt.extend(fmt_chunk(1, 2, 8000, 16, 4));
    two_fmt.extend(data_chunk(&[0; 400]));
    cases.push(recording_case(
        "two fmt chunks",
        "twofmt.wav",
        Content::Bytes(two_fmt),
        "",
        "a second fmt chunk",
    ));
    let mut two_data = b"RIFF\0\0\0\0WAVE".to_vec();
    two_data.extend(fmt_chunk(1, 1, 8000, 16, 2));
    two_data.extend(data_chunk(&[0; 400]));
    two_data.extend(data_chunk(&[1; 800]));
    cases.push(recording_case(
        "two data chunks",
        "twodata.wav",
        Content::Bytes(two_data),
        "",
        "a second data chunk",
    ));
    let mut zero_channels = wav_header(1, 0, 8000, 16, 0, 4);
    zero_channels.extend([0; 4]);
    cases.push(recording_case(
        "zero channels",
        "nochannels.wav",
        Content::Bytes(zero_channels),
        "",
        "zero channels",
    ));
    let mut many = wav_header(1, 300, 8000, 8, 300, 600);
    many.extend(vec![128u8; 600]);
    cases.push(recording_case(
        "300 channels",
        "many.wav",
        Content::Bytes(many),
        "",
        "300 channels (Spectro reads at most 256)",
    ));
    let mut short_fmt = b"RIFF\0\0\0\0WAVEfmt \x08\0\0\0".to_vec();
    short_fmt.extend([1, 0, 1, 0, 0x40, 0x1f, 0, 0]);
    short_fmt.extend(data_chunk(&[0; 8]));
    cases.push(recording_case(
        "fmt chunk too short",
        "shortfmt.wav",
        Content::Bytes(short_fmt),
        "",
        "fmt chunk of 8 bytes",
    ));
    let mut runaway = b"RIFF\0\0\0\0WAVE".to_vec();
    runaway.extend(fmt_chunk(1, 1, 8000, 16, 2));
    runaway.extend(b"LIST\xf0\xff\xff\xff");
    runaway.extend([0; 64]);
    cases.push(recording_case(
        "chunk runs past the end",
        "runaway.wav",
        Content::Bytes(runaway),
        "",
        "chunk \"LIST\" runs past the end of the file",
    ));
    cases.push(recording_case(
        "header cut short",
        "cut.wav",
        Content::Bytes(b"RIFF\x24\0\0\0WAVEfmt \x10\0".to_vec()),
        "",
        "no fmt chunk",
    ));
    let mut zero_rate = wav_header(1, 1, 0, 16, 2, 4);
    zero_rate.extend([0; 4]);
    cases.push(recording_case(
        "rate 0",
        "rate0.wav",
        Content::Bytes(zero_rate),
        "",
        "sample rate is 0",
    ));
    // A 16-bit sample claiming 24 valid bits: only an extensible header has the field.
    let mut ext = b"RIFF\0\0\0\0WAVEfmt \x28\0\0\0".to_vec();
    ext.extend(0xFFFEu16.to_le_bytes());
    ext.extend(1u16.to_le_bytes());
    ext.extend(8000u32.to_le_bytes());
    ext.extend(16000u32.to_le_bytes());
    ext.extend(2u16.to_le_bytes());
    ext.extend(16u16.to_le_bytes());
    ext.extend(22u16.to_le_bytes());
    ext.extend(24u16.to_le_bytes());
    ext.extend(0u32.to_le_bytes());
    ext.extend([1, 0, 0, 0, 0, 0, 0x10, 0, 0x80, 0, 0, 0xAA, 0, 0x38, 0x9B, 0x71]);
    ext.extend(data_chunk(&[0; 8]));
    cases.push(recording_case(
        "more valid bits than the container",
        "validbits.wav",
        Content::Bytes(ext),
        "",
        "24 valid bits in 16-bit samples",
    ));
    cases.push(recording_case(
        "a FIFO",
        "pipe.wav",
        Content::Fifo,
        "",
        "is a FIFO (named pipe), not a regular file",
    ));
    cases.push(recording_case(
        "a directory",
        "folder.wav",
        Content::Dir,
        "",
        "is a directory",
    ));
    cases.push(Case {
        name: "a character device".into(),
        files: vec![],
        runs: recording_runs("/dev/zero", "", "is a character device", "/dev/zero"),
    });
    cases.push(recording_case(
        "raw IQ rate from its name below 1 Hz",
        "g001_433.92M_0.0005k.cu8",
        Content::Bytes(vec![127; 64]),
        "",
        "invalid sample rate 0.5 Hz",
    ));
    let sidecar = |name: &str, meta: &str, expect: &str| Case {
        name: name.to_owned(),
        files: vec![
            ("cap.cu8".to_owned(), Content::Bytes(vec![127; 4000])),
            (
                "cap.sigmf-meta".to_owned(),
                Content::Bytes(meta.as_bytes().to_vec()),
            ),
        ],
        runs: recording_runs("cap.cu8", "", expect, "cap.sigmf-meta"),
    };
    cases.push(sidecar(
        "SigMF rate 0",
        r#"{"global":{"core:datatype":"cu8","core:sample_rate":0}}"#,
        "\"core:sample_rate\": sample rate 0 Hz is outside",
    ));
    cases.push(sidecar(
        "SigMF negative rate",
        r#"{"global":{"core:datatype":"cu8","core:sample_rate":-48000}}"#,
        "\"core:sample_rate\": sample rate -48000 Hz is outside",
    ));
    cases.push(sidecar(
        "SigMF rate as text",
        r#"{"global":{"core:datatype":"cu8","core:sample_rate":"fast"}}"#,
        "\"core:sample_rate\" is \"fast\", not a number",
    ));
    cases.push(sidecar(
        "SigMF absurd frequency",
        r#"{"global":{"core:datatype":"cu8","core:sample_rate":1e6},"captures":[{"core:frequency":1e300}]}"#,
        "\"core:frequency\"",
    ));
    cases.push(sidecar("SigMF not JSON", "{{{", "not valid SigMF JSON"));
    cases.push(sidecar(
        "SigMF datatype",
        r#"{"global":{"core:datatype":"ri16_be"}}"#,
        "SigMF datatype \"ri16_be\"",
    ));
    cases.push(Case {
        name: "SigMF sidecar is a FIFO".into(),
        files: vec![
            ("cap.cu8".to_owned(), Content::Bytes(vec![127; 4000])),
            ("cap.sigmf-meta".to_owned(), Content::Fifo),
        ],
        runs: recording_runs("cap.cu8", "", "is a FIFO (named pipe)", "cap.sigmf-meta"),
    });
    cases.push(Case {
        name: "SigMF sidecar too large".into(),
        files: vec![
            ("cap.cu8".to_owned(), Content::Bytes(vec![127; 4000])),
            ("cap.sigmf-meta".to_owned(), Content::Sparse(100 << 20)),
        ],
        runs: recording_runs(
            "cap.cu8",
            "",
            "SigMF metadata files larger than",
            "cap.sigmf-meta",
        ),
    });
    cases
}

fn edit_list_cases() -> Vec<Case> {
    let rect = |field: &str| {
        edits_json(&format!(
            r#"{{"type":"rect","time_s":[0,0.1],"freq_hz":[100,200],"gain_db":-10,{field}}}"#
        ))
    };
    let denoise = |field: &str| {
        edits_json(&format!(
            r#"{{"type":"denoise","estimate":"auto"{}{field}}}"#,
            if field.is_empty() { "" } else { "," }
        ))
    };
    let lasso: String = {
        let pts: Vec<String> = (0..1_000_000)
            .map(|i| format!("[{},{}]", i as f64 * 1e-6, 100 + i % 1000))
            .collect();
        edits_json(&format!(
            r#"{{"type":"lasso","points":[{}],"gain_db":-20}}"#,
            pts.join(",")
        ))
    };
    let mut cases = vec![
        edit_case(
            "FFT 2^30",
            r#"{"version":1,"stft":{"fft":1073741824},"edits":[]}"#,
            "stft: FFT length 1073741824 is outside 16..=65536",
        ),
        edit_case(
            "hop 0 with a denoise step",
            format!(
                r#"{{"version":1,"stft":{{"fft":1024,"hop":0}},"edits":[{}]}}"#,
                r#"{"type":"denoise","learn_time_s":[0,0.2]}"#
            ),
            "stft: hop 0 must be between 1 and the FFT length 1024",
        ),
        edit_case(
            "hop breaking overlap-add",
            r#"{"version":1,"stft":{"fft":1024,"hop":1024},"edits":[]}"#,
            "stft: hop 1024 breaks the overlap-add condition",
        ),
        edit_case(
            "smooth_s 1e308",
            denoise(r#""smooth_s":1e308"#),
            "\"smooth_s\": 1e308 s",
        ),
        edit_case(
            "smooth_s 1e6",
            denoise(r#""smooth_s":1e6"#),
            "\"smooth_s\" 1000000 s is 31250000 hops of this STFT; at most 256 hops",
        ),
        edit_case(
            "smooth_hz 1e308",
            denoise(r#""smooth_hz":1e308"#),
            "\"smooth_hz\": 1e308 Hz",
        ),
        edit_case(
            "smooth_hz 1e6",
            denoise(r#""smooth_hz":1e6"#),
            "\"smooth_hz\" 1000000 Hz is 128000 bins of this STFT",
        ),
        edit_case(
            "estimate_window_s 1e308",
            denoise(r#""estimate_window_s":1e308"#),
            "\"estimate_window_s\": 1e308 s",
        ),
        edit_case(
            "estimate_window_s 1e6",
            denoise(r#""estimate_window_s":1e6"#),
            "\"estimate_window_s\" 1000000 s spans",
        ),
        edit_case(
            "noise stretch outside the file",
            edits_json(r#"{"type":"denoise","learn_time_s":[100,200]}"#),
            "the noise stretch 100.000–200.000 s holds no STFT frame",
        ),
        edit_case(
            "a million-point lasso",
            lasso,
            "\"points\" has 1000000 points; at most 20000",
        ),
        edit_case(
            "brush radius 1e308",
            edits_json(
                r#"{"type":"brush","points":[[0.1,300]],"radius_s":1e308,"radius_hz":10,"gain_db":-6}"#,
            ),
            "\"radius_s\": 1e308 s",
        ),
        edit_case(
            "time 1e300",
            rect(r#""feather_s":0"#).replace("0.1]", "1e300]"),
            "\"time_s\": 1e300 s",
        ),
        edit_case(
            "frequency 1e300",
            rect(r#""feather_hz":0"#).replace("200]", "1e300]"),
            "\"freq_hz\": 1e300 Hz",
        ),
        edit_case(
            "feather 1e300",
            rect(r#""feather_s":1e300"#),
            "\"feather_s\": 1e300 s",
        ),
        edit_case(
            "gain 1e9",
            rect(r#""invert":false"#).replace("-10", "1e9"),
            "\"gain_db\" must be at most 40 dB",
        ),
        edit_case(
            "paint level -1e9",
            edits_json(
                r#"{"type":"paint","points":[[0.1,300]],"radius_s":0.01,"radius_hz":10,"level_db":-1e9}"#,
            ),
            "\"level_db\" must be a level in dBFS from -1000 to 0",
        ),
        edit_case(
            "threshold 1e300 dB",
            edits_json(
                r#"{"type":"threshold","time_s":[0,1],"freq_hz":[0,100],"below_db":1e300,"gain_db":-6}"#,
            ),
            "\"below_db\": 1e300 dB",
        ),
        edit_case(
            "phase iterations 1e9",
            r#"{"version":1,"phase":{"iterations":1000000000},"edits":[]}"#,
            "phase: 1000000000 iterations: at most 10000",
        ),
        edit_case(
            "channel 1e9",
            rect(r#""channels":[1000000000]"#),
            "channel 1000000000 does not exist",
        ),
        edit_case(
            "unknown type",
            edits_json(r#"{"type":"circle"}"#),
            "unknown type \"circle\" (expected rect, lasso, brush, erase, paint, threshold, denoise, voice, declick, dehum, harmonics or paste)",
        ),
        edit_case(
            "harmonics count 0",
            edits_json(
                r#"{"type":"harmonics","time_s":[0,0.5],"seed_hz":1000,"count":0,"width_hz":40,"gain_db":"-inf"}"#,
            ),
            "edits[0] (harmonics): \"count\" (overtones above the fundamental) must be from 1 to 500, got 0",
        ),
        edit_case(
            "harmonics width below a bin",
            edits_json(
                r#"{"type":"harmonics","time_s":[0,0.5],"seed_hz":1000,"count":8,"width_hz":1,"gain_db":"-inf"}"#,
            ),
            "edits[0] (harmonics): \"width_hz\" 1 Hz is narrower than one bin of the STFT",
        ),
        edit_case(
            "harmonics seed above Nyquist",
            edits_json(
                r#"{"type":"harmonics","time_s":[0,0.5],"seed_hz":9000,"count":8,"width_hz":40,"gain_db":"-inf"}"#,
            ),
            "edits[0] (harmonics): \"seed_hz\" 9000 Hz is outside 20 Hz–8000 Hz (the Nyquist frequency)",
        ),
        edit_case(
            "harmonics seed negative",
            edits_json(
                r#"{"type":"harmonics","time_s":[0,0.5],"seed_hz":-5,"count":8,"width_hz":40,"gain_db":"-inf"}"#,
            ),
            "edits[0] (harmonics): \"seed_hz\" must be a frequency above 0 Hz, got -5",
        ),
        edit_case(
            "harmonics outside the recording",
            edits_json(
                r#"{"type":"harmonics","time_s":[5,6],"seed_hz":1000,"count":8,"width_hz":40,"gain_db":"-inf"}"#,
            ),
            "edits[0] (harmonics): the region (5.000–6.000 s) lies outside the recording (0–1.000 s)",
        ),
        edit_case(
            "dehum f0 outside 20-1000 Hz",
            edits_json(r#"{"type":"dehum","f0_hz":10}"#),
            "edits[0] (dehum): \"f0_hz\" must be a frequency from 20 to 1000 Hz or \"auto\"",
        ),
        edit_case(
            "dehum with 0 harmonics",
            edits_json(r#"{"type":"dehum","f0_hz":50,"harmonics":0}"#),
            "edits[0] (dehum): \"harmonics\" must be a whole number from 1 to 200",
        ),
        edit_case(
            "dehum span outside the recording",
            edits_json(r#"{"type":"dehum","time_s":[1000,1001]}"#),
            "edits[0] (dehum): the region (1000.000–1001.000 s) lies outside the recording",
        ),
        edit_case(
            "profile density 1e300",
            edits_json(r#"{"type":"denoise","profile":{"freq_hz":[0,4000],"density_db":[[1e300,0]]}}"#),
            "\"density_db\" must hold levels within ±1000 dB",
        ),
        edit_case("not UTF-8", vec![b'{', 0xff, 0xfe, b'}'], "not UTF-8 text"),
        edit_case(
            "version 1e300",
            r#"{"version":1e300,"edits":[]}"#,
            "unsupported version",
        ),
        Case {
            name: "edit list is a FIFO".into(),
            files: vec![("edits.json".into(), Content::Fifo)],
            runs: edit_list_runs("is a FIFO (named pipe)"),
        },
        Case {
            name: "edit list is a directory".into(),
            files: vec![("edits.json".into(), Content::Dir)],
            runs: edit_list_runs("is a directory"),
        },
        Case {
            name: "edit list of 100 MB".into(),
            files: vec![("edits.json".into(), Content::Sparse(100 << 20))],
            runs: edit_list_runs("edit lists larger than 67108864 bytes are refused"),
        },
    ];
    let mut zero = edit_list_runs("is a character device");
    for r in &mut zero {
        for a in &mut r.args {
            if a == "{in}/edits.json" {
                *a = "/dev/zero".into();
            }
        }
        r.names = "/dev/zero".into();
    }
    cases.push(Case {
        name: "/dev/zero as an edit list".into(),
        files: vec![],
        runs: zero,
    });
    cases
}

/// Absurd numbers in every option (and the window's launch options), on good inputs.
fn option_cases() -> Vec<Case> {
    let w = "{good}/take.wav";
    let iq = "{good}/cap.cu8 --sample-rate 250k";
    let png = "{good}/take.png";
    let opt = |args: String, option: &str| run(&args, option, option);
    let runs = vec![
        opt(format!("dehum {w} --f0 1500 -o {{out}}/x.wav"), "--f0"),
        opt(format!("dehum {w} --f0 mains -o {{out}}/x.wav"), "--f0"),
        opt(format!("dehum {w} --harmonics 0 -o {{out}}/x.wav"), "--harmonics"),
        run(
            &format!("dehum {w} --time 1000:1001 -o {{out}}/x.wav"),
            "--time 1000:1001 lies outside the recording",
            "--time",
        ),
        opt(format!("render {w} -o {{out}}/x.png --fft 0"), "--fft"),
        opt(format!("render {w} -o {{out}}/x.png --fft 65537"), "--fft"),
        opt(
            format!("extract {w} --time 0:1 --freq 0:100 -o {{out}}/x.wav --fft 1073741824"),
            "--fft",
        ),
        opt(
            format!("apply {w} --edits {{good}}/empty.json -o {{out}}/x.wav --hop 0"),
            "--hop",
        ),
        opt(
            format!("apply {w} --edits {{good}}/empty.json -o {{out}}/x.wav --fft 1024 --hop 2048"),
            "--fft/--hop/--window",
        ),
        opt(
            format!("apply {w} --edits {{good}}/empty.json -o {{out}}/x.wav --fft 65536 --hop 1"),
            "with this FFT the hop must be at least 512",
        ),
        opt(
            format!("features {w} -o {{out}}/x.csv --fft 65536 --hop 1"),
            "--fft/--hop/--window",
        ),
        opt(
            format!("render {w} -o {{out}}/x.png --fft 65536 --hop 1"),
            "--fft/--hop/--window",
        ),
        opt(
            format!("denoise {w} -o {{out}}/x.wav --fft 65536 --hop 1"),
            "--fft/--hop/--window",
        ),
        opt(
            format!("extract {w} --time 0:1 --freq 0:100 -o {{out}}/x.wav --fft 65536 --hop 1"),
            "--fft/--hop/--window",
        ),
        opt(
            format!("reconstruct {w} -o {{out}}/x.wav --fft 65536 --hop 1"),
            "--fft/--hop/--window",
        ),
        opt(format!("{w} --fft 65536 --hop 1"), "--fft/--hop/--window"),
        opt(
            format!("render {w} -o {{out}}/x.png --width 65535 --height 65535"),
            "--width/--height/--size",
        ),
        opt(
            format!("render {w} -o {{out}}/x.png --width 0"),
            "--width/--height/--size",
        ),
        opt(format!("render {w} -o {{out}}/x.png --range-db 0"), "--range-db"),
        opt(
            format!("render {w} -o {{out}}/x.png --ceiling-db 1e39"),
            "--ceiling-db",
        ),
        opt(format!("render {w} -o {{out}}/x.png --start 1e300"), "--start"),
        opt(
            format!("render {w} -o {{out}}/x.png --freq-range 0:1e300"),
            "--freq-range",
        ),
        opt(format!("render {w} -o {{out}}/x.png --channel 7"), "--channel 7"),
        opt(format!("info {w} --sample-rate 0.5"), "--sample-rate"),
        opt(format!("info {w} --sample-rate 5e9"), "--sample-rate"),
        opt(format!("info {w} --sample-rate nan"), "--sample-rate"),
        opt(format!("info {w} --sample-rate inf"), "--sample-rate"),
        opt(
            format!("extract {w} --time 0:1e300 --freq 0:100 -o {{out}}/x.wav"),
            "--time",
        ),
        opt(
            format!("extract {w} --time 0:1 --freq 0:1e300 -o {{out}}/x.wav"),
            "--freq",
        ),
        opt(
            format!("features {iq} -o {{out}}/x.csv --center-freq -5"),
            "--center-freq",
        ),
        opt(format!("features {w} -o {{out}}/x.csv --bands 0"), "--bands"),
        opt(format!("features {w} -o {{out}}/x.csv --mfcc 1000"), "--mfcc"),
        opt(
            format!("features {w} -o {{out}}/x.csv --burst-threshold-db 1e300"),
            "--burst-threshold-db",
        ),
        opt(
            format!("features {w} -o {{out}}/x.csv --min-duration 1e300"),
            "--min-duration",
        ),
        opt(
            format!("features {w} -o {{out}}/x.csv --merge-gap-hz 1e300"),
            "--merge-gap-hz",
        ),
        opt(
            format!("denoise {w} -o {{out}}/x.wav --smooth-s 1e308"),
            "--smooth-s",
        ),
        opt(
            format!("denoise {w} -o {{out}}/x.wav --smooth-hz 1e308"),
            "--smooth-hz",
        ),
        opt(
            format!("denoise {w} -o {{out}}/x.wav --noise-from 1e300:1e301"),
            "--noise-from",
        ),
        opt(
            format!("denoise {w} -o {{out}}/x.wav --reduction-db 1e9"),
            "--reduction-db",
        ),
        run(
            &format!("denoise {w} -o {{out}}/x.wav --smooth-s 1e6"),
            "\"smooth_s\" 1000000 s",
            "take.wav",
        ),
        opt(
            format!(
                "from-image {png} -o {{out}}/x.wav --iters 1000000000 --ignore-metadata --sample-rate 8000 --hop 64"
            ),
            "--iters",
        ),
        opt(
            format!(
                "from-image {png} -o {{out}}/x.wav --duration 1e300 --ignore-metadata --sample-rate 8000"
            ),
            "--duration",
        ),
        opt(
            format!("from-image {png} -o {{out}}/x.wav --fft 8 --ignore-metadata --sample-rate 8000 --hop 4"),
            "--fft",
        ),
        opt(
            format!("from-image {png} -o {{out}}/x.wav --sample-rate 0.1 --ignore-metadata --hop 4"),
            "--sample-rate",
        ),
        opt(
            format!("reconstruct {w} -o {{out}}/x.wav --fft 1073741824"),
            "--fft",
        ),
        opt(format!("reconstruct {w} -o {{out}}/x.wav --hop 0"), "--hop"),
        opt(
            format!("reconstruct {w} -o {{out}}/x.wav --iters 1000000000"),
            "--iters",
        ),
        opt(format!("play {w} --volume-db 1e9"), "--volume-db"),
        opt(format!("play {iq} --demod fm --tune 1e300"), "--tune"),
        opt(
            format!("play {iq} --demod fm --tune 0 --bandwidth 0"),
            "--bandwidth",
        ),
        opt(format!("play {w} --start 1e300"), "--start"),
        opt(format!("{w} --fft 0"), "--fft"),
        opt(format!("{w} --fft 65537"), "--fft"),
        opt(format!("{w} --hop 0"), "--hop"),
        opt(format!("{w} --sample-rate 0"), "--sample-rate"),
        opt("render".to_owned(), "required arguments were not provided"),
        opt(
            format!("render {w} --outptu {{out}}/x.png"),
            "unexpected argument '--outptu'",
        ),
    ];
    vec![Case {
        name: "absurd option values".into(),
        files: vec![],
        runs,
    }]
}

/// Written files whose headers a reader would refuse: refused before any work, naming the
/// output.
fn output_cases() -> Vec<Case> {
    let mut huge_rate = wav_header(1, 2, i32::MAX as u32, 16, 4, 4000);
    huge_rate.extend(vec![0u8; 4000]);
    vec![
        Case {
            name: "byte rate past 2^32".into(),
            files: vec![("fast.wav".into(), Content::Bytes(huge_rate))],
            runs: vec![
                run(
                    "apply {in}/fast.wav --edits {good}/empty.json -o {out}/x.wav",
                    "does not fit a WAV header's 32 bits",
                    "x.wav",
                ),
                run(
                    "denoise {in}/fast.wav --estimate -o {out}/x.wav",
                    "does not fit a WAV header's 32 bits",
                    "x.wav",
                ),
                run(
                    "reconstruct {in}/fast.wav -o {out}/x.wav",
                    "does not fit a WAV header's 32 bits",
                    "x.wav",
                ),
            ],
        },
        Case {
            name: "decimated below 1 Hz".into(),
            files: vec![("slow.cu8".into(), Content::Bytes(vec![127; 300]))],
            runs: vec![run(
                "extract {in}/slow.cu8 --sample-rate 1.5 --time 0:100 --freq -0.01:0.01 -o {out}/x.wav",
                "a WAV header holds a whole number of Hz from 1 to 2147483647",
                "x.wav",
            )],
        },
    ]
}

/// Pictures whose Spectro metadata is absurd, and pictures that are not pictures.
fn picture_cases(good_png: &Path) -> Vec<Case> {
    let picture = spectro::io::picture::read_png(good_png).expect("the rendered picture reads");
    let meta_text = picture
        .text
        .iter()
        .find(|(k, _)| k == spectro::io::picture::META_KEY)
        .map(|(_, v)| v.clone())
        .expect("metadata");
    let pixels: Vec<u8> = match &picture.pixels {
        spectro::io::picture::Pixels::Rgb8(p) => p.iter().flatten().copied().collect(),
        spectro::io::picture::Pixels::Gray16(_) => unreachable!("rendered in colour"),
    };
    let with = |key: &str, value: serde_json::Value| -> Vec<u8> {
        let mut meta: serde_json::Value = serde_json::from_str(&meta_text).unwrap();
        meta[key] = value;
        spectro::io::picture::png_bytes(
            picture.width,
            picture.height,
            spectro::io::picture::PixelFormat::Rgb8,
            &pixels,
            &[(spectro::io::picture::META_KEY, meta.to_string())],
        )
        .unwrap()
    };
    let case = |name: &str, bytes: Vec<u8>, expect: &str| Case {
        name: name.to_owned(),
        files: vec![("pic.png".into(), Content::Bytes(bytes))],
        runs: vec![run("from-image {in}/pic.png -o {out}/x.wav", expect, "pic.png")],
    };
    let good = std::fs::read(good_png).unwrap();
    vec![
        case(
            "metadata rate 0",
            with("sample_rate", 0.into()),
            "\"sample_rate\": sample rate 0 Hz",
        ),
        case(
            "metadata rate negative",
            with("sample_rate", (-8000.0).into()),
            "\"sample_rate\": sample rate -8000 Hz",
        ),
        case(
            "metadata FFT 2^30",
            with("fft", (1u64 << 30).into()),
            "FFT length 1073741824",
        ),
        case("metadata hop 0", with("hop", 0.into()), "hop 0 must be between 1"),
        case(
            "metadata absurd length",
            with("signal_len", (1u64 << 60).into()),
            "more samples than a WAV file holds",
        ),
        case(
            "metadata absurd frames",
            with("frames", serde_json::json!([0, 1u64 << 40])),
            "\"frames\"",
        ),
        case(
            "metadata floor above ceiling",
            with("floor_db", 10.0.into()),
            "must be below \"ceiling_db\"",
        ),
        case(
            "metadata duration 1e300",
            with("duration_s", 1e300.into()),
            "\"duration_s\"",
        ),
        case(
            "metadata wrong size",
            with("width", 5.into()),
            "does not fit the 5 ×",
        ),
        case("metadata not JSON", with("plot", "x".into()), "Spectro metadata"),
        case("not a PNG", b"RIFF....WAVEfmt ".to_vec(), "not a PNG picture"),
        case("truncated PNG", good[..good.len() / 2].to_vec(), "unreadable PNG"),
        Case {
            name: "picture is a FIFO".into(),
            files: vec![("pic.png".into(), Content::Fifo)],
            runs: vec![run(
                "from-image {in}/pic.png -o {out}/x.wav",
                "is a FIFO",
                "pic.png",
            )],
        },
        Case {
            name: "picture is a directory".into(),
            files: vec![("pic.png".into(), Content::Dir)],
            runs: vec![run(
                "from-image {in}/pic.png -o {out}/x.wav",
                "is a directory",
                "pic.png",
            )],
        },
    ]
}

fn make(path: &Path, content: &Content) {
    match content {
        Content::Bytes(b) => std::fs::write(path, b).unwrap(),
        Content::Fifo => {
            let c = std::ffi::CString::new(path.to_str().unwrap()).unwrap();
            // SAFETY: a valid NUL-terminated path.
            assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o644) }, 0, "mkfifo");
        }
        Content::Sparse(len) => std::fs::File::create(path).unwrap().set_len(*len).unwrap(),
        Content::Dir => std::fs::create_dir(path).unwrap(),
    }
}

/// Contents of every regular file under `dir`, to compare before and after.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let meta = std::fs::symlink_metadata(&path).unwrap();
        if meta.is_file() && meta.len() < (1 << 20) {
            out.insert(path.clone(), std::fs::read(&path).unwrap());
        } else {
            out.insert(path, meta.len().to_le_bytes().to_vec());
        }
    }
    out
}

/// Largest resident set of any child waited for so far, bytes.
fn children_max_rss() -> u64 {
    // SAFETY: getrusage fills the struct it is given.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    assert_eq!(unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage) }, 0);
    usage.ru_maxrss as u64 * 1024
}

/// Runs spectro with `args`, killing it after [`TIMEOUT`]; returns (exit code, stderr).
fn spectro_timed(args: &[String], home: &Path) -> (Option<i32>, String, Duration) {
    use std::io::Read;
    use std::os::unix::process::CommandExt;
    let started = Instant::now();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_spectro"));
    cmd.args(args)
        .env("HOME", home)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    // SAFETY: setrlimit is async-signal-safe. A safety net against runaway allocations taking
    // the machine down; the 1 GB limit itself is checked on the peak resident set.
    unsafe {
        cmd.pre_exec(|| {
            let limit = libc::rlimit {
                rlim_cur: 6 << 30,
                rlim_max: 6 << 30,
            };
            libc::setrlimit(libc::RLIMIT_AS, &limit);
            Ok(())
        });
    }
    let mut child = cmd.spawn().expect("spectro runs");
    let mut stderr = child.stderr.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stderr.read_to_string(&mut s);
        s
    });
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break Some(status);
        }
        if started.elapsed() > TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let err = reader.join().unwrap();
    (status.and_then(|s| s.code()), err, started.elapsed())
}

/// Runs every case and collects every failure (so one run shows them all).
fn check_cases(cases: Vec<Case>, root: &Path) {
    let mut failures = Vec::new();
    for (i, case) in cases.into_iter().enumerate() {
        let input = root.join(format!("case{i}/in"));
        let output = root.join(format!("case{i}/out"));
        std::fs::create_dir_all(&input).unwrap();
        std::fs::create_dir_all(&output).unwrap();
        for (name, content) in &case.files {
            make(&input.join(name), content);
        }
        let before = snapshot(&input);
        for r in &case.runs {
            let args: Vec<String> = r
                .args
                .iter()
                .map(|a| {
                    a.replace("{in}", input.to_str().unwrap())
                        .replace("{out}", output.to_str().unwrap())
                        .replace("{good}", root.join("good").to_str().unwrap())
                })
                .collect();
            let (code, err, took) = spectro_timed(&args, root);
            let line = args.join(" ");
            let mut problems = Vec::new();
            if code.is_none() {
                problems.push(format!(
                    "no exit code after {took:?} (hang, or killed by a signal)"
                ));
            } else if code != Some(2) {
                problems.push(format!("exit code {code:?}"));
            }
            if err.contains("panicked") {
                problems.push("panic".into());
            }
            if err.trim_end().lines().count() != 1 {
                problems.push(format!("{} stderr lines", err.trim_end().lines().count()));
            }
            if !err.starts_with("spectro: error: ") {
                problems.push("no `spectro: error:` prefix".into());
            }
            if !err.contains(&r.names) {
                problems.push(format!("does not name {:?}", r.names));
            }
            if !err.contains(&r.expect) {
                problems.push(format!("does not say {:?}", r.expect));
            }
            let left: Vec<_> = std::fs::read_dir(&output)
                .unwrap()
                .map(|e| e.unwrap().path())
                .collect();
            if !left.is_empty() {
                problems.push(format!("left {left:?}"));
                for p in left {
                    let _ = std::fs::remove_file(p);
                }
            }
            if snapshot(&input) != before {
                problems.push("changed an input".into());
            }
            if !problems.is_empty() {
                failures.push(format!(
                    "[{}] {line}\n    {}\n    stderr: {}",
                    case.name,
                    problems.join("; "),
                    err.trim_end()
                ));
            }
        }
    }
    let rss = children_max_rss();
    assert!(rss < MAX_RSS_BYTES, "a run took {} MB of memory", rss >> 20);
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// The good inputs the bad ones are run against: `good/take.wav` (1 s, 16 kHz mono),
/// `good/cap.cu8`, `good/empty.json` and `good/take.png` (a rendered picture).
fn good_inputs(root: &Path) -> PathBuf {
    let good = root.join("good");
    std::fs::create_dir_all(&good).unwrap();
    std::fs::write(good.join("take.wav"), pcm16(1, 16000, 16000)).unwrap();
    std::fs::write(good.join("cap.cu8"), vec![127u8; 50_000]).unwrap();
    std::fs::write(good.join("empty.json"), r#"{"version":1,"edits":[]}"#).unwrap();
    let png = good.join("take.png");
    let out = common::spectro(&[
        "render",
        good.join("take.wav").to_str().unwrap(),
        "-o",
        png.to_str().unwrap(),
        "--fft",
        "256",
    ]);
    assert!(out.status.success(), "{}", common::stderr(&out));
    good
}

#[test]
fn malformed_recordings_and_sidecars() {
    let root = tempfile::tempdir().unwrap();
    good_inputs(root.path());
    check_cases(recording_cases(), root.path());
}

#[test]
fn malformed_edit_lists() {
    let root = tempfile::tempdir().unwrap();
    good_inputs(root.path());
    check_cases(edit_list_cases(), root.path());
}

#[test]
fn absurd_options_and_unwritable_outputs() {
    let root = tempfile::tempdir().unwrap();
    good_inputs(root.path());
    let mut cases = option_cases();
    cases.extend(output_cases());
    check_cases(cases, root.path());
}

#[test]
fn malformed_pictures() {
    let root = tempfile::tempdir().unwrap();
    let good = good_inputs(root.path());
    check_cases(picture_cases(&good.join("take.png")), root.path());
}

#[test]
fn a_byte_order_mark_opens_an_edit_list() {
    let root = tempfile::tempdir().unwrap();
    let good = good_inputs(root.path());
    let edits = root.path().join("bom.json");
    let mut text = "\u{feff}".as_bytes().to_vec();
    text.extend_from_slice(
        br#"{"version":1,"edits":[{"type":"rect","time_s":[0,1],"freq_hz":[0,8000],"gain_db":"-inf"}]}"#,
    );
    std::fs::write(&edits, text).unwrap();
    let out_wav = root.path().join("silent.wav");
    let out = common::spectro(&[
        "apply",
        good.join("take.wav").to_str().unwrap(),
        "--edits",
        edits.to_str().unwrap(),
        "-o",
        out_wav.to_str().unwrap(),
        "--quiet",
    ]);
    assert!(out.status.success(), "{}", common::stderr(&out));
    let rec = spectro::io::Recording::open(&out_wav, Default::default()).unwrap();
    let mut x = vec![0.0f32; 16000];
    spectro::signal::SampleSource::read_real(&rec, 0, 0, &mut x);
    // Everything removed: the edit list was read, not refused.
    assert!(x[4000..12000].iter().all(|&v| v == 0.0));
}

/// How many samples of a float WAV, or fields of a CSV, are not finite.
fn non_finite_in(path: &Path) -> usize {
    let bytes = std::fs::read(path).unwrap();
    if path.extension().is_some_and(|e| e == "csv") {
        let text = String::from_utf8(bytes).unwrap();
        return text
            .split([',', '\n'])
            .filter(|f| {
                let l = f.trim().to_ascii_lowercase();
                l.contains("nan") || l.contains("inf")
            })
            .count();
    }
    // Decoding sanitises: look at the stored bytes instead.
    let layout = spectro::io::wav::parse(&bytes).unwrap();
    assert_eq!(layout.encoding, spectro::io::Encoding::Float32);
    assert!(layout.data_len > 0);
    bytes[layout.data_offset..layout.data_offset + layout.data_len]
        .chunks_exact(4)
        .filter(|s| !f32::from_le_bytes([s[0], s[1], s[2], s[3]]).is_finite())
        .count()
}

#[test]
fn absurd_float_samples_are_replaced_with_one_warning_and_outputs_stay_finite() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path();
    // A tone with 1e30, f32::MAX, NaN and ±∞ spread through it, 7 bad samples in all.
    let mut samples: Vec<f32> = (0..16000).map(|i| 0.3 * (i as f32 * 0.2).sin()).collect();
    for (at, v) in [
        (100, 1e30f32),
        (2000, f32::MAX),
        (4000, -f32::MAX),
        (6000, f32::NAN),
        (8000, f32::INFINITY),
        (10000, f32::NEG_INFINITY),
        (12000, -1e30),
    ] {
        samples[at] = v;
    }
    let wav = dir.join("wild.wav");
    std::fs::write(&wav, float_wav(1, 16000, &samples)).unwrap();
    let edits = dir.join("e.json");
    std::fs::write(
        &edits,
        r#"{"version":1,"edits":[{"type":"rect","time_s":[0.2,0.4],"freq_hz":[0,2000],"gain_db":-20},{"type":"denoise","estimate":"auto"}]}"#,
    )
    .unwrap();
    let w = wav.to_str().unwrap();
    let e = edits.to_str().unwrap();
    let out = |name: &str| dir.join(name).to_str().unwrap().to_owned();
    let runs: Vec<(Vec<String>, Vec<String>)> = vec![
        (
            vec![
                "apply".into(),
                w.into(),
                "--edits".into(),
                e.into(),
                "-o".into(),
                out("a.wav"),
            ],
            vec![out("a.wav")],
        ),
        (
            vec![
                "denoise".into(),
                w.into(),
                "--estimate".into(),
                "-o".into(),
                out("d.wav"),
            ],
            vec![out("d.wav")],
        ),
        (
            vec![
                "extract".into(),
                w.into(),
                "--time".into(),
                "0:1".into(),
                "--freq".into(),
                "100:3000".into(),
                "-o".into(),
                out("x.wav"),
            ],
            vec![out("x.wav")],
        ),
        (
            vec![
                "reconstruct".into(),
                w.into(),
                "--iters".into(),
                "4".into(),
                "-o".into(),
                out("r.wav"),
            ],
            vec![out("r.wav")],
        ),
        (
            vec![
                "features".into(),
                w.into(),
                "--edits".into(),
                e.into(),
                "-o".into(),
                out("f.csv"),
            ],
            vec![out("f.csv"), out("f.bursts.csv")],
        ),
        (vec!["render".into(), w.into(), "-o".into(), out("p.png")], vec![]),
    ];
    for (args, outputs) in runs {
        let (code, err, _) = spectro_timed(&args, dir);
        assert_eq!(code, Some(0), "{args:?}: {err}");
        let warnings: Vec<&str> = err.lines().filter(|l| l.contains("warning")).collect();
        assert_eq!(
            warnings,
            vec![format!(
                "spectro: warning: {w}: 7 non-finite or out-of-range samples replaced (NaN and infinities by 0, others clamped to ±10000)"
            )],
            "{args:?}: {err}"
        );
        for o in outputs {
            assert_eq!(non_finite_in(Path::new(&o)), 0, "{o} holds NaN or infinity");
        }
    }
}

/// The header fields of a WAV: (format tag, channels, rate, byte rate, block align, bits).
fn header_fields(bytes: &[u8]) -> (u16, u16, u32, u32, u16, u16) {
    let at = bytes.windows(4).position(|w| w == b"fmt ").expect("fmt chunk") + 8;
    let u16_at = |i: usize| u16::from_le_bytes([bytes[at + i], bytes[at + i + 1]]);
    let u32_at = |i: usize| u32::from_le_bytes(bytes[at + i..at + i + 4].try_into().unwrap());
    (u16_at(0), u16_at(2), u32_at(4), u32_at(8), u16_at(12), u16_at(14))
}

#[test]
fn written_wav_headers_are_consistent_at_extreme_rates() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path();
    let edits = dir.join("empty.json");
    std::fs::write(&edits, r#"{"version":1,"edits":[]}"#).unwrap();
    // (rate, channels, output encoding): the byte rate is at most 2^32 - 1 in each.
    let cases: [(u32, u16, &str); 7] = [
        (1, 1, "pcm16"),
        (7, 2, "pcm24"),
        (48000, 2, "float32"),
        (i32::MAX as u32, 1, "pcm8"),
        (i32::MAX as u32, 1, "pcm16"),
        (u32::MAX / 8, 2, "float32"),
        (u32::MAX / 3, 1, "pcm24"),
    ];
    for (rate, channels, format) in cases {
        let input = dir.join(format!("in_{rate}_{channels}.wav"));
        std::fs::write(&input, pcm16(channels, rate, 64)).unwrap();
        let out = dir.join(format!("out_{rate}_{channels}_{format}.wav"));
        let (code, err, _) = spectro_timed(
            &[
                "apply".into(),
                input.to_str().unwrap().into(),
                "--edits".into(),
                edits.to_str().unwrap().into(),
                "--format".into(),
                format.into(),
                "-o".into(),
                out.to_str().unwrap().into(),
                "--quiet".into(),
            ],
            dir,
        );
        assert_eq!(code, Some(0), "{rate} Hz {channels} ch {format}: {err}");
        let (tag, ch, r, byte_rate, block, bits) = header_fields(&std::fs::read(&out).unwrap());
        assert_eq!((ch, r), (channels, rate), "{format}");
        // hound writes 24-bit PCM with an extensible header (0xFFFE).
        let plain = if format == "float32" { 3 } else { 1 };
        assert!(tag == plain || tag == 0xFFFE, "{format}: tag {tag:#x}");
        assert_eq!(
            block as u32,
            channels as u32 * bits as u32 / 8,
            "{rate} Hz {format}"
        );
        assert_eq!(byte_rate as u64, rate as u64 * block as u64, "{rate} Hz {format}");
        // And Spectro reads it back.
        let rec = spectro::io::Recording::open(&out, Default::default()).unwrap();
        assert_eq!(spectro::signal::SampleSource::sample_rate(&rec), rate as f64);
    }
}

#[test]
fn extreme_but_valid_values_work() {
    let root = tempfile::tempdir().unwrap();
    let good = good_inputs(root.path());
    let w = good.join("take.wav").to_str().unwrap().to_owned();
    let out = |n: &str| root.path().join(n).to_str().unwrap().to_owned();
    let runs: Vec<Vec<String>> = vec![
        // Gaps wider than the spectrum overflowed the burst labelling.
        vec![
            "features",
            &w,
            "-o",
            &out("f.csv"),
            "--merge-gap-hz",
            "1e12",
            "--merge-gap",
            "1e9",
        ],
        // As wide as a picture can be, with an FFT whose levels of every column were all held.
        vec![
            "render",
            &w,
            "-o",
            &out("wide.png"),
            "--width",
            "65535",
            "--height",
            "64",
            "--fft",
            "16384",
            "--hop",
            "4096",
        ],
        vec![
            "denoise",
            &w,
            "-o",
            &out("d.wav"),
            "--smooth-hz",
            "2000",
            "--smooth-s",
            "8",
        ],
        vec!["info", &w, "--sample-rate", "2147483647"],
    ]
    .into_iter()
    .map(|v| v.into_iter().map(str::to_owned).collect())
    .collect();
    for args in runs {
        let (code, err, took) = spectro_timed(&args, root.path());
        assert_eq!(code, Some(0), "{args:?}: {err}");
        assert!(took < Duration::from_secs(30), "{args:?} took {took:?}");
    }
    assert!(children_max_rss() < MAX_RSS_BYTES);
}

#[test]
fn the_densest_shapes_allowed_render_in_seconds() {
    let root = tempfile::tempdir().unwrap();
    let good = good_inputs(root.path());
    // 20 000 points packed into one second, a lasso and a stroke: every frame has hundreds of
    // segments near it (a million-point lasso used to hang `features`).
    let points: Vec<String> = (0..spectro::signal::limits::MAX_SHAPE_POINTS)
        .map(|i| format!("[{},{}]", i as f64 * 5e-5, 100 + (i * 37) % 7000))
        .collect();
    let points = points.join(",");
    let edits = root.path().join("dense.json");
    std::fs::write(
        &edits,
        edits_json(&format!(
            r#"{{"type":"lasso","points":[{points}],"gain_db":-20}},{{"type":"brush","points":[{points}],"radius_s":0.01,"radius_hz":50,"gain_db":-10}}"#
        )),
    )
    .unwrap();
    let args: Vec<String> = [
        "features",
        good.join("take.wav").to_str().unwrap(),
        "--edits",
        edits.to_str().unwrap(),
        "-o",
        root.path().join("f.csv").to_str().unwrap(),
        "--no-bursts",
    ]
    .into_iter()
    .map(str::to_owned)
    .collect();
    let (code, err, took) = spectro_timed(&args, root.path());
    assert_eq!(code, Some(0), "{err}");
    assert!(took < Duration::from_secs(30), "took {took:?}");
}
