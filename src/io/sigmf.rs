//! SigMF sidecars (`NAME.sigmf-meta` next to `NAME.sigmf-data`, or next to a raw capture):
//! sample rate, centre frequency and sample type of a raw IQ recording.

use std::path::{Path, PathBuf};

use serde_json::Value;

use super::encoding::Encoding;
use super::error::FileErrorKind;
use crate::signal::limits;

/// What a SigMF metadata file says about its recording.
#[derive(Clone, Debug, PartialEq)]
pub struct SigmfMeta {
    /// The metadata file.
    pub path: PathBuf,
    /// Sample encoding (`core:datatype`).
    pub encoding: Encoding,
    /// Samples per second (`core:sample_rate`).
    pub sample_rate: Option<f64>,
    /// Centre frequency of the first capture segment (`core:frequency`), Hz.
    pub center_freq_hz: Option<f64>,
}

/// Where the metadata of `data` is looked for: `NAME.sigmf-meta` for `NAME.sigmf-data` or for
/// any raw capture `NAME.ext`, whether it exists or not.
pub fn sidecar_name(data: &Path) -> Option<PathBuf> {
    let stem = data.file_stem()?;
    Some(data.with_file_name(format!("{}.sigmf-meta", stem.to_string_lossy())))
}

/// The metadata file belonging to `data` (see [`sidecar_name`]), if something by that name
/// exists (whether it is a regular file is checked by [`read`], which refuses a FIFO or a
/// device instead of ignoring it).
pub fn sidecar_for(data: &Path) -> Option<PathBuf> {
    sidecar_name(data).filter(|m| std::fs::metadata(m).is_ok())
}

/// The data file belonging to a metadata file: `NAME.sigmf-data`.
pub fn data_for(meta: &Path) -> PathBuf {
    meta.with_extension("sigmf-data")
}

/// Reads a SigMF metadata file (a regular file of at most [`limits::MAX_SIDECAR_BYTES`]); the
/// errors name it.
pub fn read(meta: &Path) -> Result<SigmfMeta, FileErrorKind> {
    let text = super::read_small_text(meta, limits::MAX_SIDECAR_BYTES, "SigMF metadata files")
        .map_err(|e| FileErrorKind::Content(e.to_string()))?;
    parse(meta, &text)
}

/// Parses the text of a SigMF metadata file `meta`; the errors name it.
pub fn parse(meta: &Path, text: &str) -> Result<SigmfMeta, FileErrorKind> {
    let bad = |m: String| FileErrorKind::Content(format!("{}: {m}", meta.display()));
    let v: Value = serde_json::from_str(text).map_err(|e| bad(format!("not valid SigMF JSON: {e}")))?;
    let global = v
        .get("global")
        .ok_or_else(|| bad("no \"global\" object".into()))?;
    let datatype = global
        .get("core:datatype")
        .and_then(Value::as_str)
        .ok_or_else(|| bad("no \"core:datatype\"".into()))?;
    let encoding = match datatype {
        "cu8" => Encoding::Cu8,
        "ci8" => Encoding::Cs8,
        "ci16_le" => Encoding::Cs16,
        "cf32_le" => Encoding::Cf32,
        other => {
            return Err(FileErrorKind::Unsupported(format!(
                "SigMF datatype \"{other}\" in {} (Spectro reads cu8, ci8, ci16_le and cf32_le)",
                meta.display()
            )));
        }
    };
    let sample_rate = match global.get("core:sample_rate") {
        None | Some(Value::Null) => None,
        Some(r) => Some(
            r.as_f64()
                .ok_or_else(|| bad(format!("\"core:sample_rate\" is {r}, not a number")))
                .and_then(|hz| {
                    limits::check_sample_rate(hz).map_err(|e| bad(format!("\"core:sample_rate\": {e}")))
                })?,
        ),
    };
    let center_freq_hz = match v
        .get("captures")
        .and_then(Value::as_array)
        .and_then(|c| c.first())
        .and_then(|c| c.get("core:frequency"))
    {
        None | Some(Value::Null) => None,
        Some(f) => Some(
            f.as_f64()
                .ok_or_else(|| bad(format!("\"core:frequency\" is {f}, not a number")))
                .and_then(|hz| limits::check_freq(hz).map_err(|e| bad(format!("\"core:frequency\": {e}"))))?,
        ),
    };
    Ok(SigmfMeta {
        path: meta.to_path_buf(),
        encoding,
        sample_rate,
        center_freq_hz,
    })
}

/// The SigMF datatype name of an encoding, for writing metadata.
pub fn datatype(encoding: Encoding) -> Option<&'static str> {
    match encoding {
        Encoding::Cu8 => Some("cu8"),
        Encoding::Cs8 => Some("ci8"),
        Encoding::Cs16 => Some("ci16_le"),
        Encoding::Cf32 => Some("cf32_le"),
        _ => None,
    }
}

/// Metadata for a raw IQ file Spectro writes: the sidecar's path and its text, for the caller
/// to write together with the data (see [`super::atomic::Group`]).
pub fn meta_for_output(
    data: &Path,
    encoding: Encoding,
    sample_rate: f64,
    center_freq_hz: Option<f64>,
) -> Option<(PathBuf, String)> {
    let dt = datatype(encoding)?;
    let mut capture = serde_json::json!({"core:sample_start": 0});
    if let Some(f) = center_freq_hz {
        capture["core:frequency"] = serde_json::json!(f);
    }
    let meta = serde_json::json!({
        "global": {
            "core:datatype": dt,
            "core:sample_rate": sample_rate,
            "core:version": "1.0.0",
            "core:recorder": concat!("spectro ", env!("CARGO_PKG_VERSION")),
        },
        "captures": [capture],
        "annotations": [],
    });
    let path = sidecar_name(data)?;
    let text = serde_json::to_string_pretty(&meta).unwrap_or_default() + "\n";
    Some((path, text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_core_fields() {
        let text = r#"{"global":{"core:datatype":"ci16_le","core:sample_rate":1000000,"core:version":"1.0.0"},
                       "captures":[{"core:sample_start":0,"core:frequency":868300000}],"annotations":[]}"#;
        let m = parse(Path::new("x.sigmf-meta"), text).unwrap();
        assert_eq!(m.encoding, Encoding::Cs16);
        assert_eq!(m.sample_rate, Some(1e6));
        assert_eq!(m.center_freq_hz, Some(868.3e6));
        let err = parse(
            Path::new("x.sigmf-meta"),
            r#"{"global":{"core:datatype":"ci16_be"}}"#,
        )
        .unwrap_err();
        assert!(err.to_string().contains("ci16_be"), "{err}");
    }
}
