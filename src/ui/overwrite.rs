//! Before the window writes a file: the open document's inputs are never written over, and any
//! other existing file is replaced only after the user said so ("Replace NAME?").

use std::path::{Path, PathBuf};

use crate::io::atomic::same_file;

/// A file the open document was read from.
#[derive(Clone, Debug, PartialEq)]
pub struct Input {
    /// The file.
    pub path: PathBuf,
    /// What it is to the document, for messages ("the recording").
    pub role: &'static str,
}

/// The files a document read from `path` depends on: the recording and, for a raw capture,
/// its SigMF metadata.
pub fn recording_inputs(path: &Path) -> Vec<Input> {
    let mut inputs = vec![Input {
        path: path.to_path_buf(),
        role: "the recording open in Spectro",
    }];
    if let Some(meta) = crate::io::sigmf::sidecar_for(path) {
        inputs.push(Input {
            path: meta,
            role: "the metadata of the recording open in Spectro",
        });
    }
    inputs
}

/// What writing some files would do.
#[derive(Clone, Debug, PartialEq)]
pub enum TargetCheck {
    /// None of them exists: write.
    New,
    /// These exist: ask before replacing them.
    Exists(Vec<PathBuf>),
    /// Not allowed, with the message for the user.
    Refused(String),
}

/// Checks `targets` (a result of one or more files) against the document's `inputs`.
pub fn check_targets(targets: &[PathBuf], inputs: &[Input]) -> TargetCheck {
    let mut existing = Vec::new();
    for target in targets {
        if let Some(input) = inputs.iter().find(|i| same_file(&i.path, target)) {
            return TargetCheck::Refused(format!(
                "{} is {}; choose another name.",
                name(target),
                input.role
            ));
        }
        match std::fs::metadata(target) {
            Ok(m) if m.is_file() => existing.push(target.clone()),
            Ok(m) if m.is_dir() => {
                return TargetCheck::Refused(format!("{} is a folder; choose a file name.", name(target)));
            }
            Ok(_) => {
                return TargetCheck::Refused(format!(
                    "{} is not a regular file (a device or a pipe); choose another name.",
                    name(target)
                ));
            }
            Err(_) => {}
        }
    }
    if existing.is_empty() {
        TargetCheck::New
    } else {
        TargetCheck::Exists(existing)
    }
}

/// A file's name for a question or a message (the whole path when it has no name).
pub fn name(path: &Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inputs_are_refused_other_files_asked_new_ones_written() {
        let dir = tempfile::tempdir().unwrap();
        let rec = dir.path().join("cap.cu8");
        let meta = dir.path().join("cap.sigmf-meta");
        std::fs::write(&rec, [0u8; 4]).unwrap();
        std::fs::write(&meta, "{}").unwrap();
        let inputs = recording_inputs(&rec);
        assert_eq!(inputs.len(), 2);
        // Whatever path spells it.
        let alias = dir.path().join("alias.cu8");
        std::fs::hard_link(&rec, &alias).unwrap();
        for target in [rec.clone(), alias, dir.path().join(".").join("cap.cu8")] {
            let TargetCheck::Refused(message) = check_targets(&[target], &inputs) else {
                panic!("an input must be refused");
            };
            assert!(
                message.starts_with("cap.cu8") || message.starts_with("alias.cu8"),
                "{message}"
            );
            assert!(!message.contains("--force"), "{message}");
        }
        let out = dir.path().join("out.cf32");
        let out_meta = dir.path().join("out.sigmf-meta");
        assert_eq!(
            check_targets(&[out.clone(), out_meta.clone()], &inputs),
            TargetCheck::New
        );
        std::fs::write(&out_meta, "{}").unwrap();
        assert_eq!(
            check_targets(&[out.clone(), out_meta.clone()], &inputs),
            TargetCheck::Exists(vec![out_meta])
        );
        // The sidecar of the output may be the input's.
        assert!(matches!(
            check_targets(&[dir.path().join("cap.cf32"), meta], &inputs),
            TargetCheck::Refused(_)
        ));
        assert!(matches!(
            check_targets(&[dir.path().to_path_buf()], &inputs),
            TargetCheck::Refused(_)
        ));
    }
}
