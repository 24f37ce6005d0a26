//! Exporting a time-frequency region as a new recording: "tune, filter, decimate".
//!
//! The band is kept with the same feathered keep-only mask the editor uses (so the stop band is
//! as deep as any edit), the band's centre is mixed down to 0 Hz, and the result is decimated
//! by an integer factor whose Nyquist band still holds the band and its feather: with nothing
//! left outside, taking every D-th sample aliases nothing. Real recordings keep their rate.

use std::fs::File;
use std::path::Path;
use std::sync::Arc;

use rustfft::num_complex::Complex32;

use super::{Edited, PipelineError, Samples};
use crate::edit::{Edit, EditList, Grid, Shape};
use crate::io::atomic::Group;
use crate::io::output::{AudioWriter, OutputFormat};
use crate::io::recording::{Container, Recording};
use crate::io::wav::{Chunk, auxi_with_center};
use crate::io::{Encoding, FileError, FileErrorKind};
use crate::signal::{Progress, SampleSource, StftParams};

/// What to extract.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Region {
    /// Seconds.
    pub time_s: [f64; 2],
    /// Hz (signed, baseband, for IQ).
    pub freq_hz: [f64; 2],
}

/// What an extraction produced.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Extracted {
    /// Samples per second of the new file.
    pub sample_rate: f64,
    /// Decimation factor (1 for real recordings).
    pub decimation: usize,
    /// Samples per channel written.
    pub samples: u64,
    /// Centre frequency of the new file, when the source's was known (IQ).
    pub center_freq_hz: Option<f64>,
    /// Frequency shift applied (the band's centre), Hz.
    pub shift_hz: f64,
}

/// The largest decimation factor whose band `±rate/(2D)` holds `half_band_hz` with a 10 %
/// margin, preferring factors that divide an integer rate exactly (so WAV headers stay exact).
pub fn decimation_for(sample_rate: f64, half_band_hz: f64) -> usize {
    let max = ((sample_rate / (2.0 * half_band_hz * 1.1)).floor() as usize).max(1);
    let integral = sample_rate.fract() == 0.0;
    (1..=max)
        .rev()
        .find(|&d| !integral || (sample_rate as u64).is_multiple_of(d as u64))
        .unwrap_or(1)
}

/// Writes `region` of `rec`, with the edit list `list` applied first through the pipeline (so a
/// cut interferer stays cut and painted energy is there), to `output` (WAV, or raw IQ named by
/// extension, with its SigMF metadata next to it: both appear, or neither). No output replaces one of `inputs`
/// (the caller's: the recording's files, the edit list); another existing file is replaced
/// only when `force`. Everything is checked before any work.
#[allow(clippy::too_many_arguments)]
pub fn extract_region(
    rec: &Arc<Recording>,
    list: &EditList,
    region: Region,
    params: StftParams,
    output: &Path,
    format: Option<Encoding>,
    inputs: &[&Path],
    force: bool,
    progress: &Progress,
) -> Result<Extracted, PipelineError> {
    let fs = rec.sample_rate();
    let bad = |m: &str| PipelineError::File(FileError::new(rec.path(), FileErrorKind::Content(m.to_owned())));
    let [t0, t1] = region.time_s;
    let [f0, f1] = region.freq_hz;
    if !(t1 > t0 && f1 > f0) {
        return Err(bad("the region must have a duration and a bandwidth"));
    }
    let start = ((t0 * fs).round().max(0.0) as u64).min(rec.len());
    let end = ((t1 * fs).round().max(0.0) as u64).min(rec.len());
    if end <= start {
        return Err(bad("the region lies outside the recording"));
    }
    let complex = rec.is_complex();
    let grid = Grid {
        sample_rate: fs,
        fft_len: params.fft_len,
        hop: params.hop,
        complex,
    };
    let mut keep = Edit::new(
        Shape::Rect {
            time_s: [f64::MIN / 4.0, f64::MAX / 4.0],
            freq_hz: region.freq_hz,
        },
        f64::NEG_INFINITY,
    );
    keep.invert = true;
    let mut all = list.edits.clone();
    all.push(keep);
    let shift_hz = if complex { (f0 + f1) / 2.0 } else { 0.0 };
    let half_band = (f1 - f0) / 2.0 + grid.default_feather_hz() + grid.bin_hz();
    let decimation = if complex { decimation_for(fs, half_band) } else { 1 };
    let out_rate = fs / decimation as f64;
    let center_freq_hz = rec.center_freq_hz().map(|c| c + shift_hz);

    let mut out_format = OutputFormat::for_target(output, rec, format)?;
    out_format.sample_rate = out_rate;
    // Decimation can bring a low rate under what a WAV header holds: refuse before any work.
    out_format.check(output)?;
    let sidecar = (out_format.container == Container::Raw)
        .then(|| crate::io::sigmf::meta_for_output(output, out_format.encoding, out_rate, center_freq_hz))
        .flatten();
    let mut group = Group::new(inputs, force);
    let mut targets = vec![output];
    if let Some((meta, _)) = &sidecar {
        targets.push(meta.as_path());
    }
    group.check(&targets)?;
    out_format.planned_samples = Some((end - start).div_ceil(decimation as u64));
    // A region keeps the source's description (LIST/INFO) and its `auxi`; cue points, a
    // broadcast time reference and the like describe the whole recording.
    out_format.extra_chunks = out_format
        .extra_chunks
        .iter()
        .filter(|c| &c.id == b"auxi" || &c.id == b"LIST")
        .map(|c| match center_freq_hz {
            Some(f) if &c.id == b"auxi" => Chunk {
                id: c.id,
                data: auxi_with_center(&c.data, f),
            },
            _ => c.clone(),
        })
        .collect();
    let block = 1usize << 16;
    let total = end - start;
    let channels = rec.channels();
    let edited = Edited::prepare(
        rec.clone(),
        &all,
        list.phase.unwrap_or_default(),
        params,
        progress,
    )?;
    progress.start(total * channels as u64);
    let mut written = 0u64;
    group.add(output, |file: &File| -> Result<(), PipelineError> {
        let mut writer = AudioWriter::new(file, output, out_format.clone())?;
        let mut pos = start;
        // Keep whole decimation periods: the first sample taken is `start`.
        while pos < end {
            progress.check()?;
            let n = (end - pos).min(block as u64) as usize;
            match edited.render(pos, n) {
                Samples::Complex(rendered) => {
                    let out: Vec<Vec<Complex32>> = rendered
                        .iter()
                        .map(|z| {
                            z.iter()
                                .enumerate()
                                .filter(|(i, _)| (pos - start + *i as u64).is_multiple_of(decimation as u64))
                                .map(|(i, v)| {
                                    // Mix the band's centre to 0 Hz; phase from the absolute index.
                                    let k = pos + i as u64;
                                    let turns = (shift_hz * k as f64 / fs).rem_euclid(1.0);
                                    v * Complex32::from_polar(1.0, (-std::f64::consts::TAU * turns) as f32)
                                })
                                .collect()
                        })
                        .collect();
                    written += out.first().map_or(0, |v| v.len() as u64);
                    writer.write_complex(&out)?;
                }
                Samples::Real(out) => {
                    written += n as u64;
                    writer.write_real(&out)?;
                }
            }
            progress.advance(n as u64 * channels as u64);
            pos += n as u64;
        }
        writer.finish()?;
        Ok(())
    })?;
    if let Some((meta, text)) = &sidecar {
        group.add(meta, |mut file: &File| {
            use std::io::Write;
            file.write_all(text.as_bytes())
                .map_err(|e| FileError::new(meta, FileErrorKind::Io(e)))
        })?;
    }
    group.commit()?;
    Ok(Extracted {
        sample_rate: out_rate,
        decimation,
        samples: written,
        center_freq_hz,
        shift_hz,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimation_keeps_the_band_and_divides_the_rate() {
        // 2 MS/s, a 20 kHz band: 2e6 / (2 · 10 kHz · 1.1) = 90.9 → the largest divisor ≤ 90 is 80.
        assert_eq!(decimation_for(2e6, 10_000.0), 80);
        assert_eq!(decimation_for(250_000.0, 200_000.0), 1);
        assert_eq!(decimation_for(2.4e6, 25_000.0), 40);
    }
}
