//! The waveform strip under the spectrogram: a min/max envelope pyramid computed once in the
//! background, so drawing any zoom of an hour-long file touches a few thousand values.

use rayon::prelude::*;

use crate::edit::mask::MaskRaster;
use crate::pipeline::Edited;
use crate::pipeline::render::render_stream;
use crate::signal::{Cancelled, Complex32, Progress, ReadSamples, SampleSource, Stft};

/// A sample type the waveform can show: real samples as they are, IQ as `|z|`.
pub trait EnvelopeSample: ReadSamples + std::ops::Sub<Output = Self> {
    /// The value drawn.
    fn value(self) -> f32;
}

impl EnvelopeSample for f32 {
    fn value(self) -> f32 {
        self
    }
}

impl EnvelopeSample for Complex32 {
    fn value(self) -> f32 {
        self.norm()
    }
}

/// Samples per block at the finest envelope level.
const BASE: usize = 256;
/// Blocks merged per level.
const FANOUT: usize = 4;

/// Min/max envelope of every channel at several block sizes (`BASE · FANOUT^level`). For IQ
/// the envelope is of the magnitude `|z|`.
pub struct Envelope {
    levels: Vec<Vec<Vec<[f32; 2]>>>,
    complex: bool,
}

impl Envelope {
    /// Scans the whole source (in parallel); returns `None` if cancelled.
    pub fn compute(source: &dyn SampleSource, progress: &Progress) -> Option<Envelope> {
        let len = source.len() as usize;
        let blocks = len.div_ceil(BASE);
        let chunk_blocks = 256;
        progress.start((blocks.div_ceil(chunk_blocks) * source.channels()) as u64);
        let mut level0 = Vec::with_capacity(source.channels());
        for ch in 0..source.channels() {
            let parts: Vec<Vec<[f32; 2]>> = (0..blocks.div_ceil(chunk_blocks))
                .into_par_iter()
                .map(|c| {
                    if progress.is_cancelled() {
                        return Vec::new();
                    }
                    let start = c * chunk_blocks * BASE;
                    let n = (chunk_blocks * BASE).min(len - start);
                    let values = read_values(source, ch, start as i64, n);
                    progress.advance(1);
                    values
                        .chunks(BASE)
                        .map(|b| {
                            b.iter().fold([f32::INFINITY, f32::NEG_INFINITY], |m, &v| {
                                [m[0].min(v), m[1].max(v)]
                            })
                        })
                        .collect()
                })
                .collect();
            if progress.is_cancelled() {
                return None;
            }
            level0.push(parts.concat());
        }
        Some(Envelope::from_blocks(level0, source.is_complex()))
    }

    /// The envelope of the edited recording (or of what the edits remove, with `removed`).
    /// `None` if cancelled.
    pub fn of_edited(edited: &Edited, removed: bool, progress: &Progress) -> Option<Envelope> {
        let source = edited.source().as_ref();
        let original = edited.original().as_ref();
        crate::with_stft!(edited.engine(), stft => {
            Self::of_rendered_from(source, original, stft.as_ref(), edited.raster(), removed, progress)
        })
    }

    /// The envelope of `source` with `raster` applied (or of what it removes, with
    /// `removed`), rendered exactly as `spectro apply` renders it: blocks in parallel, taken in
    /// order. `None` if cancelled.
    pub fn of_rendered<T: EnvelopeSample>(
        source: &dyn SampleSource,
        stft: &Stft<T>,
        raster: &MaskRaster,
        removed: bool,
        progress: &Progress,
    ) -> Option<Envelope> {
        Self::of_rendered_from(source, source, stft, raster, removed, progress)
    }

    /// As [`Envelope::of_rendered`], what is removed being taken from `reference`.
    fn of_rendered_from<T: EnvelopeSample>(
        source: &dyn SampleSource,
        reference: &dyn SampleSource,
        stft: &Stft<T>,
        raster: &MaskRaster,
        removed: bool,
        progress: &Progress,
    ) -> Option<Envelope> {
        let mut level0: Vec<Vec<[f32; 2]>> = vec![Vec::new(); source.channels()];
        let mut original: Vec<T> = Vec::new();
        let mut values: Vec<f32> = Vec::new();
        // Blocks start at multiples of the render block length, itself a multiple of BASE.
        let result = render_stream(source, stft, raster, progress, |start, blocks: &[Vec<T>]| {
            for (ch, block) in blocks.iter().enumerate() {
                values.clear();
                if removed {
                    original.resize(block.len(), T::default());
                    T::read(reference, ch, start as i64, &mut original);
                    values.extend(original.iter().zip(block).map(|(&a, &b)| (a - b).value()));
                } else {
                    values.extend(block.iter().map(|v| v.value()));
                }
                level0[ch].extend(values.chunks(BASE).map(|b| {
                    b.iter().fold([f32::INFINITY, f32::NEG_INFINITY], |m, &v| {
                        [m[0].min(v), m[1].max(v)]
                    })
                }));
            }
            Ok::<(), Cancelled>(())
        });
        result.ok()?;
        Some(Envelope::from_blocks(level0, T::IS_COMPLEX))
    }

    /// The pyramid over the finest blocks' min/max, per channel.
    fn from_blocks(level0: Vec<Vec<[f32; 2]>>, complex: bool) -> Envelope {
        let mut levels = vec![level0];
        while levels
            .last()
            .is_some_and(|l| l.first().is_some_and(|c| c.len() > 1))
        {
            let prev = levels.last().map(Vec::as_slice).unwrap_or_default();
            let next: Vec<Vec<[f32; 2]>> = prev
                .iter()
                .map(|c| {
                    c.chunks(FANOUT)
                        .map(|g| {
                            g.iter().fold([f32::INFINITY, f32::NEG_INFINITY], |m, v| {
                                [m[0].min(v[0]), m[1].max(v[1])]
                            })
                        })
                        .collect()
                })
                .collect();
            levels.push(next);
        }
        Envelope { levels, complex }
    }

    /// True if the envelope is of `|z|` (IQ).
    pub fn is_magnitude(&self) -> bool {
        self.complex
    }

    /// Min/max per pixel column for `columns` columns spanning samples `[s0, s1)` of the
    /// channels `channels`; `None` for columns outside the recording. Reads raw samples from
    /// `source` when zoomed in below one envelope block per column.
    pub fn columns(
        &self,
        source: Option<&dyn SampleSource>,
        channels: &[usize],
        s0: f64,
        s1: f64,
        columns: usize,
    ) -> Vec<Option<[f32; 2]>> {
        let per_col = (s1 - s0) / columns.max(1) as f64;
        let mut out = vec![None; columns];
        if let Some(source) = source.filter(|_| per_col < BASE as f64) {
            let len = source.len() as f64;
            // Few samples per column: read them directly (at most BASE per column).
            let a = s0.floor().max(0.0);
            let b = s1.ceil().min(len);
            if b <= a {
                return out;
            }
            let n = (b - a) as usize;
            for &ch in channels {
                let values = read_values(source, ch, a as i64, n);
                for (c, o) in out.iter_mut().enumerate() {
                    let lo = (s0 + c as f64 * per_col).floor().max(a);
                    let hi = (s0 + (c + 1) as f64 * per_col).ceil().min(b).max(lo + 1.0).min(b);
                    if lo >= b || hi <= lo {
                        continue;
                    }
                    let slice = &values[(lo - a) as usize..(hi - a) as usize];
                    let mm = slice.iter().fold([f32::INFINITY, f32::NEG_INFINITY], |m, &v| {
                        [m[0].min(v), m[1].max(v)]
                    });
                    *o = Some(merge(*o, mm));
                }
            }
            return out;
        }
        // The coarsest level with at most one block per column.
        let mut level = 0;
        let mut block = BASE as f64;
        while level + 1 < self.levels.len() && block * FANOUT as f64 <= per_col {
            level += 1;
            block *= FANOUT as f64;
        }
        for &ch in channels {
            let data = &self.levels[level][ch];
            for (c, o) in out.iter_mut().enumerate() {
                let lo = ((s0 + c as f64 * per_col) / block).floor().max(0.0) as usize;
                let hi = (((s0 + (c + 1) as f64 * per_col) / block).ceil() as usize).min(data.len());
                if lo >= hi {
                    continue;
                }
                let mm = data[lo..hi]
                    .iter()
                    .fold([f32::INFINITY, f32::NEG_INFINITY], |m, v| {
                        [m[0].min(v[0]), m[1].max(v[1])]
                    });
                *o = Some(merge(*o, mm));
            }
        }
        out
    }
}

fn merge(a: Option<[f32; 2]>, b: [f32; 2]) -> [f32; 2] {
    match a {
        Some(a) => [a[0].min(b[0]), a[1].max(b[1])],
        None => b,
    }
}

fn read_values(source: &dyn SampleSource, channel: usize, start: i64, n: usize) -> Vec<f32> {
    if source.is_complex() {
        let mut z = vec![Complex32::default(); n];
        source.read_complex(channel, start, &mut z);
        z.iter().map(|v| v.norm()).collect()
    } else {
        let mut x = vec![0.0f32; n];
        source.read_real(channel, start, &mut x);
        x
    }
}

/// Draws the envelope of `channels` for the time span `time_s` into `rect`. Zoomed in finer
/// than the envelope's blocks, the samples are read from `samples` when given (cheap for a
/// recording; an edited version is rendered, so it stays at the envelope's finest blocks).
pub fn waveform_ui(
    ui: &mut egui::Ui,
    rect: egui::Rect,
    envelope: Option<&Envelope>,
    sample_rate: f64,
    samples: Option<&dyn SampleSource>,
    channels: &[usize],
    time_s: [f64; 2],
) {
    let painter = ui.painter_at(rect);
    painter.rect_filled(rect, 0.0, ui.visuals().extreme_bg_color);
    let Some(envelope) = envelope else {
        painter.text(
            rect.center(),
            egui::Align2::CENTER_CENTER,
            "waveform…",
            egui::FontId::proportional(12.0),
            ui.visuals().weak_text_color(),
        );
        return;
    };
    let fs = sample_rate;
    let columns = rect.width().max(1.0) as usize;
    let cols = envelope.columns(samples, channels, time_s[0] * fs, time_s[1] * fs, columns);
    let magnitude = envelope.is_magnitude();
    let mid = if magnitude {
        rect.bottom() - 2.0
    } else {
        rect.center().y
    };
    let scale = if magnitude {
        rect.height() - 4.0
    } else {
        rect.height() / 2.0 - 2.0
    };
    let color = egui::Color32::from_rgb(120, 190, 255);
    painter.line_segment(
        [egui::pos2(rect.left(), mid), egui::pos2(rect.right(), mid)],
        egui::Stroke::new(1.0, ui.visuals().weak_text_color().gamma_multiply(0.4)),
    );
    for (c, mm) in cols.iter().enumerate() {
        let Some([lo, hi]) = mm else { continue };
        let x = rect.left() + c as f32 + 0.5;
        let y0 = mid - hi.clamp(-1.0, 1.0) * scale;
        let y1 = mid - lo.clamp(-1.0, 1.0) * scale;
        painter.line_segment(
            [egui::pos2(x, y0), egui::pos2(x, y1.max(y0 + 1.0))],
            egui::Stroke::new(1.0, color),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::signal::MemorySource;

    #[test]
    fn envelope_columns_match_a_direct_scan() {
        let n = 1_000_003;
        let x: Vec<f32> = (0..n)
            .map(|i| (i as f32 * 0.001).sin() * (i % 977) as f32 / 977.0)
            .collect();
        let src = MemorySource {
            sample_rate: 1000.0,
            channels: vec![x.clone()],
        };
        let env = Envelope::compute(&src, &Progress::new()).unwrap();
        for (s0, s1, cols) in [
            (0.0, n as f64, 100),
            (1000.0, 5000.0, 400),
            (12345.0, 812_345.0, 7),
        ] {
            // Without samples to read, fine zooms use the finest blocks.
            for samples in [Some(&src as &dyn SampleSource), None] {
                let got = env.columns(samples, &[0], s0, s1, cols);
                let per = (s1 - s0) / cols as f64;
                for (c, g) in got.iter().enumerate() {
                    let [lo, hi] = g.unwrap();
                    let a = (s0 + c as f64 * per) as usize;
                    let b = (s0 + (c + 1) as f64 * per) as usize;
                    let (direct_lo, direct_hi) = x[a..b]
                        .iter()
                        .fold((f32::INFINITY, f32::NEG_INFINITY), |(l, h), &v| {
                            (l.min(v), h.max(v))
                        });
                    // The envelope may reach up to a block beyond the column, never less than it.
                    assert!(hi >= direct_hi && lo <= direct_lo);
                    if samples.is_some() && per < BASE as f64 {
                        // Read directly: exactly the column's samples (and one past its edge).
                        let wide_hi = x[a..(b + 1).min(n)]
                            .iter()
                            .cloned()
                            .fold(f32::NEG_INFINITY, f32::max);
                        assert!(hi <= wide_hi, "column {c}");
                    }
                }
            }
        }
    }

    #[test]
    fn rendered_envelope_is_the_envelope_of_the_rendered_audio() {
        use crate::edit::mask::Grid;
        use crate::edit::{Edit, Shape};
        use crate::signal::{Convention, StftParams};
        // Two channels, 3 s at 48 kHz: a 1 kHz tone that a rect removes from 1 s to 2 s.
        let fs = 48_000.0;
        let tone: Vec<f32> = (0..144_000)
            .map(|n| 0.5 * (std::f32::consts::TAU * 1000.0 * n as f32 / fs as f32).sin())
            .collect();
        let src = MemorySource {
            sample_rate: fs,
            channels: vec![tone.clone(), tone.iter().map(|v| 0.5 * v).collect()],
        };
        let params = StftParams::with_fft(1024);
        let stft = Stft::<f32>::new(params, Convention::Scipy).unwrap();
        let edit = Edit::new(
            Shape::Rect {
                time_s: [1.0, 2.0],
                freq_hz: [500.0, 1500.0],
            },
            f64::NEG_INFINITY,
        );
        let grid = Grid {
            sample_rate: fs,
            fft_len: params.fft_len,
            hop: params.hop,
            complex: false,
        };
        let raster = MaskRaster::new(&[edit], grid);
        let mut edited: Vec<Vec<f32>> = vec![Vec::new(); 2];
        render_stream(&src, &stft, &raster, &Progress::new(), |_, b: &[Vec<f32>]| {
            for (e, b) in edited.iter_mut().zip(b) {
                e.extend_from_slice(b);
            }
            Ok::<(), Cancelled>(())
        })
        .unwrap();
        let removed: Vec<Vec<f32>> = src
            .channels
            .iter()
            .zip(&edited)
            .map(|(x, y)| x.iter().zip(y).map(|(a, b)| a - b).collect())
            .collect();
        for (is_removed, audio) in [(false, edited), (true, removed)] {
            let direct = Envelope::compute(
                &MemorySource {
                    sample_rate: fs,
                    channels: audio,
                },
                &Progress::new(),
            )
            .unwrap();
            let streamed = Envelope::of_rendered(&src, &stft, &raster, is_removed, &Progress::new()).unwrap();
            assert_eq!(streamed.levels, direct.levels, "removed: {is_removed}");
        }
        // And the edit shows: the edited middle second is near silent, the removed one is not.
        let edited = Envelope::of_rendered(&src, &stft, &raster, false, &Progress::new()).unwrap();
        let middle = edited.columns(None, &[0], 66_000.0, 78_000.0, 1)[0].unwrap();
        assert!(middle[1] < 0.01, "{middle:?}");
        let start = edited.columns(None, &[0], 0.0, 24_000.0, 1)[0].unwrap();
        assert!(start[1] > 0.49, "{start:?}");
    }
}
