//! A lane's own copies of the code it runs (see [`crate::state::own_code`]), made once per code
//! and block.

use crate::output::AccountState;
use crate::state::{info_with_own_empty_code, own_code};
use revm::bytecode::Bytecode;
use revm::primitives::{B256Map, B256, KECCAK_EMPTY};
use revm::state::AccountInfo;

/// The codes one lane fetched during a block, each as the lane's own copy.
pub struct LaneCodes {
    copies: B256Map<Bytecode>,
    empty: Bytecode,
}

impl Default for LaneCodes {
    fn default() -> Self {
        Self {
            copies: B256Map::default(),
            empty: own_code(&Bytecode::default()),
        }
    }
}

impl LaneCodes {
    /// The code of `hash`, fetched by `fetch` the first time.
    pub fn get<E>(
        &mut self,
        hash: B256,
        fetch: impl FnOnce() -> Result<Bytecode, E>,
    ) -> Result<Bytecode, E> {
        if hash == KECCAK_EMPTY {
            return Ok(self.empty.clone());
        }
        if let Some(code) = self.copies.get(&hash) {
            return Ok(code.clone());
        }
        let code = own_code(&fetch()?);
        self.copies.insert(hash, code.clone());
        Ok(code)
    }

    /// The account as revm loads it, an account without code carrying the lane's empty code.
    /// An empty account keeps the process-wide empty code: revm recognizes that one and skips
    /// copying the account's original value.
    pub fn info(&self, account: AccountState) -> AccountInfo {
        info_with_own_empty_code(account, &self.empty)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use revm::primitives::{Bytes, U256};

    #[test]
    fn copies_equal_the_code_and_are_made_once() {
        let mut codes = LaneCodes::default();
        let code = Bytecode::new_raw(Bytes::from_static(&[0x60, 0x01, 0x56, 0x5b, 0x00]));
        let hash = code.hash_slow();
        let copy = codes.get(hash, || Ok::<_, ()>(code.clone())).unwrap();
        assert_eq!(copy, code);
        assert_eq!(copy.bytecode(), code.bytecode());
        assert_eq!(copy.legacy_jump_table(), code.legacy_jump_table());
        let again = codes.get(hash, || Err("fetched twice")).unwrap();
        assert_eq!(again, code);
        let empty = codes.get(KECCAK_EMPTY, || Err("the empty code is never fetched"));
        assert!(empty.unwrap().is_empty());
    }

    #[test]
    fn an_empty_account_keeps_the_shared_empty_code() {
        let codes = LaneCodes::default();
        let empty = AccountState {
            code_hash: KECCAK_EMPTY,
            ..AccountState::default()
        };
        assert!(codes.info(empty).code.is_some_and(|c| c.is_default()));
        let funded = AccountState {
            balance: U256::from(1),
            ..empty
        };
        let code = codes.info(funded).code.unwrap();
        assert!(code.is_empty() && !code.is_default());
    }
}
