//! GeneralStateTests: every selected post entry runs as a one-transaction block through
//! [`crate::execute_block`], then the post-state root, the logs hash and the expected exception are
//! checked.

use super::fork::{fork_unsupported_reason, spec_by_name};
use super::{execute_checked, CaseReport, ForkSelection, Outcome, RunOptions};
use crate::error::ExecError;
use crate::receipt::logs_hash;
use crate::state::{BlockHashes, InMemoryState};
use revm::context::either::Either;
use revm::context::{BlockEnv, CfgEnv, TxEnv};
use revm::primitives::hardfork::SpecId;
use revm::primitives::{Address, Bytes, TxKind, B256};
use revm_statetest_types::{recover_address, AccountInfo, Env, Test, TransactionParts};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;

/// Files revm's own state-test runner skips by name; the only skips this runner makes.
pub const SKIPPED_FILES: &[&str] = &[
    "RevertInCreateInInit_Paris.json",
    "RevertInCreateInInit.json",
    "dynamicAccountOverwriteEmpty.json",
    "dynamicAccountOverwriteEmpty_Paris.json",
    "RevertInCreateInInitCreate2Paris.json",
    "create2collisionStorage.json",
    "RevertInCreateInInitCreate2.json",
    "create2collisionStorageParis.json",
    "InitCollision.json",
    "InitCollisionParis.json",
    "test_init_collision_create_opcode.json",
    "ValueOverflow.json",
    "ValueOverflowParis.json",
    "Call50000_sha256.json",
    "static_Call50000_sha256.json",
    "loopMul.json",
    "CALLBlake2f_MaxRounds.json",
];

/// Why a file on [`SKIPPED_FILES`] is skipped, or `None` when it runs.
pub fn skip_reason(path: &Path) -> Option<String> {
    let name = path.file_name()?.to_str()?;
    SKIPPED_FILES
        .contains(&name)
        .then(|| format!("on revm's state-test skip list ({name})"))
}

/// One test of a state-test file. `post` keeps fork names as text so an unknown fork is
/// reported by name.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct StateTestUnit {
    env: Env,
    pre: BTreeMap<Address, AccountInfo>,
    post: BTreeMap<String, Vec<Test>>,
    transaction: TransactionParts,
    #[serde(default)]
    out: Option<Bytes>,
}

/// What a file run produced besides the reports: entries of forks that were not selected.
#[derive(Debug, Default, Clone, Copy)]
pub struct FileSummary {
    /// Post entries of forks outside the selection (not run, not counted).
    pub unselected: usize,
}

/// Runs every selected post entry of one file, reporting each case through `report`.
pub fn run_file(
    path: &Path,
    forks: &ForkSelection,
    options: &RunOptions,
    report: &mut dyn FnMut(CaseReport),
) -> FileSummary {
    let file = path.display().to_string();
    let mut summary = FileSummary::default();
    if let Some(reason) = skip_reason(path) {
        report(CaseReport {
            file,
            test: String::new(),
            case: String::new(),
            outcome: Outcome::Skipped(reason),
        });
        return summary;
    }
    let units: BTreeMap<String, StateTestUnit> = match read_json(path) {
        Ok(units) => units,
        Err(problem) => {
            report(CaseReport {
                file,
                test: String::new(),
                case: String::new(),
                outcome: Outcome::Failed(problem),
            });
            return summary;
        }
    };
    for (name, unit) in &units {
        let pre = pre_state(unit);
        for (fork, tests) in &unit.post {
            let known = spec_by_name(fork).is_some() || fork_unsupported_reason(fork).is_some();
            if known && !forks.contains(fork) {
                summary.unselected += tests.len();
                continue;
            }
            for test in tests {
                let i = &test.indexes;
                let case = format!("{fork} d={} g={} v={}", i.data, i.gas, i.value);
                let outcome = match (fork_unsupported_reason(fork), spec_by_name(fork)) {
                    (Some(reason), _) => Outcome::Skipped(reason.to_string()),
                    (None, None) => Outcome::Failed(format!("unknown fork `{fork}`")),
                    (None, Some(spec)) => run_case(unit, test, spec, &pre, options),
                };
                report(CaseReport {
                    file: file.clone(),
                    test: name.clone(),
                    case,
                    outcome,
                });
            }
        }
    }
    summary
}

/// Reads and parses a JSON file; the error names the problem (the caller names the file).
pub(crate) fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read: {e}"))?;
    serde_json::from_str(&text).map_err(|e| format!("malformed test file: {e}"))
}

fn pre_state(unit: &StateTestUnit) -> InMemoryState {
    let mut state = InMemoryState::new(BlockHashes::StateTestConvention);
    for (address, account) in &unit.pre {
        let storage = account.storage.iter().map(|(k, v)| (*k, *v));
        state.insert_account(
            *address,
            account.balance,
            account.nonce,
            account.code.clone(),
            storage,
        );
    }
    state
}

fn run_case(
    unit: &StateTestUnit,
    test: &Test,
    spec: SpecId,
    pre: &InMemoryState,
    options: &RunOptions,
) -> Outcome {
    let expected = test.expect_exception.as_deref();
    let tx = match tx_env(&unit.transaction, test) {
        Ok(tx) => tx,
        Err(_) if expected.is_some() => return Outcome::Passed,
        Err(e) => return Outcome::Failed(format!("cannot build the transaction: {e}")),
    };
    let block = match block_env(&unit.env, spec) {
        Ok(block) => block,
        Err(e) => return Outcome::Failed(e),
    };
    let mut exec = options.exec.clone();
    exec.chain_id = match unit.env.current_chain_id {
        None => 1,
        Some(id) => match u64::try_from(id) {
            Ok(id) => id,
            Err(_) => return Outcome::Failed(format!("chain id {id} does not fit in 64 bits")),
        },
    };
    let executed = match execute_checked(spec, &block, std::slice::from_ref(&tx), pre, &exec) {
        Ok(executed) => executed,
        Err(mismatch) => return Outcome::Failed(mismatch),
    };
    let output = match (executed, expected) {
        // A device that cannot be opened is not the exception the vector expects.
        (Err(e @ ExecError::Device(_)), _) => return Outcome::Failed(e.to_string()),
        (Err(_), Some(_)) => return Outcome::Passed,
        (Err(e), None) => return Outcome::Failed(format!("unexpected exception: {e}")),
        (Ok(_), Some(exception)) => {
            return Outcome::Failed(format!(
                "expected exception {exception}, but the transaction executed"
            ))
        }
        (Ok(output), None) => output,
    };
    if let (Some(want), Some(got)) = (&unit.out, output.results[0].output()) {
        if want != got {
            return Outcome::Failed(format!("output {got} differs from expected {want}"));
        }
    }
    let logs = logs_hash(&output.receipts[0].logs);
    if logs != test.logs {
        return Outcome::Failed(format!(
            "logs hash {logs} differs from expected {}",
            test.logs
        ));
    }
    let mut post = pre.clone();
    post.apply(&output.state);
    let root = post.state_root_with(options.hasher.as_ref());
    if root != test.hash {
        return Outcome::Failed(format!(
            "state root {root} differs from expected {}",
            test.hash
        ));
    }
    Outcome::Passed
}

/// The block environment of a state test.
fn block_env(env: &Env, spec: SpecId) -> Result<BlockEnv, String> {
    let mut block = BlockEnv {
        number: env.current_number,
        beneficiary: env.current_coinbase,
        timestamp: env.current_timestamp,
        gas_limit: env.current_gas_limit.saturating_to(),
        basefee: env.current_base_fee.unwrap_or_default().saturating_to(),
        difficulty: env.current_difficulty,
        prevrandao: env.current_random,
        ..BlockEnv::default()
    };
    if let Some(excess) = env.current_excess_blob_gas {
        let excess =
            u64::try_from(excess).map_err(|_| format!("excess blob gas {excess} overflows"))?;
        block.set_blob_excess_gas_and_price(
            excess,
            CfgEnv::new_with_spec(spec).blob_base_fee_update_fraction(),
        );
    }
    if spec.is_enabled_in(SpecId::MERGE) && block.prevrandao.is_none() {
        block.prevrandao = Some(B256::ZERO);
    }
    Ok(block)
}

/// The transaction a post entry selects, or why it cannot be built (an invalid transaction the
/// entry may expect).
fn tx_env(parts: &TransactionParts, test: &Test) -> Result<TxEnv, String> {
    let i = &test.indexes;
    let secret_key = parts
        .secret_key
        .ok_or("no secret key (an unsigned transaction)")?;
    let caller = match parts.sender {
        Some(sender) => sender,
        None => recover_address(secret_key.as_slice()).ok_or("secret key is not a valid key")?,
    };
    let tx_type = parts
        .tx_type(i.data)
        .ok_or("transaction type cannot be determined")?;
    let data = parts
        .data
        .get(i.data)
        .ok_or("data index out of range")?
        .clone();
    let gas_limit = parts.gas_limit.get(i.gas).ok_or("gas index out of range")?;
    let value = *parts.value.get(i.value).ok_or("value index out of range")?;
    let to_u128 = |v: Option<revm::primitives::U256>, what: &str| -> Result<Option<u128>, String> {
        v.map(|v| u128::try_from(v).map_err(|_| format!("{what} {v} overflows 128 bits")))
            .transpose()
    };
    Ok(TxEnv {
        tx_type: tx_type as u8,
        caller,
        gas_limit: gas_limit.saturating_to(),
        gas_price: to_u128(parts.gas_price.or(parts.max_fee_per_gas), "gas price")?
            .unwrap_or_default(),
        gas_priority_fee: to_u128(parts.max_priority_fee_per_gas, "priority fee")?,
        kind: parts.to.map_or(TxKind::Create, TxKind::Call),
        value,
        data,
        nonce: u64::try_from(parts.nonce)
            .map_err(|_| format!("nonce {} overflows 64 bits", parts.nonce))?,
        chain_id: Some(match parts.chain_id {
            None => 1,
            Some(id) => {
                u64::try_from(id).map_err(|_| format!("chain id {id} overflows 64 bits"))?
            }
        }),
        access_list: parts
            .access_lists
            .get(i.data)
            .cloned()
            .flatten()
            .unwrap_or_default(),
        blob_hashes: parts.blob_versioned_hashes.clone(),
        max_fee_per_blob_gas: to_u128(parts.max_fee_per_blob_gas, "blob fee")?.unwrap_or(u128::MAX),
        authorization_list: parts
            .authorization_list
            .iter()
            .flatten()
            .map(|auth| Either::Left(auth.clone().into()))
            .collect(),
    })
}
