//! Waiting for the pool's part of a short parallel phase by spinning, not sleeping.
//!
//! A rayon scope's caller that finishes its own part first sleeps until the pool's jobs are
//! done, and is woken through the kernel: on the 2-core virtual machine that wake-up took 30-110
//! microseconds after the last job had ended, measured around the final extraction's two
//! phases, each 40-150 microseconds of work on a mainnet block. The caller now counts the jobs
//! that ended and spins until they all have, before the scope's own wait, which then finds them
//! done. The spin is bounded: a job that has not even started (the pool busy elsewhere) is
//! left to the scope's wait, as before.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// The longest the caller spins: longer waits are rare, and sleeping costs little beside them.
const SPIN_LIMIT: Duration = Duration::from_micros(200);

/// Jobs of one phase that have ended.
#[derive(Default)]
pub struct Ended(AtomicUsize);

impl Ended {
    /// Notes that a job ended (call it last in the job).
    pub fn one(&self) {
        self.0.fetch_add(1, Ordering::Release);
    }

    /// Spins until `jobs` jobs have ended, or for at most [`SPIN_LIMIT`].
    pub fn spin_until(&self, jobs: usize) {
        let _ = spin_until(|| self.0.load(Ordering::Acquire) >= jobs, SPIN_LIMIT);
    }
}

/// Spins until `ready()`, or for at most `limit`; whether it became ready.
pub fn spin_until(ready: impl Fn() -> bool, limit: Duration) -> bool {
    let started = Instant::now();
    loop {
        if ready() {
            return true;
        }
        if started.elapsed() > limit {
            return false;
        }
        for _ in 0..64 {
            std::hint::spin_loop();
        }
    }
}

/// The units of one short phase (`0..units`), each taken by whichever worker is free, and a
/// spinning wait for all of them. Every unit is taken by a running worker, so the wait ends
/// even when some worker of the pool never started.
#[derive(Default)]
pub struct Claims {
    next: AtomicUsize,
    finished: AtomicUsize,
}

/// Marks a claimed unit finished when dropped, also when its work unwinds.
pub struct Finish<'a>(&'a Claims);

impl Drop for Finish<'_> {
    fn drop(&mut self) {
        self.0.finished.fetch_add(1, Ordering::Release);
    }
}

impl Claims {
    /// The next unit of `units` nobody took yet.
    pub fn claim(&self, units: usize) -> Option<usize> {
        let unit = self.next.fetch_add(1, Ordering::Relaxed);
        (unit < units).then_some(unit)
    }

    /// Keep it while working on a claimed unit.
    pub fn finish_on_drop(&self) -> Finish<'_> {
        Finish(self)
    }

    /// Waits until all `units` are finished (call it once [`Self::claim`] gave `None`).
    pub fn wait_all(&self, units: usize) {
        let idle = crossbeam_utils::Backoff::new();
        while self.finished.load(Ordering::Acquire) < units {
            idle.snooze();
        }
    }
}

/// Lanes that wait for each other at points `1, 2, ...`, spinning (then yielding). Each lane
/// takes one [`Seat`].
pub struct Meeting {
    lanes: usize,
    arrived: AtomicUsize,
}

/// One lane's place in a [`Meeting`]. Dropped (its lane done, failed or unwinding), it counts as
/// arrived at every later point up to `points`, so the other lanes never wait for it forever.
pub struct Seat<'a> {
    meeting: &'a Meeting,
    passed: usize,
    points: usize,
}

impl Meeting {
    /// A meeting of `lanes` lanes.
    pub fn new(lanes: usize) -> Self {
        Self {
            lanes,
            arrived: AtomicUsize::new(0),
        }
    }

    /// A lane's seat, for a meeting of `points` points.
    pub fn seat(&self, points: usize) -> Seat<'_> {
        Seat {
            meeting: self,
            passed: 0,
            points,
        }
    }
}

impl Seat<'_> {
    /// Arrives at the next point without waiting for the others.
    pub fn arrive(&mut self) {
        self.passed += 1;
        self.meeting.arrived.fetch_add(1, Ordering::Release);
    }

    /// Waits until every lane has arrived at the last point this one arrived at.
    pub fn wait(&self) {
        let idle = crossbeam_utils::Backoff::new();
        while self.meeting.arrived.load(Ordering::Acquire) < self.meeting.lanes * self.passed {
            idle.snooze();
        }
    }

    /// Arrives at the next point and waits for the others there.
    pub fn meet(&mut self) {
        self.arrive();
        self.wait();
    }
}

impl Drop for Seat<'_> {
    fn drop(&mut self) {
        while self.passed < self.points {
            self.arrive();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spins_until_the_jobs_end_or_the_limit() {
        let ended = Ended::default();
        std::thread::scope(|s| {
            s.spawn(|| {
                std::thread::sleep(Duration::from_micros(50));
                ended.one();
            });
            ended.spin_until(1);
        });
        assert_eq!(ended.0.load(Ordering::Relaxed), 1);
        // A job that never ends is waited for no longer than the limit.
        let started = Instant::now();
        ended.spin_until(2);
        assert!(started.elapsed() >= SPIN_LIMIT);
    }

    #[test]
    fn a_lane_that_leaves_early_counts_as_arrived() {
        let meeting = Meeting::new(2);
        let points_met = AtomicUsize::new(0);
        std::thread::scope(|s| {
            s.spawn(|| {
                let mut seat = meeting.seat(3);
                seat.meet();
                // Leaves before points 2 and 3.
            });
            let mut seat = meeting.seat(3);
            for _ in 0..3 {
                seat.meet();
                points_met.fetch_add(1, Ordering::Relaxed);
            }
        });
        assert_eq!(points_met.load(Ordering::Relaxed), 3);
        assert_eq!(meeting.arrived.load(Ordering::Relaxed), 6);
    }

    #[test]
    fn every_unit_is_claimed_once_and_waited_for() {
        let claims = Claims::default();
        let taken: Vec<AtomicUsize> = (0..40).map(|_| AtomicUsize::new(0)).collect();
        std::thread::scope(|s| {
            for _ in 0..3 {
                s.spawn(|| {
                    while let Some(unit) = claims.claim(taken.len()) {
                        let _done = claims.finish_on_drop();
                        taken[unit].fetch_add(1, Ordering::Relaxed);
                    }
                    claims.wait_all(taken.len());
                    assert!(taken.iter().all(|t| t.load(Ordering::Relaxed) == 1));
                });
            }
        });
    }
}
