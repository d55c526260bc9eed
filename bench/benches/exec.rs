//! Block execution on the synthetic workloads: plain revm (with receipts), fpevm on one lane,
//! fpevm on two lanes, measured in the same run, with glibc's thresholds fixed first.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use fpevm::baseline::revm_sequential;
use fpevm::workload::{generate, WorkloadKind};
use fpevm::{execute_block, ExecOptions};

fn exec(c: &mut Criterion) {
    // As `fpevm bench exec` does: without it, page faults follow which side last freed what.
    fpevm::steady_heap::steady_heap();
    let mut group = c.benchmark_group("exec");
    group.sample_size(20);
    for kind in WorkloadKind::ALL {
        let w = generate(kind, 2000, 1);
        group.bench_function(BenchmarkId::new("revm", kind), |b| {
            b.iter(|| {
                revm_sequential(w.spec, &w.block_env, &w.txs, &w.state, 1, true).expect("executes")
            })
        });
        for threads in [1, 2] {
            let options = ExecOptions {
                threads,
                ..ExecOptions::default()
            };
            group.bench_function(BenchmarkId::new(format!("fpevm-{threads}"), kind), |b| {
                b.iter(|| {
                    execute_block(w.spec, &w.block_env, &w.txs, &w.state, &options)
                        .expect("executes")
                })
            });
        }
    }
    group.finish();
}

criterion_group!(benches, exec);
criterion_main!(benches);
