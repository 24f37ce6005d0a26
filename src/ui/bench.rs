//! `spectro --bench-ui FILE`: a scripted session (pans, zooms, a brush stroke) that measures
//! frame times in the real window and prints percentiles as JSON, then quits.

use std::time::Instant;

use super::app::SpectroApp;
use super::command::Command;
use super::tools::{Gesture, Tool};

/// Frames of each scripted phase.
const PHASE_FRAMES: usize = 90;

/// The benchmark's state.
pub struct UiBench {
    frame_start: Option<Instant>,
    last_frame: Option<Instant>,
    /// Milliseconds spent in `App::ui` per measured frame.
    ui_ms: Vec<f64>,
    /// Milliseconds between successive frames (everything: ui, tessellation, GL).
    interval_ms: Vec<f64>,
    /// eframe's measure of each frame: `App::ui`, tessellation and painting, without waiting.
    frame_cpu_ms: Vec<f64>,
    finished: bool,
    step: usize,
    started_script: bool,
    /// Highest anonymous (not file-backed) resident memory seen, bytes: the program's own
    /// memory, without the pages of the mapped recording.
    peak_anon_bytes: u64,
    frames_seen: u64,
}

impl UiBench {
    /// A benchmark that starts when the first view is drawn.
    pub fn new() -> Self {
        UiBench {
            frame_start: None,
            last_frame: None,
            ui_ms: Vec::new(),
            interval_ms: Vec::new(),
            frame_cpu_ms: Vec::new(),
            finished: false,
            step: 0,
            started_script: false,
            peak_anon_bytes: 0,
            frames_seen: 0,
        }
    }

    /// Called at the top of every frame with eframe's CPU time of the previous frame.
    pub fn frame_started(&mut self, previous_cpu_s: Option<f32>) {
        if self.started_script
            && let Some(s) = previous_cpu_s
        {
            self.frame_cpu_ms.push(s as f64 * 1e3);
        }
        let now = Instant::now();
        if self.started_script
            && let Some(last) = self.last_frame
        {
            self.interval_ms
                .push(now.duration_since(last).as_secs_f64() * 1e3);
        }
        self.last_frame = Some(now);
        self.frame_start = Some(now);
    }

    /// Called at the end of every frame: records it and drives the script.
    pub fn step(&mut self, app: &mut SpectroApp, ctx: &egui::Context) {
        if self.finished {
            return;
        }
        if self.started_script {
            ctx.request_repaint();
        } else {
            // Until the first full view the window repaints as it does for a user (the open and
            // tile jobs ask every 100 ms): forcing frames then would only make the software
            // renderer compete with the decoding and tile work being timed.
            ctx.request_repaint_after(super::busy::STEP);
        }
        self.frames_seen += 1;
        if self.frames_seen % 10 == 1 {
            self.peak_anon_bytes = self.peak_anon_bytes.max(rss_anon_bytes().unwrap_or(0));
        }
        if !self.started_script {
            if app.open.is_some() && app.first_view_s().is_some() && app.is_idle() {
                self.started_script = true;
                self.last_frame = None;
            }
            return;
        }
        if let Some(start) = self.frame_start {
            self.ui_ms.push(start.elapsed().as_secs_f64() * 1e3);
        }
        let commands = app.commands();
        let phase = self.step / PHASE_FRAMES;
        let i = self.step % PHASE_FRAMES;
        match phase {
            // Pan right then back.
            0 => commands.send(Command::PanTime(if i < PHASE_FRAMES / 2 { 0.02 } else { -0.02 })),
            // Zoom in on time, then out.
            1 => commands.send(Command::ZoomTime {
                factor: if i < PHASE_FRAMES / 2 { 1.06 } else { 1.0 / 1.06 },
                center_s: None,
            }),
            // Zoom frequency in and out.
            2 => commands.send(Command::ZoomFreq {
                factor: if i < PHASE_FRAMES / 2 { 1.04 } else { 1.0 / 1.04 },
                center_u: None,
            }),
            // A brush stroke across the view, then its edit, then redrawing.
            3 => {
                app.tool = Tool::Brush;
                let v = app.view;
                let t =
                    v.time_s[0] + (v.time_s[1] - v.time_s[0]) * (0.2 + 0.6 * i as f64 / PHASE_FRAMES as f64);
                let u = v.u[0] + (v.u[1] - v.u[0]) * (0.5 + 0.1 * (i as f64 * 0.3).sin());
                match &mut app.gesture {
                    Gesture::Path { points } => points.push([t, u]),
                    g => *g = Gesture::Path { points: vec![[t, u]] },
                }
                if i + 1 == PHASE_FRAMES
                    && let Gesture::Path { points } = std::mem::take(&mut app.gesture)
                    && let Some(frame) = app.edit_frame()
                    && let Some(e) = app
                        .settings
                        .stroke_edit(&points, &frame, super::tools::Stroke::Brush)
                {
                    commands.send(Command::AddEdit(e));
                }
            }
            4 => {}
            _ => {
                self.report(app);
                self.finished = true;
                // The stroke is an unsaved edit; the benchmark leaves without asking.
                app.quit_without_asking(ctx);
                return;
            }
        }
        self.step += 1;
    }

    fn report(&self, app: &SpectroApp) {
        let stats = |v: &[f64]| {
            let mut s = v.to_vec();
            s.sort_by(f64::total_cmp);
            let q = |p: f64| {
                s.get(((s.len() as f64 - 1.0) * p).round() as usize)
                    .copied()
                    .unwrap_or(0.0)
            };
            serde_json::json!({"p50": q(0.5), "p95": q(0.95), "p99": q(0.99), "max": q(1.0), "frames": s.len()})
        };
        let out = serde_json::json!({
            "overview_s": app.overview_s(),
            "first_view_s": app.first_view_s(),
            "peak_rss_anon_mb": (self.peak_anon_bytes.max(rss_anon_bytes().unwrap_or(0)) as f64 / 1e6).round(),
            "ui_ms": stats(&self.ui_ms),
            "frame_interval_ms": stats(&self.interval_ms),
            "frame_cpu_ms": stats(&self.frame_cpu_ms),
        });
        println!("{out}");
    }
}

impl Default for UiBench {
    fn default() -> Self {
        Self::new()
    }
}

/// `RssAnon` of this process from `/proc/self/status` (Linux), bytes.
fn rss_anon_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("RssAnon:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}
