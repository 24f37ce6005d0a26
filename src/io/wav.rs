//! WAV layout (RIFF/WAVE, RF64/BW64 and Sony Wave64): where the samples are and how they are
//! stored.
//!
//! Spectro parses the chunk structure itself instead of streaming through a reader because it
//! maps files and decodes any range on demand (hour-long recordings are never decoded whole),
//! needs the exact data offset, and keeps the chunks an export carries over (an SDR's `auxi`
//! with the centre frequency, LIST/INFO, `bext`, `cue `). The tests check this parser against
//! libsndfile and hound.

use super::encoding::Encoding;
use super::error::FileErrorKind;
use crate::signal::limits::MAX_CHANNELS;

/// A chunk of the RIFF file other than `fmt ` and `data`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Chunk {
    /// Four-character identifier.
    pub id: [u8; 4],
    /// Payload.
    pub data: Vec<u8>,
}

/// Where a WAV file keeps its samples.
#[derive(Clone, Debug, PartialEq)]
pub struct WavLayout {
    /// RIFF, RF64 or W64.
    pub kind: WavKind,
    /// The `fmt ` chunk's kind, kept so an export writes the header the source had.
    pub header: FmtHeader,
    /// Sample encoding.
    pub encoding: Encoding,
    /// Channels stored per sample frame.
    pub channels: usize,
    /// Samples per second from the header.
    pub sample_rate: u32,
    /// Valid bits per sample.
    pub bits: u16,
    /// Bytes per sample frame (all channels).
    pub block_align: usize,
    /// Byte offset of the first sample.
    pub data_offset: usize,
    /// Bytes of sample data.
    pub data_len: usize,
    /// Other chunks of at most [`MAX_KEPT_CHUNK`] bytes, in file order (LIST, auxi, …), kept so
    /// exports can carry them over.
    pub extra_chunks: Vec<Chunk>,
}

/// Centre frequency stored in an SDR `auxi` chunk (SpectraVue layout, written by SDR#,
/// HDSDR and SDRuno): two SYSTEMTIMEs (start, stop), then the centre frequency in Hz.
pub fn auxi_center_freq_hz(auxi: &[u8]) -> Option<f64> {
    let b = auxi.get(32..36)?;
    let hz = u32::from_le_bytes([b[0], b[1], b[2], b[3]]);
    (hz > 0).then_some(hz as f64)
}

/// An `auxi` payload like `auxi` but with the centre frequency replaced (for extracted regions).
pub fn auxi_with_center(auxi: &[u8], center_hz: f64) -> Vec<u8> {
    let mut out = auxi.to_vec();
    if out.len() < 36 {
        out.resize(36, 0);
    }
    let hz = center_hz.round().clamp(0.0, u32::MAX as f64) as u32;
    out[32..36].copy_from_slice(&hz.to_le_bytes());
    out
}

impl WavLayout {
    /// The `auxi` chunk, if the file has one.
    pub fn auxi(&self) -> Option<&[u8]> {
        self.extra_chunks
            .iter()
            .find(|c| &c.id == b"auxi")
            .map(|c| c.data.as_slice())
    }

    /// Samples per channel in the file (WAV's "sample frames").
    pub fn samples(&self) -> u64 {
        (self.data_len / self.block_align) as u64
    }
}

/// Largest chunk other than `fmt ` and `data` kept in memory; larger ones (embedded pictures,
/// padding) are skipped, so a file of a few GB of chunks is never copied into memory.
pub const MAX_KEPT_CHUNK: usize = 1 << 16;

const PCM: u16 = 0x0001;
const IEEE_FLOAT: u16 = 0x0003;
const EXTENSIBLE: u16 = 0xFFFE;
const ALAW: u16 = 0x0006;
const MULAW: u16 = 0x0007;

fn le16(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([b[at], b[at + 1]])
}

fn le32(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

fn format_name(tag: u16) -> String {
    match tag {
        0x0002 => "MS ADPCM (compressed)".into(),
        0x0006 => "A-law".into(),
        0x0007 => "µ-law".into(),
        0x0011 => "IMA ADPCM (compressed)".into(),
        0x0055 => "MP3 in WAV".into(),
        other => format!("WAV format tag 0x{other:04X}"),
    }
}

/// Which `fmt ` chunk a WAV has: readers differ in what they accept (Python's `wave` module
/// before 3.12 refuses WAVE_FORMAT_EXTENSIBLE), so an export keeps the source's.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum FmtHeader {
    /// The plain 16-byte (PCM) or 18-byte (float, A-law, µ-law) chunk.
    #[default]
    Plain,
    /// WAVE_FORMAT_EXTENSIBLE, with its speaker mask.
    Extensible {
        /// `dwChannelMask`: which speaker each channel feeds (0: unspecified).
        channel_mask: u32,
    },
}

struct Fmt {
    header: FmtHeader,
    tag: u16,
    channels: usize,
    sample_rate: u32,
    block_align: usize,
    /// Bits of each sample's container (`wBitsPerSample`).
    container_bits: u16,
    /// Valid bits (`wValidBitsPerSample` of an extensible header, else the container's).
    bits: u16,
}

fn parse_fmt(p: &[u8]) -> Result<Fmt, FileErrorKind> {
    if p.len() < 16 {
        return Err(FileErrorKind::Malformed(format!(
            "fmt chunk of {} bytes (at least 16 expected)",
            p.len()
        )));
    }
    let mut tag = le16(p, 0);
    let channels = le16(p, 2) as usize;
    let sample_rate = le32(p, 4);
    let block_align = le16(p, 12) as usize;
    let container_bits = le16(p, 14);
    let mut bits = container_bits;
    let mut header = FmtHeader::Plain;
    if tag == EXTENSIBLE {
        if p.len() < 40 {
            return Err(FileErrorKind::Malformed(
                "WAVE_FORMAT_EXTENSIBLE fmt chunk shorter than 40 bytes".into(),
            ));
        }
        let valid = le16(p, 18);
        if valid > 0 {
            bits = valid;
        }
        // The sub-format GUID begins with the plain format tag.
        tag = le16(p, 24);
        header = FmtHeader::Extensible {
            channel_mask: le32(p, 20),
        };
    }
    Ok(Fmt {
        header,
        tag,
        channels,
        sample_rate,
        block_align,
        container_bits,
        bits,
    })
}

fn encoding_of(fmt: &Fmt) -> Result<Encoding, FileErrorKind> {
    if fmt.channels == 0 {
        return Err(FileErrorKind::Malformed("zero channels".into()));
    }
    if fmt.channels > MAX_CHANNELS {
        return Err(FileErrorKind::Unsupported(format!(
            "{} channels (Spectro reads at most {MAX_CHANNELS})",
            fmt.channels
        )));
    }
    if fmt.container_bits == 0 || fmt.bits == 0 || fmt.bits > fmt.container_bits {
        return Err(FileErrorKind::Malformed(format!(
            "{} valid bits in {}-bit samples",
            fmt.bits, fmt.container_bits
        )));
    }
    // The header says the frame size twice: trust neither when they disagree (decoding with
    // either would read the samples wrongly).
    let expected = fmt.channels * (fmt.container_bits as usize).div_ceil(8);
    if fmt.block_align != expected {
        return Err(FileErrorKind::Malformed(format!(
            "block align {} contradicts {} channel{} of {} bits (expected {expected})",
            fmt.block_align,
            fmt.channels,
            if fmt.channels == 1 { "" } else { "s" },
            fmt.container_bits
        )));
    }
    let container = fmt.block_align / fmt.channels;
    match (fmt.tag, container) {
        (PCM, 1) => Ok(Encoding::Pcm8),
        (PCM, 2) => Ok(Encoding::Pcm16),
        (PCM, 3) => Ok(Encoding::Pcm24),
        (PCM, 4) => Ok(Encoding::Pcm32),
        (PCM, n) => Err(FileErrorKind::Unsupported(format!("{}-bit integer PCM", 8 * n))),
        (IEEE_FLOAT, 4) => Ok(Encoding::Float32),
        (IEEE_FLOAT, 8) => Ok(Encoding::Float64),
        (ALAW, 1) => Ok(Encoding::ALaw),
        (MULAW, 1) => Ok(Encoding::MuLaw),
        (IEEE_FLOAT, n) => Err(FileErrorKind::Unsupported(format!("{}-bit float", 8 * n))),
        (tag, _) => Err(FileErrorKind::Unsupported(format_name(tag))),
    }
}

/// The three RIFF-style containers of WAV samples.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WavKind {
    /// RIFF/WAVE: 32-bit sizes, files up to 4 GB.
    Riff,
    /// RF64 (EBU Tech 3306) or BW64: RIFF whose sizes above 4 GB sit in a `ds64` chunk.
    Rf64,
    /// Sony Wave64: GUID chunk ids and 64-bit sizes.
    W64,
}

/// W64 GUIDs: the `riff` and `wave` ids, and the tail shared by its chunk ids (`fmt `, `data`,
/// …), whose first four bytes are the RIFF FourCC.
const W64_RIFF: [u8; 16] = [
    0x72, 0x69, 0x66, 0x66, 0x2E, 0x91, 0xCF, 0x11, 0xA5, 0xD6, 0x28, 0xDB, 0x04, 0xC1, 0x00, 0x00,
];
const W64_WAVE: [u8; 16] = [
    0x77, 0x61, 0x76, 0x65, 0xF3, 0xAC, 0xD3, 0x11, 0x8C, 0xD1, 0x00, 0xC0, 0x4F, 0x8E, 0xDB, 0x8A,
];
const W64_TAIL: [u8; 12] = [
    0xF3, 0xAC, 0xD3, 0x11, 0x8C, 0xD1, 0x00, 0xC0, 0x4F, 0x8E, 0xDB, 0x8A,
];
/// W64's `list` chunk uses the RIFF-style GUID tail.
const W64_LIST: [u8; 16] = [
    0x6C, 0x69, 0x73, 0x74, 0x2F, 0x91, 0xCF, 0x11, 0xA5, 0xD6, 0x28, 0xDB, 0x04, 0xC1, 0x00, 0x00,
];

/// One chunk header: its id (a W64 GUID reduced to its FourCC when it has one), where its
/// payload starts and how long it says it is.
struct ChunkHeader {
    id: [u8; 4],
    payload: usize,
    declared: u64,
}

fn le64(b: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(b[at..at + 8].try_into().unwrap_or([0; 8]))
}

impl WavKind {
    /// The kind `bytes` start with, if any.
    pub fn sniff(bytes: &[u8]) -> Option<WavKind> {
        if bytes.len() >= 12 && &bytes[8..12] == b"WAVE" {
            match &bytes[0..4] {
                b"RIFF" => return Some(WavKind::Riff),
                b"RF64" | b"BW64" => return Some(WavKind::Rf64),
                _ => {}
            }
        }
        (bytes.len() >= 40 && bytes[0..16] == W64_RIFF && bytes[24..40] == W64_WAVE).then_some(WavKind::W64)
    }

    /// Bytes before the first chunk.
    fn first_chunk(self) -> usize {
        match self {
            WavKind::Riff | WavKind::Rf64 => 12,
            WavKind::W64 => 40,
        }
    }

    /// Reads the chunk header at `pos`, if a whole one is there.
    fn header(self, bytes: &[u8], pos: usize) -> Option<ChunkHeader> {
        match self {
            WavKind::Riff | WavKind::Rf64 => (pos + 8 <= bytes.len()).then(|| ChunkHeader {
                id: [bytes[pos], bytes[pos + 1], bytes[pos + 2], bytes[pos + 3]],
                payload: pos + 8,
                declared: le32(bytes, pos + 4) as u64,
            }),
            WavKind::W64 => {
                if pos + 24 > bytes.len() {
                    return None;
                }
                let guid = &bytes[pos..pos + 16];
                let id = if guid[4..16] == W64_TAIL || guid == W64_LIST {
                    [guid[0], guid[1], guid[2], guid[3]]
                } else {
                    // Not a chunk Spectro knows: an id that matches none of its FourCCs.
                    *b"\0\0\0\0"
                };
                // W64 sizes count the 24-byte header.
                let size = le64(bytes, pos + 16);
                Some(ChunkHeader {
                    id,
                    payload: pos + 24,
                    declared: size.saturating_sub(24),
                })
            }
        }
    }

    /// Where the chunk after one whose payload at `payload` is `len` bytes long starts.
    fn next(self, payload: usize, len: usize) -> usize {
        let end = payload.saturating_add(len);
        match self {
            // RIFF chunks are padded to an even length, W64 chunks to a multiple of 8.
            WavKind::Riff | WavKind::Rf64 => end.saturating_add(len & 1),
            WavKind::W64 => end.saturating_add((8 - end % 8) % 8),
        }
    }
}

/// Parses the chunk structure of a whole WAV (RIFF, RF64/BW64 or W64) file held in `bytes`.
pub fn parse(bytes: &[u8]) -> Result<WavLayout, FileErrorKind> {
    if bytes.is_empty() {
        return Err(FileErrorKind::Empty);
    }
    let kind = WavKind::sniff(bytes).ok_or(FileErrorKind::NotWav)?;
    let mut fmt: Option<Fmt> = None;
    let mut data: Option<(usize, usize)> = None;
    // RF64: the real sizes of the data chunk, from `ds64` (which must come first).
    let mut ds64_data: Option<u64> = None;
    let mut extra = Vec::new();
    let mut pos = kind.first_chunk();
    while let Some(ChunkHeader {
        id,
        payload,
        declared,
    }) = kind.header(bytes, pos)
    {
        let available = (bytes.len() - payload) as u64;
        if &id == b"ds64" && kind == WavKind::Rf64 {
            if declared < 24 || declared > available {
                return Err(FileErrorKind::Malformed(
                    "RF64 ds64 chunk shorter than 24 bytes".into(),
                ));
            }
            ds64_data = Some(le64(bytes, payload + 8));
        } else if &id == b"data" {
            if fmt.is_none() {
                return Err(FileErrorKind::Malformed("data chunk before the fmt chunk".into()));
            }
            if data.is_some() {
                return Err(FileErrorKind::Malformed(format!(
                    "a second data chunk at byte {pos}: which one holds the samples is ambiguous"
                )));
            }
            let len = match kind {
                WavKind::Rf64 if declared == u32::MAX as u64 => ds64_data.ok_or_else(|| {
                    FileErrorKind::Malformed("RF64 file without a ds64 chunk before its data".into())
                })?,
                // Recorders that stream to disk leave 0xFFFFFFFF ("until the end") in the header.
                WavKind::Riff if declared == u32::MAX as u64 => available,
                _ => declared,
            };
            if len > available {
                return Err(FileErrorKind::Truncated {
                    declared: len,
                    available,
                });
            }
            data = Some((payload, len as usize));
        } else if declared > available {
            if data.is_some() {
                // Trailing junk after complete samples does not make the samples unreadable.
                break;
            }
            return Err(FileErrorKind::Malformed(format!(
                "chunk \"{}\" runs past the end of the file",
                String::from_utf8_lossy(&id)
            )));
        } else if &id == b"fmt " {
            if fmt.is_some() {
                return Err(FileErrorKind::Malformed(format!(
                    "a second fmt chunk at byte {pos}: which one describes the samples is ambiguous"
                )));
            }
            fmt = Some(parse_fmt(&bytes[payload..payload + declared as usize])?);
        } else if declared as usize <= MAX_KEPT_CHUNK && id != *b"\0\0\0\0" && &id != b"ds64" {
            extra.push(Chunk {
                id,
                data: bytes[payload..payload + declared as usize].to_vec(),
            });
        }
        let len = data.filter(|d| d.0 == payload).map_or(declared as usize, |d| d.1);
        pos = kind.next(payload, len);
    }
    let fmt = fmt.ok_or_else(|| FileErrorKind::Malformed("no fmt chunk".into()))?;
    let (data_offset, data_len) = data.ok_or_else(|| FileErrorKind::Malformed("no data chunk".into()))?;
    let encoding = encoding_of(&fmt)?;
    if fmt.sample_rate == 0 {
        return Err(FileErrorKind::ZeroRate);
    }
    if !data_len.is_multiple_of(fmt.block_align) {
        return Err(FileErrorKind::Malformed(format!(
            "data chunk of {data_len} bytes is not a whole number of {}-byte sample frames",
            fmt.block_align
        )));
    }
    if data_len == 0 {
        return Err(FileErrorKind::NoSamples);
    }
    Ok(WavLayout {
        kind,
        header: fmt.header,
        encoding,
        channels: fmt.channels,
        sample_rate: fmt.sample_rate,
        bits: fmt.bits,
        block_align: fmt.block_align,
        data_offset,
        data_len,
        extra_chunks: extra,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wav(tag: u16, channels: u16, rate: u32, bits: u16, data: &[u8], declared: Option<u32>) -> Vec<u8> {
        let block = channels * bits / 8;
        let mut v = Vec::new();
        v.extend_from_slice(b"RIFF");
        v.extend_from_slice(&0u32.to_le_bytes());
        v.extend_from_slice(b"WAVEfmt ");
        v.extend_from_slice(&16u32.to_le_bytes());
        v.extend_from_slice(&tag.to_le_bytes());
        v.extend_from_slice(&channels.to_le_bytes());
        v.extend_from_slice(&rate.to_le_bytes());
        v.extend_from_slice(&(rate * block as u32).to_le_bytes());
        v.extend_from_slice(&block.to_le_bytes());
        v.extend_from_slice(&bits.to_le_bytes());
        v.extend_from_slice(b"data");
        v.extend_from_slice(&declared.unwrap_or(data.len() as u32).to_le_bytes());
        v.extend_from_slice(data);
        v
    }

    #[test]
    fn parses_a_plain_pcm16_header() {
        let bytes = wav(1, 2, 44100, 16, &[0; 40], None);
        let l = parse(&bytes).unwrap();
        assert_eq!(l.encoding, Encoding::Pcm16);
        assert_eq!(l.channels, 2);
        assert_eq!(l.samples(), 10);
        assert_eq!(l.data_offset, 44);
    }

    #[test]
    fn rejects_bad_files_with_specific_reasons() {
        let cases: Vec<(Vec<u8>, &str)> = vec![
            (vec![], "empty"),
            (b"hello world, not a wav".to_vec(), "not a WAV"),
            (
                wav(1, 1, 8000, 16, &[0; 10], Some(1000)),
                "truncated: the data chunk claims 1000 bytes but only 10",
            ),
            (wav(1, 1, 0, 16, &[0; 10], None), "sample rate is 0"),
            (wav(3, 1, 8000, 16, &[0; 16], None), "16-bit float"),
            (wav(0x55, 1, 8000, 8, &[0; 16], None), "MP3 in WAV"),
            (wav(1, 1, 8000, 16, &[], None), "no samples"),
            (wav(1, 2, 8000, 16, &[0; 6], None), "not a whole number"),
        ];
        for (bytes, expected) in cases {
            let err = parse(&bytes).unwrap_err().to_string();
            assert!(err.contains(expected), "{err:?} should mention {expected:?}");
        }
    }

    #[test]
    fn keeps_extra_chunks_and_skips_padding() {
        let mut bytes = wav(1, 1, 8000, 16, &[1, 0, 2, 0], None);
        // An odd-sized chunk before data must be padded: insert it after fmt.
        let insert_at = 36;
        let extra = [b'a', b'u', b'x', b'i', 3, 0, 0, 0, 7, 8, 9, 0];
        bytes.splice(insert_at..insert_at, extra);
        let l = parse(&bytes).unwrap();
        assert_eq!(
            l.extra_chunks,
            vec![Chunk {
                id: *b"auxi",
                data: vec![7, 8, 9]
            }]
        );
        assert_eq!(l.samples(), 2);
    }
}
