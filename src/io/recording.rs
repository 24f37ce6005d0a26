//! An opened recording: a mapped WAV or raw IQ file, read by range.

use std::fs::File;
use std::path::{Path, PathBuf};

use std::sync::atomic::{AtomicU64, Ordering};

use memmap2::Mmap;
use rustfft::num_complex::Complex32;
use serde::Serialize;

use super::decode;
use super::encoding::Encoding;
use super::error::{FileError, FileErrorKind};
use super::wav::{self, Chunk, FmtHeader, WavKind};
use crate::signal::limits::{self, MAX_SAMPLE_ABS};
use crate::signal::{Progress, SampleSource};

/// Samples per channel in a block of the lazy float check: each block is scanned once, the
/// first time a read touches it, so every bad sample is counted once however often it is decoded.
const SCAN_BLOCK_SAMPLES: u64 = 4096;

/// How to interpret a file being opened.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct OpenOptions {
    /// Read a stereo WAV as one complex channel, I left and Q right.
    pub iq: bool,
    /// Sample rate: overrides a WAV header's; raw IQ otherwise takes it from a SigMF sidecar
    /// or an rtl_433-style file name.
    pub sample_rate: Option<f64>,
}

/// The file's container.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Container {
    /// RIFF/WAVE.
    Wav,
    /// RF64 or BW64: WAV with 64-bit sizes (over 4 GB).
    Rf64,
    /// Sony Wave64.
    W64,
    /// Headerless interleaved I/Q.
    Raw,
    /// FLAC (decoded into the cache).
    Flac,
    /// Ogg (Vorbis), decoded into the cache.
    Ogg,
    /// MPEG audio (MP3), decoded into the cache.
    Mp3,
    /// AIFF or AIFF-C, decoded into the cache.
    Aiff,
    /// Apple Core Audio Format, decoded into the cache.
    Caf,
}

impl Container {
    /// The name shown to users.
    pub fn name(self) -> &'static str {
        match self {
            Container::Wav => "WAV",
            Container::Rf64 => "RF64",
            Container::W64 => "Wave64",
            Container::Raw => "raw IQ",
            Container::Flac => "FLAC",
            Container::Ogg => "Ogg",
            Container::Mp3 => "MP3",
            Container::Aiff => "AIFF",
            Container::Caf => "CAF",
        }
    }

    /// True for the containers decoded into the cache (see [`super::decode`]).
    pub fn is_decoded(self) -> bool {
        matches!(
            self,
            Container::Flac | Container::Ogg | Container::Mp3 | Container::Aiff | Container::Caf
        )
    }

    /// The container of a symphonia format short name.
    fn of_decoded(short_name: &str) -> Container {
        match short_name {
            n if n.contains("flac") => Container::Flac,
            n if n.contains("ogg") => Container::Ogg,
            n if n.contains("aif") => Container::Aiff,
            n if n.contains("caf") => Container::Caf,
            _ => Container::Mp3,
        }
    }

    /// True for the WAV family (RIFF, RF64, W64): mapped and decoded in place.
    pub fn is_wav(self) -> bool {
        matches!(self, Container::Wav | Container::Rf64 | Container::W64)
    }

    fn of(kind: WavKind) -> Container {
        match kind {
            WavKind::Riff => Container::Wav,
            WavKind::Rf64 => Container::Rf64,
            WavKind::W64 => Container::W64,
        }
    }
}

/// Bytes of an opened file: mapped from disk, or owned (tests, generated data).
enum Bytes {
    Mapped(Mmap),
    Owned(Vec<u8>),
}

impl std::ops::Deref for Bytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            Bytes::Mapped(m) => m,
            Bytes::Owned(v) => v,
        }
    }
}

/// An opened recording. Samples stay in the (mapped) file and are decoded per read.
pub struct Recording {
    path: PathBuf,
    container: Container,
    /// The source's sample encoding (what exports write by default).
    encoding: Encoding,
    /// How the mapped bytes are stored: `encoding`, except for decoded files (32-bit float).
    storage: Encoding,
    /// Codec of a decoded file ("flac", "mp3", …).
    codec: Option<String>,
    /// Decoded from a lossy codec.
    lossy: bool,
    bits: u16,
    stored_channels: usize,
    sample_rate: f64,
    /// Samples per channel.
    samples: u64,
    iq: bool,
    bytes: Bytes,
    data_offset: usize,
    block_align: usize,
    extra_chunks: Vec<Chunk>,
    header: FmtHeader,
    center_freq_hz: Option<f64>,
    /// Float files: one bit per [`SCAN_BLOCK_SAMPLES`] samples per channel, set once the block
    /// is scanned.
    scanned: Vec<AtomicU64>,
    /// Float files: NaN, infinite or out-of-range samples found in the scanned blocks.
    replaced: AtomicU64,
}

/// What `spectro info` reports.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RecordingInfo {
    /// Path as given.
    pub file: String,
    /// WAV or raw.
    pub container: Container,
    /// Samples per second.
    pub sample_rate: f64,
    /// Channels as Spectro shows them (an IQ recording has one complex channel).
    pub channels: usize,
    /// Channels stored in the file (2 for IQ: I and Q).
    pub stored_channels: usize,
    /// Samples per channel.
    pub samples: u64,
    /// Duration in seconds.
    pub duration_s: f64,
    /// Sample encoding.
    pub encoding: &'static str,
    /// Valid bits per stored sample (0 for a lossy source).
    pub bits: u16,
    /// Codec: "flac", "vorbis", "mp3", "pcm_s16le", "pcm_s16be", "pcm_alaw", "cu8", …
    pub codec: String,
    /// Decoded from a lossy codec (MP3, Vorbis): exports are lossless (FLAC or WAV) and never
    /// re-encode it.
    pub lossy: bool,
    /// Complex baseband.
    pub iq: bool,
    /// Centre frequency of an IQ capture (from an `auxi` chunk or a SigMF sidecar), Hz.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub center_freq_hz: Option<f64>,
}

fn check_rate(path: &Path, rate: f64) -> Result<f64, FileError> {
    if rate == 0.0 {
        return Err(FileError::new(path, FileErrorKind::ZeroRate));
    }
    limits::check_sample_rate(rate).map_err(|_| FileError::new(path, FileErrorKind::BadRate(rate)))
}

/// True for a float sample [`sanitise`] replaces: NaN, infinite or beyond [`MAX_SAMPLE_ABS`].
#[inline]
fn is_bad(x: f32) -> bool {
    x.is_nan() || x.abs() > MAX_SAMPLE_ABS
}

/// Replaces a float sample Spectro cannot pass on: NaN and ±∞ by 0, larger than
/// [`MAX_SAMPLE_ABS`] by ±that.
#[inline]
fn sanitise(x: f32) -> f32 {
    if x.abs() <= MAX_SAMPLE_ABS {
        x
    } else if x.is_nan() || x.is_infinite() {
        0.0
    } else {
        MAX_SAMPLE_ABS.copysign(x)
    }
}

impl Recording {
    /// Opens `path`: a WAV file, or a raw IQ capture recognised by its extension.
    pub fn open(path: impl AsRef<Path>, options: OpenOptions) -> Result<Recording, FileError> {
        Self::open_with_progress(path, options, &Progress::new())
    }

    /// [`Recording::open`], reporting the decoding of a compressed file (FLAC, MP3, …) to
    /// `progress` and stopping when it is cancelled. WAV and raw files open at once.
    pub fn open_with_progress(
        path: impl AsRef<Path>,
        options: OpenOptions,
        progress: &Progress,
    ) -> Result<Recording, FileError> {
        let given = path.as_ref();
        // Opening the metadata of a SigMF pair opens its data.
        let data_path;
        let path = if given
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("sigmf-meta"))
        {
            data_path = super::sigmf::data_for(given);
            data_path.as_path()
        } else {
            given
        };
        let err = |kind| FileError::new(path, kind);
        // Before opening: opening a FIFO blocks until a writer comes, a device never ends.
        super::check_regular(path)?;
        let file = File::open(path).map_err(|e| err(FileErrorKind::Io(e)))?;
        let meta = file.metadata().map_err(|e| err(FileErrorKind::Io(e)))?;
        if !meta.is_file() {
            return Err(err(FileErrorKind::NotRegular("special file")));
        }
        if meta.len() == 0 {
            return Err(err(FileErrorKind::Empty));
        }
        // SAFETY: the map is read-only; Spectro never writes to files it has open (outputs go
        // to a temporary file renamed into place), so the mapped bytes do not change under it.
        let map = unsafe { Mmap::map(&file) }.map_err(|e| err(FileErrorKind::Io(e)))?;
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or("")
            .to_ascii_lowercase();
        if WavKind::sniff(&map).is_none()
            && (decode::DECODED_EXTENSIONS.contains(&ext.as_str()) || decode::sniff(&map))
        {
            drop(map);
            return Self::open_decoded(path, options, progress);
        }
        Self::from_bytes(path, Bytes::Mapped(map), &ext, options)
    }

    /// Opens a file decoded into the cache.
    fn open_decoded(path: &Path, options: OpenOptions, progress: &Progress) -> Result<Recording, FileError> {
        let err = |kind| FileError::new(path, kind);
        let decoded = decode::open_decoded(path, progress)?;
        let info = decoded.info;
        let cache = File::open(&decoded.cache_path).map_err(|e| err(FileErrorKind::Io(e)))?;
        // SAFETY: read-only; a cache entry is written to a temporary file renamed into place and
        // never modified after, and removing it keeps this mapping valid.
        let map = unsafe { Mmap::map(&cache) }.map_err(|e| err(FileErrorKind::Io(e)))?;
        let rate = check_rate(path, options.sample_rate.unwrap_or(info.sample_rate as f64))?;
        if options.iq && info.channels != 2 {
            return Err(err(FileErrorKind::IqNeedsStereo(info.channels)));
        }
        let codec = info.codec.to_ascii_lowercase();
        let encoding = if info.lossy || codec.contains("f32") {
            Encoding::Float32
        } else if codec.contains("f64") {
            Encoding::Float64
        } else if codec.contains("alaw") {
            Encoding::ALaw
        } else if codec.contains("mulaw") {
            Encoding::MuLaw
        } else {
            match info.bits {
                1..=8 => Encoding::Pcm8,
                9..=16 => Encoding::Pcm16,
                17..=24 => Encoding::Pcm24,
                _ => Encoding::Pcm32,
            }
        };
        let storage = Encoding::from_name(&info.storage).unwrap_or(Encoding::Float32);
        let scanned = if storage.is_float() {
            let blocks = info.samples.div_ceil(SCAN_BLOCK_SAMPLES);
            (0..blocks.div_ceil(64)).map(|_| AtomicU64::new(0)).collect()
        } else {
            Vec::new()
        };
        Ok(Recording {
            path: path.to_path_buf(),
            container: Container::of_decoded(&info.container),
            encoding,
            storage,
            codec: Some(info.codec.clone()),
            lossy: info.lossy,
            bits: match encoding {
                _ if info.lossy => 0,
                Encoding::ALaw | Encoding::MuLaw => 8,
                Encoding::Float32 => 32,
                Encoding::Float64 => 64,
                _ => info.bits,
            },
            stored_channels: info.channels,
            sample_rate: rate,
            samples: info.samples,
            iq: options.iq,
            data_offset: decode::DECODED_DATA_OFFSET,
            block_align: storage.bytes() * info.channels,
            bytes: Bytes::Mapped(map),
            extra_chunks: Vec::new(),
            header: FmtHeader::Plain,
            center_freq_hz: None,
            scanned,
            replaced: AtomicU64::new(0),
        })
    }

    /// Builds a recording from bytes in memory, as if read from a file with extension `ext`.
    pub fn from_memory(
        name: impl AsRef<Path>,
        bytes: Vec<u8>,
        ext: &str,
        options: OpenOptions,
    ) -> Result<Recording, FileError> {
        Self::from_bytes(name.as_ref(), Bytes::Owned(bytes), ext, options)
    }

    fn from_bytes(
        path: &Path,
        bytes: Bytes,
        ext: &str,
        options: OpenOptions,
    ) -> Result<Recording, FileError> {
        let err = |kind| FileError::new(path, kind);
        if bytes.is_empty() {
            return Err(err(FileErrorKind::Empty));
        }
        let is_sigmf = ext == "sigmf-data";
        let meta = match super::sigmf::sidecar_for(path) {
            Some(m) if is_sigmf || Encoding::from_raw_extension(ext).is_some() => {
                Some(super::sigmf::read(&m).map_err(err)?)
            }
            _ if is_sigmf => {
                return Err(err(FileErrorKind::Content(
                    "a .sigmf-data file needs its .sigmf-meta next to it".into(),
                )));
            }
            _ => None,
        };
        let raw_encoding = meta
            .as_ref()
            .map(|m| m.encoding)
            .or_else(|| Encoding::from_raw_extension(ext));
        let hints = super::name_hints::name_hints(path);
        let rec = if let Some(encoding) = raw_encoding {
            // The user's word first, then the SigMF sidecar, then the file name.
            let rate = options
                .sample_rate
                .or_else(|| meta.as_ref().and_then(|m| m.sample_rate))
                .or(hints.sample_rate_hz)
                .ok_or_else(|| err(FileErrorKind::RawNeedsRate))?;
            let rate = check_rate(path, rate)?;
            let pair = 2 * encoding.bytes();
            if !bytes.len().is_multiple_of(pair) {
                return Err(err(FileErrorKind::RawPartialPair {
                    bytes: bytes.len() as u64,
                    pair,
                }));
            }
            Recording {
                path: path.to_path_buf(),
                container: Container::Raw,
                encoding,
                storage: encoding,
                codec: None,
                lossy: false,
                bits: 8 * encoding.bytes() as u16,
                stored_channels: 2,
                sample_rate: rate,
                samples: (bytes.len() / pair) as u64,
                iq: true,
                data_offset: 0,
                block_align: pair,
                bytes,
                extra_chunks: Vec::new(),
                header: FmtHeader::Plain,
                center_freq_hz: meta.and_then(|m| m.center_freq_hz).or(hints.center_freq_hz),
                scanned: Vec::new(),
                replaced: AtomicU64::new(0),
            }
        } else {
            let is_riff = WavKind::sniff(&bytes).is_some();
            if !matches!(ext, "wav" | "wave" | "rf64" | "bw64" | "w64") && !is_riff {
                return Err(err(FileErrorKind::UnknownType(if ext.is_empty() {
                    "(no extension)".to_owned()
                } else {
                    format!(".{ext}")
                })));
            }
            let layout = wav::parse(&bytes).map_err(err)?;
            let rate = check_rate(path, options.sample_rate.unwrap_or(layout.sample_rate as f64))?;
            if options.iq && layout.channels != 2 {
                return Err(err(FileErrorKind::IqNeedsStereo(layout.channels)));
            }
            // SDR programs mark their stereo IQ recordings with an `auxi` chunk.
            let iq = options.iq || (layout.auxi().is_some() && layout.channels == 2);
            let center_freq_hz = layout.auxi().and_then(wav::auxi_center_freq_hz).or(if iq {
                hints.center_freq_hz
            } else {
                None
            });
            Recording {
                path: path.to_path_buf(),
                container: Container::of(layout.kind),
                encoding: layout.encoding,
                storage: layout.encoding,
                codec: None,
                lossy: false,
                bits: layout.bits,
                stored_channels: layout.channels,
                sample_rate: rate,
                samples: layout.samples(),
                iq,
                data_offset: layout.data_offset,
                block_align: layout.block_align,
                bytes,
                extra_chunks: layout.extra_chunks,
                header: layout.header,
                center_freq_hz,
                scanned: Vec::new(),
                replaced: AtomicU64::new(0),
            }
        };
        let mut rec = rec;
        if rec.samples == 0 {
            return Err(err(FileErrorKind::NoSamples));
        }
        if rec.storage.is_float() {
            let blocks = rec.samples.div_ceil(SCAN_BLOCK_SAMPLES);
            rec.scanned = (0..blocks.div_ceil(64)).map(|_| AtomicU64::new(0)).collect();
        }
        Ok(rec)
    }

    /// Float samples that were NaN, infinite or larger than [`MAX_SAMPLE_ABS`] in the parts of
    /// the file read so far, each counted once. Reads give 0 for NaN and ±∞ and clamp the
    /// others to ±[`MAX_SAMPLE_ABS`], so no NaN or infinity reaches an STFT or an output; the
    /// file is checked lazily, block by block as it is read (hour-long files stay mapped, not
    /// read). Always 0 for integer encodings. Commands print a warning when this is not 0; the
    /// window can show it.
    pub fn replaced_samples(&self) -> u64 {
        self.replaced.load(Ordering::Relaxed)
    }

    /// Scans the blocks of samples `lo..hi` (per channel) not scanned yet and counts their bad
    /// samples.
    fn scan_blocks(&self, lo: u64, hi: u64) {
        let first = lo / SCAN_BLOCK_SAMPLES;
        let last = (hi - 1) / SCAN_BLOCK_SAMPLES;
        for block in first..=last {
            let (word, bit) = ((block / 64) as usize, 1u64 << (block % 64));
            let Some(w) = self.scanned.get(word) else {
                return;
            };
            if w.load(Ordering::Relaxed) & bit != 0 {
                continue;
            }
            let start = block * SCAN_BLOCK_SAMPLES;
            let end = (start + SCAN_BLOCK_SAMPLES).min(self.samples);
            let at = self.data_offset + start as usize * self.block_align;
            let bytes = &self.bytes[at..at + (end - start) as usize * self.block_align];
            let bad = bytes
                .chunks_exact(4)
                .filter(|b| is_bad(f32::from_le_bytes([b[0], b[1], b[2], b[3]])))
                .count() as u64;
            // Two readers may scan the same block; only the one that sets the bit counts it.
            if w.fetch_or(bit, Ordering::Relaxed) & bit == 0 && bad > 0 {
                self.replaced.fetch_add(bad, Ordering::Relaxed);
            }
        }
    }

    /// The path it was opened from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Every file this recording is read from, existing or looked for: the samples and, for
    /// raw IQ, the SigMF sidecar (writing one there would change how the capture opens). An
    /// output must never land on any of them.
    pub fn files(&self) -> Vec<PathBuf> {
        let mut files = vec![self.path.clone()];
        if self.container == Container::Raw
            && let Some(meta) = super::sigmf::sidecar_name(&self.path)
        {
            files.push(meta);
        }
        files
    }

    /// WAV or raw.
    pub fn container(&self) -> Container {
        self.container
    }

    /// Stored sample encoding.
    pub fn encoding(&self) -> Encoding {
        self.encoding
    }

    /// Valid bits per stored sample.
    pub fn bits(&self) -> u16 {
        self.bits
    }

    /// Channels stored in the file.
    pub fn stored_channels(&self) -> usize {
        self.stored_channels
    }

    /// Chunks of a WAV other than fmt and data, in file order.
    pub fn extra_chunks(&self) -> &[Chunk] {
        &self.extra_chunks
    }

    /// Codec: "flac", "mp3", "vorbis", "pcm_s16le", …
    pub fn codec(&self) -> &str {
        self.codec.as_deref().unwrap_or(self.encoding.codec_name())
    }

    /// True when the source is lossy (MP3, Vorbis): exports are written losslessly and never
    /// re-encoded to a lossy format.
    pub fn is_lossy(&self) -> bool {
        self.lossy
    }

    /// A WAV source's `fmt ` header kind (plain or extensible), which exports keep.
    pub fn wav_header(&self) -> FmtHeader {
        self.header
    }

    /// The facts `spectro info` prints.
    pub fn info(&self) -> RecordingInfo {
        RecordingInfo {
            file: self.path.display().to_string(),
            container: self.container,
            sample_rate: self.sample_rate,
            channels: self.channels(),
            stored_channels: self.stored_channels,
            samples: self.samples,
            duration_s: self.duration_s(),
            encoding: self.encoding.name(),
            bits: self.bits,
            codec: self.codec().to_owned(),
            lossy: self.lossy,
            iq: self.iq,
            center_freq_hz: self.center_freq_hz,
        }
    }

    /// Centre frequency of an IQ capture, when the file says (an SDR `auxi` chunk or SigMF).
    pub fn center_freq_hz(&self) -> Option<f64> {
        self.center_freq_hz
    }

    /// Decodes stored channel `stored` for samples `start..start+out.len()`, zeros outside.
    fn read_stored(&self, stored: usize, start: i64, out: &mut [f32]) {
        let lo = start.max(0);
        let hi = (start + out.len() as i64).min(self.samples as i64);
        if lo >= hi {
            out.fill(0.0);
            return;
        }
        let (head, rest) = out.split_at_mut((lo - start) as usize);
        let (mid, tail) = rest.split_at_mut((hi - lo) as usize);
        head.fill(0.0);
        tail.fill(0.0);
        let at = self.data_offset + lo as usize * self.block_align + stored * self.storage.bytes();
        self.storage
            .decode_strided(&self.bytes[at..], self.block_align, mid);
        if self.storage.is_float() {
            self.scan_blocks(lo as u64, hi as u64);
            for x in mid.iter_mut() {
                *x = sanitise(*x);
            }
        }
    }
}

impl SampleSource for Recording {
    fn sample_rate(&self) -> f64 {
        self.sample_rate
    }

    fn len(&self) -> u64 {
        self.samples
    }

    fn channels(&self) -> usize {
        if self.iq {
            self.stored_channels / 2
        } else {
            self.stored_channels
        }
    }

    fn is_complex(&self) -> bool {
        self.iq
    }

    fn read_real(&self, channel: usize, start: i64, out: &mut [f32]) {
        let stored = if self.iq { 2 * channel } else { channel };
        self.read_stored(stored, start, out);
    }

    fn read_complex(&self, channel: usize, start: i64, out: &mut [Complex32]) {
        let mut re = vec![0.0f32; out.len()];
        let mut im = vec![0.0f32; out.len()];
        if self.iq {
            self.read_stored(2 * channel, start, &mut re);
            self.read_stored(2 * channel + 1, start, &mut im);
        } else {
            self.read_stored(channel, start, &mut re);
        }
        for ((o, r), i) in out.iter_mut().zip(re).zip(im) {
            *o = Complex32::new(r, i);
        }
    }
}
