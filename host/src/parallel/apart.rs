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
//! 50 ms idle went from 0.72-0.86x to 1.06-1.24x of revm in three interleaved rounds, with
//! fpevm's own time back to back unchanged. Two lanes never share a CPU: a lane that starts on
//! a CPU another lane holds stays free.

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

/// The calling thread's allowed CPUs.
#[cfg(target_os = "linux")]
fn own_affinity() -> Option<libc::cpu_set_t> {
    // SAFETY: a zeroed cpu_set_t is a valid empty set; the call fills it for the calling thread,
    // given its exact size.
    unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        let size = std::mem::size_of::<libc::cpu_set_t>();
        (libc::sched_getaffinity(0, size, &mut set) == 0).then_some(set)
    }
}

/// Allows thread `tid` (0: the calling thread) the CPUs of `set`; whether it took.
#[cfg(target_os = "linux")]
fn set_affinity(tid: libc::pid_t, set: &libc::cpu_set_t) -> bool {
    // SAFETY: the set is valid and has its exact size; for a thread that has ended the call
    // fails with ESRCH, which changes nothing.
    unsafe { libc::sched_setaffinity(tid, std::mem::size_of::<libc::cpu_set_t>(), set) == 0 }
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
            own_affinity().map(|started_on| Self {
                // SAFETY: gettid only reads the calling thread's id.
                tid: unsafe { libc::gettid() },
                started_on,
                narrowed: Default::default(),
            })
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
            let done = set_affinity(self.tid, set) && narrowed;
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
            set_affinity(self.tid, &self.started_on);
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
        let before = own_affinity()?;
        // SAFETY: both sets are valid, and the CPU is below their size.
        let here = unsafe {
            if !libc::CPU_ISSET(cpu, &before) || libc::CPU_COUNT(&before) < 2 {
                return None;
            }
            let mut here: libc::cpu_set_t = std::mem::zeroed();
            libc::CPU_SET(cpu, &mut here);
            here
        };
        if !set_affinity(0, &here) {
            return None;
        }
        claimed.push(cpu);
        Some(PinnedHere { before })
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
        set_affinity(0, &self.before);
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;
    use std::sync::mpsc;

    fn affinity() -> Vec<usize> {
        let set = own_affinity().expect("a thread's affinity is readable");
        // SAFETY: the set is valid and every CPU asked is below its size.
        (0..libc::CPU_SETSIZE as usize)
            .filter(|c| unsafe { libc::CPU_ISSET(*c, &set) })
            .collect()
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
