//! The layers hold: each module under `src/` imports only from the layers below it, and nothing
//! below the window imports egui or eframe (only `audio` talks to the sound card through cpal).
//!
//! signal ← io ← edit ← pipeline ← features, image, audio ← cli, ui
//!
//! Read from the source text: every `crate::LAYER` path (in `use` or inline), every
//! `$crate::LAYER` in macros, and the external crates named.

use std::path::{Path, PathBuf};

/// Each layer and the layers it may import from (itself included).
const ALLOWED: &[(&str, &[&str])] = &[
    ("signal", &["signal"]),
    ("io", &["signal", "io"]),
    ("edit", &["signal", "io", "edit"]),
    ("pipeline", &["signal", "io", "edit", "pipeline"]),
    ("features", &["signal", "io", "edit", "pipeline", "features"]),
    ("image", &["signal", "io", "edit", "pipeline", "image"]),
    ("audio", &["signal", "io", "edit", "pipeline", "audio"]),
    (
        "cli",
        &[
            "signal", "io", "edit", "pipeline", "features", "image", "audio", "cli", "ui",
        ],
    ),
    (
        "ui",
        &[
            "signal", "io", "edit", "pipeline", "features", "image", "audio", "ui",
        ],
    ),
];

/// External crates only some layers may use.
const GUI_CRATES: &[&str] = &["egui", "eframe", "egui_plot", "rfd", "winit"];
const DEVICE_CRATES: &[&str] = &["cpal"];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The names following `prefix` (`crate::` or `$crate::`) in `text`, with their line numbers.
fn paths_after(text: &str, prefix: &str) -> Vec<(usize, String)> {
    let mut found = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let code = line.split("//").next().unwrap_or("");
        let mut rest = code;
        while let Some(i) = rest.find(prefix) {
            let before = rest[..i].chars().last();
            let after = &rest[i + prefix.len()..];
            let name: String = after
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            // `$crate::` is matched by its own prefix; skip it when looking for `crate::`.
            let macro_path = prefix == "crate::" && before == Some('$');
            if !macro_path && !name.is_empty() {
                found.push((n + 1, name));
            }
            rest = after;
        }
    }
    found
}

/// External crates a line uses: `use NAME::`, `NAME::` at the start of a path, `extern crate`.
fn uses_crate(text: &str, name: &str) -> Option<usize> {
    text.lines().enumerate().find_map(|(n, line)| {
        let code = line.split("//").next().unwrap_or("");
        let mut rest = code;
        while let Some(i) = rest.find(&format!("{name}::")) {
            let before = rest[..i].chars().last();
            if !before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
                return Some(n + 1);
            }
            rest = &rest[i + name.len() + 2..];
        }
        None
    })
}

#[test]
fn every_module_imports_only_from_the_layers_below() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut violations = Vec::new();
    let mut checked = 0;
    for &(layer, allowed) in ALLOWED {
        let mut files = Vec::new();
        let dir = src.join(layer);
        assert!(dir.is_dir(), "the layer {layer} has no folder under src/");
        rust_files(&dir, &mut files);
        for file in files {
            let text = std::fs::read_to_string(&file).unwrap();
            let shown = file.strip_prefix(&src).unwrap().display().to_string();
            for prefix in ["crate::", "$crate::"] {
                for (line, name) in paths_after(&text, prefix) {
                    let is_layer = ALLOWED.iter().any(|(l, _)| *l == name);
                    if is_layer && !allowed.contains(&name.as_str()) {
                        violations.push(format!("src/{shown}:{line}: {layer} imports {name}"));
                    }
                    // A macro exported at the crate root (`crate::with_stft!`) belongs to the
                    // layer that defines it; those are checked where they expand.
                }
            }
            if layer != "ui" && layer != "cli" {
                for name in GUI_CRATES {
                    if let Some(line) = uses_crate(&text, name) {
                        violations.push(format!("src/{shown}:{line}: {layer} uses {name}"));
                    }
                }
            }
            if !matches!(layer, "audio" | "ui" | "cli") {
                for name in DEVICE_CRATES {
                    if let Some(line) = uses_crate(&text, name) {
                        violations.push(format!("src/{shown}:{line}: {layer} uses {name}"));
                    }
                }
            }
            checked += 1;
        }
    }
    // Every folder under src/ is a layer this test knows.
    for entry in std::fs::read_dir(&src).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            let name = path.file_name().unwrap().to_string_lossy().to_string();
            assert!(
                ALLOWED.iter().any(|(l, _)| *l == name),
                "src/{name} is not a known layer: add it to tests/suite/layers.rs and the README"
            );
        }
    }
    assert!(checked > 50, "only {checked} files checked");
    assert!(
        violations.is_empty(),
        "layer violations:\n{}",
        violations.join("\n")
    );
}

#[test]
fn the_checker_sees_a_violation() {
    // The scanner must find the paths it is meant to catch (a test that cannot fail is none).
    let text = "use crate::ui::App;\nfn f() { crate::pipeline::Edited::x(); } // crate::cli\n";
    let names: Vec<String> = paths_after(text, "crate::").into_iter().map(|(_, n)| n).collect();
    assert_eq!(names, ["ui", "pipeline"]);
    assert_eq!(paths_after("$crate::pipeline::x", "crate::").len(), 0);
    assert_eq!(uses_crate("use egui::Ui;", "egui"), Some(1));
    assert_eq!(uses_crate("let x = my_egui::y;", "egui"), None);
}
