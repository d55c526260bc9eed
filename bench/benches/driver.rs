//! The offload driver's cost: batches of 1, 16 and 64 32-byte Keccak jobs through the ring
//! protocol on the cpu reference device (which hashes inline, so the difference from
//! `keccak256` alone is the protocol's cost), and a batch of 64 on the simulated default core
//! (wall time of the simulation, not of the hardware).

use alloy_primitives::keccak256;
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use fpevm::offload::sim::SimDevice;
use fpevm::offload::{CpuDevice, Driver, DriverConfig};
use std::hint::black_box;

const INPUT: usize = 32;

/// `n` distinct `INPUT`-byte inputs.
fn inputs(n: usize) -> Vec<Vec<u8>> {
    (0..n)
        .map(|i| (0..INPUT).map(|j| (i * 131 + j * 7) as u8).collect())
        .collect()
}

fn refs(v: &[Vec<u8>]) -> Vec<&[u8]> {
    v.iter().map(Vec::as_slice).collect()
}

fn driver_config() -> DriverConfig {
    DriverConfig {
        ring_size: 1024,
        max_input_bytes: 1 << 16,
        ..DriverConfig::default()
    }
}

fn cpu(c: &mut Criterion) {
    let config = driver_config();
    let device = CpuDevice::new(config.dma_bytes().expect("config")).expect("cpu device");
    let mut driver = Driver::new(device, config).expect("driver");
    let mut group = c.benchmark_group("driver-cpu");
    for batch in [1usize, 16, 64] {
        let data = inputs(batch);
        let batch_refs = refs(&data);
        let expected: Vec<[u8; 32]> = data.iter().map(|x| keccak256(x).0).collect();
        assert_eq!(
            driver.keccak_batch(&batch_refs).expect("batch"),
            expected,
            "digests"
        );
        group.throughput(Throughput::Elements(batch as u64));
        group.bench_function(BenchmarkId::new("driver", batch), |b| {
            b.iter(|| driver.keccak_batch(black_box(&batch_refs)).expect("batch"))
        });
        group.bench_function(BenchmarkId::new("keccak256", batch), |b| {
            b.iter(|| {
                black_box(&batch_refs)
                    .iter()
                    .map(|x| keccak256(x).0)
                    .collect::<Vec<_>>()
            })
        });
    }
    group.finish();
}

fn sim(c: &mut Criterion) {
    let config = driver_config();
    let device = SimDevice::new(
        fpevm_sim::Config::DEFAULT,
        config.dma_bytes().expect("config"),
    )
    .expect("simulated core");
    let mut driver = Driver::new(device, config).expect("driver");
    let data = inputs(64);
    let batch_refs = refs(&data);
    let expected: Vec<[u8; 32]> = data.iter().map(|x| keccak256(x).0).collect();
    assert_eq!(
        driver.keccak_batch(&batch_refs).expect("batch"),
        expected,
        "digests"
    );
    let mut group = c.benchmark_group("driver-sim");
    group.sample_size(10);
    group.throughput(Throughput::Elements(64));
    let name = format!(
        "{}x{}",
        fpevm_sim::Config::DEFAULT.engines,
        fpevm_sim::Config::DEFAULT.rounds
    );
    group.bench_function(BenchmarkId::new(name, 64), |b| {
        b.iter(|| driver.keccak_batch(black_box(&batch_refs)).expect("batch"))
    });
    group.finish();
}

criterion_group!(benches, cpu, sim);
criterion_main!(benches);
