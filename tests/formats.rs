//! The formats people have (issue 16): every fixture in tests/data/formats, written by
//! libsndfile (`make_formats.py`), opens with the samples libsndfile decodes from it (the
//! `.ref.f32` files next to them); compressed files are decoded once into the cache and reused;
//! truncated and corrupt ones give one clear line.

mod common;

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
