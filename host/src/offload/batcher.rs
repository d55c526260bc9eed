//! `Batcher`: one thread that owns a [`Driver`] and turns single Keccak requests from many
//! lanes into device batches, one doorbell each.
//!
//! A lane calls [`BatcherHandle::keccak`] and blocks. The batcher thread takes the first queued
//! request, drains whatever else is queued (up to `max_batch`), runs it all as one batch and
//! replies to each lane. Every answer is the right digest: device errors fall back to the CPU
//! inside the driver, and a lane whose batcher has stopped hashes on its own thread.

use super::driver::Driver;
use super::error::OffloadError;
use super::transport::Transport;
use crossbeam_channel::{Receiver, Sender};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;

/// One lane's request: the input (shared, so the lane can still hash it if the batcher is
/// gone) and where to send the digest.
struct Request {
    data: Arc<Vec<u8>>,
    reply: Sender<[u8; 32]>,
}

enum Msg {
    Job(Request),
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
    /// Requests answered by the batcher thread.
    pub jobs: u64,
    /// Batches run (each one doorbell per chunk).
    pub batches: u64,
    /// Batches that fell back to the CPU after a device error.
    pub faults: u64,
}

/// The batcher thread and its queue. Dropping it stops the thread after the requests already
/// queued are answered; handles still alive then hash on their own threads.
pub struct Batcher {
    tx: Sender<Msg>,
    thread: Option<JoinHandle<()>>,
    counters: Arc<Counters>,
}

/// A lane's access to the batcher: cheap to clone, usable from any thread.
#[derive(Clone)]
pub struct BatcherHandle {
    tx: Sender<Msg>,
}

impl Batcher {
    /// Starts the batcher thread, which owns `driver` and runs batches of at most `max_batch`
    /// requests (at least 1).
    pub fn spawn<T: Transport + 'static>(
        driver: Driver<T>,
        max_batch: usize,
    ) -> Result<Self, OffloadError> {
        let (tx, rx) = crossbeam_channel::unbounded();
        let counters = Arc::new(Counters::default());
        let thread_counters = Arc::clone(&counters);
        let max_batch = max_batch.max(1);
        let thread = std::thread::Builder::new()
            .name(format!("fpevm-batcher-{}", driver.transport().name()))
            .spawn(move || serve(driver, &rx, max_batch, &thread_counters))
            .map_err(|e| OffloadError::Device(format!("cannot start the batcher thread: {e}")))?;
        Ok(Self {
            tx,
            thread: Some(thread),
            counters,
        })
    }

    /// A new handle for a lane.
    pub fn handle(&self) -> BatcherHandle {
        BatcherHandle {
            tx: self.tx.clone(),
        }
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
        let data = Arc::new(data);
        let (reply, answer) = crossbeam_channel::bounded(1);
        let request = Request {
            data: Arc::clone(&data),
            reply,
        };
        if self.tx.send(Msg::Job(request)).is_ok() {
            if let Ok(digest) = answer.recv() {
                return digest;
            }
        }
        // The batcher stopped before answering.
        alloy_primitives::keccak256(data.as_slice()).0
    }
}

/// The batcher thread: batch, run, reply, until told to stop or every sender is gone.
fn serve<T: Transport>(
    mut driver: Driver<T>,
    rx: &Receiver<Msg>,
    max_batch: usize,
    counters: &Counters,
) {
    let mut batch = Vec::with_capacity(max_batch);
    loop {
        match rx.recv() {
            Ok(Msg::Job(request)) => batch.push(request),
            Ok(Msg::Stop) | Err(_) => return,
        }
        let mut stop = false;
        while batch.len() < max_batch {
            match rx.try_recv() {
                Ok(Msg::Job(request)) => batch.push(request),
                Ok(Msg::Stop) => {
                    stop = true;
                    break;
                }
                Err(_) => break,
            }
        }
        let inputs: Vec<&[u8]> = batch.iter().map(|r| r.data.as_slice()).collect();
        let digests = driver.keccak_batch_or_cpu(&inputs);
        counters.batches.fetch_add(1, Ordering::Relaxed);
        counters
            .jobs
            .fetch_add(batch.len() as u64, Ordering::Relaxed);
        counters.faults.store(driver.faults(), Ordering::Relaxed);
        for (request, digest) in batch.drain(..).zip(digests) {
            // A lane that gave up waiting is not an error.
            let _ = request.reply.send(digest);
        }
        if stop {
            return;
        }
    }
}
