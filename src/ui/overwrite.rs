//! Before the window writes a file: the open document's inputs are never written over, and any
//! other existing file is replaced only after the user said so ("Replace NAME?"). The checks
//! are [`crate::io::atomic::check_output`]'s; this module says what they mean in the window,
//! where there is no `--force` to give.

use std::path::{Path, PathBuf};

use crate::io::atomic::{OutputState, check_output, same_file};
use crate::io::{FileError, FileErrorKind, Recording};

/// A file the open document was read from.
#[derive(Clone, Debug, PartialEq)]
pub struct Input {
    /// The file.
    pub path: PathBuf,
    /// What it is to the document, for messages ("the recording open in Spectro").
    pub role: &'static str,
}

/// The files a recording opened from disk is read from: the samples and, for a raw capture,
/// its SigMF metadata (even before it exists: writing one there would change how the capture
/// opens).
pub fn recording_inputs(recording: &Recording) -> Vec<Input> {
    recording
        .files()
        .into_iter()
        .enumerate()
        .map(|(i, path)| Input {
            path,
            role: if i == 0 {
                "the recording open in Spectro"
            } else {
                "the metadata of the recording open in Spectro"
            },
        })
        .collect()
}

/// The paths of `inputs`, as the writers take them.
pub fn paths(inputs: &[Input]) -> Vec<&Path> {
    inputs.iter().map(|i| i.path.as_path()).collect()
}

/// What writing some files would do.
#[derive(Clone, Debug, PartialEq)]
pub enum TargetCheck {
    /// None of them exists (or it is a device, written into): write.
    New,
    /// These exist: ask before replacing them.
    Exists(Vec<PathBuf>),
    /// Not allowed, with the message for the user.
    Refused(String),
}

/// Checks `targets` (a result of one or more files) against the document's `inputs`.
pub fn check_targets(targets: &[PathBuf], inputs: &[Input]) -> TargetCheck {
    let input_paths = paths(inputs);
    let mut existing = Vec::new();
    for target in targets {
        match check_output(target, &input_paths) {
            Ok(OutputState::New | OutputState::Device) => {}
            Ok(OutputState::Exists) => existing.push(target.clone()),
            Err(e) => return TargetCheck::Refused(refusal(&e, inputs)),
        }
    }
    if existing.is_empty() {
        TargetCheck::New
    } else {
        TargetCheck::Exists(existing)
    }
}

/// The window's message for a write the checks refused: says what the file is and to choose
/// another name (the library's messages speak of `--force`, which the window does not have).
pub fn refusal(e: &FileError, inputs: &[Input]) -> String {
    let file = name(&e.path);
    match &e.kind {
        FileErrorKind::IsInput => {
            let role = inputs
                .iter()
                .find(|i| same_file(&i.path, &e.path))
                .map_or("one of the files the open document is read from", |i| i.role);
            format!("{file} is {role}; choose another name.")
        }
        FileErrorKind::Directory => format!("{file} is a folder; choose a file name."),
        FileErrorKind::Special(what) => format!("{file} is {what}, not a regular file; choose another name."),
        FileErrorKind::Exists => {
            format!("{file} appeared while writing; nothing was replaced. Write again to replace it.")
        }
        _ => e.to_string(),
    }
}

/// The window's message for a failed write: a refusal in the window's words, any other error
/// as the library says it.
pub fn write_error(e: &FileError, inputs: &[Input]) -> String {
    match e.kind {
        FileErrorKind::IsInput
        | FileErrorKind::Exists
        | FileErrorKind::Directory
        | FileErrorKind::Special(_) => refusal(e, inputs),
        _ => e.to_string(),
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
    use crate::io::OpenOptions;

    #[test]
    fn inputs_are_refused_other_files_asked_new_ones_written() {
        let dir = tempfile::tempdir().unwrap();
        let rec_path = dir.path().join("cap_1000k.cu8");
        std::fs::write(&rec_path, [128u8; 64]).unwrap();
        let rec = Recording::open(
            &rec_path,
            OpenOptions {
                sample_rate: Some(1e6),
                ..OpenOptions::default()
            },
        )
        .unwrap();
        let inputs = recording_inputs(&rec);
        assert_eq!(inputs.len(), 2, "{inputs:?}");
        // Whatever path spells it.
        let alias = dir.path().join("alias.cu8");
        std::fs::hard_link(&rec_path, &alias).unwrap();
        for target in [
            rec_path.clone(),
            alias,
            dir.path().join(".").join("cap_1000k.cu8"),
        ] {
            let TargetCheck::Refused(message) = check_targets(&[target], &inputs) else {
                panic!("an input must be refused");
            };
            assert!(message.contains("is the recording open in Spectro"), "{message}");
            assert!(!message.contains("--force"), "{message}");
        }
        // The capture's metadata, which does not exist yet, is its input all the same.
        let TargetCheck::Refused(message) =
            check_targets(&[dir.path().join("cap_1000k.sigmf-meta")], &inputs)
        else {
            panic!("the sidecar's name must be refused");
        };
        assert!(message.contains("metadata"), "{message}");
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
        let TargetCheck::Refused(message) = check_targets(&[dir.path().to_path_buf()], &inputs) else {
            panic!("a folder must be refused");
        };
        assert!(message.contains("folder"), "{message}");
        #[cfg(unix)]
        assert_eq!(
            check_targets(&[PathBuf::from("/dev/null")], &inputs),
            TargetCheck::New
        );
    }

    #[test]
    fn refusals_from_the_writers_never_speak_of_force() {
        let inputs = vec![Input {
            path: PathBuf::from("/a/take.wav"),
            role: "the recording open in Spectro",
        }];
        for kind in [
            FileErrorKind::Exists,
            FileErrorKind::IsInput,
            FileErrorKind::Directory,
            FileErrorKind::Special("a FIFO (named pipe)"),
        ] {
            let e = FileError::new("/a/out.wav", kind);
            let message = write_error(&e, &inputs);
            assert!(message.starts_with("out.wav "), "{message}");
            assert!(!message.contains("--force"), "{message}");
        }
    }
}
