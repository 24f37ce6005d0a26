//! Scripted runs of the window: `--screenshot` (save a PNG once everything is drawn, then
//! quit) and `--bench-ui` (the frame-time benchmark of [`crate::ui::bench`]).

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use super::SpectroApp;

/// State of `--screenshot`.
pub(super) enum ScreenshotState {
    Off,
    Waiting {
        path: PathBuf,
        ready_frames: u32,
    },
    Requested {
        path: PathBuf,
        image: Arc<Mutex<Option<Arc<egui::ColorImage>>>>,
    },
    Done,
}

impl ScreenshotState {
    /// Waiting to save `path`, or off.
    pub(super) fn new(path: Option<PathBuf>) -> Self {
        match path {
            Some(path) => ScreenshotState::Waiting {
                path,
                ready_frames: 0,
            },
            None => ScreenshotState::Off,
        }
    }
}

impl SpectroApp {
    /// At the end of each frame: takes the screenshot when due, drives the benchmark.
    pub(super) fn automation_frame(&mut self, ctx: &egui::Context) {
        self.screenshot_logic(ctx);
        if let Some(mut bench) = self.bench.take() {
            bench.step(self, ctx);
            self.bench = Some(bench);
        }
    }

    /// The recording given to `--screenshot` could not be opened: the run fails with `message`.
    pub(super) fn screenshot_failed(&mut self, message: String, ctx: &egui::Context) {
        if matches!(self.screenshot, ScreenshotState::Waiting { .. }) {
            self.finish_screenshot(Err(message), ctx);
        }
    }

    fn screenshot_logic(&mut self, ctx: &egui::Context) {
        // A session's question (its recording changed or is missing) is what the user sees.
        let asking = self.open.is_none()
            && self.jobs.is_empty()
            && matches!(
                self.question,
                Some(
                    crate::ui::confirm::Question::SessionChanged(_)
                        | crate::ui::confirm::Question::SessionMissing { .. }
                )
            );
        let idle = (self.open.is_some() && self.is_idle()) || asking;
        match &mut self.screenshot {
            ScreenshotState::Waiting { path, ready_frames } => {
                if idle {
                    *ready_frames += 1;
                } else {
                    *ready_frames = 0;
                }
                // A few quiet frames let the uploaded textures reach the screen.
                if *ready_frames >= 3 {
                    let image = Arc::new(Mutex::new(None));
                    let slot = image.clone();
                    let repaint = ctx.clone();
                    ctx.request_screenshot(move |img| {
                        if let Ok(mut s) = slot.lock() {
                            *s = Some(img);
                        }
                        repaint.request_repaint();
                    });
                    self.screenshot = ScreenshotState::Requested {
                        path: path.clone(),
                        image,
                    };
                }
                ctx.request_repaint();
            }
            ScreenshotState::Requested { path, image } => {
                let taken = image.lock().ok().and_then(|mut i| i.take());
                if let Some(img) = taken {
                    let path = path.clone();
                    let result = save_screenshot(&path, &img);
                    self.finish_screenshot(result, ctx);
                } else {
                    ctx.request_repaint();
                }
            }
            ScreenshotState::Off | ScreenshotState::Done => {}
        }
    }

    /// Closes the window even with unsaved edits (benchmarks, scripted runs): they are given
    /// up, so no autosave of them is kept.
    pub fn quit_without_asking(&mut self, ctx: &egui::Context) {
        self.discard_consent = self.open.as_ref().map(|o| o.doc.revision);
        self.quit_now(ctx);
    }

    fn finish_screenshot(&mut self, result: Result<(), String>, ctx: &egui::Context) {
        if let Ok(mut o) = self.outcome.lock() {
            *o = Some(result);
        }
        self.screenshot = ScreenshotState::Done;
        self.allow_close = true;
        ctx.send_viewport_cmd(egui::ViewportCommand::Close);
    }
}

/// Writes the window's picture as a PNG.
fn save_screenshot(path: &Path, img: &egui::ColorImage) -> Result<(), String> {
    let [w, h] = img.size;
    let rgb: Vec<u8> = img.pixels.iter().flat_map(|c| [c.r(), c.g(), c.b()]).collect();
    crate::io::picture::write_png(
        path,
        w as u32,
        h as u32,
        crate::io::picture::PixelFormat::Rgb8,
        &rgb,
        &[("Software", "spectro".to_owned())],
        &[],
        true,
    )
    .map_err(|e| e.to_string())
}
