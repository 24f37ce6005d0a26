//! PNG pictures of spectrograms, with the metadata needed to turn them back into sound.

use std::fs::File;
use std::io::BufWriter;
use std::path::Path;

use super::atomic::write_atomically;
use super::error::{FileError, FileErrorKind};

/// Pixel layout of a picture.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PixelFormat {
    /// 8-bit RGB.
    Rgb8,
    /// 16-bit grey, big-endian as PNG stores it.
    Gray16,
}

/// Writes a PNG atomically with `text` as tEXt chunks (`key`, `value`).
pub fn write_png(
    path: &Path,
    width: u32,
    height: u32,
    format: PixelFormat,
    pixels: &[u8],
    text: &[(&str, String)],
) -> Result<(), FileError> {
    let err = |m: String| FileError::new(path, FileErrorKind::CannotWrite(m));
    write_atomically(path, &[], true, |file: &File| {
        let mut enc = png::Encoder::new(BufWriter::new(file), width, height);
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
            enc.add_text_chunk((*k).to_owned(), v.clone())
                .map_err(|e| err(e.to_string()))?;
        }
        let mut w = enc.write_header().map_err(|e| err(e.to_string()))?;
        w.write_image_data(pixels).map_err(|e| err(e.to_string()))?;
        w.finish().map_err(|e| err(e.to_string()))
    })
}
