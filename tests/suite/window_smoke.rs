//! The real window under a display (`make test` runs the tests under Xvfb): `spectro
//! --screenshot` opens a recording, waits for the spectrogram, saves a PNG and exits.

use crate::common;

use common::{data, spectro, stderr};

fn require_display() {
    assert!(
        std::env::var_os("DISPLAY").is_some() || std::env::var_os("WAYLAND_DISPLAY").is_some(),
        "these tests open a window: run them with `make test` (which uses xvfb-run) or under a display"
    );
}

#[test]
fn screenshot_of_a_real_recording_shows_its_spectrogram() {
    require_display();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("shot.png");
    let o = spectro(&[
        "--screenshot",
        out.to_str().unwrap(),
        "--size",
        "1000x700",
        data("ft8lib_20m_busy_test_01.wav").to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(&out).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let (w, h) = (reader.info().width, reader.info().height);
    // The window is 1000x700 points; under Xvfb one point is one pixel.
    assert_eq!((w, h), (1000, 700));
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let frame = reader.next_frame(&mut buf).unwrap();
    let pixels = &buf[..frame.buffer_size()];
    // The spectrogram is there: many distinct inferno colours in the middle of the window.
    let lut = spectro::signal::Colormap::Inferno.lut();
    let (mut inferno, mut total) = (0, 0);
    let mut distinct = std::collections::HashSet::new();
    for y in (h / 4)..(h / 2) {
        for x in (w / 10)..(w / 2) {
            let i = ((y * w + x) * 3) as usize;
            let c = [pixels[i], pixels[i + 1], pixels[i + 2]];
            total += 1;
            if lut
                .iter()
                .any(|l| l.iter().zip(&c).all(|(a, b)| (*a as i32 - *b as i32).abs() <= 3))
            {
                inferno += 1;
                distinct.insert(c);
            }
        }
    }
    assert!(
        inferno * 10 > total * 9,
        "only {inferno} of {total} pixels are spectrogram colours"
    );
    assert!(
        distinct.len() > 40,
        "the spectrogram is nearly flat: {} colours",
        distinct.len()
    );
}

/// A screenshot of `args` (size 1000x700) as (width, RGB pixels).
fn screenshot(dir: &std::path::Path, name: &str, args: &[&str]) -> (u32, Vec<u8>) {
    let out = dir.join(name);
    let mut all = vec!["--screenshot", out.to_str().unwrap(), "--size", "1000x700"];
    all.extend_from_slice(args);
    let o = spectro(&all);
    assert!(o.status.success(), "{}", stderr(&o));
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(&out).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let w = reader.info().width;
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let frame = reader.next_frame(&mut buf).unwrap();
    buf.truncate(frame.buffer_size());
    (w, buf)
}

/// Mean of R+G+B over a band across the top of the plot: the demo's hiss (4 to 24 kHz, the
/// top quarter of the log axis from 23 Hz), which its edit list lowers by 20 dB.
fn hiss_brightness((w, pixels): &(u32, Vec<u8>)) -> f64 {
    let h = pixels.len() as u32 / (3 * w);
    let (mut sum, mut n) = (0.0, 0.0);
    // The plot spans about 15 % to 77 % of the 700-point window's height.
    for y in (h * 17 / 100)..(h * 27 / 100) {
        for x in (w / 10)..(w / 2) {
            let i = ((y * w + x) * 3) as usize;
            sum += pixels[i..i + 3].iter().map(|&v| v as f64).sum::<f64>();
            n += 1.0;
        }
    }
    sum / n
}

#[test]
fn show_picks_the_version_the_window_opens_on() {
    require_display();
    let dir = tempfile::tempdir().unwrap();
    let demo = concat!(env!("CARGO_MANIFEST_DIR"), "/assets/demo.wav");
    let edits = concat!(env!("CARGO_MANIFEST_DIR"), "/assets/demo.edits.json");
    let shot = |version: &str| {
        let args = [demo, "--edits", edits, "--show", version];
        hiss_brightness(&screenshot(dir.path(), &format!("{version}.png"), &args))
    };
    let (original, edited, removed) = (shot("original"), shot("edited"), shot("removed"));
    eprintln!("hiss brightness: original {original:.0}, edited {edited:.0}, removed {removed:.0}");
    // Inferno is darker for lower levels; 20 dB of a 100 dB range moves the colour far.
    assert!(
        edited + 40.0 < original,
        "edited {edited:.0}, original {original:.0}"
    );
    assert!(
        removed > edited + 40.0,
        "removed {removed:.0}, edited {edited:.0}"
    );
}

#[test]
fn screenshot_of_an_unreadable_file_fails_with_the_cli_message() {
    require_display();
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("empty.wav");
    std::fs::write(&bad, b"").unwrap();
    let out = dir.path().join("shot.png");
    let o = spectro(&["--screenshot", out.to_str().unwrap(), bad.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("the file is empty"), "{}", stderr(&o));
    assert!(!out.exists());
}

#[test]
fn screenshot_of_a_fifo_names_it_once() {
    require_display();
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("pipe.wav");
    let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0, "mkfifo");
    let out = dir.path().join("shot.png");
    let o = spectro(&["--screenshot", out.to_str().unwrap(), fifo.to_str().unwrap()]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("is a FIFO"), "{err}");
    assert_eq!(err.matches(fifo.to_str().unwrap()).count(), 1, "{err}");
    assert!(!out.exists());
}
