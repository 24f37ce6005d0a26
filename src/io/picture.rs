//! PNG pictures of spectrograms, with the metadata needed to turn them back into sound.
//!
//! Spectro writes, in an `iTXt` chunk with the keyword [`META_KEY`], a JSON [`PictureMeta`]:
//! everything the importer needs (rate, STFT, frequency axis, dB range, colours, where the plot
//! sits in the picture). Pictures from elsewhere have no such chunk; they are read all the same
//! and the user supplies what the picture cannot tell.

use std::fs::File;
use std::io::{BufReader, BufWriter, Cursor};
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::atomic::write_atomically;
use super::error::{FileError, FileErrorKind};
use crate::signal::{Colormap, Convention, FreqScale, WindowKind, limits};

/// The PNG text keyword of Spectro's picture metadata.
pub const META_KEY: &str = "spectro";

/// Version of [`PictureMeta`] written by this build.
pub const META_VERSION: u32 = 1;

/// Largest picture side Spectro reads or writes, in pixels.
pub const MAX_SIDE: u32 = 65535;

/// Largest picture Spectro reads or writes, in pixels (8192 × 8192, or any shape as large:
/// [`crate::signal::limits::MAX_PICTURE_PIXELS`]). Decoded, such a picture takes 3 bytes a
/// pixel (2 for 16-bit grey), about 200 MB; PNG data is decoded row by row into that form,
/// never held whole.
pub const MAX_PIXELS: u64 = crate::signal::limits::MAX_PICTURE_PIXELS;

/// Pixel layout of a picture.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PixelFormat {
    /// 8-bit RGB.
    Rgb8,
    /// 16-bit grey, big-endian as PNG stores it.
    Gray16,
}

/// A rectangle of pixels: columns `left..right`, rows `top..bottom` (right and bottom
/// exclusive).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PixelRect {
    /// First column.
    pub left: u32,
    /// First row.
    pub top: u32,
    /// One past the last column.
    pub right: u32,
    /// One past the last row.
    pub bottom: u32,
}

impl PixelRect {
    /// The whole of a `width × height` picture.
    pub fn whole(width: u32, height: u32) -> Self {
        PixelRect {
            left: 0,
            top: 0,
            right: width,
            bottom: height,
        }
    }

    /// Columns.
    pub fn width(&self) -> u32 {
        self.right.saturating_sub(self.left)
    }

    /// Rows.
    pub fn height(&self) -> u32 {
        self.bottom.saturating_sub(self.top)
    }

    /// True if the rectangle is non-empty and inside a `width × height` picture.
    pub fn fits(&self, width: u32, height: u32) -> bool {
        self.left < self.right && self.top < self.bottom && self.right <= width && self.bottom <= height
    }
}

impl std::fmt::Display for PixelRect {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{},{},{},{}", self.left, self.top, self.right, self.bottom)
    }
}

impl std::str::FromStr for PixelRect {
    type Err = String;

    /// Parses `LEFT,TOP,RIGHT,BOTTOM`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let v: Vec<Option<u32>> = s.split(',').map(|p| p.trim().parse().ok()).collect();
        match v.as_slice() {
            [Some(l), Some(t), Some(r), Some(b)] if l < r && t < b => Ok(PixelRect {
                left: *l,
                top: *t,
                right: *r,
                bottom: *b,
            }),
            _ => Err(format!(
                "'{s}' is not a crop rectangle LEFT,TOP,RIGHT,BOTTOM in pixels (right and bottom exclusive)"
            )),
        }
    }
}

/// How levels are coded in a picture's pixels.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PictureColors {
    /// 8-bit RGB through a colour map, level `i/255` of the range in LUT entry `i`.
    Palette(Colormap),
    /// 16-bit grey, level `v/65535` of the range.
    Gray16,
}

/// Everything needed to turn a Spectro picture back into sound, stored in its PNG.
///
/// Column `c` of the plot shows the frames [`column_frames`](crate::signal::raster::column_frames)
/// gives for `frames`; row `r` (from the top) shows the frequencies between positions
/// `1 − (r+1)/rows` and `1 − r/rows` of `scale` over `freq_hz`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PictureMeta {
    /// Metadata version ([`META_VERSION`]).
    pub version: u32,
    /// The program that wrote it.
    pub generator: String,
    /// Samples per second of the recording.
    pub sample_rate: f64,
    /// Complex baseband (two-sided spectrum).
    pub iq: bool,
    /// Centre frequency of an IQ recording, Hz.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub center_freq_hz: Option<f64>,
    /// Length of the whole recording, seconds.
    pub duration_s: f64,
    /// Length of the whole recording, samples.
    pub signal_len: u64,
    /// Time of the first frame shown, seconds (`frames[0]·hop / sample_rate`).
    pub start_s: f64,
    /// STFT frames shown, `[first, end)`.
    pub frames: [usize; 2],
    /// FFT length.
    pub fft: usize,
    /// Hop in samples.
    pub hop: usize,
    /// Analysis window.
    pub window: WindowKind,
    /// STFT convention (frame placement and scale).
    pub convention: Convention,
    /// Frequency axis.
    pub scale: FreqScale,
    /// Frequencies at the bottom and top edges of the plot, Hz.
    pub freq_hz: [f64; 2],
    /// Level of the darkest colour, dBFS.
    pub floor_db: f32,
    /// Level of the brightest colour, dBFS.
    pub ceiling_db: f32,
    /// How pixels code levels.
    pub colors: PictureColors,
    /// The channel drawn, or `None` for the mean power of all channels.
    #[serde(default)]
    pub channel: Option<usize>,
    /// Number of channels of the recording.
    pub channels: usize,
    /// True if the plot has one pixel per STFT cell.
    pub cells: bool,
    /// Picture width, pixels.
    pub width: u32,
    /// Picture height, pixels.
    pub height: u32,
    /// Where the plot sits in the picture (the rest is axes and labels).
    pub plot: PixelRect,
}

impl PictureMeta {
    /// The JSON stored in the PNG.
    pub fn to_json(&self) -> String {
        // Plain data with string keys: serialising cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Parses the JSON stored in a PNG.
    pub fn from_json(text: &str) -> Result<Self, String> {
        let meta: PictureMeta = serde_json::from_str(text).map_err(|e| format!("Spectro metadata: {e}"))?;
        if meta.version > META_VERSION {
            return Err(format!(
                "Spectro metadata version {} is newer than this Spectro reads ({META_VERSION})",
                meta.version
            ));
        }
        meta.check().map_err(|e| format!("Spectro metadata: {e}"))?;
        Ok(meta)
    }

    /// Checks every number against [`limits`], so an edited or corrupt chunk is one clear
    /// error instead of a division by zero or an absurd allocation.
    pub fn check(&self) -> Result<(), String> {
        limits::check_sample_rate(self.sample_rate).map_err(|e| format!("\"sample_rate\": {e}"))?;
        if let Some(c) = self.center_freq_hz {
            limits::check_freq(c).map_err(|e| format!("\"center_freq_hz\": {e}"))?;
        }
        limits::check_duration(self.duration_s, false).map_err(|e| format!("\"duration_s\": {e}"))?;
        limits::check_time(self.start_s).map_err(|e| format!("\"start_s\": {e}"))?;
        limits::check_stft(crate::signal::StftParams {
            fft_len: self.fft,
            hop: self.hop,
            window: self.window,
        })
        .map_err(|e| format!("\"fft\"/\"hop\": {e}"))?;
        // The sound rebuilt is at most as long as a WAV can be.
        if self.signal_len > u32::MAX as u64 {
            return Err(format!(
                "\"signal_len\" {} is more samples than a WAV file holds",
                self.signal_len
            ));
        }
        let [first, end] = self.frames;
        let most = self.signal_len / self.hop as u64 + 2;
        if first >= end || end as u64 > most {
            return Err(format!(
                "\"frames\" [{first}, {end}] is not a range of the {most} frames a sound of {} samples has",
                self.signal_len
            ));
        }
        for f in self.freq_hz {
            limits::check_freq(f).map_err(|e| format!("\"freq_hz\": {e}"))?;
        }
        if self.freq_hz[0] >= self.freq_hz[1] {
            return Err(format!(
                "\"freq_hz\" [{}, {}] must be [low, high] with low < high",
                self.freq_hz[0], self.freq_hz[1]
            ));
        }
        for (name, v) in [("floor_db", self.floor_db), ("ceiling_db", self.ceiling_db)] {
            limits::check_level_db(v as f64).map_err(|e| format!("\"{name}\": {e}"))?;
        }
        if self.floor_db >= self.ceiling_db {
            return Err(format!(
                "\"floor_db\" {} must be below \"ceiling_db\" {}",
                self.floor_db, self.ceiling_db
            ));
        }
        if self.channels == 0 || self.channels > limits::MAX_CHANNELS {
            return Err(format!(
                "\"channels\" {} is not 1 to {}",
                self.channels,
                limits::MAX_CHANNELS
            ));
        }
        if let Some(c) = self.channel.filter(|&c| c >= self.channels) {
            return Err(format!(
                "\"channel\" {c} does not exist among {} channels",
                self.channels
            ));
        }
        limits::check_picture_size(self.width as usize, self.height as usize)
            .map_err(|e| format!("\"width\"/\"height\": {e}"))?;
        if !self.plot.fits(self.width, self.height) {
            return Err(format!(
                "\"plot\" {} does not fit the {} × {} picture",
                self.plot, self.width, self.height
            ));
        }
        Ok(())
    }
}

/// Pixels of a decoded picture.
#[derive(Clone, Debug, PartialEq)]
pub enum Pixels {
    /// 8-bit RGB, row-major, top row first. Grey, palette and 16-bit colour pictures are
    /// converted to this; alpha is dropped.
    Rgb8(Vec<[u8; 3]>),
    /// 16-bit grey, row-major, top row first.
    Gray16(Vec<u16>),
}

/// A decoded PNG picture and its text chunks.
#[derive(Clone, Debug, PartialEq)]
pub struct Picture {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// The pixels.
    pub pixels: Pixels,
    /// Text chunks, `(keyword, text)`, in file order.
    pub text: Vec<(String, String)>,
}

impl Picture {
    /// Spectro's metadata: `None` without it, `Some(Err)` when present but unreadable.
    pub fn meta(&self) -> Option<Result<PictureMeta, String>> {
        self.text
            .iter()
            .find(|(k, _)| k == META_KEY)
            .map(|(_, v)| PictureMeta::from_json(v))
    }

    /// The colour of pixel `(x, y)` as RGB (grey for 16-bit pictures).
    pub fn rgb(&self, x: u32, y: u32) -> [u8; 3] {
        let i = y as usize * self.width as usize + x as usize;
        match &self.pixels {
            Pixels::Rgb8(p) => p[i],
            Pixels::Gray16(p) => [(p[i] >> 8) as u8; 3],
        }
    }
}

/// Writes a PNG atomically with `text` as `iTXt` chunks (`key`, `value`); never over one of
/// `inputs`, and over another existing file only when `force` (see [`write_atomically`]).
#[allow(clippy::too_many_arguments)]
pub fn write_png(
    path: &Path,
    width: u32,
    height: u32,
    format: PixelFormat,
    pixels: &[u8],
    text: &[(&str, String)],
    inputs: &[&Path],
    force: bool,
) -> Result<(), FileError> {
    let err = |m: String| FileError::new(path, FileErrorKind::CannotWrite(m));
    write_atomically(path, inputs, force, |file: &File| {
        encode_png(BufWriter::new(file), width, height, format, pixels, text).map_err(err)
    })
}

/// Encodes a PNG into memory (for the window's previews and tests).
pub fn png_bytes(
    width: u32,
    height: u32,
    format: PixelFormat,
    pixels: &[u8],
    text: &[(&str, String)],
) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    encode_png(&mut out, width, height, format, pixels, text)?;
    Ok(out)
}

fn encode_png<W: std::io::Write>(
    out: W,
    width: u32,
    height: u32,
    format: PixelFormat,
    pixels: &[u8],
    text: &[(&str, String)],
) -> Result<(), String> {
    let mut enc = png::Encoder::new(out, width, height);
    match format {
        PixelFormat::Rgb8 => {
            enc.set_color(png::ColorType::Rgb);
            enc.set_depth(png::BitDepth::Eight);
        }
        PixelFormat::Gray16 => {
            enc.set_color(png::ColorType::Grayscale);
            enc.set_depth(png::BitDepth::Sixteen);
        }
    }
    for (k, v) in text {
        enc.add_itxt_chunk((*k).to_owned(), v.clone())
            .map_err(|e| e.to_string())?;
    }
    let mut w = enc.write_header().map_err(|e| e.to_string())?;
    w.write_image_data(pixels).map_err(|e| e.to_string())?;
    w.finish().map_err(|e| e.to_string())
}

/// Reads a PNG file.
pub fn read_png(path: &Path) -> Result<Picture, FileError> {
    let err = |kind| FileError::new(path, kind);
    // Before opening: a FIFO would block the open, a device never end.
    let meta = super::check_regular(path)?;
    if meta.len() == 0 {
        return Err(err(FileErrorKind::Empty));
    }
    let file = File::open(path).map_err(|e| err(FileErrorKind::Io(e)))?;
    decode_png(BufReader::new(file)).map_err(|m| err(FileErrorKind::Content(m)))
}

/// Decodes a PNG held in memory.
pub fn read_png_bytes(bytes: &[u8]) -> Result<Picture, String> {
    decode_png(Cursor::new(bytes))
}

const PNG_SIGNATURE: [u8; 8] = [0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a];

fn decode_png<R: std::io::BufRead + std::io::Seek>(mut input: R) -> Result<Picture, String> {
    let head = input.fill_buf().map_err(|e| e.to_string())?;
    if head.len() < 8 || head[..8] != PNG_SIGNATURE {
        return Err("not a PNG picture (no PNG signature)".into());
    }
    let mut decoder = png::Decoder::new(input);
    // Palettes and low bit depths become 8-bit grey or RGB; 16 bits stay 16 bits.
    decoder.set_transformations(png::Transformations::EXPAND);
    let mut reader = decoder.read_info().map_err(|e| format!("unreadable PNG: {e}"))?;
    let (width, height) = (reader.info().width, reader.info().height);
    if width > MAX_SIDE || height > MAX_SIDE || width as u64 * height as u64 > MAX_PIXELS {
        return Err(format!(
            "the picture is {width} × {height} pixels; Spectro reads at most {MAX_SIDE} a side and {MAX_PIXELS} in all"
        ));
    }
    let mut text: Vec<(String, String)> = Vec::new();
    {
        let info = reader.info();
        for t in &info.uncompressed_latin1_text {
            text.push((t.keyword.clone(), t.text.clone()));
        }
        for t in &info.compressed_latin1_text {
            if let Ok(s) = t.get_text() {
                text.push((t.keyword.clone(), s));
            }
        }
        for t in &info.utf8_text {
            if let Ok(s) = t.get_text() {
                text.push((t.keyword.clone(), s));
            }
        }
    }
    // Rows are converted as they are decoded: the decoded picture is never held in the PNG's
    // own layout (8 bytes a pixel for 16-bit RGBA).
    let (color_type, bit_depth) = reader.output_color_type();
    let samples = color_type.samples();
    let sixteen = bit_depth == png::BitDepth::Sixteen;
    let bytes_per_sample = if sixteen { 2 } else { 1 };
    let sample = |row: &[u8], x: usize, s: usize| -> u16 {
        let i = (x * samples + s) * bytes_per_sample;
        if sixteen {
            u16::from_be_bytes([row[i], row[i + 1]])
        } else {
            row[i] as u16
        }
    };
    // 16 bits to 8 with rounding.
    let to8 = |v: u16| -> u8 {
        if sixteen {
            ((v as u32 * 255 + 32767) / 65535) as u8
        } else {
            v as u8
        }
    };
    let grey = matches!(
        color_type,
        png::ColorType::Grayscale | png::ColorType::GrayscaleAlpha
    );
    let n = width as usize * height as usize;
    let mut pixels = if grey && sixteen {
        Pixels::Gray16(vec![0; n])
    } else {
        Pixels::Rgb8(vec![[0; 3]; n])
    };
    // Interlaced pictures come in the seven Adam7 passes, each a sub-grid of the picture:
    // `(x offset, y offset, x step, y step)`.
    const ADAM7: [(u32, u32, u32, u32); 7] = [
        (0, 0, 8, 8),
        (4, 0, 8, 8),
        (0, 4, 4, 8),
        (2, 0, 4, 4),
        (0, 2, 2, 4),
        (1, 0, 2, 2),
        (0, 1, 1, 2),
    ];
    let passes: &[(u32, u32, u32, u32)] = if reader.info().interlaced {
        &ADAM7
    } else {
        &[(0, 0, 1, 1)]
    };
    for &(x0, y0, dx, dy) in passes {
        let columns = width.saturating_sub(x0).div_ceil(dx) as usize;
        let lines = height.saturating_sub(y0).div_ceil(dy);
        if columns == 0 {
            // The decoder skips passes without pixels.
            continue;
        }
        for line in 0..lines {
            let row = reader
                .next_row()
                .map_err(|e| format!("unreadable PNG: {e}"))?
                .ok_or_else(|| "unreadable PNG: the image data ends early".to_owned())?;
            let row = row.data();
            let at = (y0 + line * dy) as usize * width as usize;
            let place = |i: usize| at + x0 as usize + i * dx as usize;
            match &mut pixels {
                Pixels::Gray16(p) => {
                    for i in 0..columns {
                        p[place(i)] = sample(row, i, 0);
                    }
                }
                Pixels::Rgb8(p) => {
                    for i in 0..columns {
                        p[place(i)] = if grey {
                            [to8(sample(row, i, 0)); 3]
                        } else {
                            [
                                to8(sample(row, i, 0)),
                                to8(sample(row, i, 1)),
                                to8(sample(row, i, 2)),
                            ]
                        };
                    }
                }
            }
        }
    }
    // Text chunks after the image data (allowed by the format) are read by finishing.
    if reader.finish().is_ok() {
        let info = reader.info();
        for t in &info.uncompressed_latin1_text {
            if !text.iter().any(|(k, v)| *k == t.keyword && *v == t.text) {
                text.push((t.keyword.clone(), t.text.clone()));
            }
        }
        for t in &info.utf8_text {
            if let Ok(s) = t.get_text()
                && !text.iter().any(|(k, v)| *k == t.keyword && *v == s)
            {
                text.push((t.keyword.clone(), s));
            }
        }
    }
    Ok(Picture {
        width,
        height,
        pixels,
        text,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rgb_and_gray16_round_trip_with_text() {
        let rgb: Vec<u8> = (0..4 * 3 * 3).map(|i| (i * 7) as u8).collect();
        let bytes = png_bytes(4, 3, PixelFormat::Rgb8, &rgb, &[(META_KEY, "{\"a\":1}".into())]).unwrap();
        let p = read_png_bytes(&bytes).unwrap();
        assert_eq!((p.width, p.height), (4, 3));
        assert_eq!(
            p.pixels,
            Pixels::Rgb8(rgb.chunks(3).map(|c| [c[0], c[1], c[2]]).collect())
        );
        assert_eq!(p.text, vec![(META_KEY.to_owned(), "{\"a\":1}".to_owned())]);

        let grey: Vec<u16> = vec![0, 1, 256, 65535, 40000, 7];
        let be: Vec<u8> = grey.iter().flat_map(|v| v.to_be_bytes()).collect();
        let p = read_png_bytes(&png_bytes(3, 2, PixelFormat::Gray16, &be, &[]).unwrap()).unwrap();
        assert_eq!(p.pixels, Pixels::Gray16(grey));
    }

    /// A PNG file around raw (filtered) image data, compressed as stored deflate blocks.
    fn png_file(width: u32, height: u32, color: u8, depth: u8, interlaced: bool, raw: &[u8]) -> Vec<u8> {
        fn crc32(data: &[u8]) -> u32 {
            let mut c = 0xffff_ffffu32;
            for &b in data {
                c ^= b as u32;
                for _ in 0..8 {
                    c = if c & 1 != 0 {
                        0xedb8_8320 ^ (c >> 1)
                    } else {
                        c >> 1
                    };
                }
            }
            !c
        }
        let chunk = |kind: &[u8], data: &[u8]| {
            let mut c = (data.len() as u32).to_be_bytes().to_vec();
            let body: Vec<u8> = kind.iter().chain(data).copied().collect();
            c.extend(&body);
            c.extend(crc32(&body).to_be_bytes());
            c
        };
        let mut zlib = vec![0x78, 0x01];
        for (i, block) in raw.chunks(65535).enumerate() {
            let last = (i + 1) * 65535 >= raw.len();
            zlib.push(u8::from(last));
            zlib.extend((block.len() as u16).to_le_bytes());
            zlib.extend((!(block.len() as u16)).to_le_bytes());
            zlib.extend(block);
        }
        let (mut a, mut b) = (1u32, 0u32);
        for &v in raw {
            a = (a + v as u32) % 65521;
            b = (b + a) % 65521;
        }
        zlib.extend(((b << 16) | a).to_be_bytes());
        let mut ihdr = width.to_be_bytes().to_vec();
        ihdr.extend(height.to_be_bytes());
        ihdr.extend([depth, color, 0, 0, u8::from(interlaced)]);
        let mut out = PNG_SIGNATURE.to_vec();
        out.extend(chunk(b"IHDR", &ihdr));
        out.extend(chunk(b"IDAT", &zlib));
        out.extend(chunk(b"IEND", &[]));
        out
    }

    #[test]
    fn interlaced_pictures_are_placed_pass_by_pass() {
        // 5 × 3 RGB, Adam7: passes 1, 2, 4, 5, 6 and 7 hold pixels (pass 3 starts on row 4).
        let (w, h) = (5u32, 3u32);
        let colour = |x: u32, y: u32| [x as u8 * 40, y as u8 * 80, 7];
        let passes = [
            (0, 0, 8, 8),
            (4, 0, 8, 8),
            (0, 4, 4, 8),
            (2, 0, 4, 4),
            (0, 2, 2, 4),
            (1, 0, 2, 2),
            (0, 1, 1, 2),
        ];
        let mut raw = Vec::new();
        for (x0, y0, dx, dy) in passes {
            if x0 >= w || y0 >= h {
                continue;
            }
            for y in (y0..h).step_by(dy) {
                raw.push(0);
                for x in (x0..w).step_by(dx) {
                    raw.extend(colour(x, y));
                }
            }
        }
        let p = read_png_bytes(&png_file(w, h, 2, 8, true, &raw)).unwrap();
        let want: Vec<[u8; 3]> = (0..h).flat_map(|y| (0..w).map(move |x| colour(x, y))).collect();
        assert_eq!(p.pixels, Pixels::Rgb8(want.clone()));
        // The same picture not interlaced reads the same.
        let plain: Vec<u8> = (0..h)
            .flat_map(|y| std::iter::once(0).chain((0..w).flat_map(move |x| colour(x, y))))
            .collect();
        let p = read_png_bytes(&png_file(w, h, 2, 8, false, &plain)).unwrap();
        assert_eq!(p.pixels, Pixels::Rgb8(want));
    }

    #[test]
    fn oversized_pictures_are_refused_from_their_header() {
        // 16384 × 16384 16-bit RGBA (2 GiB decoded) with almost no data: refused on its size
        // before anything is decoded or allocated.
        let bytes = png_file(16384, 16384, 6, 16, false, &[0; 64]);
        let err = read_png_bytes(&bytes).unwrap_err();
        assert!(err.contains("16384 × 16384") && err.contains("67108864"), "{err}");
        // Data that ends early is an error, not a panic or a picture of zeros.
        let err = read_png_bytes(&png_file(64, 64, 0, 8, false, &[0; 65])).unwrap_err();
        assert!(err.contains("unreadable PNG"), "{err}");
    }

    #[test]
    fn rejects_what_is_not_a_png() {
        assert!(read_png_bytes(b"RIFF....WAVE").unwrap_err().contains("not a PNG"));
        assert!(read_png_bytes(&PNG_SIGNATURE).unwrap_err().contains("unreadable"));
    }

    #[test]
    fn crop_rectangles_parse() {
        let r: PixelRect = "10,20,110,220".parse().unwrap();
        assert_eq!((r.width(), r.height()), (100, 200));
        assert!(r.fits(110, 220) && !r.fits(109, 220));
        assert!("10,20,5,30".parse::<PixelRect>().is_err());
        assert!("1,2,3".parse::<PixelRect>().is_err());
    }
}
