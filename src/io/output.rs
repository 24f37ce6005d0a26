//! Writing rendered audio or IQ: WAV (RF64 when over 4 GB) in the source's header kind with its
//! metadata chunks, raw IQ as interleaved bytes.

use std::fs::File;
use std::io::{BufWriter, Seek, SeekFrom, Write};
use std::path::Path;

use rustfft::num_complex::Complex32;

use super::encoding::Encoding;
use super::error::{FileError, FileErrorKind};
use super::flac::{FLAC_BITS, FlacWriter, MAX_FLAC_CHANNELS, MAX_FLAC_RATE_HZ};
use super::recording::{Container, Recording};
use super::wav::{Chunk, FmtHeader};
use crate::signal::SampleSource;

/// What an output file will hold.
#[derive(Clone, Debug, PartialEq)]
pub struct OutputFormat {
    /// WAV or raw IQ.
    pub container: Container,
    /// Sample encoding.
    pub encoding: Encoding,
    /// Channels stored in the file (2 per complex channel).
    pub stored_channels: usize,
    /// Samples per second (rounded for WAV headers).
    pub sample_rate: f64,
    /// Chunks to write before the samples of a WAV (an SDR's `auxi`, LIST/INFO, `bext`, `cue `
    /// carried over from the source).
    pub extra_chunks: Vec<Chunk>,
    /// The WAV `fmt ` header kind: the source's, so readers that open it open the export.
    pub header: FmtHeader,
    /// Valid bits per sample in an extensible header (0: all the container's bits).
    pub valid_bits: u16,
    /// Samples per channel the caller will write, when known: a WAV whose data will pass
    /// 4 GB is written as RF64 from the start. When unknown, room for RF64's `ds64` chunk is
    /// kept in a `JUNK` chunk, as EBU Tech 3306 recommends.
    pub planned_samples: Option<u64>,
    /// Data size (bytes) above which a WAV is written as RF64; [`RIFF_DATA_LIMIT`] except in
    /// tests, which exercise RF64 without writing 4 GB.
    pub rf64_above: u64,
}

/// Extensions of lossy formats, which Spectro never writes.
const LOSSY_EXTENSIONS: [&str; 9] = ["mp3", "ogg", "oga", "opus", "m4a", "aac", "wma", "mp2", "webm"];

/// The name of an export of the file named `input` into a directory: the same name where
/// Spectro writes that format, else the same stem as `.flac` (lossy and AIFF/CAF sources) or
/// `.wav` (Wave64).
pub fn export_file_name(input: &std::ffi::OsStr) -> std::path::PathBuf {
    let path = Path::new(input);
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    if LOSSY_EXTENSIONS.contains(&ext.as_str()) || ["aif", "aiff", "aifc", "caf"].contains(&ext.as_str()) {
        path.with_extension("flac")
    } else if ext == "w64" {
        path.with_extension("wav")
    } else {
        path.to_path_buf()
    }
}

/// Largest data chunk a plain RIFF WAV holds: its sizes are 32-bit, and the RIFF size counts
/// the header and chunks too.
pub const RIFF_DATA_LIMIT: u64 = u32::MAX as u64 - (1 << 20);

/// Chunks an export does not carry over from its source: padding, and summaries of the samples
/// that edits make stale (`fact` is written anew, `PEAK`, `levl` and `md5 ` would be wrong).
const STALE_CHUNKS: [&[u8; 4]; 9] = [
    b"fact", b"PEAK", b"levl", b"md5 ", b"JUNK", b"junk", b"PAD ", b"FLLR", b"ds64",
];

/// The source's chunks worth carrying into a file of the same samples (see [`STALE_CHUNKS`]).
pub fn carried_chunks(chunks: &[Chunk]) -> Vec<Chunk> {
    chunks
        .iter()
        .filter(|c| !STALE_CHUNKS.contains(&&c.id))
        .cloned()
        .collect()
}

impl OutputFormat {
    /// A format with no chunks carried over, a plain header and an unknown length.
    pub fn new(container: Container, encoding: Encoding, stored_channels: usize, sample_rate: f64) -> Self {
        OutputFormat {
            container,
            encoding,
            stored_channels,
            sample_rate,
            extra_chunks: Vec::new(),
            header: FmtHeader::Plain,
            valid_bits: 0,
            planned_samples: None,
            rf64_above: RIFF_DATA_LIMIT,
        }
    }

    /// The format to write `target` in for a render of `source`: the source's own format,
    /// unless `encoding` asks otherwise or the target's extension names another container.
    pub fn for_target(
        target: &Path,
        source: &Recording,
        encoding: Option<Encoding>,
    ) -> Result<Self, FileError> {
        let ext = target
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or("")
            .to_ascii_lowercase();
        let err = |m: String| FileError::new(target, FileErrorKind::CannotWrite(m));
        if let Some(raw) = Encoding::from_raw_extension(&ext) {
            if !source.is_complex() {
                return Err(err(format!("a real recording as raw IQ (.{ext}); write a .wav")));
            }
            if let Some(e) = encoding.filter(|&e| e != raw) {
                return Err(err(format!("{} into a .{ext} file", e.name())));
            }
            let mut format =
                OutputFormat::new(Container::Raw, raw, 2 * source.channels(), source.sample_rate());
            format.planned_samples = Some(source.len());
            return Ok(format);
        }
        if LOSSY_EXTENSIONS.contains(&ext.as_str()) {
            return Err(err(format!(
                ".{ext}: Spectro does not encode lossy formats (each re-encoding loses more); write a .flac (lossless) or a .wav"
            )));
        }
        if ["aif", "aiff", "aifc", "caf", "w64"].contains(&ext.as_str()) {
            return Err(err(format!(
                ".{ext}: Spectro writes .wav (RF64 past 4 GB), .flac and raw IQ; write one of those"
            )));
        }
        if ext == "flac" {
            let encoding = match encoding {
                Some(e) => e,
                // FLAC holds integers: float and lossy sources get 24 bits, companded ones the
                // 16 bits they decode to exactly.
                None => match source.encoding() {
                    e @ (Encoding::Pcm8 | Encoding::Pcm16 | Encoding::Pcm24) => e,
                    Encoding::ALaw | Encoding::MuLaw | Encoding::Cs16 | Encoding::Cu8 | Encoding::Cs8 => {
                        Encoding::Pcm16
                    }
                    _ => Encoding::Pcm24,
                },
            };
            let mut format = OutputFormat::new(
                Container::Flac,
                encoding,
                source.stored_channels(),
                source.sample_rate(),
            );
            format.planned_samples = Some(source.len());
            format.check(target)?;
            return Ok(format);
        }
        let encoding = encoding.unwrap_or(source.encoding()).wav_equivalent();
        if encoding.is_raw_iq() {
            return Err(err(format!("{} samples into a WAV", encoding.name())));
        }
        // An RF64 source stays RF64 whatever its size; others become RF64 past 4 GB.
        let container = if source.container() == Container::Rf64 {
            Container::Rf64
        } else {
            Container::Wav
        };
        let mut format = OutputFormat::new(
            container,
            encoding,
            source.stored_channels(),
            source.sample_rate(),
        );
        // Metadata (LIST/INFO, `bext`, `cue `) and an SDR's `auxi` with its centre frequency.
        format.extra_chunks = carried_chunks(source.extra_chunks());
        format.header = source.wav_header();
        if encoding == source.encoding() {
            format.valid_bits = source.bits();
        }
        format.planned_samples = Some(source.len());
        format.check(target)?;
        Ok(format)
    }

    /// Checks that a file of this format can be written with consistent header fields (run
    /// before any work): a WAV's rate rounds to 1 Hz .. 2³¹ − 1 Hz (libsndfile reads it as signed), its byte rate (rate ×
    /// bytes per frame) fits the header's 32 bits, and its frame fits 65535 bytes.
    pub fn check(&self, target: &Path) -> Result<(), FileError> {
        let err = |m: String| FileError::new(target, FileErrorKind::CannotWrite(m));
        if self.stored_channels == 0 || self.stored_channels > crate::signal::limits::MAX_CHANNELS {
            return Err(err(format!("{} channels", self.stored_channels)));
        }
        if self.container == Container::Raw {
            return Ok(());
        }
        if self.container == Container::Flac {
            if !FLAC_BITS.contains(&(8 * self.encoding.bytes() as u16)) || !self.encoding.is_pcm() {
                return Err(err(format!(
                    "{} samples into FLAC, which holds 8-, 16- or 24-bit integers (try --format pcm24)",
                    self.encoding.name()
                )));
            }
            if self.stored_channels > MAX_FLAC_CHANNELS {
                return Err(err(format!(
                    "{} channels into FLAC, which holds at most {MAX_FLAC_CHANNELS}; write a .wav",
                    self.stored_channels
                )));
            }
            let rate = self.sample_rate.round();
            if !(1.0..=MAX_FLAC_RATE_HZ).contains(&rate) {
                return Err(err(format!(
                    "FLAC at {} Hz: FLAC decoders read 1 Hz to {MAX_FLAC_RATE_HZ} Hz; write a .wav or raw IQ",
                    self.sample_rate
                )));
            }
            return Ok(());
        }
        let rate = self.sample_rate.round();
        if !(1.0..=crate::signal::limits::MAX_SAMPLE_RATE_HZ).contains(&rate) {
            return Err(err(format!(
                "a WAV at {} Hz: a WAV header holds a whole number of Hz from 1 to 2147483647",
                self.sample_rate
            )));
        }
        let block = self.block_align();
        if block > u16::MAX as u64 {
            return Err(err(format!(
                "a WAV of {} channels of {} bytes: a frame of {block} bytes does not fit its header",
                self.stored_channels,
                self.encoding.bytes()
            )));
        }
        if rate as u64 * block > u32::MAX as u64 {
            return Err(err(format!(
                "a WAV at {rate} Hz with {block}-byte frames: its byte rate ({} bytes/s) does not fit a WAV header's 32 bits; write raw IQ (.cf32, .cs16, …) or a lower rate",
                rate as u64 * block
            )));
        }
        Ok(())
    }

    /// Bytes per sample frame.
    fn block_align(&self) -> u64 {
        self.stored_channels as u64 * self.encoding.bytes() as u64
    }
}

enum Backend<'f> {
    Wav(BufWriter<&'f File>, RiffLayout),
    Raw(BufWriter<&'f File>),
    Flac(Box<FlacWriter<'f>>, Vec<i32>),
}

/// Where [`start_riff`] left the fields [`finish_riff`] fills in.
struct RiffLayout {
    /// Written as RF64 from the start.
    rf64: bool,
    /// Offset of a `JUNK` chunk's payload kept for `ds64` (unknown length), if any.
    junk_at: Option<u64>,
    /// Offset of the `fact` chunk's sample count, if any.
    fact_at: Option<u64>,
    /// Offset of the data chunk's size field.
    data_size_at: u64,
}

/// WAVE_FORMAT_EXTENSIBLE's sub-format GUID after its first two bytes (the plain format tag).
const KSDATAFORMAT_TAIL: [u8; 14] = [
    0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71,
];

/// Bytes of a `ds64` chunk's payload without a table: RIFF size, data size, sample count,
/// table length.
const DS64_LEN: u32 = 28;

/// Writes a WAV header in `format`'s kind with its chunks before the data.
fn start_riff(w: &mut BufWriter<&File>, format: &OutputFormat) -> std::io::Result<RiffLayout> {
    let bytes = format.encoding.bytes() as u16;
    let channels = format.stored_channels as u16;
    let rate = format.sample_rate.round() as u32;
    // `OutputFormat::check` keeps the frame within 16 bits and the byte rate within 32.
    let block = channels * bytes;
    let byte_rate = (rate as u64 * block as u64).min(u32::MAX as u64) as u32;
    let tag: u16 = match format.encoding {
        Encoding::Float32 | Encoding::Float64 => 3,
        Encoding::ALaw => 6,
        Encoding::MuLaw => 7,
        _ => 1,
    };
    let planned_data = format.planned_samples.map(|n| n.saturating_mul(block as u64));
    let rf64 = format.container == Container::Rf64 || planned_data.is_some_and(|d| d > format.rf64_above);
    let mut pos = 0u64;
    let mut put = |w: &mut BufWriter<&File>, b: &[u8]| -> std::io::Result<u64> {
        w.write_all(b)?;
        let at = pos;
        pos += b.len() as u64;
        Ok(at)
    };
    put(w, if rf64 { b"RF64" } else { b"RIFF" })?;
    put(w, &[0xFF; 4])?;
    put(w, b"WAVE")?;
    let mut junk_at = None;
    if rf64 {
        put(w, b"ds64")?;
        put(w, &DS64_LEN.to_le_bytes())?;
        put(w, &[0; DS64_LEN as usize])?;
    } else if planned_data.is_none() {
        put(w, b"JUNK")?;
        put(w, &DS64_LEN.to_le_bytes())?;
        junk_at = Some(put(w, &[0; DS64_LEN as usize])?);
    }
    let extensible = match format.header {
        FmtHeader::Extensible { channel_mask } => Some(channel_mask),
        FmtHeader::Plain => None,
    };
    put(w, b"fmt ")?;
    let fmt_len: u32 = match (extensible, tag) {
        (Some(_), _) => 40,
        (None, 1) => 16,
        // Formats other than PCM carry a cbSize (0).
        (None, _) => 18,
    };
    put(w, &fmt_len.to_le_bytes())?;
    put(
        w,
        &(if extensible.is_some() { 0xFFFEu16 } else { tag }).to_le_bytes(),
    )?;
    put(w, &channels.to_le_bytes())?;
    put(w, &rate.to_le_bytes())?;
    put(w, &byte_rate.to_le_bytes())?;
    put(w, &block.to_le_bytes())?;
    put(w, &(8 * bytes).to_le_bytes())?;
    if let Some(mask) = extensible {
        let valid = if format.valid_bits == 0 || format.valid_bits > 8 * bytes {
            8 * bytes
        } else {
            format.valid_bits
        };
        put(w, &22u16.to_le_bytes())?;
        put(w, &valid.to_le_bytes())?;
        put(w, &mask.to_le_bytes())?;
        put(w, &tag.to_le_bytes())?;
        put(w, &KSDATAFORMAT_TAIL)?;
    } else if fmt_len == 18 {
        put(w, &0u16.to_le_bytes())?;
    }
    // Formats other than PCM need a `fact` chunk with the sample count.
    let fact_at = if tag != 1 {
        put(w, b"fact")?;
        put(w, &4u32.to_le_bytes())?;
        Some(put(w, &[0xFF; 4])?)
    } else {
        None
    };
    for c in &format.extra_chunks {
        put(w, &c.id)?;
        put(w, &(c.data.len() as u32).to_le_bytes())?;
        put(w, &c.data)?;
        if c.data.len() % 2 == 1 {
            put(w, &[0])?;
        }
    }
    put(w, b"data")?;
    let data_size_at = put(w, &[0xFF; 4])?;
    Ok(RiffLayout {
        rf64,
        junk_at,
        fact_at,
        data_size_at,
    })
}

/// Fills in the sizes once the samples are written: RIFF's 32-bit fields, or RF64's `ds64`
/// when the data passed 4 GB (turning the reserved `JUNK` into `ds64`).
/// `data_len` is the bytes of samples written (counted: a device such as /dev/null has no
/// position to ask).
fn finish_riff(
    mut w: BufWriter<&File>,
    layout: &RiffLayout,
    format: &OutputFormat,
    data_len: u64,
) -> std::io::Result<()> {
    if data_len % 2 == 1 {
        w.write_all(&[0])?;
    }
    let total = layout.data_size_at + 4 + data_len + (data_len & 1);
    let block = (format.stored_channels * format.encoding.bytes()).max(1) as u64;
    let samples = data_len / block;
    let needs_rf64 = layout.rf64 || data_len > format.rf64_above || total - 8 > u32::MAX as u64;
    let ds64_at = match (needs_rf64, layout.rf64, layout.junk_at) {
        (false, _, _) => None,
        (true, true, _) => Some(20u64),
        (true, false, Some(junk)) => {
            w.seek(SeekFrom::Start(junk - 8))?;
            w.write_all(b"ds64")?;
            w.seek(SeekFrom::Start(0))?;
            w.write_all(b"RF64")?;
            Some(junk)
        }
        (true, false, None) => {
            return Err(std::io::Error::other(
                "the WAV grew past 4 GB beyond its planned length and has no room for RF64's ds64 chunk",
            ));
        }
    };
    if let Some(at) = ds64_at {
        w.seek(SeekFrom::Start(4))?;
        w.write_all(&u32::MAX.to_le_bytes())?;
        w.seek(SeekFrom::Start(at))?;
        w.write_all(&(total - 8).to_le_bytes())?;
        w.write_all(&data_len.to_le_bytes())?;
        w.write_all(&samples.to_le_bytes())?;
        w.write_all(&0u32.to_le_bytes())?;
        w.seek(SeekFrom::Start(layout.data_size_at))?;
        w.write_all(&u32::MAX.to_le_bytes())?;
    } else {
        w.seek(SeekFrom::Start(4))?;
        w.write_all(&((total - 8) as u32).to_le_bytes())?;
        w.seek(SeekFrom::Start(layout.data_size_at))?;
        w.write_all(&(data_len as u32).to_le_bytes())?;
    }
    if let Some(at) = layout.fact_at {
        w.seek(SeekFrom::Start(at))?;
        w.write_all(&(samples.min(u32::MAX as u64) as u32).to_le_bytes())?;
    }
    w.flush()
}

/// Receives rendered blocks and writes them interleaved in the output encoding.
pub struct AudioWriter<'f> {
    backend: Backend<'f>,
    format: OutputFormat,
    path: &'f Path,
    bytes: Vec<u8>,
    interleaved: Vec<f32>,
    clipped: u64,
    /// Bytes of samples written so far.
    data_bytes: u64,
}

impl<'f> AudioWriter<'f> {
    /// Starts writing `format` into `file` (which will be renamed to `path`).
    pub fn new(file: &'f File, path: &'f Path, format: OutputFormat) -> Result<Self, FileError> {
        format.check(path)?;
        let mut buf = BufWriter::with_capacity(1 << 20, file);
        let io = |e| FileError::new(path, FileErrorKind::Io(e));
        let backend = match format.container {
            Container::Raw => Backend::Raw(buf),
            Container::Flac => {
                drop(buf);
                let bits = 8 * format.encoding.bytes() as u16;
                let rate = format.sample_rate.round() as u32;
                Backend::Flac(
                    Box::new(FlacWriter::new(file, format.stored_channels, bits, rate).map_err(io)?),
                    Vec::new(),
                )
            }
            _ => {
                let layout =
                    start_riff(&mut buf, &format).map_err(|e| FileError::new(path, FileErrorKind::Io(e)))?;
                Backend::Wav(buf, layout)
            }
        };
        Ok(AudioWriter {
            backend,
            format,
            path,
            bytes: Vec::new(),
            interleaved: Vec::new(),
            clipped: 0,
            data_bytes: 0,
        })
    }

    /// Samples clipped to full scale so far.
    pub fn clipped(&self) -> u64 {
        self.clipped
    }

    /// Writes one block of real channels, all the same length.
    pub fn write_real(&mut self, channels: &[Vec<f32>]) -> Result<(), FileError> {
        let n = channels.first().map_or(0, Vec::len);
        let mut interleaved = std::mem::take(&mut self.interleaved);
        interleaved.clear();
        interleaved.reserve(n * channels.len());
        for i in 0..n {
            interleaved.extend(channels.iter().map(|c| c[i]));
        }
        let r = self.write_interleaved(&interleaved);
        self.interleaved = interleaved;
        r
    }

    /// Writes one block of complex channels as I/Q pairs.
    pub fn write_complex(&mut self, channels: &[Vec<Complex32>]) -> Result<(), FileError> {
        let n = channels.first().map_or(0, Vec::len);
        let mut interleaved = std::mem::take(&mut self.interleaved);
        interleaved.clear();
        interleaved.reserve(2 * n * channels.len());
        for i in 0..n {
            for c in channels {
                interleaved.extend([c[i].re, c[i].im]);
            }
        }
        let r = self.write_interleaved(&interleaved);
        self.interleaved = interleaved;
        r
    }

    /// Writes interleaved stored samples. A NaN or infinity (which sanitised inputs never
    /// produce) is written as 0, so no file Spectro writes holds one.
    fn write_interleaved(&mut self, samples: &[f32]) -> Result<(), FileError> {
        let count = samples.len();
        let sample = |i: usize| {
            let x = samples[i];
            if x.is_finite() { x } else { 0.0 }
        };
        let path = self.path;
        let enc = self.format.encoding;
        let mut clipped = 0u64;
        let result = match &mut self.backend {
            Backend::Raw(w) | Backend::Wav(w, _) => {
                self.bytes.clear();
                for i in 0..count {
                    clipped += u64::from(enc.encode(sample(i), &mut self.bytes));
                }
                self.data_bytes += self.bytes.len() as u64;
                w.write_all(&self.bytes)
                    .map_err(|e| FileError::new(path, FileErrorKind::Io(e)))
            }
            Backend::Flac(w, ints) => {
                ints.clear();
                ints.extend((0..count).map(|i| {
                    let (v, c) = enc.quantise(sample(i));
                    clipped += u64::from(c);
                    v
                }));
                w.write(ints)
                    .map_err(|e| FileError::new(path, FileErrorKind::Io(e)))
            }
        };
        self.clipped += clipped;
        result
    }

    /// Completes the file (WAV header sizes) and flushes it.
    pub fn finish(self) -> Result<u64, FileError> {
        let path = self.path;
        match self.backend {
            Backend::Raw(mut w) => w
                .flush()
                .map_err(|e| FileError::new(path, FileErrorKind::Io(e)))?,
            Backend::Flac(w, _) => w
                .finish()
                .map_err(|e| FileError::new(path, FileErrorKind::Io(e)))?,
            Backend::Wav(w, layout) => finish_riff(w, &layout, &self.format, self.data_bytes)
                .map_err(|e| FileError::new(path, FileErrorKind::Io(e)))?,
        }
        Ok(self.clipped)
    }
}

/// A 32-bit float WAV held in memory: `stored` channels (I and Q as two channels for IQ), all
/// the same length. For sound made in memory (a picture imported in the window) that then
/// opens like a file.
pub fn float_wav_bytes(stored: &[Vec<f32>], sample_rate: f64) -> Result<Vec<u8>, String> {
    OutputFormat::new(Container::Wav, Encoding::Float32, stored.len(), sample_rate)
        .check(Path::new("sound"))
        .map_err(|e| e.kind.to_string())?;
    let spec = hound::WavSpec {
        channels: stored.len() as u16,
        sample_rate: sample_rate.round() as u32,
        bits_per_sample: 32,
        sample_format: hound::SampleFormat::Float,
    };
    let mut cursor = std::io::Cursor::new(Vec::new());
    {
        let mut w = hound::WavWriter::new(&mut cursor, spec).map_err(|e| e.to_string())?;
        let len = stored.first().map_or(0, Vec::len);
        for i in 0..len {
            for c in stored {
                w.write_sample(c[i]).map_err(|e| e.to_string())?;
            }
        }
        w.finalize().map_err(|e| e.to_string())?;
    }
    Ok(cursor.into_inner())
}
