//! Writing rendered audio or IQ: WAV through hound, raw IQ as interleaved bytes.

use std::fs::File;
use std::io::{BufWriter, Seek, SeekFrom, Write};
use std::path::Path;

use rustfft::num_complex::Complex32;

use super::encoding::Encoding;
use super::error::{FileError, FileErrorKind};
use super::recording::{Container, Recording};
use super::wav::Chunk;
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
    /// Chunks to write before the samples of a WAV (an SDR's `auxi`, carried over).
    pub extra_chunks: Vec<Chunk>,
}

impl OutputFormat {
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
            return Ok(OutputFormat {
                container: Container::Raw,
                encoding: raw,
                stored_channels: 2 * source.channels(),
                sample_rate: source.sample_rate(),
                extra_chunks: Vec::new(),
            });
        }
        let encoding = encoding.unwrap_or(source.encoding()).wav_equivalent();
        if encoding.is_raw_iq() {
            return Err(err(format!("{} samples into a WAV", encoding.name())));
        }
        // SDR programs find the centre frequency in `auxi`; keep it with the IQ.
        let extra_chunks = source
            .extra_chunks()
            .iter()
            .filter(|c| &c.id == b"auxi")
            .cloned()
            .collect();
        let format = OutputFormat {
            container: Container::Wav,
            encoding,
            stored_channels: source.stored_channels(),
            sample_rate: source.sample_rate(),
            extra_chunks,
        };
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

    fn hound_spec(&self) -> hound::WavSpec {
        hound::WavSpec {
            channels: self.stored_channels as u16,
            sample_rate: self.sample_rate.round() as u32,
            bits_per_sample: 8 * self.encoding.bytes() as u16,
            sample_format: if self.encoding.is_float() {
                hound::SampleFormat::Float
            } else {
                hound::SampleFormat::Int
            },
        }
    }
}

enum Backend<'f> {
    Wav(hound::WavWriter<BufWriter<&'f File>>),
    /// A WAV with extra chunks before its data, which hound cannot write.
    Riff(BufWriter<&'f File>, u64),
    Raw(BufWriter<&'f File>),
}

/// Writes a canonical WAV header with `chunks` before the data; returns the offset of the
/// data chunk's size field, patched by [`finish_riff`].
fn start_riff(w: &mut BufWriter<&File>, format: &OutputFormat) -> std::io::Result<u64> {
    let bytes = format.encoding.bytes() as u16;
    let channels = format.stored_channels as u16;
    let rate = format.sample_rate.round() as u32;
    // `OutputFormat::check` keeps the frame within 16 bits and the byte rate within 32.
    let block = channels * bytes;
    let byte_rate = (rate as u64 * block as u64).min(u32::MAX as u64) as u32;
    let tag: u16 = if format.encoding.is_float() { 3 } else { 1 };
    w.write_all(b"RIFF\0\0\0\0WAVEfmt ")?;
    w.write_all(&16u32.to_le_bytes())?;
    w.write_all(&tag.to_le_bytes())?;
    w.write_all(&channels.to_le_bytes())?;
    w.write_all(&rate.to_le_bytes())?;
    w.write_all(&byte_rate.to_le_bytes())?;
    w.write_all(&block.to_le_bytes())?;
    w.write_all(&(8 * bytes).to_le_bytes())?;
    let mut pos = 36u64;
    for c in &format.extra_chunks {
        w.write_all(&c.id)?;
        w.write_all(&(c.data.len() as u32).to_le_bytes())?;
        w.write_all(&c.data)?;
        pos += 8 + c.data.len() as u64;
        if c.data.len() % 2 == 1 {
            w.write_all(&[0])?;
            pos += 1;
        }
    }
    w.write_all(b"data\0\0\0\0")?;
    Ok(pos + 4)
}

/// Fills in the RIFF and data sizes once the samples are written.
fn finish_riff(mut w: BufWriter<&File>, data_size_at: u64) -> std::io::Result<()> {
    let end = w.stream_position()?;
    let data_len = end - data_size_at - 4;
    if data_len % 2 == 1 {
        w.write_all(&[0])?;
    }
    let total = w.stream_position()?;
    w.seek(SeekFrom::Start(4))?;
    w.write_all(&((total - 8).min(u32::MAX as u64) as u32).to_le_bytes())?;
    w.seek(SeekFrom::Start(data_size_at))?;
    w.write_all(&(data_len.min(u32::MAX as u64) as u32).to_le_bytes())?;
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
}

impl<'f> AudioWriter<'f> {
    /// Starts writing `format` into `file` (which will be renamed to `path`).
    pub fn new(file: &'f File, path: &'f Path, format: OutputFormat) -> Result<Self, FileError> {
        format.check(path)?;
        let mut buf = BufWriter::with_capacity(1 << 20, file);
        let backend = match format.container {
            Container::Wav if !format.extra_chunks.is_empty() => {
                let at =
                    start_riff(&mut buf, &format).map_err(|e| FileError::new(path, FileErrorKind::Io(e)))?;
                Backend::Riff(buf, at)
            }
            Container::Wav => {
                Backend::Wav(hound::WavWriter::new(buf, format.hound_spec()).map_err(|e| hound_err(path, e))?)
            }
            Container::Raw => Backend::Raw(buf),
        };
        Ok(AudioWriter {
            backend,
            format,
            path,
            bytes: Vec::new(),
            interleaved: Vec::new(),
            clipped: 0,
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
            Backend::Raw(w) | Backend::Riff(w, _) => {
                self.bytes.clear();
                for i in 0..count {
                    clipped += u64::from(enc.encode(sample(i), &mut self.bytes));
                }
                w.write_all(&self.bytes)
                    .map_err(|e| FileError::new(path, FileErrorKind::Io(e)))
            }
            Backend::Wav(w) => {
                let r = match enc {
                    // hound's 16-bit fast path: no per-sample format dispatch.
                    Encoding::Pcm16 => {
                        let mut s = w.get_i16_writer(count as u32);
                        for i in 0..count {
                            let (v, c) = enc.quantise(sample(i));
                            clipped += u64::from(c);
                            s.write_sample(v as i16);
                        }
                        s.flush()
                    }
                    Encoding::Float32 => (0..count).try_for_each(|i| w.write_sample(sample(i))),
                    Encoding::Pcm8 => (0..count).try_for_each(|i| {
                        let (v, c) = enc.quantise(sample(i));
                        clipped += u64::from(c);
                        w.write_sample(v as i8)
                    }),
                    _ => (0..count).try_for_each(|i| {
                        let (v, c) = enc.quantise(sample(i));
                        clipped += u64::from(c);
                        w.write_sample(v)
                    }),
                };
                r.map_err(|e| hound_err(path, e))
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
            Backend::Riff(w, at) => {
                finish_riff(w, at).map_err(|e| FileError::new(path, FileErrorKind::Io(e)))?
            }
            Backend::Wav(w) => w.finalize().map_err(|e| hound_err(path, e))?,
        }
        Ok(self.clipped)
    }
}

fn hound_err(path: &Path, e: hound::Error) -> FileError {
    let kind = match e {
        hound::Error::IoError(io) => FileErrorKind::Io(io),
        other => FileErrorKind::CannotWrite(other.to_string()),
    };
    FileError::new(path, kind)
}

/// A 32-bit float WAV held in memory: `stored` channels (I and Q as two channels for IQ), all
/// the same length. For sound made in memory (a picture imported in the window) that then
/// opens like a file.
pub fn float_wav_bytes(stored: &[Vec<f32>], sample_rate: f64) -> Result<Vec<u8>, String> {
    OutputFormat {
        container: Container::Wav,
        encoding: Encoding::Float32,
        stored_channels: stored.len(),
        sample_rate,
        extra_chunks: Vec::new(),
    }
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
