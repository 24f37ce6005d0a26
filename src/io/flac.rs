//! Writing FLAC: lossless, so an unedited export decodes to the source's samples bit for bit.
//!
//! Frames are encoded by `flacenc` as samples arrive, a batch of frames at a time in parallel,
//! and written straight to the file; STREAMINFO (sizes, sample count, MD5) is filled in at the
//! end. Memory stays at one batch whatever the length.

use std::fs::File;
use std::io::{BufWriter, Seek, SeekFrom, Write};

use flacenc::bitsink::ByteSink;
use flacenc::component::{BitRepr, StreamInfo};
use flacenc::config;
use flacenc::error::{Verified, Verify};
use flacenc::source::{Context, Fill, FrameBuf};
use rayon::prelude::*;

/// Samples per channel in one FLAC frame (the reference encoder's default).
pub const BLOCK_SIZE: usize = 4096;

/// Frames encoded in parallel at a time.
const BATCH_FRAMES: usize = 32;

/// Largest sample rate written (the FLAC format allows more, but many decoders stop here).
pub const MAX_FLAC_RATE_HZ: f64 = 655_350.0;

/// Most channels a FLAC stream holds.
pub const MAX_FLAC_CHANNELS: usize = 8;

/// Bits per sample FLAC can be written with here.
pub const FLAC_BITS: [u16; 3] = [8, 16, 24];

/// Streams interleaved integer samples into a FLAC file.
pub struct FlacWriter<'f> {
    out: BufWriter<&'f File>,
    config: Verified<config::Encoder>,
    info: StreamInfo,
    md5: Context,
    channels: usize,
    /// Interleaved samples not yet encoded.
    pending: Vec<i32>,
    frames_written: usize,
}

fn io_err(e: impl std::fmt::Debug) -> std::io::Error {
    std::io::Error::other(format!("FLAC encoder: {e:?}"))
}

/// The bytes of a FLAC component.
fn bytes_of(c: &impl BitRepr) -> std::io::Result<Vec<u8>> {
    let mut sink = ByteSink::new();
    c.write(&mut sink).map_err(io_err)?;
    Ok(sink.into_inner())
}

/// STREAMINFO as the last metadata block: a 4-byte header (last-block flag, type 0, 34 bytes),
/// then the block.
fn streaminfo_block(info: &StreamInfo) -> Result<Vec<u8>, std::io::Error> {
    let mut block = vec![0x80u8, 0, 0, 34];
    block.extend(bytes_of(info)?);
    if block.len() != 38 {
        return Err(io_err("STREAMINFO is not 34 bytes"));
    }
    Ok(block)
}

impl<'f> FlacWriter<'f> {
    /// Starts a FLAC stream of `channels` channels of `bits` bits at `sample_rate` Hz.
    pub fn new(file: &'f File, channels: usize, bits: u16, sample_rate: u32) -> std::io::Result<Self> {
        let mut config = config::Encoder::default();
        config.block_size = BLOCK_SIZE;
        let config = config.into_verified().map_err(io_err)?;
        let mut info = StreamInfo::new(sample_rate as usize, channels, bits as usize).map_err(io_err)?;
        info.set_block_sizes(BLOCK_SIZE, BLOCK_SIZE).map_err(io_err)?;
        let mut out = BufWriter::with_capacity(1 << 20, file);
        out.write_all(b"fLaC")?;
        out.write_all(&streaminfo_block(&info)?)?;
        Ok(FlacWriter {
            out,
            config,
            info,
            md5: Context::new(bits as usize, channels),
            channels,
            pending: Vec::new(),
            frames_written: 0,
        })
    }

    /// Adds interleaved samples (each within the stream's bit depth).
    pub fn write(&mut self, interleaved: &[i32]) -> std::io::Result<()> {
        self.pending.extend_from_slice(interleaved);
        let batch = BLOCK_SIZE * self.channels * BATCH_FRAMES;
        if self.pending.len() >= batch {
            let whole = self.pending.len() / (BLOCK_SIZE * self.channels) * BLOCK_SIZE * self.channels;
            let rest = self.pending.split_off(whole);
            let ready = std::mem::replace(&mut self.pending, rest);
            self.encode(&ready)?;
        }
        Ok(())
    }

    /// Encodes whole frames of `samples` (the last may be short) and writes them in order.
    fn encode(&mut self, samples: &[i32]) -> std::io::Result<()> {
        let frame_len = BLOCK_SIZE * self.channels;
        let first = self.frames_written;
        let (config, info, channels) = (&self.config, &self.info, self.channels);
        let frames: Vec<std::io::Result<(Vec<u8>, flacenc::component::Frame)>> = samples
            .par_chunks(frame_len)
            .enumerate()
            .map(|(i, chunk)| {
                let mut buf = FrameBuf::with_size(channels, BLOCK_SIZE).map_err(io_err)?;
                buf.fill_interleaved(chunk).map_err(io_err)?;
                let frame =
                    flacenc::encode_fixed_size_frame(config, &buf, first + i, info).map_err(io_err)?;
                Ok((bytes_of(&frame)?, frame))
            })
            .collect();
        for (chunk, frame) in samples.chunks(frame_len).zip(frames) {
            let (bytes, frame) = frame?;
            self.md5.fill_interleaved(chunk).map_err(io_err)?;
            self.info.update_frame_info(&frame);
            self.out.write_all(&bytes)?;
            self.frames_written += 1;
        }
        Ok(())
    }

    /// Encodes what is left and fills in STREAMINFO.
    pub fn finish(mut self) -> std::io::Result<()> {
        let rest = std::mem::take(&mut self.pending);
        if !rest.is_empty() {
            self.encode(&rest)?;
        }
        self.info.set_md5_digest(&self.md5.md5_digest());
        // `update_frame_info` counted the samples; the block sizes are the fixed ones.
        self.info
            .set_block_sizes(BLOCK_SIZE, BLOCK_SIZE)
            .map_err(io_err)?;
        let block = streaminfo_block(&self.info)?;
        self.out.flush()?;
        // A device (/dev/null) cannot seek back: nothing to fill in there.
        if self.out.seek(SeekFrom::Start(4)).is_ok() {
            self.out.write_all(&block)?;
        }
        self.out.flush()
    }
}
