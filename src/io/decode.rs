//! Files Spectro cannot map as they are (FLAC, Ogg Vorbis, MP3, AIFF/AIFF-C, CAF) are decoded
//! once through symphonia into a cache file of interleaved samples (the source's 16- or 24-bit
//! integers when it has them, else 32-bit floats), which is then mapped
//! and read by range like a WAV: an hour-long FLAC opens, scrolls and edits like a WAV, and
//! decoding never holds the recording in memory.
//!
//! The cache lives in `$SPECTRO_CACHE_DIR`, else `$XDG_CACHE_HOME/spectro/decoded`, else
//! `~/.cache/spectro/decoded`. An entry is named after the source's path and records its size
//! and modification time: it is reused while the source is unchanged, and decoded anew when it
//! changed. After each decode, entries whose source is gone or changed are removed, and the
//! least recently used ones while the cache holds more than [`CACHE_BUDGET_BYTES`].

use std::fs::File;
use std::io::{BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use symphonia::core::codecs::audio::AudioDecoderOptions;
use symphonia::core::errors::Error as SymphoniaError;
use symphonia::core::formats::probe::Hint;
use symphonia::core::formats::{FormatOptions, TrackType};
use symphonia::core::io::{MediaSource, MediaSourceStream};
use symphonia::core::meta::MetadataOptions;

use super::encoding::Encoding;
use super::error::{FileError, FileErrorKind};
use crate::signal::Progress;
use crate::signal::limits::MAX_CHANNELS;

/// The cache is pruned, least recently used first, down to this many bytes (an hour of 44.1
/// kHz stereo takes 1.3 GB). `SPECTRO_CACHE_MAX_BYTES` overrides it.
pub const CACHE_BUDGET_BYTES: u64 = 16 << 30;

/// Bytes before the samples in a cache file: a magic line, then the JSON header, padded.
const HEADER_BYTES: usize = 4096;
const MAGIC: &[u8; 16] = b"SPECTRO-DEC-F32\n";

/// Extensions of the files decoded through the cache.
pub const DECODED_EXTENSIONS: [&str; 8] = ["flac", "ogg", "oga", "mp3", "aif", "aiff", "aifc", "caf"];

/// True when `bytes` start like a file decoded through the cache (FLAC, Ogg, AIFF, CAF, MP3
/// with an ID3 tag), whatever its name.
pub fn sniff(bytes: &[u8]) -> bool {
    let head = |m: &[u8]| bytes.len() >= m.len() && &bytes[..m.len()] == m;
    head(b"fLaC")
        || head(b"OggS")
        || head(b"caff")
        || head(b"ID3")
        || (head(b"FORM") && bytes.len() >= 12 && matches!(&bytes[8..12], b"AIFF" | b"AIFC"))
}

/// What a decoded file holds, as stored in its cache entry's header.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DecodedInfo {
    /// Container short name ("flac", "ogg", "mp3", "aiff", "caf").
    pub container: String,
    /// Codec short name ("flac", "vorbis", "mp3", "pcm_s16be", …).
    pub codec: String,
    /// Lossy codec (MP3, Vorbis, …): exports never re-encode it silently.
    pub lossy: bool,
    /// Bits per sample of a lossless source (0 for lossy ones).
    pub bits: u16,
    /// Samples per second.
    pub sample_rate: u32,
    /// Channels.
    pub channels: usize,
    /// Samples per channel.
    pub samples: u64,
    /// How the cache stores the samples ([`Encoding::name`]): the source's integer PCM
    /// (16 or 24 bits, exact and half the bytes of floats), else 32-bit float.
    pub storage: String,
    /// The source it was decoded from, its size and modification time (ns since the epoch).
    pub source: PathBuf,
    /// Source size in bytes.
    pub source_len: u64,
    /// Source modification time, nanoseconds since the Unix epoch.
    pub source_mtime_ns: u128,
}

/// A decoded file: its cache entry's path and what it holds. The samples are at
/// [`DECODED_DATA_OFFSET`] in the entry, interleaved, stored as `info.storage` says.
#[derive(Clone, Debug)]
pub struct Decoded {
    /// The cache file to map.
    pub cache_path: PathBuf,
    /// What it holds.
    pub info: DecodedInfo,
}

/// Byte offset of the samples in a cache entry.
pub const DECODED_DATA_OFFSET: usize = HEADER_BYTES;

static CACHE_DIR: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();

/// Makes this process cache decoded files in `dir` (tests keep theirs apart from the user's).
/// Only the first call counts; returns false if the directory was already chosen.
pub fn set_cache_dir(dir: PathBuf) -> bool {
    CACHE_DIR.set(dir).is_ok()
}

/// The cache directory (see the module documentation).
pub fn cache_dir() -> PathBuf {
    if let Some(d) = CACHE_DIR.get() {
        return d.clone();
    }
    if let Some(d) = std::env::var_os("SPECTRO_CACHE_DIR") {
        return PathBuf::from(d);
    }
    if let Some(d) = std::env::var_os("XDG_CACHE_HOME").filter(|d| !d.is_empty()) {
        return PathBuf::from(d).join("spectro").join("decoded");
    }
    if let Some(home) = std::env::var_os("HOME").filter(|d| !d.is_empty()) {
        return PathBuf::from(home).join(".cache").join("spectro").join("decoded");
    }
    std::env::temp_dir().join("spectro-decoded")
}

fn budget() -> u64 {
    std::env::var("SPECTRO_CACHE_MAX_BYTES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(CACHE_BUDGET_BYTES)
}

/// FNV-1a: a stable name for a path (std's hasher may change between Rust releases).
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| {
        (h ^ b as u64).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

fn mtime_ns(meta: &std::fs::Metadata) -> u128 {
    meta.modified()
        .ok()
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos())
}

/// The cache entry for `source` (canonical path).
fn entry_path(dir: &Path, source: &Path) -> PathBuf {
    let key = fnv1a(source.as_os_str().as_encoded_bytes());
    dir.join(format!("{key:016x}.f32"))
}

/// Reads an entry's header, if it is a complete entry.
fn read_entry(path: &Path) -> Option<DecodedInfo> {
    let mut f = File::open(path).ok()?;
    let mut head = vec![0u8; HEADER_BYTES];
    f.read_exact(&mut head).ok()?;
    if &head[..MAGIC.len()] != MAGIC {
        return None;
    }
    let json = &head[MAGIC.len()..];
    let end = json.iter().position(|&b| b == 0).unwrap_or(json.len());
    let info: DecodedInfo = serde_json::from_slice(&json[..end]).ok()?;
    let bytes = Encoding::from_name(&info.storage)?.bytes() as u64;
    let expected = HEADER_BYTES as u64 + info.samples * info.channels as u64 * bytes;
    (f.metadata().ok()?.len() == expected).then_some(info)
}

/// True when `info`'s source still has the size and modification time it was decoded from.
fn source_unchanged(info: &DecodedInfo) -> bool {
    std::fs::metadata(&info.source)
        .is_ok_and(|m| m.len() == info.source_len && mtime_ns(&m) == info.source_mtime_ns)
}

/// Counts the bytes symphonia reads, for progress.
struct Counted {
    file: File,
    len: u64,
    read: Arc<AtomicU64>,
}

impl Read for Counted {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.file.read(buf)?;
        self.read.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

impl Seek for Counted {
    fn seek(&mut self, pos: SeekFrom) -> std::io::Result<u64> {
        let at = self.file.seek(pos)?;
        self.read.store(at, Ordering::Relaxed);
        Ok(at)
    }
}

impl MediaSource for Counted {
    fn is_seekable(&self) -> bool {
        true
    }
    fn byte_len(&self) -> Option<u64> {
        Some(self.len)
    }
}

/// Opens `path` (a regular file, already checked) decoded: from its cache entry when the source
/// is unchanged, else decoded now into a new entry. `progress` counts source bytes and is
/// checked for cancellation between packets.
pub fn open_decoded(path: &Path, progress: &Progress) -> Result<Decoded, FileError> {
    let err = |kind| FileError::new(path, kind);
    let source = std::fs::canonicalize(path).map_err(|e| err(FileErrorKind::Io(e)))?;
    let meta = std::fs::metadata(&source).map_err(|e| err(FileErrorKind::Io(e)))?;
    let dir = cache_dir();
    let entry = entry_path(&dir, &source);
    if let Some(info) = read_entry(&entry)
        && info.source == source
        && info.source_len == meta.len()
        && info.source_mtime_ns == mtime_ns(&meta)
    {
        // Marks the entry as recently used for pruning.
        if let Ok(f) = File::options().append(true).open(&entry) {
            let _ = f.set_modified(SystemTime::now());
        }
        return Ok(Decoded {
            cache_path: entry,
            info,
        });
    }
    std::fs::create_dir_all(&dir).map_err(|e| {
        err(FileErrorKind::Content(format!(
            "cannot create the decoding cache {}: {e}",
            dir.display()
        )))
    })?;
    let tmp = tempfile::Builder::new()
        .prefix(".decoding-")
        .tempfile_in(&dir)
        .map_err(|e| {
            err(FileErrorKind::Content(format!(
                "cannot write in the decoding cache {}: {e}",
                dir.display()
            )))
        })?;
    let mut info = decode_into(path, tmp.as_file(), progress)?;
    info.source = source;
    info.source_len = meta.len();
    info.source_mtime_ns = mtime_ns(&meta);
    write_header(tmp.as_file(), &info).map_err(|e| err(FileErrorKind::Io(e)))?;
    tmp.persist(&entry).map_err(|e| err(FileErrorKind::Io(e.error)))?;
    prune(&dir, &entry, budget());
    Ok(Decoded {
        cache_path: entry,
        info,
    })
}

fn write_header(file: &File, info: &DecodedInfo) -> std::io::Result<()> {
    let json = serde_json::to_vec(info).map_err(std::io::Error::other)?;
    let mut head = vec![0u8; HEADER_BYTES];
    if MAGIC.len() + json.len() >= HEADER_BYTES {
        return Err(std::io::Error::other(
            "the source's path is too long for the cache header",
        ));
    }
    head[..MAGIC.len()].copy_from_slice(MAGIC);
    head[MAGIC.len()..MAGIC.len() + json.len()].copy_from_slice(&json);
    let mut f = file;
    f.seek(SeekFrom::Start(0))?;
    f.write_all(&head)?;
    f.sync_data()
}

/// A symphonia error as one line about the file.
fn decode_error(e: SymphoniaError) -> FileErrorKind {
    match e {
        SymphoniaError::IoError(io) if io.kind() == std::io::ErrorKind::UnexpectedEof => {
            FileErrorKind::Content("truncated: the file ends in the middle of its audio".into())
        }
        SymphoniaError::IoError(io) => FileErrorKind::Io(io),
        SymphoniaError::Unsupported(what) => FileErrorKind::Unsupported(what.to_owned()),
        other => FileErrorKind::Content(format!("corrupt audio ({other})")),
    }
}

/// Decodes `path` into `out` after [`HEADER_BYTES`] of room for the header; returns what it
/// holds (the source fields left for the caller).
fn decode_into(path: &Path, out: &File, progress: &Progress) -> Result<DecodedInfo, FileError> {
    let err = |kind| FileError::new(path, kind);
    let file = File::open(path).map_err(|e| err(FileErrorKind::Io(e)))?;
    let len = file.metadata().map_err(|e| err(FileErrorKind::Io(e)))?.len();
    let read = Arc::new(AtomicU64::new(0));
    let counted = Counted {
        file,
        len,
        read: read.clone(),
    };
    let mss = MediaSourceStream::new(Box::new(counted), Default::default());
    let mut hint = Hint::new();
    if let Some(ext) = path.extension().and_then(|e| e.to_str()) {
        hint.with_extension(ext);
    }
    let mut format = symphonia::default::get_probe()
        .probe(&hint, mss, FormatOptions::default(), MetadataOptions::default())
        .map_err(|e| match e {
            SymphoniaError::Unsupported(_) => FileErrorKind::Content(format!(
                "no audio stream found: not a {} file, or a damaged one",
                path.extension()
                    .and_then(|e| e.to_str())
                    .map_or("FLAC, Ogg, MP3, AIFF or CAF".into(), |e| e.to_ascii_uppercase()),
            )),
            other => decode_error(other),
        })
        .map_err(err)?;
    let container = format.format_info().short_name.to_owned();
    let track = format
        .default_track(TrackType::Audio)
        .ok_or_else(|| err(FileErrorKind::Content("has no audio track".into())))?;
    let track_id = track.id;
    let expected_frames = track.num_frames;
    let params = track
        .codec_params
        .as_ref()
        .and_then(|p| p.audio())
        .cloned()
        .ok_or_else(|| err(FileErrorKind::Content("has no audio track".into())))?;
    let mut decoder = symphonia::default::get_codecs()
        .make_audio_decoder(&params, &AudioDecoderOptions::default())
        .map_err(|e| err(decode_error(e)))?;
    let codec = decoder.codec_info().short_name.to_ascii_lowercase();
    // PCM (including A-law and µ-law) and the lossless codecs; everything else is lossy.
    let lossy =
        !(codec.starts_with("pcm") || ["flac", "alac", "wavpack", "ape", "tta"].contains(&codec.as_str()));
    let sample_rate = params.sample_rate.ok_or_else(|| err(FileErrorKind::ZeroRate))?;
    let mut channels = params.channels.as_ref().map_or(0, |c| c.count());
    let bits = if lossy {
        0
    } else {
        params.bits_per_sample.unwrap_or(0) as u16
    };

    let codec_has = |s: &str| codec.contains(s);
    // Integer sources are cached as the integers they hold (exact, and no more bytes than a
    // WAV); lossy and float ones as 32-bit floats.
    let storage = if lossy || codec_has("f32") || codec_has("f64") {
        Encoding::Float32
    } else if codec_has("alaw") || codec_has("mulaw") || (1..=16).contains(&bits) {
        Encoding::Pcm16
    } else if (17..=24).contains(&bits) {
        Encoding::Pcm24
    } else {
        Encoding::Float32
    };

    progress.start(len.max(1));
    let mut w = BufWriter::with_capacity(1 << 20, out);
    w.seek(SeekFrom::Start(HEADER_BYTES as u64))
        .map_err(|e| err(FileErrorKind::Io(e)))?;
    let mut floats: Vec<f32> = Vec::new();
    let mut ints: Vec<i32> = Vec::new();
    let mut bytes: Vec<u8> = Vec::new();
    let mut frames = 0u64;
    let mut reported = 0u64;
    loop {
        if progress.is_cancelled() {
            return Err(err(FileErrorKind::Content("decoding cancelled".into())));
        }
        let packet = match format.next_packet() {
            Ok(Some(p)) => p,
            Ok(None) => break,
            // A stream that ends early is reported below, against the length it declared.
            Err(SymphoniaError::IoError(e)) if e.kind() == std::io::ErrorKind::UnexpectedEof => break,
            Err(SymphoniaError::ResetRequired) => break,
            Err(e) => return Err(err(decode_error(e))),
        };
        if packet.track_id != track_id {
            continue;
        }
        let decoded = decoder.decode(&packet).map_err(|e| {
            let at_s = frames as f64 / sample_rate.max(1) as f64;
            err(match decode_error(e) {
                FileErrorKind::Content(m) => FileErrorKind::Content(format!("{m} at {at_s:.2} s")),
                other => other,
            })
        })?;
        let n = decoded.samples_interleaved();
        if n == 0 {
            continue;
        }
        let ch = decoded.spec().channels().count();
        if channels == 0 {
            channels = ch;
        }
        if ch != channels {
            return Err(err(FileErrorKind::Unsupported(format!(
                "a stream whose channel count changes ({channels} to {ch})"
            ))));
        }
        let width = storage.bytes();
        bytes.resize(n * width, 0);
        if storage == Encoding::Float32 {
            floats.resize(n, 0.0);
            decoded.copy_to_slice_interleaved(&mut floats[..]);
            for (b, x) in bytes.chunks_exact_mut(4).zip(&floats) {
                b.copy_from_slice(&x.to_le_bytes());
            }
        } else {
            // symphonia gives integers at full 32-bit scale: the source's bits are the top ones.
            ints.resize(n, 0);
            decoded.copy_to_slice_interleaved(&mut ints[..]);
            let shift = 32 - 8 * width as u32;
            for (b, v) in bytes.chunks_exact_mut(width).zip(&ints) {
                b.copy_from_slice(&(v >> shift).to_le_bytes()[..width]);
            }
        }
        w.write_all(&bytes).map_err(|e| err(FileErrorKind::Io(e)))?;
        frames += (n / ch) as u64;
        let now = read.load(Ordering::Relaxed);
        if now > reported {
            progress.advance(now - reported);
            reported = now;
        }
    }
    w.flush().map_err(|e| err(FileErrorKind::Io(e)))?;
    drop(w);
    if let Some(expected) = expected_frames
        && frames < expected
        && !lossy
    {
        return Err(err(FileErrorKind::Content(format!(
            "truncated or damaged: {frames} of the {expected} samples it declares could be decoded"
        ))));
    }
    if channels == 0 || frames == 0 {
        return Err(err(FileErrorKind::NoSamples));
    }
    if channels > MAX_CHANNELS {
        return Err(err(FileErrorKind::Unsupported(format!(
            "{channels} channels (Spectro reads at most {MAX_CHANNELS})"
        ))));
    }
    Ok(DecodedInfo {
        container,
        codec,
        lossy,
        bits,
        sample_rate,
        channels,
        samples: frames,
        storage: storage.name().to_owned(),
        source: PathBuf::new(),
        source_len: 0,
        source_mtime_ns: 0,
    })
}

/// Removes entries whose source is gone or changed, unfinished decodes older than a day, then
/// the least recently used entries (never `keep`) while the cache holds more than `budget`.
fn prune(dir: &Path, keep: &Path, budget: u64) {
    let Ok(read) = std::fs::read_dir(dir) else {
        return;
    };
    let now = SystemTime::now();
    let mut live: Vec<(SystemTime, u64, PathBuf)> = Vec::new();
    for entry in read.flatten() {
        let path = entry.path();
        let Ok(meta) = entry.metadata() else { continue };
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let modified = meta.modified().unwrap_or(now);
        if name.starts_with(".decoding-") {
            if now.duration_since(modified).unwrap_or_default() > Duration::from_secs(86_400) {
                let _ = std::fs::remove_file(&path);
            }
            continue;
        }
        if !name.ends_with(".f32") || path == keep {
            continue;
        }
        match read_entry(&path) {
            Some(info) if source_unchanged(&info) => live.push((modified, meta.len(), path)),
            _ => {
                let _ = std::fs::remove_file(&path);
            }
        }
    }
    let keep_len = std::fs::metadata(keep).map_or(0, |m| m.len());
    let mut total: u64 = keep_len + live.iter().map(|e| e.1).sum::<u64>();
    live.sort();
    for (_, len, path) in live {
        if total <= budget {
            break;
        }
        if std::fs::remove_file(&path).is_ok() {
            total -= len;
        }
    }
}
