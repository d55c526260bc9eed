//! Lanes on cores of their own.
//!
//! After the machine idled (a node between blocks), Linux often woke a pool thread on the CPU
//! of the thread that woke it, the caller's, which then ran lane 0 there: the pool thread waited
//! 1-4 ms for its first slice (logged on the 2-core machine after 50 ms asleep), and once
//! running it shared that CPU with lane 0. So before a block wakes the pool, each pool thread
//! is kept off the caller's CPU: its affinity becomes the CPUs it started with, less the
//! caller's, and the kernel must wake it elsewhere. Once running, the thread lets itself back
//! onto all of them ([`Placeable::let_back`]). Only pool threads are narrowed, and only while
//! another CPU is left.
//!
//! During a block's lanes, each lane then stays on the CPU it started on ([`pin_here`]), the
//! caller's included, and is let back onto its CPUs when its lane ends. After idle the kernel
//! moved lanes during the block (in 3 of 6 blocks of swaps: once both lanes ended on one CPU,
//! once they swapped CPUs, each move leaving a lane's caches behind); kept in place, swaps after
//! 50 ms idle went from 0.63-0.73x to 0.85-1.11x of revm, and 0.84-1.10x to 1.10-1.18x back
//! to back (three interleaved rounds). Two lanes never share a CPU: a lane that starts on a CPU
//! another lane holds stays free.

use super::mv_memory::lock;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

/// The CPU the calling thread runs on, if the platform says.
pub fn current_cpu() -> Option<usize> {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: sched_getcpu takes no arguments and only reads the calling thread's state.
        let cpu = unsafe { libc::sched_getcpu() };
        usize::try_from(cpu).ok()
    }
    #[cfg(not(target_os = "linux"))]
    {
        None
    }
}

/// A thread that can be kept off a CPU: its id and the CPUs it was allowed when it started.
pub struct Placeable {
    #[cfg(target_os = "linux")]
    tid: libc::pid_t,
    #[cfg(target_os = "linux")]
    started_on: libc::cpu_set_t,
    /// Whether the thread is kept off a CPU now.
    narrowed: AtomicBool,
}

impl Placeable {
    /// The calling thread, or `None` where the platform cannot place threads.
    pub fn this_thread() -> Option<Self> {
        #[cfg(target_os = "linux")]
        {
            // SAFETY: a zeroed cpu_set_t is a valid empty set; gettid and sched_getaffinity
            // only read the calling thread's state into it, given its exact size.
            unsafe {
                let mut started_on: libc::cpu_set_t = std::mem::zeroed();
                let size = std::mem::size_of::<libc::cpu_set_t>();
                (libc::sched_getaffinity(0, size, &mut started_on) == 0).then(|| Self {
                    tid: libc::gettid(),
                    started_on,
                    narrowed: Default::default(),
                })
            }
        }
        #[cfg(not(target_os = "linux"))]
        {
            None
        }
    }

    /// Lets the thread run on the CPUs it started with except `cpu`; without `cpu`, or when
    /// no other CPU would be left, on all of them. Whether it was narrowed.
    pub fn keep_off(&self, cpu: Option<usize>) -> bool {
        #[cfg(target_os = "linux")]
        {
            let mut allowed = self.started_on;
            // SAFETY: `allowed` is a valid set and the CPU is below its size.
            let narrowed =
                cpu.filter(|c| *c < libc::CPU_SETSIZE as usize)
                    .is_some_and(|c| unsafe {
                        let was_allowed = libc::CPU_ISSET(c, &allowed);
                        libc::CPU_CLR(c, &mut allowed);
                        was_allowed && libc::CPU_COUNT(&allowed) > 0
                    });
            let set = if narrowed { &allowed } else { &self.started_on };
            // SAFETY: the set has its exact size; a thread that has ended makes the call fail
            // with ESRCH, which changes nothing.
            let size = std::mem::size_of::<libc::cpu_set_t>();
            let done = unsafe { libc::sched_setaffinity(self.tid, size, set) == 0 } && narrowed;
            self.narrowed.store(done, Ordering::Release);
            done
        }
        #[cfg(not(target_os = "linux"))]
        {
            let _ = cpu;
            false
        }
    }

    /// Lets the thread back onto every CPU it started with, if it is kept off one. Called by
    /// the thread itself once it runs where it was woken.
    pub fn let_back(&self) {
        if self.narrowed.swap(false, Ordering::AcqRel) {
            #[cfg(target_os = "linux")]
            // SAFETY: the set has its exact size and is the thread's own earlier affinity.
            unsafe {
                let size = std::mem::size_of::<libc::cpu_set_t>();
                libc::sched_setaffinity(self.tid, size, &self.started_on);
            }
        }
    }
}

/// The CPUs the lanes of one block hold.
#[derive(Default)]
pub struct CpuClaims(Mutex<Vec<usize>>);

/// The calling thread kept on one CPU; dropped, it is let back onto the CPUs it had.
pub struct PinnedHere {
    #[cfg(target_os = "linux")]
    before: libc::cpu_set_t,
}

/// Keeps the calling thread on the CPU it runs on until the guard is dropped, if no other
/// holder of `claims` is on that CPU and the thread may run elsewhere too. `None` where the
/// platform cannot place threads or the call fails.
pub fn pin_here(claims: &CpuClaims) -> Option<PinnedHere> {
    #[cfg(target_os = "linux")]
    {
        let cpu = current_cpu().filter(|c| *c < libc::CPU_SETSIZE as usize)?;
        let mut claimed = lock(&claims.0);
        if claimed.contains(&cpu) {
            return None;
        }
        let size = std::mem::size_of::<libc::cpu_set_t>();
        // SAFETY: zeroed cpu_set_t values are valid empty sets, both have their exact size,
        // and the CPU is below the set's size; the calls read and set the calling thread only.
        unsafe {
            let mut before: libc::cpu_set_t = std::mem::zeroed();
            if libc::sched_getaffinity(0, size, &mut before) != 0
                || !libc::CPU_ISSET(cpu, &before)
                || libc::CPU_COUNT(&before) < 2
            {
                return None;
            }
            let mut here: libc::cpu_set_t = std::mem::zeroed();
            libc::CPU_SET(cpu, &mut here);
            if libc::sched_setaffinity(0, size, &here) != 0 {
                return None;
            }
            claimed.push(cpu);
            Some(PinnedHere { before })
        }
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = claims;
        None
    }
}

impl Drop for PinnedHere {
    fn drop(&mut self) {
        #[cfg(target_os = "linux")]
        // SAFETY: the set has its exact size and is the thread's own earlier affinity.
        unsafe {
            let size = std::mem::size_of::<libc::cpu_set_t>();
            libc::sched_setaffinity(0, size, &self.before);
        }
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;
    use std::sync::mpsc;

    fn affinity() -> Vec<usize> {
        // SAFETY: as in `Placeable::this_thread`.
        unsafe {
            let mut set: libc::cpu_set_t = std::mem::zeroed();
            let size = std::mem::size_of::<libc::cpu_set_t>();
            assert_eq!(libc::sched_getaffinity(0, size, &mut set), 0);
            (0..libc::CPU_SETSIZE as usize)
                .filter(|c| libc::CPU_ISSET(*c, &set))
                .collect()
        }
    }

    #[test]
    fn a_thread_kept_off_a_cpu_wakes_elsewhere_and_is_let_back() {
        let (placed, placeable) = mpsc::channel();
        let (wake, woken) = mpsc::channel::<()>();
        let (seen, report) = mpsc::channel();
        let thread = std::thread::spawn(move || {
            placed.send(Placeable::this_thread()).unwrap();
            while woken.recv().is_ok() {
                seen.send((current_cpu(), affinity())).unwrap();
            }
        });
        let thread_placeable = placeable.recv().unwrap().expect("Linux places threads");
        let check = || {
            wake.send(()).unwrap();
            report.recv().unwrap()
        };
        let (_, started) = check();
        if started.len() < 2 {
            println!("skipped: this process may run on {started:?} only");
            return;
        }
        for cpu in started.iter().copied() {
            assert!(thread_placeable.keep_off(Some(cpu)));
            let (now, allowed) = check();
            assert_ne!(now, Some(cpu), "the thread ran on the CPU it is kept off");
            let expected: Vec<usize> = started.iter().copied().filter(|c| *c != cpu).collect();
            assert_eq!(allowed, expected);
        }
        thread_placeable.let_back();
        assert_eq!(check().1, started, "let back onto every CPU");
        assert!(thread_placeable.keep_off(Some(started[0])));
        assert!(
            !thread_placeable.keep_off(None),
            "no CPU: the whole set again"
        );
        assert_eq!(check().1, started);
        let outside = libc::CPU_SETSIZE as usize + 1;
        assert!(!thread_placeable.keep_off(Some(outside)));
        assert_eq!(check().1, started);
        drop(wake);
        thread.join().expect("the test thread ends");
    }

    #[test]
    fn a_pinned_thread_stays_on_its_cpu_which_no_other_holder_gets() {
        std::thread::spawn(|| {
            let started = affinity();
            if started.len() < 2 {
                println!("skipped: this thread may run on {started:?} only");
                return;
            }
            let claims = CpuClaims::default();
            let pinned = pin_here(&claims).expect("a thread with two CPUs is pinned");
            let here = affinity();
            assert_eq!(here.len(), 1);
            assert_eq!(current_cpu(), Some(here[0]), "pinned where it runs");
            assert!(pin_here(&claims).is_none(), "that CPU is held");
            drop(pinned);
            assert_eq!(affinity(), started, "let back onto its CPUs");
            let lone = CpuClaims::default();
            let _pinned = pin_here(&lone).expect("a new block's claims are free");
            assert!(
                pin_here(&CpuClaims::default()).is_none(),
                "a thread on one CPU is not pinned again"
            );
        })
        .join()
        .expect("the test thread ends");
    }
}
