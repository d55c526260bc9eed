//! Lanes on cores of their own.
//!
//! After the machine idled (a node between blocks), Linux woke a pool thread on the CPU of the
//! thread that woke it, the caller's, and did not move either for the whole block: measured on
//! the 2-core machine, after 50 ms asleep most blocks ran both lanes on one CPU, taking turns,
//! at about half the speed of lanes on two (ERC-20 block, 2 lanes: 5.4 ms back to back, 7.3-11.5
//! ms after idle). A pool thread that finds itself on the caller's CPU therefore steps off it:
//! it narrows its own affinity to the other CPUs it may use (the kernel moves it at once), then
//! restores the affinity it had, so nothing stays pinned.

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

/// Moves the calling thread off `cpu` when it runs there and may run elsewhere, leaving its
/// affinity as it was. Whether it moved.
pub fn leave_cpu(cpu: Option<usize>) -> bool {
    #[cfg(target_os = "linux")]
    {
        let Some(cpu) =
            cpu.filter(|c| Some(*c) == current_cpu() && *c < libc::CPU_SETSIZE as usize)
        else {
            return false;
        };
        // SAFETY: a zeroed cpu_set_t is a valid empty set; the calls get its exact size and
        // only touch the calling thread (pid 0).
        unsafe {
            let size = std::mem::size_of::<libc::cpu_set_t>();
            let mut allowed: libc::cpu_set_t = std::mem::zeroed();
            if libc::sched_getaffinity(0, size, &mut allowed) != 0 {
                return false;
            }
            let mut elsewhere = allowed;
            libc::CPU_CLR(cpu, &mut elsewhere);
            if libc::CPU_COUNT(&elsewhere) == 0 || libc::sched_setaffinity(0, size, &elsewhere) != 0
            {
                return false;
            }
            libc::sched_setaffinity(0, size, &allowed);
        }
        current_cpu() != Some(cpu)
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = cpu;
        false
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    fn affinity() -> Vec<usize> {
        // SAFETY: as in `leave_cpu`.
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
    fn a_thread_leaves_the_cpu_it_shares_and_keeps_its_affinity() {
        std::thread::spawn(|| {
            let before = affinity();
            if before.len() < 2 {
                println!("skipped: this thread may run on {before:?} only");
                return;
            }
            // The kernel may move the thread between the two looks at its CPU: a few tries.
            let moved = (0..100).any(|_| {
                let here = current_cpu();
                assert!(here.is_some_and(|c| before.contains(&c)));
                leave_cpu(here)
            });
            assert!(moved, "the thread never left its CPU");
            assert_eq!(affinity(), before, "the affinity is restored");
            let now = current_cpu();
            let other = before.iter().copied().find(|c| Some(*c) != now);
            assert!(
                !leave_cpu(other),
                "a CPU it does not run on: nothing to leave"
            );
            assert!(!leave_cpu(None));
        })
        .join()
        .expect("the test thread ends");
    }
}
