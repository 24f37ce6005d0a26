//! Long work on worker threads: the UI starts a job, keeps drawing and shows the progress; the
//! job can be cancelled.
//!
//! [`Jobs`] is the registry of the app's jobs: when one finishes, its worker sends
//! [`Command::JobFinished`] through the one command channel, and carrying out that command
//! hands the result to the handler the job was started with. Nothing polls a job by hand.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::command::{Command, CommandSender};
use crate::signal::Progress;

/// A running background job producing a `T`, polled by its owner (dialogs, previews).
pub struct Job<T> {
    /// Progress and cancel flag shared with the worker.
    pub progress: Arc<Progress>,
    /// What the job does, for the status bar.
    pub label: String,
    result: Arc<Mutex<Option<T>>>,
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
        std::thread::spawn(move || {
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
        }
    }

    /// The result, once, when the job has finished.
    pub fn poll(&self) -> Option<T> {
        self.result.lock().ok().and_then(|mut r| r.take())
    }
}

/// Waits until `thread` has ended, at most `timeout`. True if it ended.
fn wait_for(thread: &JoinHandle<()>, timeout: Duration) -> bool {
    let deadline = Instant::now() + timeout;
    loop {
        if thread.is_finished() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Identifies a job of a [`Jobs`] registry.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct JobId(u64);

/// Hands a finished job's result to the app `A`.
pub type Finish<A> = Box<dyn FnOnce(&mut A, &egui::Context)>;

/// A job of the registry as the status bar shows it.
pub struct Running<K> {
    /// Its identity.
    pub id: JobId,
    /// What it is for.
    pub kind: K,
    /// What it does, for the status bar.
    pub label: String,
    /// The file it reads or writes, if any.
    pub path: Option<PathBuf>,
    /// Progress and cancel flag shared with the worker.
    pub progress: Arc<Progress>,
    thread: JoinHandle<()>,
}

/// The running jobs of an app `A`, each of a kind `K`.
pub struct Jobs<A, K> {
    running: Vec<(Running<K>, Finish<A>)>,
    next_id: u64,
    commands: CommandSender,
}

impl<A: 'static, K: Copy + PartialEq> Jobs<A, K> {
    /// An empty registry whose jobs report through `commands`.
    pub fn new(commands: CommandSender) -> Self {
        Jobs {
            running: Vec::new(),
            next_id: 0,
            commands,
        }
    }

    /// Runs `work` on a new thread. When it has finished, [`Command::JobFinished`] is sent and
    /// the screen repainted; carrying out that command ([`Jobs::finish`]) calls `done` with the
    /// result, unless the job was dropped meanwhile.
    #[allow(clippy::too_many_arguments)]
    pub fn spawn<T: Send + 'static>(
        &mut self,
        kind: K,
        label: impl Into<String>,
        path: Option<PathBuf>,
        ctx: &egui::Context,
        work: impl FnOnce(&Progress) -> T + Send + 'static,
        done: impl FnOnce(&mut A, T, &egui::Context) + 'static,
    ) -> JobId {
        let id = JobId(self.next_id);
        self.next_id += 1;
        let progress = Arc::new(Progress::new());
        let result = Arc::new(Mutex::new(None));
        let (p, r, repaint, commands) = (
            progress.clone(),
            result.clone(),
            ctx.clone(),
            self.commands.clone(),
        );
        let thread = std::thread::spawn(move || {
            let value = work(&p);
            if let Ok(mut slot) = r.lock() {
                *slot = Some(value);
            }
            commands.send(Command::JobFinished(id));
            repaint.request_repaint();
        });
        let finish: Finish<A> = Box::new(move |app, ctx| {
            if let Some(value) = result.lock().ok().and_then(|mut r| r.take()) {
                done(app, value, ctx);
            }
        });
        let running = Running {
            id,
            kind,
            label: label.into(),
            path,
            progress,
            thread,
        };
        self.running.push((running, finish));
        id
    }

    /// Takes the finished job `id` out of the registry and returns what hands its result to the
    /// app; `None` for a job that was dropped (its result is of no use any more).
    pub fn finish(&mut self, id: JobId) -> Option<Finish<A>> {
        let at = self.running.iter().position(|(r, _)| r.id == id)?;
        Some(self.running.remove(at).1)
    }

    /// The running job of `kind`, if any (the first one started).
    pub fn get(&self, kind: K) -> Option<&Running<K>> {
        self.iter().find(|r| r.kind == kind)
    }

    /// True when a job of `kind` runs.
    pub fn is_running(&self, kind: K) -> bool {
        self.get(kind).is_some()
    }

    /// The running jobs, oldest first.
    pub fn iter(&self) -> impl Iterator<Item = &Running<K>> {
        self.running.iter().map(|(r, _)| r)
    }

    /// True when no job runs.
    pub fn is_empty(&self) -> bool {
        self.running.is_empty()
    }

    /// Asks the jobs of `kind` to stop; their (cancelled) results still arrive.
    pub fn cancel(&self, kind: K) {
        for r in self.iter().filter(|r| r.kind == kind) {
            r.progress.cancel();
        }
    }

    /// Asks job `id` to stop and forgets it: its result, when it comes, is ignored.
    pub fn drop_job(&mut self, id: JobId) {
        if let Some(at) = self.running.iter().position(|(r, _)| r.id == id) {
            self.running.remove(at).0.progress.cancel();
        }
    }

    /// Asks the jobs of `kind` to stop and forgets them (see [`Jobs::drop_job`]).
    pub fn drop_kind(&mut self, kind: K) {
        self.running.retain(|(r, _)| {
            if r.kind == kind {
                r.progress.cancel();
            }
            r.kind != kind
        });
    }

    /// Asks the jobs of `kind` to stop and waits for them, at most `timeout` each: on exit, so
    /// that a write they were making has removed its temporary file. True if they all ended.
    pub fn cancel_and_wait(&self, kind: K, timeout: Duration) -> bool {
        self.iter().filter(|r| r.kind == kind).fold(true, |ended, r| {
            r.progress.cancel();
            wait_for(&r.thread, timeout) && ended
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ui::command::command_channel;

    /// Waits for the next command a job sends.
    fn next_finished(inbox: &std::sync::mpsc::Receiver<Command>) -> JobId {
        match inbox.recv_timeout(Duration::from_secs(10)) {
            Ok(Command::JobFinished(id)) => id,
            other => panic!("expected JobFinished, got {other:?}"),
        }
    }

    #[test]
    fn a_finished_job_reports_through_the_channel_and_its_handler_gets_the_result() {
        let (commands, inbox) = command_channel();
        let ctx = egui::Context::default();
        let mut jobs: Jobs<Vec<u32>, u8> = Jobs::new(commands);
        let id = jobs.spawn(1, "Adding", None, &ctx, |_| 40 + 2, |app, v, _| app.push(v));
        assert!(jobs.is_running(1));
        assert_eq!(next_finished(&inbox), id);
        let mut app = Vec::new();
        jobs.finish(id).expect("the job is registered")(&mut app, &ctx);
        assert_eq!(app, [42]);
        assert!(jobs.is_empty());
        assert!(jobs.finish(id).is_none(), "a result is handed over once");
    }

    #[test]
    fn a_dropped_job_is_cancelled_and_its_result_ignored() {
        let (commands, inbox) = command_channel();
        let ctx = egui::Context::default();
        let mut jobs: Jobs<Vec<bool>, u8> = Jobs::new(commands);
        let id = jobs.spawn(
            7,
            "Waiting",
            None,
            &ctx,
            |p| {
                while !p.is_cancelled() {
                    std::thread::sleep(Duration::from_millis(1));
                }
                true
            },
            |app, v, _| app.push(v),
        );
        jobs.drop_job(id);
        assert!(!jobs.is_running(7));
        assert_eq!(next_finished(&inbox), id, "the cancelled worker ends");
        assert!(jobs.finish(id).is_none());
    }

    #[test]
    fn cancelling_a_kind_lets_its_result_arrive() {
        let (commands, inbox) = command_channel();
        let ctx = egui::Context::default();
        let mut jobs: Jobs<Vec<bool>, u8> = Jobs::new(commands);
        let id = jobs.spawn(
            3,
            "Waiting",
            None,
            &ctx,
            |p| {
                while !p.is_cancelled() {
                    std::thread::sleep(Duration::from_millis(1));
                }
                false
            },
            |app, v, _| app.push(v),
        );
        jobs.cancel(3);
        assert!(jobs.cancel_and_wait(3, Duration::from_secs(10)));
        assert_eq!(next_finished(&inbox), id);
        let mut app = Vec::new();
        jobs.finish(id).expect("still registered")(&mut app, &ctx);
        assert_eq!(app, [false]);
    }
}
