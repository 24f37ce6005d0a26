//! The test binaries stay few: each links the library with tract and egui (about 100 MB with
//! line tables), and forty-four of them filled CI's disk. A new subject is a module of
//! `tests/suite` (or `tests/editor` for the window); a file of its own only when the test
//! needs a process of its own.

use std::collections::BTreeSet;
use std::path::Path;

/// The test targets Cargo finds in `dir`: `*.rs` files and folders with a `main.rs`.
fn test_targets(dir: &Path) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        if path.extension().is_some_and(|e| e == "rs") || path.join("main.rs").is_file() {
            names.insert(name);
        }
    }
    names
}

#[test]
fn new_tests_join_a_shared_binary() {
    let found = test_targets(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests"));
    let expected: BTreeSet<String> = [
        // The two shared binaries.
        "suite",
        "editor",
        // A counting global allocator.
        "audio_callback_alloc",
        // The peak memory of children measured against this process's own.
        "memory",
        // HOME changed for ALSA's file device, one binary each.
        "editor_playback",
        "editor_tune",
    ]
    .into_iter()
    .map(String::from)
    .collect();
    assert_eq!(
        found, expected,
        "add new tests as a module of tests/suite/main.rs or tests/editor/main.rs"
    );
}
