//! The offload driver against the cpu reference device: ring wrap-around and phase bits, many
//! jobs in flight, the DMA window, soft reset, device faults, and the batcher.

use alloy_primitives::keccak256;
use fpevm::offload::layout::{self, Completion, Descriptor};
use fpevm::offload::{
    open_device, Batcher, CpuDevice, Driver, DriverConfig, OffloadError, Transport,
};
use fpevm::DeviceKind;

/// How [`Probe`] misbehaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fault {
    None,
    /// The device never makes progress.
    Stall,
    /// The newest completion gets a tag nobody submitted.
    UnknownTag,
    /// The newest completion repeats the previous one's tag.
    DuplicateTag,
    /// The ID register reads something else.
    WrongId,
    /// Completions written in one advance appear in reverse order (allowed: jobs finish in
    /// any order).
    Reverse,
}

/// The cpu device, watched (doorbell writes counted) and optionally broken.
struct Probe {
    inner: CpuDevice,
    doorbells: usize,
    fault: Fault,
}

impl Probe {
    fn new(dma_bytes: usize) -> Self {
        Self {
            inner: CpuDevice::new(dma_bytes).expect("cpu device"),
            doorbells: 0,
            fault: Fault::None,
        }
    }

    /// Rewrites the completion of ring index `back` entries before CQ_TAIL.
    fn rewrite_completion(&mut self, back: u32, edit: impl FnOnce(&mut Completion, u64)) {
        let cq = u64::from(self.inner.read_reg(layout::REG_CQ_BASE_LO))
            | (u64::from(self.inner.read_reg(layout::REG_CQ_BASE_HI)) << 32);
        let size = self.inner.read_reg(layout::REG_RING_SIZE);
        let tail = self.inner.read_reg(layout::REG_CQ_TAIL);
        let at = |index: u32| (layout::slot_addr(cq, index, size) - self.inner.dma_base()) as usize;
        let (newest, previous) = (at(tail.wrapping_sub(back)), at(tail.wrapping_sub(back + 1)));
        let read = |dma: &[u8], off: usize| {
            let mut e = [0u8; layout::ENTRY_BYTES];
            e.copy_from_slice(&dma[off..off + layout::ENTRY_BYTES]);
            Completion::decode(&e)
        };
        let prev_tag = read(self.inner.dma(), previous).tag;
        let mut c = read(self.inner.dma(), newest);
        edit(&mut c, prev_tag);
        self.inner.dma()[newest..newest + layout::ENTRY_BYTES].copy_from_slice(&c.encode());
    }
}

impl Probe {
    /// Reverses the order of the `n` newest completions, each keeping its slot's phase bit.
    fn reverse_newest(&mut self, n: u32) {
        let cq = u64::from(self.inner.read_reg(layout::REG_CQ_BASE_LO))
            | (u64::from(self.inner.read_reg(layout::REG_CQ_BASE_HI)) << 32);
        let size = self.inner.read_reg(layout::REG_RING_SIZE);
        let tail = self.inner.read_reg(layout::REG_CQ_TAIL);
        let base = self.inner.dma_base();
        let offs: Vec<usize> = (0..n)
            .map(|k| (layout::slot_addr(cq, tail.wrapping_sub(n - k), size) - base) as usize)
            .collect();
        let entries: Vec<Completion> = offs
            .iter()
            .map(|&off| {
                let mut e = [0u8; layout::ENTRY_BYTES];
                e.copy_from_slice(&self.inner.dma()[off..off + layout::ENTRY_BYTES]);
                Completion::decode(&e)
            })
            .collect();
        for (&off, (slot, moved)) in offs.iter().zip(entries.iter().zip(entries.iter().rev())) {
            let c = Completion {
                phase: slot.phase,
                ..*moved
            };
            self.inner.dma()[off..off + layout::ENTRY_BYTES].copy_from_slice(&c.encode());
        }
    }
}

impl Transport for Probe {
    fn name(&self) -> &'static str {
        "probe"
    }
    fn read_reg(&mut self, off: u32) -> u32 {
        if off == layout::REG_ID && self.fault == Fault::WrongId {
            return 0xDEAD_BEEF;
        }
        self.inner.read_reg(off)
    }
    fn write_reg(&mut self, off: u32, v: u32) {
        if off == layout::REG_SQ_HEAD {
            self.doorbells += 1;
        }
        self.inner.write_reg(off, v)
    }
    fn dma_base(&self) -> u64 {
        self.inner.dma_base()
    }
    fn dma(&mut self) -> &mut [u8] {
        self.inner.dma()
    }
    fn advance(&mut self, cycles: u64) {
        if self.fault == Fault::Stall {
            return;
        }
        let before = self.inner.read_reg(layout::REG_CQ_TAIL);
        self.inner.advance(cycles);
        let written = self
            .inner
            .read_reg(layout::REG_CQ_TAIL)
            .wrapping_sub(before);
        match self.fault {
            Fault::UnknownTag if written > 0 => {
                self.rewrite_completion(1, |c, _| c.tag = c.tag.wrapping_add(1 << 40))
            }
            Fault::DuplicateTag if written > 1 => {
                self.rewrite_completion(1, |c, prev| c.tag = prev)
            }
            Fault::Reverse if written > 1 => self.reverse_newest(written),
            _ => {}
        }
    }
    fn cycles(&self) -> u64 {
        0
    }
}

fn config(ring_size: u32, max_input_bytes: usize) -> DriverConfig {
    DriverConfig {
        ring_size,
        max_input_bytes,
        ..DriverConfig::default()
    }
}

fn driver(cfg: DriverConfig) -> Driver<Probe> {
    let bytes = cfg.dma_bytes().expect("valid config");
    Driver::new(Probe::new(bytes), cfg).expect("driver")
}

/// Inputs of varied lengths (0 to several Keccak blocks), distinct contents.
fn inputs(n: usize, salt: u64) -> Vec<Vec<u8>> {
    (0..n)
        .map(|i| {
            let len = (i * 37 + salt as usize) % 300;
            (0..len)
                .map(|j| (i * 131 + j * 7 + salt as usize) as u8)
                .collect()
        })
        .collect()
}

fn refs(v: &[Vec<u8>]) -> Vec<&[u8]> {
    v.iter().map(Vec::as_slice).collect()
}

fn expected(v: &[Vec<u8>]) -> Vec<[u8; 32]> {
    v.iter().map(|x| keccak256(x).0).collect()
}

fn job(tag: u64, src: u64, dst: u64, src_len: u32) -> Descriptor {
    Descriptor {
        tag,
        src,
        dst,
        src_len,
        opcode: layout::OP_KECCAK256,
    }
}

#[test]
fn ring_of_8_wraps_over_1000_jobs_in_batches_of_7() {
    let mut d = driver(config(8, 4096));
    let data = inputs(1000, 1);
    let mut got = Vec::new();
    for batch in data.chunks(7) {
        got.extend(d.keccak_batch(&refs(batch)).expect("batch"));
    }
    assert_eq!(got, expected(&data));
    assert_eq!(
        d.transport().doorbells,
        1000usize.div_ceil(7),
        "one doorbell per batch"
    );
    assert_eq!(d.device_jobs(), 1000);
    assert_eq!(d.faults(), 0);
}

#[test]
fn a_batch_larger_than_the_ring_or_arena_is_chunked() {
    let mut d = driver(config(8, 1024));
    let data = inputs(100, 2);
    assert_eq!(
        d.keccak_batch(&refs(&data)).expect("batch"),
        expected(&data)
    );
    let doorbells = d.transport().doorbells;
    assert!(doorbells >= 100 / 8, "{doorbells} doorbells");
    // One input as large as the arena is a chunk of its own.
    let big = vec![vec![7u8; 1024], vec![1u8; 3], vec![9u8; 1000]];
    assert_eq!(d.keccak_batch(&refs(&big)).expect("batch"), expected(&big));
}

#[test]
fn completions_out_of_order_are_matched_by_tag() {
    let mut d = driver(config(16, 8192));
    d.transport_mut().fault = Fault::Reverse;
    let data = inputs(100, 10);
    assert_eq!(
        d.keccak_batch(&refs(&data)).expect("batch"),
        expected(&data)
    );
    // The raw view shows the reversal.
    let l = *d.layout();
    let descs: Vec<_> = (0..4)
        .map(|i| job(i, l.arena, l.results + 32 * i, 0))
        .collect();
    d.submit(&descs).expect("submit");
    let tags: Vec<u64> = d.poll().iter().map(|c| c.tag).collect();
    assert_eq!(tags, vec![3, 2, 1, 0]);
}

#[test]
fn phase_bit_tells_fresh_completions_from_stale_ones() {
    let mut d = driver(config(4, 1024));
    let l = *d.layout();
    let mut index = 0u64;
    for pass in 0..3 {
        let descs: Vec<_> = (0..4)
            .map(|i| job(index + i, l.arena, l.results + 32 * i, 0))
            .collect();
        d.submit(&descs).expect("submit");
        let done = d.poll();
        assert_eq!(done.len(), 4);
        for (i, c) in done.iter().enumerate() {
            assert_eq!(c.tag, index + i as u64);
            assert_eq!(c.phase, pass % 2 == 0, "pass {pass}");
            assert_eq!(c.status, layout::STATUS_OK);
        }
        index += 4;
        assert!(d.poll().is_empty(), "nothing outstanding");
    }
    // A pause: the next slot still holds the previous pass's entry, whose phase bit is stale.
    d.transport_mut().write_reg(layout::REG_CONTROL, 0);
    d.submit(&[job(99, l.arena, l.results, 0)]).expect("submit");
    assert!(d.poll().is_empty(), "a stale entry must not be consumed");
    d.transport_mut()
        .write_reg(layout::REG_CONTROL, layout::CONTROL_ENABLE);
    let done = d.poll();
    assert_eq!((done.len(), done[0].tag, done[0].phase), (1, 99, false));
}

#[test]
fn hundreds_of_jobs_in_flight_at_once() {
    let mut d = driver(config(512, 256 * 1024));
    let l = *d.layout();
    // Raw: 500 descriptors behind one doorbell, all pending before the device runs.
    let descs: Vec<_> = (0..500)
        .map(|i| job(i, l.arena, l.results + 32 * i, 0))
        .collect();
    d.submit(&descs).expect("submit");
    let t = d.transport_mut();
    assert_eq!(t.read_reg(layout::REG_SQ_HEAD), 500);
    assert_eq!(t.read_reg(layout::REG_SQ_TAIL), 0);
    assert_ne!(t.read_reg(layout::REG_STATUS) & layout::STATUS_BIT_BUSY, 0);
    let done = d.poll();
    assert_eq!(done.len(), 500);
    let mut tags: Vec<u64> = done.iter().map(|c| c.tag).collect();
    tags.sort_unstable();
    assert_eq!(tags, (0..500).collect::<Vec<_>>());
    // A 500-job batch: one doorbell.
    let doorbells = d.transport().doorbells;
    let data = inputs(500, 3);
    assert_eq!(
        d.keccak_batch(&refs(&data)).expect("batch"),
        expected(&data)
    );
    assert_eq!(d.transport().doorbells - doorbells, 1);
}

#[test]
fn ring_full_is_refused() {
    let mut d = driver(config(4, 1024));
    let l = *d.layout();
    let descs: Vec<_> = (0..5).map(|i| job(i, l.arena, l.results, 0)).collect();
    assert!(matches!(
        d.submit(&descs),
        Err(OffloadError::RingFull { wanted: 5, free: 4 })
    ));
}

#[test]
fn out_of_window_descriptors_touch_nothing_outside() {
    let cfg = config(8, 4096);
    let extra = 64 * 1024;
    let mut d =
        Driver::new(Probe::new(cfg.dma_bytes().expect("cfg") + extra), cfg).expect("driver");
    let l = *d.layout();
    let base = d.transport().dma_base();
    let (end, dma_len) = ((l.end - base) as usize, d.transport_mut().dma().len());
    // Shrink the window to what the driver lays out; fill the rest with a pattern.
    let t = d.transport_mut();
    t.write_reg(layout::REG_WIN_LIMIT_LO, l.end as u32);
    t.write_reg(layout::REG_WIN_LIMIT_HI, (l.end >> 32) as u32);
    t.dma()[end..].fill(0xAA);
    let results = (l.results - base) as usize;
    t.dma()[results..results + 32 * 8].fill(0x55);
    t.dma()[(l.arena - base) as usize..][..3].copy_from_slice(b"abc");

    let outside = l.end + 128;
    let descs = [
        job(1, outside, l.results, 3),          // input outside
        job(2, l.arena, outside, 3),            // result outside
        job(3, l.end - 64, l.results + 64, 65), // input straddles the limit
        job(4, l.arena, l.end, 3),              // result just past the limit
        job(5, l.arena, l.results + 96, 3),     // fine
        Descriptor {
            opcode: 7,
            ..job(6, l.arena, l.results + 128, 3)
        },
        job(7, l.arena + 8, l.results + 160, 3), // misaligned input
        job(8, u64::MAX - 63, u64::MAX - 31, 64), // at the top of the address space
    ];
    d.submit(&descs).expect("submit");
    let done = d.poll();
    let status: Vec<(u64, u8)> = done.iter().map(|c| (c.tag, c.status)).collect();
    assert_eq!(
        status,
        vec![
            (1, layout::STATUS_OUT_OF_WINDOW),
            (2, layout::STATUS_OUT_OF_WINDOW),
            (3, layout::STATUS_OUT_OF_WINDOW),
            (4, layout::STATUS_OUT_OF_WINDOW),
            (5, layout::STATUS_OK),
            (6, layout::STATUS_BAD_OPCODE),
            (7, layout::STATUS_MISALIGNED),
            (8, layout::STATUS_OUT_OF_WINDOW),
        ]
    );
    let dma = d.transport_mut().dma();
    assert!(
        dma[end..dma_len].iter().all(|&b| b == 0xAA),
        "bytes outside the window changed"
    );
    let slot = |i: usize| &dma[results + 32 * i..results + 32 * (i + 1)];
    assert!(
        slot(0).iter().all(|&b| b == 0x55),
        "no result for a job whose input is outside"
    );
    assert!(slot(2).iter().all(|&b| b == 0x55));
    assert_eq!(slot(3), keccak256(b"abc").as_slice());
    assert!(
        slot(4).iter().all(|&b| b == 0x55),
        "no result for a bad opcode"
    );
    // The driver still works with the narrower window.
    let data = inputs(20, 4);
    assert_eq!(
        d.keccak_batch(&refs(&data)).expect("batch"),
        expected(&data)
    );
}

#[test]
fn a_ring_outside_the_window_halts_the_core_until_reset() {
    let mut d = driver(config(8, 1024));
    let cq = d.layout().cq;
    // The completion ring now lies outside the window.
    d.transport_mut()
        .write_reg(layout::REG_WIN_LIMIT_LO, cq as u32);
    d.transport_mut()
        .write_reg(layout::REG_WIN_LIMIT_HI, (cq >> 32) as u32);
    let data = inputs(5, 5);
    let err = d.keccak_batch(&refs(&data)).expect_err("halted");
    assert!(
        matches!(err, OffloadError::Halted { status } if status & layout::STATUS_BIT_CONFIG_ERROR != 0),
        "{err}"
    );
    // The driver reset and reprogrammed the window: usable again.
    assert_eq!(
        d.keccak_batch(&refs(&data)).expect("after reset"),
        expected(&data)
    );
}

#[test]
fn soft_reset_with_jobs_in_flight_then_correct_results() {
    let mut d = driver(config(8, 2048));
    let l = *d.layout();
    let descs: Vec<_> = (0..5)
        .map(|i| job(1000 + i, l.arena, l.results, 0))
        .collect();
    d.submit(&descs).expect("submit");
    d.transport_mut().advance(1); // five completions written, none consumed
    let more: Vec<_> = (5..8)
        .map(|i| job(1000 + i, l.arena, l.results, 0))
        .collect();
    d.submit(&more).expect("submit"); // three more pending
    d.reset().expect("reset");
    let t = d.transport_mut();
    for reg in [
        layout::REG_SQ_HEAD,
        layout::REG_SQ_TAIL,
        layout::REG_CQ_HEAD,
        layout::REG_CQ_TAIL,
    ] {
        assert_eq!(t.read_reg(reg), 0, "register {reg:#x} after reset");
    }
    let data = inputs(50, 6);
    assert_eq!(
        d.keccak_batch(&refs(&data)).expect("batch"),
        expected(&data)
    );

    // Raw jobs left in flight: the next batch resets by itself.
    d.submit(&descs).expect("submit");
    d.transport_mut().advance(1);
    assert_eq!(
        d.keccak_batch(&refs(&data)).expect("batch"),
        expected(&data)
    );
}

#[test]
fn a_stalled_device_times_out_and_falls_back() {
    let mut d = driver(config(8, 1024));
    d.transport_mut().fault = Fault::Stall;
    let data = inputs(20, 7);
    let err = d.keccak_batch(&refs(&data)).expect_err("stalled");
    assert!(
        matches!(err, OffloadError::Timeout { pending, .. } if pending > 0),
        "{err}"
    );
    assert_eq!(d.keccak_batch_or_cpu(&refs(&data)), expected(&data));
    assert_eq!(d.faults(), 1);
    d.transport_mut().fault = Fault::None;
    assert_eq!(
        d.keccak_batch(&refs(&data)).expect("healthy again"),
        expected(&data)
    );
}

#[test]
fn garbage_completions_are_rejected_and_the_device_recovers() {
    for fault in [Fault::UnknownTag, Fault::DuplicateTag] {
        let mut d = driver(config(16, 4096));
        d.transport_mut().fault = fault;
        let data = inputs(10, 8);
        let err = d.keccak_batch(&refs(&data)).expect_err("garbage");
        assert!(
            matches!(err, OffloadError::BadCompletion(_)),
            "{fault:?}: {err}"
        );
        assert_eq!(
            d.keccak_batch_or_cpu(&refs(&data)),
            expected(&data),
            "{fault:?}"
        );
        assert_eq!(d.faults(), 1);
        d.transport_mut().fault = Fault::None;
        assert_eq!(
            d.keccak_batch(&refs(&data)).expect("recovered"),
            expected(&data)
        );
    }
}

#[test]
fn oversized_inputs_are_refused_or_hashed_on_the_cpu() {
    let mut d = driver(config(8, 256));
    let data = vec![vec![1u8; 10], vec![2u8; 257], vec![3u8; 256]];
    let err = d.keccak_batch(&refs(&data)).expect_err("too large");
    assert!(
        matches!(
            err,
            OffloadError::InputTooLarge {
                index: 1,
                len: 257,
                max: 256
            }
        ),
        "{err}"
    );
    assert_eq!(d.keccak_batch_or_cpu(&refs(&data)), expected(&data));
    assert_eq!(d.faults(), 0, "a large input is not a device fault");
    assert_eq!(d.keccak_batch(&[]).expect("empty"), Vec::<[u8; 32]>::new());
}

#[test]
fn no_core_no_driver() {
    let cfg = config(8, 1024);
    let mut probe = Probe::new(cfg.dma_bytes().expect("cfg"));
    probe.fault = Fault::WrongId;
    assert!(matches!(
        Driver::new(probe, cfg),
        Err(OffloadError::BadId { found: 0xDEAD_BEEF })
    ));
    let small = Probe::new(1024);
    assert!(matches!(
        Driver::new(small, cfg),
        Err(OffloadError::Config(_))
    ));
    let misaligned =
        CpuDevice::with_base(cfg.dma_bytes().expect("cfg"), 0x1000_0010).expect("device");
    assert!(matches!(
        Driver::new(misaligned, cfg),
        Err(OffloadError::Config(_))
    ));
}

#[test]
fn open_device_names_what_is_missing() {
    let cpu = open_device(DeviceKind::Cpu).expect("cpu is always there");
    let mut d = Driver::new(cpu, DriverConfig::default()).expect("driver");
    let data = inputs(300, 9);
    assert_eq!(
        d.keccak_batch(&refs(&data)).expect("batch"),
        expected(&data)
    );
    match open_device(DeviceKind::Aws) {
        Err(OffloadError::Unavailable(why)) => assert!(why.contains("aws"), "{why}"),
        other => panic!("aws: {:?}", other.map(|t| t.name())),
    }
}

#[test]
fn batcher_serves_four_threads() {
    let batcher = Batcher::spawn(driver(config(64, 16 * 1024)), 256).expect("batcher");
    std::thread::scope(|s| {
        for lane in 0..4u64 {
            let handle = batcher.handle();
            s.spawn(move || {
                for (i, data) in inputs(500, lane * 1000).into_iter().enumerate() {
                    let want = keccak256(&data).0;
                    assert_eq!(handle.keccak(data), want, "lane {lane} job {i}");
                }
            });
        }
    });
    let stats = batcher.stats();
    assert_eq!(stats.jobs, 2000);
    assert!(stats.batches >= 1 && stats.batches <= 2000, "{stats:?}");
    assert_eq!(stats.faults, 0);
    // A handle that outlives the batcher still answers (on its own thread).
    let handle = batcher.handle();
    drop(batcher);
    assert_eq!(handle.keccak(b"abc".to_vec()), keccak256(b"abc").0);
}

#[test]
fn batcher_gives_right_digests_from_a_broken_device() {
    let mut d = driver(config(16, 4096));
    d.transport_mut().fault = Fault::Stall;
    let batcher = Batcher::spawn(d, 64).expect("batcher");
    std::thread::scope(|s| {
        for lane in 0..4u64 {
            let handle = batcher.handle();
            s.spawn(move || {
                for data in inputs(50, lane) {
                    let want = keccak256(&data).0;
                    assert_eq!(handle.keccak(data), want);
                }
            });
        }
    });
    let stats = batcher.stats();
    assert_eq!(stats.jobs, 200);
    assert_eq!(stats.faults, stats.batches, "every batch fell back");
}

#[test]
fn batcher_stops_when_dropped_with_no_handles() {
    let batcher = Batcher::spawn(driver(config(8, 1024)), 4).expect("batcher");
    let handle = batcher.handle();
    assert_eq!(handle.keccak(vec![]), keccak256([]).0);
    drop(handle);
    drop(batcher); // joins the thread: returning at all is the check
}

#[test]
fn alu_and_keccak_jobs_share_a_batch() {
    use fpevm::offload::{alu, Job};
    use revm::primitives::U256;
    let mut d = driver(config(16, 1 << 12));
    let operands = [
        vec![U256::from(6), U256::from(7)],
        vec![U256::MAX, U256::from(3), U256::from(10)],
        vec![U256::ONE << 255, U256::MAX],
    ];
    let ops = [layout::OP_MUL, layout::OP_MULMOD, layout::OP_SDIV];
    let inputs: Vec<Vec<u8>> = operands.iter().map(|o| alu::encode_operands(o)).collect();
    let message = b"fpevm".to_vec();
    let mut jobs: Vec<Job> = ops
        .iter()
        .zip(&inputs)
        .map(|(&opcode, input)| Job { opcode, input })
        .collect();
    jobs.push(Job::keccak(&message));
    let out = d.run_jobs(&jobs).expect("device");
    for ((&op, o), result) in ops.iter().zip(&operands).zip(&out) {
        assert_eq!(
            *result,
            alu::evaluate(op, o).expect("alu op").to_be_bytes::<32>()
        );
    }
    assert_eq!(out[1], U256::from(5).to_be_bytes::<32>());
    assert_eq!(out[3], keccak256(&message).0);

    // A job no side can run is refused before anything runs.
    let bad = [
        Job::keccak(&message),
        Job {
            opcode: layout::OP_ADDMOD,
            input: &inputs[0],
        },
    ];
    assert!(matches!(
        d.run_jobs_or_cpu(&bad),
        Err(OffloadError::InvalidJob { index: 1, .. })
    ));
    // On the device it completes with STATUS_BAD_LENGTH.
    assert!(matches!(
        d.run_jobs(&bad),
        Err(OffloadError::JobFailed {
            status: layout::STATUS_BAD_LENGTH,
            ..
        })
    ));
}
