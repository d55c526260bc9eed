//! Block execution on the synthetic workloads: plain revm (with receipts), fpevm on one lane,
//! fpevm on two lanes (and, on deposits, with lazy storage), measured in the same run, with
//! glibc's thresholds fixed first.

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
        // Deposits conflict on one balance: also with lazy storage, which serves them.
        let lazy = if kind == WorkloadKind::Deposits {
            &[false, true][..]
        } else {
            &[false][..]
        };
        for (threads, lazy_storage) in [1, 2]
            .into_iter()
            .flat_map(|t| lazy.iter().map(move |l| (t, *l)))
        {
            let options = ExecOptions {
                threads,
                lazy_storage,
                ..ExecOptions::default()
            };
            let name = match lazy_storage {
                true => format!("fpevm-{threads}-lazy-storage"),
                false => format!("fpevm-{threads}"),
            };
            group.bench_function(BenchmarkId::new(name, kind), |b| {
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
