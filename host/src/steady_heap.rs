//! A steady heap for measurements: glibc's thresholds fixed as a long-running process gets
//! them, so that a benchmark's page faults do not depend on which side last freed what.

/// Fixes glibc's thresholds for mapping large blocks (32 MiB) and for giving the heap's top
/// back to the system (256 MiB), as a long-running process gets them (glibc raises both
/// whenever a large mapped block is freed). Left dynamic, they make a run's page faults, at
/// about a microsecond each on a virtual machine, depend on which side last freed what: the
/// same block took from 0 to 480 faults from one run to the next. Call it before allocating
/// anything large; it applies to the whole process. Returns whether the thresholds were fixed
/// (only with glibc on Linux).
pub fn steady_heap() -> bool {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        // SAFETY: `mallopt` only changes the allocator's parameters, and the values are in
        // glibc's documented ranges.
        unsafe {
            libc::mallopt(libc::M_MMAP_THRESHOLD, 32 << 20) == 1
                && libc::mallopt(libc::M_TRIM_THRESHOLD, 256 << 20) == 1
        }
    }
    #[cfg(not(all(target_os = "linux", target_env = "gnu")))]
    {
        false
    }
}
