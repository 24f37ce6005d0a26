//! Features as CSV files for pandas: one file of frames, one of bursts, each with a header row
//! and units in the column names.
//!
//! `OUT.csv` (frames): `frame, time_s, level_db, centroid_hz, bandwidth_hz, flatness,
//! rolloff_hz, band_0_db … band_{B−1}_db`, then for real signals `mfcc_0 … mfcc_{N−1}`.
//!
//! `OUT.bursts.csv` (bursts): `burst, start_s, end_s, duration_s, centre_hz, low_hz, high_hz,
//! occupied_bw_hz, peak_level_db, mean_level_db, snr_db, first_frame, end_frame,
//! extent_low_hz, extent_high_hz, centroid_hz, bandwidth_hz, flatness, rolloff_hz`, then for
//! IQ `rf_centre_hz, rf_low_hz, rf_high_hz`: the radio frequencies of the centre and the
//! occupied band, empty when the recording's centre frequency is unknown.
//!
//! Frequencies are signed offsets from the centre for IQ (−fs/2 to +fs/2), so that features
//! of captures tuned differently compare; only the `rf_` columns are absolute.
//!
//! Numbers are written in their shortest exact form (`f32` features, `f64` times and
//! frequencies), so reading a file back gives the values computed, bit for bit.

use std::fs::File;
use std::io::{BufWriter, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::{Burst, FeatureError, FeatureOptions, Features, FrameRow, stream_features};
use crate::edit::EditList;
use crate::io::atomic::Group;
use crate::io::{FileError, FileErrorKind};
use crate::signal::{Progress, SampleSource, StftParams};

/// The column names of the frames file.
pub fn frame_columns(features: &Features) -> Vec<String> {
    frame_columns_for(features.frames.n_bands, features.frames.n_mfcc)
}

/// The column names of a frames file with `n_bands` bands and `n_mfcc` MFCCs per frame.
pub fn frame_columns_for(n_bands: usize, n_mfcc: usize) -> Vec<String> {
    let mut cols: Vec<String> = [
        "frame",
        "time_s",
        "level_db",
        "centroid_hz",
        "bandwidth_hz",
        "flatness",
        "rolloff_hz",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    cols.extend((0..n_bands).map(|k| format!("band_{k}_db")));
    cols.extend((0..n_mfcc).map(|k| format!("mfcc_{k}")));
    cols
}

/// The column names of the bursts file.
pub const BURST_COLUMNS: [&str; 19] = [
    "burst",
    "start_s",
    "end_s",
    "duration_s",
    "centre_hz",
    "low_hz",
    "high_hz",
    "occupied_bw_hz",
    "peak_level_db",
    "mean_level_db",
    "snr_db",
    "first_frame",
    "end_frame",
    "extent_low_hz",
    "extent_high_hz",
    "centroid_hz",
    "bandwidth_hz",
    "flatness",
    "rolloff_hz",
];

/// Writes the frames file.
pub fn write_frames(out: &mut impl Write, features: &Features) -> std::io::Result<()> {
    writeln!(out, "{}", frame_columns(features).join(","))?;
    let mut line = String::new();
    for k in 0..features.frames.len() {
        write_row(out, &features.frames.row(k), &mut line)?;
    }
    Ok(())
}

/// Writes one row of the frames file, using `line` as a buffer.
pub fn write_row(out: &mut impl Write, row: &FrameRow<'_>, line: &mut String) -> std::io::Result<()> {
    use std::fmt::Write as _;
    line.clear();
    // Writing to a String cannot fail.
    let _ = write!(
        line,
        "{},{},{},{},{},{},{}",
        row.frame, row.time_s, row.level_db, row.centroid_hz, row.bandwidth_hz, row.flatness, row.rolloff_hz
    );
    for v in row.bands_db.iter().chain(row.mfcc) {
        let _ = write!(line, ",{v}");
    }
    line.push('\n');
    out.write_all(line.as_bytes())
}

/// The extra columns of the bursts file of an IQ recording.
pub const RF_BURST_COLUMNS: [&str; 3] = ["rf_centre_hz", "rf_low_hz", "rf_high_hz"];

/// The column names of the bursts file.
pub fn burst_columns(features: &Features) -> Vec<&'static str> {
    let mut cols = BURST_COLUMNS.to_vec();
    if features.complex {
        cols.extend(RF_BURST_COLUMNS);
    }
    cols
}

/// Writes the bursts file (no rows when bursts were not detected).
pub fn write_bursts(out: &mut impl Write, features: &Features) -> std::io::Result<()> {
    writeln!(out, "{}", burst_columns(features).join(","))?;
    let bursts = features.bursts.as_deref().unwrap_or_default();
    for (i, b) in bursts.iter().enumerate() {
        write_burst(out, i, b, features.complex, features.center_freq_hz)?;
    }
    Ok(())
}

/// Writes row `index` of the bursts file: burst `b` of a real or (`complex`) IQ recording,
/// centred on `center_freq_hz` when known.
pub fn write_burst(
    out: &mut impl Write,
    index: usize,
    b: &Burst,
    complex: bool,
    center_freq_hz: Option<f64>,
) -> std::io::Result<()> {
    write!(
        out,
        "{index},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}",
        b.start_s,
        b.end_s(),
        b.duration_s,
        b.centre_hz,
        b.low_hz,
        b.high_hz,
        b.occupied_bandwidth_hz(),
        b.peak_level_db as f32,
        b.mean_level_db as f32,
        b.snr_db as f32,
        b.frames.start,
        b.frames.end,
        b.extent_hz[0],
        b.extent_hz[1],
        b.stats.centroid_hz,
        b.stats.bandwidth_hz,
        b.stats.flatness as f32,
        b.stats.rolloff_hz,
    )?;
    if complex {
        match center_freq_hz {
            Some(c) => {
                let [centre, low, high] = b.rf_hz(c);
                write!(out, ",{centre},{low},{high}")?;
            }
            None => write!(out, ",,,")?,
        }
    }
    writeln!(out)
}

/// Where the bursts file of frames file `frames_path` goes: `OUT.csv` → `OUT.bursts.csv`
/// (any other name gets `.bursts.csv` appended).
pub fn bursts_path(frames_path: &Path) -> PathBuf {
    let name = frames_path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let stem = match name.len().checked_sub(4) {
        Some(cut)
            if name
                .get(cut..)
                .is_some_and(|ext| ext.eq_ignore_ascii_case(".csv")) =>
        {
            &name[..cut]
        }
        _ => name.as_str(),
    };
    frames_path.with_file_name(format!("{stem}.bursts.csv"))
}

/// Writes the frames to `path` and, when bursts were detected, the bursts next to it (see
/// [`bursts_path`]): both appear, or neither. Never replaces one of `inputs`; replaces another
/// existing file only when `force`. Returns the files written.
pub fn save(
    features: &Features,
    path: &Path,
    inputs: &[&Path],
    force: bool,
) -> Result<Vec<PathBuf>, FileError> {
    let mut targets = vec![path.to_path_buf()];
    if features.bursts.is_some() {
        targets.push(bursts_path(path));
    }
    let mut group = Group::new(inputs, force);
    group.check(&targets.iter().map(PathBuf::as_path).collect::<Vec<_>>())?;
    for (i, target) in targets.iter().enumerate() {
        group.add(target, |file: &File| {
            let mut w = BufWriter::new(file);
            let body = if i == 0 {
                write_frames(&mut w, features)
            } else {
                write_bursts(&mut w, features)
            };
            body.and_then(|()| w.flush())
                .map_err(|e| FileError::new(target, FileErrorKind::Io(e)))
        })?;
    }
    group.commit()?;
    Ok(targets)
}

/// What [`export`] wrote.
#[derive(Clone, Debug, PartialEq)]
pub struct Exported {
    /// The files written: the frames file, then the bursts file when bursts were detected.
    pub files: Vec<PathBuf>,
    /// Frame rows.
    pub frames: usize,
    /// Burst rows, when bursts were detected.
    pub bursts: Option<usize>,
}

/// Why [`export`] failed.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// The features could not be computed (or the user cancelled).
    #[error(transparent)]
    Features(#[from] FeatureError),
    /// A file could not be written.
    #[error(transparent)]
    File(#[from] FileError),
}

/// Computes the features of `source` with `edits` applied and writes them: what
/// `spectro features` and the editor's "Export features…" do. The frames file is written as
/// the frames are computed ([`stream_features`]), so memory does not grow with the recording;
/// the bursts file (when bursts are detected, see [`bursts_path`]) follows. Both are written
/// to temporary files ([`Group`]) and renamed into place only once both are whole: the pair
/// appears whole or not at all. `inputs` (the recording, the edit list) are never replaced;
/// other existing files only when `force`.
#[allow(clippy::too_many_arguments)]
pub fn export(
    source: &Arc<dyn SampleSource>,
    edits: &EditList,
    edit_stft: StftParams,
    options: &FeatureOptions,
    output: &Path,
    inputs: &[&Path],
    force: bool,
    progress: &Progress,
) -> Result<Exported, ExportError> {
    // Refuse before the work, not after it.
    let bursts_target = bursts_path(output);
    let mut group = Group::new(inputs, force);
    group.check(&[output, &bursts_target])?;
    let (n_bands, n_mfcc) = options.frame_shape(source.is_complex());
    // Bursts come while the frames are written: they gather in an unnamed temporary file (gone
    // whatever happens) and are copied into their own output at the end.
    let burst_io = |e| ExportError::File(FileError::new(&bursts_target, FileErrorKind::Io(e)));
    let mut burst_rows = match options.bursts {
        Some(_) => {
            let dir = match bursts_target.parent() {
                Some(p) if !p.as_os_str().is_empty() => p,
                _ => Path::new("."),
            };
            let mut w = BufWriter::new(tempfile::tempfile_in(dir).map_err(burst_io)?);
            let columns = if source.is_complex() {
                [&BURST_COLUMNS[..], &RF_BURST_COLUMNS[..]].concat()
            } else {
                BURST_COLUMNS.to_vec()
            };
            writeln!(w, "{}", columns.join(",")).map_err(burst_io)?;
            Some(w)
        }
        None => None,
    };
    let complex = source.is_complex();
    let center = options.center_freq_hz.filter(|_| complex);
    let mut computed = None;
    group.add(output, |file: &File| -> Result<(), ExportError> {
        let io = |e| ExportError::File(FileError::new(output, FileErrorKind::Io(e)));
        let mut w = BufWriter::new(file);
        writeln!(w, "{}", frame_columns_for(n_bands, n_mfcc).join(",")).map_err(io)?;
        let mut line = String::new();
        let mut index = 0;
        computed = Some(stream_features(
            source,
            edits,
            edit_stft,
            options,
            progress,
            &mut |row| write_row(&mut w, row, &mut line).map_err(io),
            &mut |burst| {
                let Some(rows) = burst_rows.as_mut() else {
                    return Ok(());
                };
                write_burst(rows, index, burst, complex, center).map_err(burst_io)?;
                index += 1;
                Ok(())
            },
        )?);
        w.flush().map_err(io)
    })?;
    let streamed = computed.expect("the frames file's writer ran: it computed the features");
    let mut files = vec![output.to_path_buf()];
    if let Some(rows) = burst_rows {
        let mut rows = rows.into_inner().map_err(|e| burst_io(e.into_error()))?;
        rows.seek(SeekFrom::Start(0)).map_err(burst_io)?;
        group.add(&bursts_target, |file: &File| -> Result<(), ExportError> {
            let mut w = BufWriter::new(file);
            std::io::copy(&mut rows, &mut w)
                .and_then(|_| w.flush())
                .map_err(burst_io)
        })?;
        files.push(bursts_target.clone());
    }
    group.commit()?;
    Ok(Exported {
        files,
        frames: streamed.frames,
        bursts: streamed.bursts,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bursts_file_sits_next_to_the_frames_file() {
        assert_eq!(
            bursts_path(Path::new("out/a.csv")),
            PathBuf::from("out/a.bursts.csv")
        );
        assert_eq!(bursts_path(Path::new("a.CSV")), PathBuf::from("a.bursts.csv"));
        assert_eq!(bursts_path(Path::new("feat")), PathBuf::from("feat.bursts.csv"));
    }
}
