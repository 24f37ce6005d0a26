//! Every format opens in the window (issue 16): files of each kind dropped on the editor
//! (egui_kittest) arrive with their samples, and a damaged one shows the command line's
//! message while the previous recording stays open.

use crate::common;
use crate::editor;

use std::path::{Path, PathBuf};
use std::time::Duration;

use editor::{harness, wait_idle, wait_until};
use spectro::io::Container;
use spectro::signal::SampleSource;

#[derive(Debug)]
struct Dropped(PathBuf);

impl egui::DroppedFile for Dropped {
    fn path(&self) -> &Path {
        &self.0
    }
    fn bytes(&self) -> Result<Vec<u8>, String> {
        std::fs::read(&self.0).map_err(|e| e.to_string())
    }
}

#[test]
fn every_format_opens_by_drag_and_drop() {
    spectro::io::decode::set_cache_dir(common::test_cache_dir());
    let mut h = harness();
    wait_idle(&mut h);
    for (name, container) in [
        ("pcm24.flac", Container::Flac),
        ("mp3.mp3", Container::Mp3),
        ("vorbis.ogg", Container::Ogg),
        ("pcm16.aiff", Container::Aiff),
        ("alaw.aifc", Container::Aiff),
        ("pcm16.caf", Container::Caf),
        ("pcm16.rf64", Container::Rf64),
        ("pcm24.w64", Container::W64),
        ("float64.wav", Container::Wav),
    ] {
        let path = common::data(&format!("formats/{name}"));
        h.input_mut()
            .dropped_files
            .push(std::sync::Arc::new(Dropped(path.clone())));
        wait_until(&mut h, name, |a| {
            a.open.as_ref().is_some_and(|o| o.recording.path() == path)
        });
        wait_idle(&mut h);
        let rec = &h.state().open.as_ref().unwrap().recording;
        assert_eq!(rec.container(), container, "{name}");
        let mut left = vec![0.0f32; rec.len() as usize];
        rec.read_real(0, 0, &mut left);
        let peak = left.iter().fold(0.0f32, |m, x| m.max(x.abs()));
        assert!((0.5..0.75).contains(&peak), "{name}: peak {peak}");
    }
}

#[test]
fn a_damaged_flac_shows_the_cli_message_and_keeps_the_recording() {
    spectro::io::decode::set_cache_dir(common::test_cache_dir());
    let dir = tempfile::tempdir().unwrap();
    let whole = std::fs::read(common::data("formats/pcm16.flac")).unwrap();
    let bad = dir.path().join("cut.flac");
    std::fs::write(&bad, &whole[..whole.len() / 2]).unwrap();
    let mut h = harness();
    wait_idle(&mut h);
    h.input_mut()
        .dropped_files
        .push(std::sync::Arc::new(Dropped(bad.clone())));
    for _ in 0..400 {
        h.step();
        if h.state().status.as_ref().is_some_and(|s| s.error) {
            break;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let cli = common::spectro(&["info", bad.to_str().unwrap()]);
    let cli_message = common::stderr(&cli)
        .trim()
        .trim_start_matches("spectro: error: ")
        .to_owned();
    let status = h.state().status.clone().expect("a status message");
    assert!(
        status.error && status.text == cli_message,
        "{status:?} vs {cli_message}"
    );
    assert_eq!(
        h.state().open.as_ref().unwrap().recording.path(),
        Path::new("demo.wav")
    );
}
