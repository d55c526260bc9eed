//! `Batcher`: one thread that owns a [`JobRunner`] (a device's driver, or a pool) and turns
//! requests from many lanes into device batches, one doorbell each.
//!
//! A lane calls [`BatcherHandle::run`] (one job) or [`BatcherHandle::run_all`] (several) and
//! blocks; while it waits, the other lanes run. The batcher thread takes the first queued
//! request, drains whatever else is queued (up to `max_batch` jobs), runs it all as one batch
//! and replies to each lane. Every answer is right: device errors are absorbed by the runner,
//! and a lane whose batcher has stopped computes on its own thread.

use super::driver::Job;
use super::error::OffloadError;
use super::runner::JobRunner;
use crossbeam_channel::{Receiver, Sender};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;

/// A job the lane owns: a descriptor opcode and its input.
///
/// Invariant: valid ([`Job::cpu_result`] is `Some`), checked by [`BatcherHandle`] before it is
/// queued, so the runner may be handed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnedJob {
    /// `layout::OP_*`.
    pub opcode: u8,
    /// The input bytes.
    pub input: Vec<u8>,
}

impl OwnedJob {
    /// The borrowed view the driver takes.
    pub fn as_job(&self) -> Job<'_> {
        Job {
            opcode: self.opcode,
            input: &self.input,
        }
    }
}

/// One lane's request: its jobs (shared, so the lane can still compute them if the batcher
/// is gone) and where to send the results.
struct Request {
    jobs: Arc<Vec<OwnedJob>>,
    reply: Sender<Vec<[u8; 32]>>,
}

enum Msg {
    Jobs(Request),
    Stop,
}

#[derive(Default)]
struct Counters {
    jobs: AtomicU64,
    batches: AtomicU64,
    faults: AtomicU64,
}

/// What a batcher has done so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BatcherStats {
    /// Jobs answered by the batcher thread.
    pub jobs: u64,
    /// Batches run (each one doorbell per chunk).
    pub batches: u64,
    /// Device faults the runner survived.
    pub faults: u64,
}

/// The batcher thread and its queue. Dropping it stops the thread after the requests already
/// queued are answered; handles still alive then compute on their own threads.
pub struct Batcher {
    tx: Sender<Msg>,
    thread: Option<JoinHandle<()>>,
    counters: Arc<Counters>,
    name: String,
}

/// A lane's access to the batcher: cheap to clone, usable from any thread.
#[derive(Clone)]
pub struct BatcherHandle {
    tx: Sender<Msg>,
}

impl Batcher {
    /// Starts the batcher thread, which owns `runner` and runs batches of at most `max_batch`
    /// jobs (at least 1; a larger single request runs whole).
    pub fn spawn<R: JobRunner + 'static>(
        runner: R,
        max_batch: usize,
    ) -> Result<Self, OffloadError> {
        let (tx, rx) = crossbeam_channel::unbounded();
        let counters = Arc::new(Counters::default());
        let thread_counters = Arc::clone(&counters);
        let max_batch = max_batch.max(1);
        let name = runner.name();
        let thread = std::thread::Builder::new()
            .name(format!("fpevm-batcher-{name}"))
            .spawn(move || serve(runner, &rx, max_batch, &thread_counters))
            .map_err(|e| OffloadError::Device(format!("cannot start the batcher thread: {e}")))?;
        Ok(Self {
            tx,
            thread: Some(thread),
            counters,
            name,
        })
    }

    /// A new handle for a lane.
    pub fn handle(&self) -> BatcherHandle {
        BatcherHandle {
            tx: self.tx.clone(),
        }
    }

    /// The runner's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Counts so far.
    pub fn stats(&self) -> BatcherStats {
        BatcherStats {
            jobs: self.counters.jobs.load(Ordering::Relaxed),
            batches: self.counters.batches.load(Ordering::Relaxed),
            faults: self.counters.faults.load(Ordering::Relaxed),
        }
    }
}

impl Drop for Batcher {
    fn drop(&mut self) {
        // The thread may have stopped already; then there is nobody to tell.
        let _ = self.tx.send(Msg::Stop);
        if let Some(thread) = self.thread.take() {
            if thread.join().is_err() {
                tracing::warn!("the batcher thread panicked");
            }
        }
    }
}

impl BatcherHandle {
    /// Keccak-256 of `data`, through the batcher; blocks until the digest is there.
    pub fn keccak(&self, data: Vec<u8>) -> [u8; 32] {
        let job = OwnedJob {
            opcode: super::layout::OP_KECCAK256,
            input: data,
        };
        self.run_checked(vec![job]).pop().unwrap_or_default()
    }

    /// The result of one job, through the batcher; blocks until it is there.
    pub fn run(&self, job: OwnedJob) -> Result<[u8; 32], OffloadError> {
        Ok(self.run_all(vec![job])?.pop().unwrap_or_default())
    }

    /// The results of `jobs` in order, through the batcher as one request; blocks until they
    /// are there. A job the contract does not define is refused before anything is queued.
    pub fn run_all(&self, jobs: Vec<OwnedJob>) -> Result<Vec<[u8; 32]>, OffloadError> {
        if let Some((index, job)) = jobs
            .iter()
            .enumerate()
            .find(|(_, job)| job.as_job().cpu_result().is_none())
        {
            return Err(OffloadError::InvalidJob {
                index,
                opcode: job.opcode,
                len: job.input.len(),
            });
        }
        Ok(self.run_checked(jobs))
    }

    fn run_checked(&self, jobs: Vec<OwnedJob>) -> Vec<[u8; 32]> {
        let jobs = Arc::new(jobs);
        let (reply, answer) = crossbeam_channel::bounded(1);
        let request = Request {
            jobs: Arc::clone(&jobs),
            reply,
        };
        if self.tx.send(Msg::Jobs(request)).is_ok() {
            if let Ok(results) = answer.recv() {
                return results;
            }
        }
        // The batcher stopped before answering.
        jobs.iter()
            .map(|job| job.as_job().cpu_result().unwrap_or_default())
            .collect()
    }
}

/// The batcher thread: batch, run, reply, until told to stop or every sender is gone.
fn serve<R: JobRunner>(mut runner: R, rx: &Receiver<Msg>, max_batch: usize, counters: &Counters) {
    let mut batch: Vec<Request> = Vec::new();
    loop {
        match rx.recv() {
            Ok(Msg::Jobs(request)) => batch.push(request),
            Ok(Msg::Stop) | Err(_) => return,
        }
        let mut jobs = batch[0].jobs.len();
        let mut stop = false;
        while jobs < max_batch {
            match rx.try_recv() {
                Ok(Msg::Jobs(request)) => {
                    jobs += request.jobs.len();
                    batch.push(request);
                }
                Ok(Msg::Stop) => {
                    stop = true;
                    break;
                }
                Err(_) => break,
            }
        }
        let all: Vec<Job> = batch
            .iter()
            .flat_map(|r| r.jobs.iter().map(OwnedJob::as_job))
            .collect();
        let mut results = runner.run_valid(&all).into_iter();
        counters.batches.fetch_add(1, Ordering::Relaxed);
        counters.jobs.fetch_add(all.len() as u64, Ordering::Relaxed);
        counters.faults.store(runner.faults(), Ordering::Relaxed);
        for request in batch.drain(..) {
            let answer: Vec<[u8; 32]> = results.by_ref().take(request.jobs.len()).collect();
            // A lane that gave up waiting is not an error.
            let _ = request.reply.send(answer);
        }
        if stop {
            return;
        }
    }
}
