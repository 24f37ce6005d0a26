//! Long work on worker threads: the UI starts a job, keeps drawing, polls the result each frame
//! and shows the progress; the job can be cancelled.

use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::signal::Progress;

/// A running background job producing a `T`.
pub struct Job<T> {
    /// Progress and cancel flag shared with the worker.
    pub progress: Arc<Progress>,
    /// What the job does, for the status bar.
    pub label: String,
    result: Arc<Mutex<Option<T>>>,
    thread: Option<JoinHandle<()>>,
}

impl<T: Send + 'static> Job<T> {
    /// Runs `work` on a new thread; asks `ctx` to repaint when it finishes.
    pub fn spawn(
        label: impl Into<String>,
        ctx: &egui::Context,
        work: impl FnOnce(&Progress) -> T + Send + 'static,
    ) -> Self {
        let progress = Arc::new(Progress::new());
        let result = Arc::new(Mutex::new(None));
        let (p, r, ctx) = (progress.clone(), result.clone(), ctx.clone());
        let thread = std::thread::spawn(move || {
            let value = work(&p);
            if let Ok(mut slot) = r.lock() {
                *slot = Some(value);
            }
            ctx.request_repaint();
        });
        Job {
            progress,
            label: label.into(),
            result,
            thread: Some(thread),
        }
    }

    /// Asks the worker to stop and waits for it, at most `timeout`: on exit, so that a write
    /// it was making has removed its temporary file before the process ends. True if it ended.
    pub fn cancel_and_wait(&self, timeout: Duration) -> bool {
        self.progress.cancel();
        let deadline = Instant::now() + timeout;
        loop {
            if self.thread.as_ref().is_none_or(JoinHandle::is_finished) {
                return true;
            }
            if Instant::now() >= deadline {
                return false;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    /// The result, once, when the job has finished.
    pub fn poll(&self) -> Option<T> {
        self.result.lock().ok().and_then(|mut r| r.take())
    }
}
