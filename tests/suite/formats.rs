//! The formats people have (issue 16): every fixture in tests/data/formats, written by
//! libsndfile (`make_formats.py`), opens with the samples libsndfile decodes from it (the
//! `.ref.f32` files next to them); compressed files are decoded once into the cache and reused;
//! truncated and corrupt ones give one clear line.

use crate::common;

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use common::{spectro, stderr, test_cache_dir};
use spectro::io::{Container, OpenOptions, Recording};
use spectro::signal::SampleSource;

fn fixture(name: &str) -> PathBuf {
    common::data(&format!("formats/{name}"))
}

fn open(path: &Path) -> Recording {
    spectro::io::decode::set_cache_dir(test_cache_dir());
    Recording::open(path, OpenOptions::default()).unwrap_or_else(|e| panic!("{e}"))
}

/// Interleaved samples as Spectro reads them.
fn interleaved(rec: &Recording) -> Vec<f32> {
    let n = rec.len() as usize;
    let channels: Vec<Vec<f32>> = (0..rec.channels())
        .map(|c| {
            let mut v = vec![0.0; n];
            rec.read_real(c, 0, &mut v);
            v
        })
        .collect();
    (0..n).flat_map(|i| channels.iter().map(move |c| c[i])).collect()
}

fn reference(name: &str) -> Vec<f32> {
    let bytes = std::fs::read(fixture(&format!("{name}.ref.f32"))).unwrap();
    bytes
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect()
}

/// Every lossless fixture: Spectro's samples equal libsndfile's exactly, with the container,
/// codec and bit depth `info` reports.
#[test]
fn lossless_formats_decode_exactly_as_libsndfile_does() {
    let cases: [(&str, Container, &str, u16); 15] = [
        ("pcm16.wav", Container::Wav, "pcm_s16le", 16),
        ("pcm24.wav", Container::Wav, "pcm_s24le", 24),
        ("pcm24_ext.wav", Container::Wav, "pcm_s24le", 24),
        ("float64.wav", Container::Wav, "pcm_f64le", 64),
        ("alaw.wav", Container::Wav, "pcm_alaw", 8),
        ("ulaw.wav", Container::Wav, "pcm_mulaw", 8),
        ("pcm16.rf64", Container::Rf64, "pcm_s16le", 16),
        ("pcm24.w64", Container::W64, "pcm_s24le", 24),
        ("pcm16.aiff", Container::Aiff, "pcm_s16be", 16),
        ("pcm24.aiff", Container::Aiff, "pcm_s24be", 24),
        ("ulaw.aifc", Container::Aiff, "pcm_mulaw", 8),
        ("alaw.aifc", Container::Aiff, "pcm_alaw", 8),
        ("pcm16.caf", Container::Caf, "pcm_s16be", 16),
        ("pcm16.flac", Container::Flac, "flac", 16),
        ("pcm24.flac", Container::Flac, "flac", 24),
    ];
    for (name, container, codec, bits) in cases {
        let rec = open(&fixture(name));
        let info = rec.info();
        assert_eq!(
            (info.container, info.codec.as_str(), info.bits, info.lossy),
            (container, codec, bits, false),
            "{name}"
        );
        assert_eq!((info.channels, info.sample_rate), (2, 8000.0), "{name}");
        let ours = interleaved(&rec);
        let theirs = reference(name);
        assert_eq!(ours.len(), theirs.len(), "{name}: sample count");
        let worst = ours
            .iter()
            .zip(&theirs)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0f32, f32::max);
        assert_eq!(
            worst, 0.0,
            "{name}: samples differ from libsndfile's by up to {worst}"
        );
    }
}

/// MP3 and Vorbis: the same length as libsndfile's decoders give (encoder delay and padding
/// removed) and the same sound, to the decoders' rounding.
#[test]
fn lossy_formats_decode_like_libsndfile_and_say_they_are_lossy() {
    for (name, container, codec) in [
        ("mp3.mp3", Container::Mp3, "mp3"),
        ("vorbis.ogg", Container::Ogg, "vorbis"),
    ] {
        let rec = open(&fixture(name));
        let info = rec.info();
        assert_eq!(
            (info.container, info.codec.as_str()),
            (container, codec),
            "{name}"
        );
        assert!(info.lossy && info.bits == 0, "{name}: {info:?}");
        let ours = interleaved(&rec);
        let theirs = reference(name);
        assert_eq!(ours.len(), theirs.len(), "{name}: sample count");
        let err: f64 = ours
            .iter()
            .zip(&theirs)
            .map(|(a, b)| ((a - b) as f64).powi(2))
            .sum();
        let sig: f64 = theirs.iter().map(|b| (*b as f64).powi(2)).sum();
        let snr_db = 10.0 * (sig / err.max(1e-30)).log10();
        assert!(
            snr_db > 60.0,
            "{name}: {snr_db:.1} dB against libsndfile's decoding"
        );
    }
}

/// A compressed file is decoded once: reopening it maps the same cache entry; changing the
/// source decodes it anew.
#[test]
fn the_decoding_cache_is_reused_until_the_source_changes() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("take.flac");
    std::fs::copy(fixture("pcm16.flac"), &src).unwrap();
    let rec = open(&src);
    let entry = |_: &Recording| {
        let canonical = std::fs::canonicalize(&src).unwrap();
        std::fs::read_dir(test_cache_dir())
            .unwrap()
            .flatten()
            .filter(|e| e.path().extension().is_some_and(|x| x == "f32"))
            .find(|e| {
                std::fs::read(e.path())
                    .map(|b| String::from_utf8_lossy(&b[..4096]).contains(canonical.to_str().unwrap()))
                    .unwrap_or(false)
            })
            .map(|e| e.metadata().unwrap().ino())
            .expect("a cache entry for the source")
    };
    let first = entry(&rec);
    let again = open(&src);
    assert_eq!(entry(&again), first, "reopening reuses the entry");
    assert_eq!(interleaved(&again), reference("pcm16.flac"));
    // A different file under the same name (new size and time): decoded anew.
    std::thread::sleep(std::time::Duration::from_millis(20));
    std::fs::copy(fixture("pcm24.flac"), &src).unwrap();
    let changed = open(&src);
    assert_ne!(entry(&changed), first, "a changed source is decoded again");
    assert_eq!(changed.info().bits, 24);
    assert_eq!(interleaved(&changed), reference("pcm24.flac"));
}

/// Truncated and corrupt compressed files: one line naming the file and the problem, exit 2.
#[test]
fn truncated_and_corrupt_compressed_files_give_one_clear_line() {
    let dir = tempfile::tempdir().unwrap();
    let whole = std::fs::read(fixture("pcm16.flac")).unwrap();
    let truncated = dir.path().join("a.flac");
    std::fs::write(&truncated, &whole[..whole.len() * 2 / 3]).unwrap();
    let mut flipped = whole.clone();
    let mid = whole.len() / 2;
    for b in &mut flipped[mid..mid + 64] {
        *b ^= 0x5A;
    }
    let corrupt = dir.path().join("b.flac");
    std::fs::write(&corrupt, &flipped).unwrap();
    let not_audio = dir.path().join("c.mp3");
    std::fs::write(&not_audio, vec![0x42u8; 5000]).unwrap();
    let header_only = dir.path().join("d.flac");
    std::fs::write(&header_only, &whole[..60]).unwrap();
    for (path, expected) in [
        (&truncated, "truncated"),
        (&corrupt, "damaged"),
        (&not_audio, "not a MP3 file"),
        (&header_only, "truncated"),
    ] {
        let o = spectro(&["info", path.to_str().unwrap()]);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{}: {err}", path.display());
        assert_eq!(err.trim().lines().count(), 1, "one line: {err}");
        assert!(err.contains(expected), "{err:?} should mention {expected:?}");
        assert!(!err.contains("panicked"), "{err}");
    }
}

/// `spectro apply` with no edits: the export keeps the source's format.
fn export_unedited(src: &Path, out: &Path, extra: &[&str]) {
    let dir = out.parent().unwrap();
    let edits = dir.join("none.json");
    std::fs::write(&edits, r#"{"version": 1, "edits": []}"#).unwrap();
    let mut args = vec!["apply", src.to_str().unwrap(), "--edits", edits.to_str().unwrap()];
    args.extend_from_slice(&["-o", out.to_str().unwrap(), "--force", "-q"]);
    args.extend_from_slice(extra);
    let o = spectro(&args);
    assert!(o.status.success(), "{}: {}", src.display(), stderr(&o));
}

/// The `fmt ` header kind and format tag of a WAV file (parsed by hand, not by Spectro).
fn fmt_of(path: &Path) -> (String, u16, u16) {
    let b = std::fs::read(path).unwrap();
    let kind = String::from_utf8_lossy(&b[0..4]).into_owned();
    let mut pos = 12;
    while pos + 8 <= b.len() {
        let id = &b[pos..pos + 4];
        let len = u32::from_le_bytes(b[pos + 4..pos + 8].try_into().unwrap()) as usize;
        if id == b"fmt " {
            let tag = u16::from_le_bytes([b[pos + 8], b[pos + 9]]);
            let bits = u16::from_le_bytes([b[pos + 22], b[pos + 23]]);
            return (kind, tag, bits);
        }
        pos += 8 + len + (len & 1);
    }
    panic!("{}: no fmt chunk", path.display());
}

/// Unedited WAV exports keep the source's header kind (plain stays plain, so Python 3.11's
/// `wave` opens 24-bit PCM; extensible stays extensible), encoding and samples; libsndfile's
/// format and subtype of the export equal the source's.
#[test]
fn wav_exports_keep_the_sources_header_kind_and_samples() {
    let dir = tempfile::tempdir().unwrap();
    for name in [
        "pcm16.wav",
        "pcm24.wav",
        "pcm24_ext.wav",
        "float64.wav",
        "alaw.wav",
        "ulaw.wav",
    ] {
        let src = fixture(name);
        let out = dir.path().join(format!("out-{name}"));
        export_unedited(&src, &out, &[]);
        assert_eq!(
            fmt_of(&out),
            fmt_of(&src),
            "{name}: header kind, format tag, bits"
        );
        assert_eq!(interleaved(&open(&out)), reference(name), "{name}: samples");
        let check = std::process::Command::new("python3")
            .arg("-c")
            .arg(
                "import sys, soundfile as sf\n\
                 a, b = sf.info(sys.argv[1]), sf.info(sys.argv[2])\n\
                 assert (a.format, a.subtype, a.frames) == (b.format, b.subtype, b.frames), (a, b)\n\
                 if a.subtype in ('PCM_16', 'PCM_24') and a.format == 'WAV':\n\
                 \x20   import wave\n\
                 \x20   w, v = wave.open(sys.argv[1]), wave.open(sys.argv[2])\n\
                 \x20   assert w.getparams() == v.getparams(), (w.getparams(), v.getparams())\n\
                 \x20   assert w.readframes(10**9) == v.readframes(10**9)\n",
            )
            .arg(&src)
            .arg(&out)
            .output()
            .expect("python3 runs (make test installs python3-soundfile)");
        assert!(
            check.status.success(),
            "{name}: libsndfile / wave disagree: {}",
            String::from_utf8_lossy(&check.stderr)
        );
    }
}

/// A source's LIST/INFO, `bext` and `cue ` chunks are carried into an export; `fact` and
/// `PEAK`, which describe the samples, are written anew or dropped.
#[test]
fn wav_exports_carry_the_sources_metadata_chunks() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("meta.wav");
    let made = std::process::Command::new("python3")
        .arg("-c")
        .arg(
            "import sys, numpy as np, soundfile as sf\n\
             x = 0.1 * np.sin(np.arange(8000) / 5.0)\n\
             with sf.SoundFile(sys.argv[1], 'w', 8000, 1, format='WAV', subtype='PCM_24') as f:\n\
             \x20   f.title = 'Take 3'\n\
             \x20   f.artist = 'Field recorder'\n\
             \x20   f.write(x)\n",
        )
        .arg(&src)
        .output()
        .expect("python3 runs");
    assert!(made.status.success(), "{}", String::from_utf8_lossy(&made.stderr));
    // Add a bext and a cue chunk by hand (libsndfile writes neither here).
    let mut bytes = std::fs::read(&src).unwrap();
    let mut bext = b"bext".to_vec();
    let payload: Vec<u8> = (0..602u32).map(|i| (i % 251) as u8).collect();
    bext.extend((payload.len() as u32).to_le_bytes());
    bext.extend(&payload);
    let mut cue = b"cue ".to_vec();
    cue.extend(28u32.to_le_bytes());
    cue.extend(1u32.to_le_bytes());
    cue.extend([1, 0, 0, 0, 0x40, 0x1F, 0, 0]);
    cue.extend(b"data");
    cue.extend([0u8; 12]);
    bytes.splice(12..12, bext.iter().chain(&cue).copied());
    let riff = (bytes.len() - 8) as u32;
    bytes[4..8].copy_from_slice(&riff.to_le_bytes());
    std::fs::write(&src, &bytes).unwrap();
    let source = open(&src);
    let out = dir.path().join("out.wav");
    export_unedited(&src, &out, &[]);
    let exported = open(&out);
    let ids = |r: &Recording| r.extra_chunks().iter().map(|c| c.id).collect::<Vec<_>>();
    for id in [*b"bext", *b"cue ", *b"LIST"] {
        let a = source.extra_chunks().iter().find(|c| c.id == id);
        let b = exported.extra_chunks().iter().find(|c| c.id == id);
        assert!(
            a.is_some(),
            "the source has {:?}: {:?}",
            String::from_utf8_lossy(&id),
            ids(&source)
        );
        assert_eq!(a, b, "{:?} carried over", String::from_utf8_lossy(&id));
    }
    assert_eq!(interleaved(&exported), interleaved(&source));
}

/// FLAC out: an unedited FLAC or WAV exports to a FLAC that decodes (through symphonia, a
/// decoder independent of the flacenc encoder, and libsndfile) to the original samples.
#[test]
fn flac_exports_are_lossless() {
    let dir = tempfile::tempdir().unwrap();
    for (name, bits) in [
        ("pcm16.flac", 16),
        ("pcm24.flac", 24),
        ("pcm16.wav", 16),
        ("pcm24.aiff", 24),
    ] {
        let out = dir.path().join(format!("{name}.flac"));
        export_unedited(&fixture(name), &out, &[]);
        let back = open(&out);
        assert_eq!(
            (back.container(), back.info().bits),
            (Container::Flac, bits),
            "{name}"
        );
        assert_eq!(interleaved(&back), reference(name), "{name}: samples");
        let check = std::process::Command::new("python3")
            .arg("-c")
            .arg(
                "import sys, numpy as np, soundfile as sf\n\
                 x, _ = sf.read(sys.argv[1], dtype='float32')\n\
                 r = np.fromfile(sys.argv[2], '<f4').reshape(x.shape)\n\
                 assert np.array_equal(x, r), np.max(np.abs(x - r))\n",
            )
            .arg(&out)
            .arg(fixture(&format!("{name}.ref.f32")))
            .output()
            .expect("python3 runs");
        assert!(
            check.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&check.stderr)
        );
    }
    // Longer than one batch of frames, stereo, odd length: every frame boundary survives.
    let long = dir.path().join("long.wav");
    let n = 300_001usize;
    let spec = hound::WavSpec {
        channels: 2,
        sample_rate: 44_100,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut rng = common::Rng(3);
    let x: Vec<f64> = (0..2 * n)
        .map(|i| 0.3 * (i as f64 * 0.01).sin() + 0.1 * rng.uniform() as f64)
        .collect();
    common::write_wav_hound(&long, spec, &x);
    let out = dir.path().join("long.flac");
    export_unedited(&long, &out, &[]);
    assert_eq!(interleaved(&open(&out)), interleaved(&open(&long)));
}

/// Lossy sources are never re-encoded lossily: a .mp3/.ogg target is refused with one line;
/// WAV gets 32-bit float and FLAC 24 bits by default.
#[test]
fn lossy_sources_export_losslessly() {
    let dir = tempfile::tempdir().unwrap();
    let src = fixture("mp3.mp3");
    for target in ["again.mp3", "again.ogg"] {
        let out = dir.path().join(target);
        let edits = dir.path().join("none.json");
        std::fs::write(&edits, r#"{"version": 1, "edits": []}"#).unwrap();
        let o = spectro(&[
            "apply",
            src.to_str().unwrap(),
            "--edits",
            edits.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
        ]);
        assert_eq!(o.status.code(), Some(2), "{target}");
        assert!(
            stderr(&o).contains("does not encode lossy formats"),
            "{}",
            stderr(&o)
        );
        assert!(!out.exists());
    }
    let wav = dir.path().join("again.wav");
    export_unedited(&src, &wav, &[]);
    assert_eq!(open(&wav).info().encoding, "float32");
    assert_eq!(
        interleaved(&open(&wav)),
        interleaved(&open(&src)),
        "float WAV holds the decoded samples"
    );
    let flac = dir.path().join("again.flac");
    export_unedited(&src, &flac, &[]);
    assert_eq!(open(&flac).info().bits, 24);
}

/// Writes `x` (interleaved stereo) with `format` through the library's writer.
fn write_with(path: &Path, format: spectro::io::output::OutputFormat, x: &[Vec<f32>]) {
    let file = std::fs::File::create(path).unwrap();
    let mut w = spectro::io::output::AudioWriter::new(&file, path, format).unwrap();
    for start in (0..x[0].len()).step_by(1000) {
        let end = (start + 1000).min(x[0].len());
        w.write_real(&[x[0][start..end].to_vec(), x[1][start..end].to_vec()])
            .unwrap();
    }
    w.finish().unwrap();
}

/// RF64: a WAV whose data passes the RIFF limit is written as RF64 (planned from the start,
/// or converted from the reserved JUNK chunk when its length was unknown), reads back exactly
/// in Spectro and libsndfile; an RF64 written by libsndfile opens. The limit is lowered here
/// so the round trip does not need 4 GB (the code path is the same).
#[test]
fn rf64_round_trips() {
    use spectro::io::Encoding;
    use spectro::io::output::OutputFormat;
    let dir = tempfile::tempdir().unwrap();
    let n = 20_000;
    let x: Vec<Vec<f32>> = (0..2)
        .map(|c| {
            (0..n)
                .map(|i| ((i * (c + 3)) % 200) as f32 / 400.0 - 0.25)
                .collect()
        })
        .collect();
    let cases = [
        ("planned.wav", Some(n as u64), 1000, "RF64"),
        ("unplanned.wav", None, 1000, "RF64"),
        ("small-unplanned.wav", None, u64::MAX, "RIFF"),
        ("small-planned.wav", Some(n as u64), u64::MAX, "RIFF"),
    ];
    for (name, planned, limit, magic) in cases {
        let path = dir.path().join(name);
        let mut format = OutputFormat::new(Container::Wav, Encoding::Pcm16, 2, 8000.0);
        format.planned_samples = planned;
        format.rf64_above = limit;
        write_with(&path, format, &x);
        let bytes = std::fs::read(&path).unwrap();
        assert_eq!(&bytes[0..4], magic.as_bytes(), "{name}");
        let back = open(&path);
        let expected = if magic == "RF64" {
            Container::Rf64
        } else {
            Container::Wav
        };
        assert_eq!((back.container(), back.len()), (expected, n as u64), "{name}");
        let ours = interleaved(&back);
        let written: Vec<f32> = (0..n).flat_map(|i| [x[0][i], x[1][i]]).collect();
        let worst = ours
            .iter()
            .zip(&written)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f32::max);
        assert!(worst <= 0.5 / 32768.0, "{name}: {worst}");
        let check = std::process::Command::new("python3")
            .arg("-c")
            .arg(
                "import sys, soundfile as sf\n\
                 i = sf.info(sys.argv[1])\n\
                 assert (i.format, i.frames, i.channels) == (sys.argv[2], int(sys.argv[3]), 2), i\n",
            )
            .arg(&path)
            .arg(if magic == "RF64" { "RF64" } else { "WAV" })
            .arg(n.to_string())
            .output()
            .expect("python3 runs");
        assert!(
            check.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&check.stderr)
        );
    }
    // An RF64 source stays RF64 on export.
    let out = dir.path().join("out.rf64");
    export_unedited(&fixture("pcm16.rf64"), &out, &[]);
    assert_eq!(open(&out).container(), Container::Rf64);
    assert_eq!(interleaved(&open(&out)), reference("pcm16.rf64"));
}

/// A batch into a directory keeps each input's name, as .flac where Spectro does not write
/// the input's format.
#[test]
fn a_batch_of_mixed_formats_lands_under_writable_names() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("cleaned");
    std::fs::create_dir(&out).unwrap();
    let o = spectro(&[
        "denoise",
        fixture("mp3.mp3").to_str().unwrap(),
        fixture("pcm16.aiff").to_str().unwrap(),
        fixture("pcm16.wav").to_str().unwrap(),
        "--estimate",
        "-o",
        out.to_str().unwrap(),
        "-q",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let mut names: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["mp3.flac", "pcm16.flac", "pcm16.wav"]);
    assert_eq!(open(&out.join("mp3.flac")).info().bits, 24);
}
