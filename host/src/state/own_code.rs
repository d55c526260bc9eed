//! Code with a reference count of its own.
//!
//! revm clones an account's code when it loads the account and drops the clone when the
//! transaction ends. Two threads running transactions of the same contract, or of any sender
//! (revm's empty code is one process-wide value), would pass the count's cache line from core
//! to core on every transaction. Each thread therefore runs its own copies: the same bytes and
//! jump table, under a count no other thread touches.

use crate::output::AccountState;
use revm::bytecode::Bytecode;
use revm::database_interface::DatabaseRef;
use revm::primitives::{Address, StorageKey, StorageValue, B256, KECCAK_EMPTY};
use revm::state::AccountInfo;

/// `code` with a reference count of its own (EIP-7702 delegations, tiny and rarely hot, are
/// shared).
pub(crate) fn own_code(code: &Bytecode) -> Bytecode {
    match code.legacy_jump_table() {
        // SAFETY: these are the parts of an analyzed legacy code, unchanged: its padded bytes,
        // its original length and the jump table made for it, which is what `new_analyzed`
        // requires.
        Some(table) => unsafe {
            Bytecode::new_analyzed(code.bytecode().clone(), code.len(), table.clone())
        },
        None => code.clone(),
    }
}

/// The account as revm should load it on a thread whose empty code is `empty`: an account
/// without code carries `empty`. An empty account keeps the process-wide empty code: revm
/// recognizes that one and skips copying the account's original value.
#[inline]
pub(crate) fn with_own_empty_code(mut info: AccountInfo, empty: &Bytecode) -> AccountInfo {
    let unused = info.balance.is_zero() && info.nonce == 0;
    if info.code_hash == KECCAK_EMPTY && !unused {
        info.code = Some(empty.clone());
    }
    info
}

/// [`with_own_empty_code`] for an account known by its state: built field by field, so that the
/// process-wide empty code is not cloned (its count written) only to be replaced.
#[inline]
pub(crate) fn info_with_own_empty_code(account: AccountState, empty: &Bytecode) -> AccountInfo {
    let unused = account.balance.is_zero() && account.nonce == 0;
    let code = (account.code_hash == KECCAK_EMPTY).then(|| match unused {
        true => Bytecode::default(),
        false => empty.clone(),
    });
    AccountInfo {
        balance: account.balance,
        nonce: account.nonce,
        code_hash: account.code_hash,
        code,
        account_id: None,
    }
}

/// A database read by one thread of several that run over the same pre-state: accounts
/// without code come with the thread's own empty code. Code with a hash must already be the
/// thread's own (see `InMemoryState::own_copy`).
pub struct OwnEmptyCode<'a, DB> {
    db: &'a DB,
    empty: Bytecode,
}

impl<'a, DB> OwnEmptyCode<'a, DB> {
    /// `db` read with an empty code of this reader's own.
    pub fn new(db: &'a DB) -> Self {
        Self {
            db,
            empty: own_code(&Bytecode::default()),
        }
    }
}

impl<DB: DatabaseRef> DatabaseRef for OwnEmptyCode<'_, DB> {
    type Error = DB::Error;

    fn basic_ref(&self, address: Address) -> Result<Option<AccountInfo>, Self::Error> {
        let info = self.db.basic_ref(address)?;
        Ok(info.map(|info| with_own_empty_code(info, &self.empty)))
    }

    fn code_by_hash_ref(&self, code_hash: B256) -> Result<Bytecode, Self::Error> {
        match code_hash {
            KECCAK_EMPTY => Ok(self.empty.clone()),
            _ => self.db.code_by_hash_ref(code_hash),
        }
    }

    fn storage_ref(
        &self,
        address: Address,
        index: StorageKey,
    ) -> Result<StorageValue, Self::Error> {
        self.db.storage_ref(address, index)
    }

    fn block_hash_ref(&self, number: u64) -> Result<B256, Self::Error> {
        self.db.block_hash_ref(number)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::baseline::revm_sequential;
    use crate::workload::{generate, WorkloadKind};

    /// Whether two codes share their reference count.
    fn shared(a: &Bytecode, b: &Bytecode) -> bool {
        std::ptr::eq(a.bytecode(), b.bytecode())
    }

    #[test]
    fn an_own_copy_shares_no_count_and_runs_the_block_as_the_original_does() {
        let w = generate(WorkloadKind::Mixed, 200, 7);
        let copy = w.state.own_copy();
        let db = OwnEmptyCode::new(&copy);
        for address in w.state.addresses() {
            let info = db.basic_ref(address).unwrap().expect("listed");
            let original = w.state.basic_ref(address).unwrap().expect("listed");
            assert_eq!(info.code_hash, original.code_hash);
            let code = match info.code {
                Some(code) => code,
                None => db.code_by_hash_ref(info.code_hash).unwrap(),
            };
            assert!(!shared(&code, &Bytecode::default()), "{address}");
            if let Some(code_of_original) = w.state.code(&info.code_hash) {
                assert_eq!(&code, code_of_original);
                assert!(!shared(&code, code_of_original), "{address}");
            }
        }
        let original = revm_sequential(w.spec, &w.block_env, &w.txs, &w.state, 1, true);
        let own = revm_sequential(w.spec, &w.block_env, &w.txs, &db, 1, true);
        assert_eq!(original.expect("original"), own.expect("own copy"));
    }
}
