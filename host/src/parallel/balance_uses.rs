//! How one incarnation used the ether balances of accounts, as the lane's instruction hooks
//! saw it ([`super::balance_hooks`]): which balances were read outright, how much room the
//! outgoing transfers left, and how much came in. From these follows the range of starting
//! balances for which the incarnation would have run exactly as it did.
//!
//! Why the range is sound: while no instruction reads the balance itself, an account's balance
//! steers execution only through two checks, "at least `v`" before it sends `v` and "no
//! overflow" when it receives `v`. If every check has the same outcome, every step is the same
//! and the balance ends shifted by the same amount as the start. An outgoing check that passed
//! with `now` in hand passes from any start no lower than `start - (now - v)`; no incoming
//! check can overflow from a start no higher than `U256::MAX - (all that came in)`.

use revm::primitives::{Address, U256};

/// One account's uses (accounts are few per transaction: a short list beats a map).
#[derive(Debug, Clone, Copy)]
struct Use {
    address: Address,
    /// Its balance was read, or a check failed: only the exact balance gives the same run.
    exact: bool,
    /// The least balance an outgoing transfer left.
    least_left: Option<U256>,
    /// All that came in (saturating).
    incoming: U256,
}

/// One incarnation's balance uses, cleared before each.
#[derive(Debug, Default)]
pub struct BalanceUses {
    uses: Vec<Use>,
}

impl BalanceUses {
    /// Forgets the previous incarnation's uses.
    pub fn clear(&mut self) {
        self.uses.clear();
    }

    fn entry(&mut self, address: Address) -> &mut Use {
        let at = match self.uses.iter().position(|u| u.address == address) {
            Some(at) => at,
            None => {
                self.uses.push(Use {
                    address,
                    exact: false,
                    least_left: None,
                    incoming: U256::ZERO,
                });
                self.uses.len() - 1
            }
        };
        &mut self.uses[at]
    }

    /// `address`'s balance was read (BALANCE, SELFBALANCE), or used whole (SELFDESTRUCT,
    /// CREATE's endowment and nonce).
    pub fn read(&mut self, address: Address) {
        self.entry(address).exact = true;
    }

    /// `address` holds `now` and is about to send `value`.
    pub fn outgoing(&mut self, address: Address, now: U256, value: U256) {
        let entry = self.entry(address);
        match now.checked_sub(value) {
            Some(left) => entry.least_left = Some(entry.least_left.map_or(left, |l| l.min(left))),
            None => entry.exact = true,
        }
    }

    /// `address` is about to receive `value` (nothing to note when it is zero).
    pub fn incoming(&mut self, address: Address, value: U256) {
        if value.is_zero() {
            return;
        }
        let entry = self.entry(address);
        entry.incoming = entry.incoming.saturating_add(value);
    }

    /// The starting balances, `start` among them, from which this incarnation would have run as
    /// it did from `start`; `None` when only `start` itself is known to.
    pub fn range(&self, address: Address, start: U256) -> Option<(U256, U256)> {
        let Some(used) = self.uses.iter().find(|u| u.address == address) else {
            return Some((U256::ZERO, U256::MAX));
        };
        if used.exact {
            return None;
        }
        let low = used
            .least_left
            .map_or(U256::ZERO, |left| start.saturating_sub(left));
        let high = U256::MAX - used.incoming;
        (start <= high).then_some((low, high))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(n: u8) -> Address {
        Address::repeat_byte(n)
    }

    fn u(v: u64) -> U256 {
        U256::from(v)
    }

    #[test]
    fn an_untouched_balance_admits_any_start() {
        let uses = BalanceUses::default();
        assert_eq!(uses.range(at(1), u(5)), Some((U256::ZERO, U256::MAX)));
    }

    #[test]
    fn outgoing_transfers_bound_the_start_below_by_their_tightest_margin() {
        let mut uses = BalanceUses::default();
        // Start 100: sends 30 (70 left), receives 50 (120), sends 115 (5 left).
        uses.outgoing(at(1), u(100), u(30));
        uses.incoming(at(1), u(50));
        uses.outgoing(at(1), u(120), u(115));
        assert_eq!(uses.range(at(1), u(100)), Some((u(95), U256::MAX - u(50))));
        // A router: receives what it sends on, from an empty start.
        let mut router = BalanceUses::default();
        router.incoming(at(2), u(7));
        router.outgoing(at(2), u(7), u(7));
        assert_eq!(router.range(at(2), u(0)), Some((u(0), U256::MAX - u(7))));
    }

    #[test]
    fn reads_failed_sends_and_possible_overflows_need_the_exact_balance() {
        let mut uses = BalanceUses::default();
        uses.read(at(1));
        uses.outgoing(at(2), u(3), u(4));
        uses.incoming(at(3), u(10));
        uses.incoming(at(3), U256::MAX);
        uses.incoming(at(4), u(10));
        assert_eq!(uses.range(at(1), u(5)), None);
        assert_eq!(uses.range(at(2), u(3)), None);
        assert_eq!(
            uses.range(at(3), U256::ZERO),
            Some((U256::ZERO, U256::ZERO))
        );
        assert_eq!(uses.range(at(3), u(1)), None);
        assert_eq!(uses.range(at(4), U256::MAX - u(9)), None);
        uses.clear();
        assert_eq!(uses.range(at(1), u(5)), Some((U256::ZERO, U256::MAX)));
    }
}
