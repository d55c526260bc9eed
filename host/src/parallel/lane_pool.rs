//! The threads a block's lanes and its final extraction run on: the caller's, and a pool of one
//! fewer than the cores that lives across blocks, so that a block starts no thread.
//!
//! Waking a sleeping thread is slow on the 2-core virtual machine: the futex call alone took the
//! caller about 45 us, and the woken thread started tens of microseconds later. So the pool is
//! fpevm's own (blocks wake only its threads, and nothing else queues there), a block wakes it
//! first thing and keeps it busy until its lanes start ([`Standby`]), work between the phases
//! of a block goes to threads that are still awake, and after a block its threads stay up for a
//! while ([`linger`]), so that the next block of a run (a sync, a benchmark) finds them up.

use super::apart::{current_cpu, pin_here, CpuClaims, Placeable};
use super::mv_memory::lock;
use super::spin_join::{spin_until, Ended};
use crate::options::available_cores;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

/// The pool, or `None` when its threads could not be started (lanes then get threads of their
/// own).
fn pool() -> Option<&'static rayon::ThreadPool> {
    static POOL: OnceLock<Option<rayon::ThreadPool>> = OnceLock::new();
    POOL.get_or_init(|| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(available_cores().saturating_sub(1).max(1))
            .thread_name(|i| format!("fpevm-lane-{}", i + 1))
            .start_handler(|_| {
                if let Some(thread) = Placeable::this_thread() {
                    let thread = Arc::new(thread);
                    THIS_POOL_THREAD.with(|this| this.set(Arc::clone(&thread)).ok());
                    lock(&POOL_THREADS).push(thread);
                }
            })
            .build()
            .ok()
    })
    .as_ref()
}

/// The pool's threads, as they started.
static POOL_THREADS: Mutex<Vec<Arc<Placeable>>> = Mutex::new(Vec::new());

thread_local! {
    /// On a pool thread: itself, as listed in [`POOL_THREADS`].
    static THIS_POOL_THREAD: std::cell::OnceCell<Arc<Placeable>> = const { std::cell::OnceCell::new() };
}

/// Keeps the pool's threads off the calling thread's CPU, where lane 0 runs, before waking
/// them (see [`super::apart`]): one system call per pool thread, so only where threads may be
/// asleep.
fn keep_pool_off_this_cpu() {
    let caller = current_cpu();
    for thread in lock(&POOL_THREADS).iter() {
        thread.keep_off(caller);
    }
}

/// On a pool thread that was kept off a CPU and now runs: lets it back onto all of its CPUs.
fn let_this_thread_back() {
    THIS_POOL_THREAD.with(|this| this.get().map(|thread| thread.let_back()));
}

/// Runs `job` on a pool thread, or on the caller's when there is no pool.
pub fn spawn(job: impl FnOnce() + Send + 'static) {
    match pool() {
        Some(pool) => pool.spawn(job),
        None => job(),
    }
}

/// Runs `work(lane)` for lanes `0..lanes` on as many threads at once, the caller's being lane 0.
/// More lanes than the pool has threads (the forced testing mode) get threads of their own, so
/// that they really interleave.
pub fn run_on_lanes(lanes: usize, work: impl Fn(usize) + Sync) {
    run_on_threads(lanes, true, work);
}

/// [`run_on_lanes`], keeping the pool off the caller's CPU first only when `may_sleep`.
fn run_on_threads(lanes: usize, may_sleep: bool, work: impl Fn(usize) + Sync) {
    let work = &work;
    match pool() {
        Some(pool) if lanes <= pool.current_num_threads() + 1 => {
            let ended = &Ended::default();
            if lanes > 1 && may_sleep {
                keep_pool_off_this_cpu();
            }
            pool.in_place_scope(|scope| {
                for lane in 1..lanes {
                    scope.spawn(move |_| {
                        let_this_thread_back();
                        work(lane);
                        ended.one();
                    });
                }
                work(0);
                ended.spin_until(lanes.saturating_sub(1));
            });
        }
        _ => std::thread::scope(|scope| {
            for lane in 1..lanes {
                scope.spawn(move || work(lane));
            }
            work(0);
        }),
    }
}

/// How long the pool's threads stay up after a block, and how often they look for the next.
const LINGER: Duration = Duration::from_millis(30);
const LINGER_POLL: Duration = Duration::from_micros(20);

/// Blocks started so far: a lingering thread stops when the next block starts.
static BLOCKS_STARTED: AtomicU64 = AtomicU64::new(0);

/// Keeps as many pool threads as a block of `lanes` lanes uses up for [`LINGER`] after it: each
/// sleeps in short timed naps, woken by its own timer, and goes back to the pool when the next
/// block starts (its jobs then need no wake-up from the caller). The rest of a big machine's
/// pool stays asleep. Call it once the block's work is handed out.
pub fn linger(lanes: usize) {
    let Some(pool) = pool() else { return };
    let block = BLOCKS_STARTED.load(Ordering::Acquire);
    for _ in 1..lanes.min(pool.current_num_threads() + 1) {
        pool.spawn(move || {
            let since = Instant::now();
            while BLOCKS_STARTED.load(Ordering::Acquire) == block && since.elapsed() < LINGER {
                std::thread::sleep(LINGER_POLL);
            }
        });
    }
}

/// The longest a standby job keeps its thread: a block's setup takes 0.1-0.6 ms.
const STANDBY_LIMIT: Duration = Duration::from_millis(2);

/// Pool threads woken for a block's lanes and kept spinning until the lanes start, so that the
/// lanes' jobs find them awake.
pub struct Standby {
    released: Arc<AtomicBool>,
    /// Whether a standby job stopped spinning on [`STANDBY_LIMIT`]: its thread may be asleep.
    gave_up: Arc<AtomicBool>,
}

impl Standby {
    /// Wakes the threads that lanes `1..lanes` will run on.
    pub fn start(lanes: usize) -> Self {
        BLOCKS_STARTED.fetch_add(1, Ordering::AcqRel);
        let standby = Self {
            released: Arc::default(),
            gave_up: Arc::default(),
        };
        if let Some(pool) = pool().filter(|_| lanes > 1) {
            keep_pool_off_this_cpu();
            for _ in 1..lanes.min(pool.current_num_threads() + 1) {
                let (released, gave_up) = (standby.released.clone(), standby.gave_up.clone());
                pool.spawn(move || {
                    let_this_thread_back();
                    if !spin_until(|| released.load(Ordering::Acquire), STANDBY_LIMIT) {
                        gave_up.store(true, Ordering::Release);
                    }
                });
            }
        }
        standby
    }

    /// Releases the standby threads into lanes `0..lanes` (see [`run_on_lanes`]), each lane
    /// kept on the CPU it starts on ([`pin_here`]). The pool is kept off the caller's CPU again
    /// only if a standby job gave up: otherwise the threads are spinning and take the lanes'
    /// jobs without a wake-up.
    pub fn run_lanes(self, lanes: usize, work: impl Fn(usize) + Sync) {
        let may_sleep = self.gave_up.load(Ordering::Acquire);
        self.released.store(true, Ordering::Release);
        let claims = CpuClaims::default();
        run_on_threads(lanes, may_sleep, |lane| {
            let _pinned = (lanes > 1).then(|| pin_here(&claims));
            work(lane);
        });
    }
}

impl Drop for Standby {
    /// Releases the standby threads also when the block ends before its lanes.
    fn drop(&mut self) {
        self.released.store(true, Ordering::Release);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;

    #[test]
    fn every_lane_runs_once_with_or_without_standby() {
        for lanes in [1, 2, 3, 9] {
            // The pool's threads may be lingering after an earlier block.
            linger(lanes);
            let seen: Vec<AtomicUsize> = (0..lanes).map(|_| AtomicUsize::new(0)).collect();
            let count = |lane: usize| {
                seen[lane].fetch_add(1, Ordering::Relaxed);
            };
            Standby::start(lanes).run_lanes(lanes, count);
            assert!(seen.iter().all(|s| s.swap(0, Ordering::Relaxed) == 1));
            run_on_lanes(lanes, count);
            assert!(seen.iter().all(|s| s.load(Ordering::Relaxed) == 1));
        }
    }
}
