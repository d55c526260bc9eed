//! Lanes on cores of their own.
//!
//! After the machine idled (a node between blocks), Linux often woke a pool thread on the CPU
//! of the thread that woke it, the caller's, which then ran lane 0 there: the pool thread waited
//! 1-4 ms for its first slice (logged on the 2-core machine after 50 ms asleep), and once
//! running it shared that CPU with lane 0. So before a block wakes the pool, each pool thread
//! is kept off the caller's CPU: its affinity becomes the CPUs it started with, less the
//! caller's, and the kernel must wake it elsewhere. Once running, the thread lets itself back
//! onto all of them ([`Placeable::let_back`]), so that during the block the kernel balances it
//! as any other thread. Only pool threads are narrowed, and only while another CPU is left.

use std::sync::atomic::{AtomicBool, Ordering};

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
}
