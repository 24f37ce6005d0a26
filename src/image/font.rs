//! A 5 × 7 pixel font for axis labels on exported pictures: digits, signs and the few letters
//! units need. Drawing text this way keeps the exporter free of font files and rasterisers.

/// Rows of a glyph, top first; bit 4 is the leftmost pixel.
type Glyph = [u8; 7];

fn glyph(c: char) -> Option<Glyph> {
    Some(match c {
        '0' => [0x0e, 0x11, 0x13, 0x15, 0x19, 0x11, 0x0e],
        '1' => [0x04, 0x0c, 0x04, 0x04, 0x04, 0x04, 0x0e],
        '2' => [0x0e, 0x11, 0x01, 0x02, 0x04, 0x08, 0x1f],
        '3' => [0x1f, 0x02, 0x04, 0x02, 0x01, 0x11, 0x0e],
        '4' => [0x02, 0x06, 0x0a, 0x12, 0x1f, 0x02, 0x02],
        '5' => [0x1f, 0x10, 0x1e, 0x01, 0x01, 0x11, 0x0e],
        '6' => [0x06, 0x08, 0x10, 0x1e, 0x11, 0x11, 0x0e],
        '7' => [0x1f, 0x01, 0x02, 0x04, 0x08, 0x08, 0x08],
        '8' => [0x0e, 0x11, 0x11, 0x0e, 0x11, 0x11, 0x0e],
        '9' => [0x0e, 0x11, 0x11, 0x0f, 0x01, 0x02, 0x0c],
        '.' => [0x00, 0x00, 0x00, 0x00, 0x00, 0x0c, 0x0c],
        '-' => [0x00, 0x00, 0x00, 0x1f, 0x00, 0x00, 0x00],
        '+' => [0x00, 0x04, 0x04, 0x1f, 0x04, 0x04, 0x00],
        'k' => [0x10, 0x10, 0x12, 0x14, 0x18, 0x14, 0x12],
        'M' => [0x11, 0x1b, 0x15, 0x15, 0x11, 0x11, 0x11],
        'G' => [0x0e, 0x11, 0x10, 0x17, 0x11, 0x11, 0x0f],
        'H' => [0x11, 0x11, 0x11, 0x1f, 0x11, 0x11, 0x11],
        'z' => [0x00, 0x00, 0x1f, 0x02, 0x04, 0x08, 0x1f],
        's' => [0x00, 0x00, 0x0e, 0x10, 0x0e, 0x01, 0x1e],
        'd' => [0x01, 0x01, 0x0d, 0x13, 0x11, 0x11, 0x0f],
        'B' => [0x1e, 0x11, 0x11, 0x1e, 0x11, 0x11, 0x1e],
        ' ' => [0; 7],
        _ => return None,
    })
}

/// Width of a glyph cell (glyph plus spacing) at scale 1.
pub const ADVANCE: u32 = 6;
/// Height of a glyph at scale 1.
pub const HEIGHT: u32 = 7;

/// Width in pixels of `text` drawn at `scale`.
pub fn text_width(text: &str, scale: u32) -> u32 {
    (text.chars().count() as u32 * ADVANCE).saturating_sub(1) * scale
}

/// An RGB canvas to draw on.
pub struct Canvas {
    /// Width.
    pub width: u32,
    /// Height.
    pub height: u32,
    /// RGB bytes, row-major.
    pub rgb: Vec<u8>,
}

impl Canvas {
    /// A canvas filled with `color`.
    pub fn new(width: u32, height: u32, color: [u8; 3]) -> Self {
        let mut rgb = Vec::with_capacity(width as usize * height as usize * 3);
        for _ in 0..width as usize * height as usize {
            rgb.extend_from_slice(&color);
        }
        Canvas { width, height, rgb }
    }

    /// Sets one pixel (ignored outside the canvas).
    pub fn set(&mut self, x: i64, y: i64, color: [u8; 3]) {
        if x >= 0 && y >= 0 && (x as u32) < self.width && (y as u32) < self.height {
            let i = (y as usize * self.width as usize + x as usize) * 3;
            self.rgb[i..i + 3].copy_from_slice(&color);
        }
    }

    /// Fills a rectangle `x0..x1 × y0..y1`.
    pub fn fill(&mut self, x0: i64, y0: i64, x1: i64, y1: i64, color: [u8; 3]) {
        for y in y0..y1 {
            for x in x0..x1 {
                self.set(x, y, color);
            }
        }
    }

    /// Draws `text` with its top-left corner at `(x, y)`; unknown characters are skipped.
    pub fn text(&mut self, x: i64, y: i64, text: &str, scale: u32, color: [u8; 3]) {
        let s = scale as i64;
        for (i, c) in text.chars().enumerate() {
            let Some(g) = glyph(c) else { continue };
            let gx = x + i as i64 * ADVANCE as i64 * s;
            for (row, bits) in g.iter().enumerate() {
                for col in 0..5 {
                    if bits & (0x10 >> col) != 0 {
                        let px = gx + col * s;
                        let py = y + row as i64 * s;
                        self.fill(px, py, px + s, py + s, color);
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_lands_where_asked() {
        let mut c = Canvas::new(20, 10, [0; 3]);
        c.text(1, 1, "1", 1, [255; 3]);
        // The '1' has its stem in the glyph's middle column.
        let lit = |x: usize, y: usize| c.rgb[(y * 20 + x) * 3] == 255;
        assert!(lit(3, 1) && lit(3, 4) && lit(3, 7));
        assert!(!lit(0, 0) && !lit(10, 4));
        assert_eq!(text_width("10k", 1), 17);
        assert_eq!(text_width("10k", 2), 34);
    }
}
