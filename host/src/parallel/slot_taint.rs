//! Which storage values an incarnation used only in ways that any value in a range would have
//! used the same: loaded, moved, added to or subtracted from without wrapping, compared, and
//! stored back into their own slot. A token's balance is used so by a transfer (checked
//! against the amount, decreased or increased, stored), and so a transfer records the range
//! of starting balances it runs the same from and a [`Delta`](super::delta::Delta), instead
//! of conflicting with every other transfer to or from the same holder.
//!
//! Each value loaded from a slot (a *source*) taints the stack words computed from it; every
//! instruction of a tracked incarnation is shown to [`SlotTaint`] before and after it runs
//! ([`super::slot_hooks`]). A tainted word equals `s + k` for the slot's starting value `s`
//! and a constant `k`; each use that would come out differently for another `s` narrows the
//! range of `s` (`down` below the observed start, `up` above it) so that it does not. Any
//! other use (memory, logs, calls, multiplication, a hash, a store into another slot or of an
//! untainted value into the source's slot) *escapes* the source: its read stays exact.
//!
//! Invariant: for every starting value in a live source's range, the incarnation executes
//! the same instructions with the same gas, and the source's slot ends at its start plus the
//! same constant. Stack words move between frames only through memory, so each call depth
//! keeps its own shadow stack; a frame's stack grows outside instructions only by a call's
//! untainted result, and a new frame starts empty, so shadows are resynchronised by length.

use revm::bytecode::opcode::{self, OPCODE_INFO};
use revm::primitives::{Address, U256};

/// Sources per incarnation: further slots are read exactly.
const MAX_SOURCES: usize = 32;
/// Instructions an incarnation follows while a source is live (a token transfer takes a few
/// hundred): past them every source escapes, so a long loop is not followed to its end at
/// several times revm's cost per instruction.
const FOLLOWED_STEPS: u32 = 4_000;

/// A slot whose starting value the incarnation may not depend on exactly.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Source {
    address: Address,
    key: U256,
    start: U256,
    /// How far the start may rise or fall and leave the execution the same.
    up: U256,
    down: U256,
    escaped: bool,
}

/// A source that did not escape: its slot, its observed start, and the starting values the
/// incarnation runs the same from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Relaxed {
    pub address: Address,
    pub key: U256,
    pub start: U256,
    pub low: U256,
    pub high: U256,
}

/// What an instruction does to the shadow stack, decided before it runs.
#[derive(Debug, Clone, Copy)]
pub enum Step {
    /// Nothing is tracked yet (or any more).
    Untracked,
    /// `inputs` words are consumed; the output, if any, carries `taint`.
    Consume {
        len: usize,
        inputs: usize,
        taint: u8,
    },
    /// DUPn of a word with `taint`.
    Dup { len: usize, taint: u8 },
    /// SWAPn.
    Swap { len: usize, n: usize },
    /// SLOAD of `key` in the executing account; a `hot` slot may become a source.
    Load {
        key: U256,
        address: Address,
        hot: bool,
    },
}

/// The taint tracking of one incarnation.
#[derive(Debug, Default)]
pub struct SlotTaint {
    sources: Vec<Source>,
    live: usize,
    /// Slots stored to without being a source: what a later load returns is not their start.
    written: Vec<(Address, U256)>,
    /// Per call depth: each stack word's source (`0`: none, `i + 1`: source `i`).
    shadows: Vec<Vec<u8>>,
    /// Instructions followed so far.
    steps: u32,
}

impl SlotTaint {
    /// Forgets the previous incarnation.
    pub fn clear(&mut self) {
        self.sources.clear();
        self.live = 0;
        self.written.clear();
        self.shadows.iter_mut().for_each(Vec::clear);
        self.steps = 0;
    }

    /// Whether some source is live (every instruction must then be shown).
    pub fn active(&self) -> bool {
        self.live > 0
    }

    /// Whether a source escaped: a slot that conflicted was used in a way no range keeps.
    pub fn escaped_any(&self) -> bool {
        self.live < self.sources.len()
    }

    /// The sources that did not escape.
    pub fn relaxed(&self) -> impl Iterator<Item = Relaxed> + '_ {
        self.sources.iter().filter(|s| !s.escaped).map(|s| Relaxed {
            address: s.address,
            key: s.key,
            start: s.start,
            low: s.start - s.down,
            high: s.start + s.up,
        })
    }

    fn source_of(&self, address: Address, key: U256) -> Option<usize> {
        self.sources
            .iter()
            .position(|s| s.address == address && s.key == key)
    }

    fn escape(&mut self, taint: u8) {
        if let Some(source) = taint.checked_sub(1).map(|i| &mut self.sources[i as usize]) {
            if !source.escaped {
                source.escaped = true;
                self.live -= 1;
            }
        }
    }

    fn escape_all(&mut self) {
        for t in 1..=self.sources.len() {
            self.escape(t as u8);
        }
    }

    /// The shadow of `depth`, as long as the real stack.
    fn shadow(&mut self, depth: usize, len: usize) -> &mut Vec<u8> {
        if self.shadows.len() <= depth {
            self.shadows.resize_with(depth + 1, Vec::new);
        }
        let shadow = &mut self.shadows[depth];
        shadow.resize(len, 0);
        shadow
    }

    /// The live source of word `n` from the top (`0` when untainted or escaped).
    fn taint(&self, depth: usize, stack: &[U256], n: usize) -> u8 {
        let Some(i) = stack.len().checked_sub(n + 1) else {
            return 0;
        };
        match self.shadows[depth].get(i) {
            Some(&t) if t > 0 && !self.sources[t as usize - 1].escaped => t,
            _ => 0,
        }
    }

    /// Narrows the source so that a word now `value` stays at most `bound`.
    fn at_most(&mut self, taint: u8, value: U256, bound: U256) {
        let source = &mut self.sources[taint as usize - 1];
        source.up = source.up.min(bound - value);
    }

    /// Narrows the source so that a word now `value` stays at least `bound`.
    fn at_least(&mut self, taint: u8, value: U256, bound: U256) {
        let source = &mut self.sources[taint as usize - 1];
        source.down = source.down.min(value - bound);
    }

    /// Keeps `t < c` (a tainted word `t` against a constant) as observed.
    fn below(&mut self, taint: u8, t: U256, c: U256) {
        if t < c {
            self.at_most(taint, t, c - U256::from(1));
        } else {
            self.at_least(taint, t, c);
        }
    }

    /// Keeps `t > c` as observed.
    fn above(&mut self, taint: u8, t: U256, c: U256) {
        if t > c {
            self.at_least(taint, t, c + U256::from(1));
        } else {
            self.at_most(taint, t, c);
        }
    }

    /// Keeps `t == c` as observed.
    fn equal(&mut self, taint: u8, t: U256, c: U256) {
        if t == c {
            self.at_most(taint, t, t);
            self.at_least(taint, t, t);
        } else if t < c {
            self.at_most(taint, t, c - U256::from(1));
        } else {
            self.at_least(taint, t, c + U256::from(1));
        }
    }

    /// Keeps a tainted word that is now `value` from wrapping.
    fn no_wrap(&mut self, taint: u8, value: U256) {
        self.at_most(taint, value, U256::MAX);
        self.at_least(taint, value, U256::ZERO);
    }

    /// Before `op` runs at call `depth` in `address`'s storage with `stack` (top last).
    /// `present` is the current value of the slot an SSTORE names, when it is loaded; `hot`
    /// whether the slot an SLOAD names may become a source.
    pub fn before(
        &mut self,
        depth: usize,
        op: u8,
        stack: &[U256],
        (address, present, hot): (Address, Option<U256>, bool),
    ) -> Step {
        let top = |n: usize| stack.len().checked_sub(n + 1).map(|i| stack[i]);
        if !self.active() {
            match (op, top(0)) {
                (opcode::SLOAD, Some(key)) => return Step::Load { key, address, hot },
                (opcode::SSTORE, Some(key)) => self.note_written(address, key),
                _ => {}
            }
            return Step::Untracked;
        }
        self.steps += 1;
        if self.steps > FOLLOWED_STEPS {
            self.escape_all();
            return Step::Untracked;
        }
        let len = stack.len();
        self.shadow(depth, len);
        let info = OPCODE_INFO[op as usize];
        let inputs = info.map_or(0, |i| i.inputs() as usize).min(len);
        let taint = |this: &Self, n| this.taint(depth, stack, n);
        // Moves use no value: a word keeps its taint wherever they take it (compiled code
        // reaches a balance five or more words down with DUPn and SWAPn).
        match op {
            opcode::DUP1..=opcode::DUP16 => {
                let n = (op - opcode::DUP1) as usize;
                return Step::Dup {
                    len,
                    taint: taint(self, n),
                };
            }
            opcode::SWAP1..=opcode::SWAP16 => {
                let n = (op - opcode::SWAP1) as usize + 1;
                return Step::Swap { len, n };
            }
            _ => {}
        }
        // Only the two top words are ever used in a kept way (a value sent, a topic, a third
        // operand deeper down escapes).
        if (2..inputs).any(|n| taint(self, n) > 0) {
            for n in 0..inputs {
                let t = taint(self, n);
                self.escape(t);
            }
            if op == opcode::SSTORE {
                self.store_untainted(address, top(0).unwrap_or_default());
            }
            return Step::Consume {
                len,
                inputs,
                taint: 0,
            };
        }
        let (a, b) = (taint(self, 0), taint(self, 1));
        let (x, y) = (top(0).unwrap_or_default(), top(1).unwrap_or_default());
        let mut out = 0;
        match op {
            opcode::SLOAD => {
                self.escape(a);
                return Step::Load {
                    key: x,
                    address,
                    hot,
                };
            }
            opcode::POP => {}
            // They reach below their declared inputs: nothing is tracked through them.
            opcode::DUPN | opcode::SWAPN | opcode::EXCHANGE => self.escape_all(),
            _ if a == 0 && (inputs < 2 || b == 0) => {
                if op == opcode::SSTORE {
                    self.store_untainted(address, x);
                }
            }
            opcode::ADD if inputs == 2 && (a == 0) != (b == 0) => {
                let (t, c, source) = if a > 0 { (x, y, a) } else { (y, x, b) };
                match t.checked_add(c) {
                    Some(sum) => {
                        self.no_wrap(source, sum);
                        out = source;
                    }
                    None => self.escape(source),
                }
            }
            opcode::SUB if inputs == 2 && a > 0 && (b == 0 || b == a) => {
                if b == 0 {
                    match x.checked_sub(y) {
                        Some(difference) => {
                            self.no_wrap(a, difference);
                            out = a;
                        }
                        None => self.escape(a),
                    }
                }
                // Two words of one source differ by a constant: the difference is untainted.
            }
            opcode::LT | opcode::GT | opcode::EQ if inputs == 2 && (a == 0 || b == 0 || a == b) => {
                // Two words of one source compare the same way for every start.
                if a != b {
                    let (t, c, source, t_first) = if a > 0 {
                        (x, y, a, true)
                    } else {
                        (y, x, b, false)
                    };
                    match (op, t_first) {
                        (opcode::EQ, _) => self.equal(source, t, c),
                        (opcode::LT, true) | (opcode::GT, false) => self.below(source, t, c),
                        _ => self.above(source, t, c),
                    }
                }
            }
            opcode::ISZERO => self.equal(a, x, U256::ZERO),
            opcode::JUMPI if a == 0 => self.equal(b, y, U256::ZERO),
            opcode::SSTORE if a == 0 => match self.source_of(address, x) {
                Some(i) if b as usize == i + 1 => match present {
                    Some(present) => {
                        // Gas and refunds ask whether the start, the present value and the new
                        // one are zero (their mutual equalities are fixed: one source).
                        let start = self.sources[i].start;
                        self.equal(b, start, U256::ZERO);
                        self.equal(b, present, U256::ZERO);
                        self.equal(b, y, U256::ZERO);
                    }
                    None => self.escape(b),
                },
                _ => {
                    self.escape(b);
                    self.store_untainted(address, x);
                }
            },
            _ => {
                for n in 0..inputs {
                    let t = taint(self, n);
                    self.escape(t);
                }
                if op == opcode::SSTORE {
                    self.store_untainted(address, x);
                }
            }
        }
        Step::Consume {
            len,
            inputs,
            taint: out,
        }
    }

    /// A store of an untainted value (or into another slot than its source's) into `key`.
    fn store_untainted(&mut self, address: Address, key: U256) {
        match self.source_of(address, key) {
            Some(i) => self.escape(i as u8 + 1),
            None => self.note_written(address, key),
        }
    }

    fn note_written(&mut self, address: Address, key: U256) {
        if !self.written.contains(&(address, key)) && self.source_of(address, key).is_none() {
            self.written.push((address, key));
        }
    }

    /// After the instruction ran, leaving `stack` (top last) at call `depth`.
    pub fn after(&mut self, depth: usize, step: Step, stack: &[U256]) {
        let len = stack.len();
        match step {
            Step::Untracked => {}
            Step::Load { key, address, hot } => {
                let Some(&value) = stack.last() else { return };
                let taint = match self.source_of(address, key) {
                    Some(i) => i + 1,
                    None if hot
                        && self.sources.len() < MAX_SOURCES
                        && !self.written.contains(&(address, key)) =>
                    {
                        if !self.active() {
                            // Earlier shadows hold only escaped sources' words.
                            self.shadows.iter_mut().for_each(Vec::clear);
                        }
                        self.sources.push(Source {
                            address,
                            key,
                            start: value,
                            up: U256::MAX - value,
                            down: value,
                            escaped: false,
                        });
                        self.live += 1;
                        self.sources.len()
                    }
                    None => 0,
                };
                if taint > 0 && !self.sources[taint - 1].escaped {
                    let shadow = self.shadow(depth, len);
                    shadow[len - 1] = taint as u8;
                } else if self.active() {
                    self.shadow(depth, len)[len - 1] = 0;
                }
            }
            Step::Consume {
                len: before,
                inputs,
                taint,
            } => {
                let shadow = &mut self.shadows[depth];
                shadow.truncate((before - inputs).min(len));
                shadow.resize(len, 0);
                if taint > 0 && len == before - inputs + 1 {
                    shadow[len - 1] = taint;
                }
            }
            Step::Dup { len: before, taint } => {
                let shadow = &mut self.shadows[depth];
                shadow.resize(len, 0);
                if len == before + 1 {
                    shadow[len - 1] = taint;
                }
            }
            Step::Swap { len: before, n } => {
                let shadow = &mut self.shadows[depth];
                shadow.resize(len, 0);
                if len == before && n < len {
                    shadow.swap(len - 1, len - 1 - n);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOKEN: Address = Address::repeat_byte(7);

    /// Runs `ops` through the tracker on a model stack at depth 1, computing results for the
    /// few instructions the tests use.
    struct Model {
        taint: SlotTaint,
        stack: Vec<U256>,
        storage: Vec<(U256, U256)>,
    }

    impl Model {
        fn new(storage: &[(u64, u64)]) -> Self {
            Self {
                taint: SlotTaint::default(),
                stack: Vec::new(),
                storage: storage
                    .iter()
                    .map(|(k, v)| (U256::from(*k), U256::from(*v)))
                    .collect(),
            }
        }

        fn push(&mut self, value: u64) {
            self.op(opcode::PUSH1, |s| s.push(U256::from(value)));
        }

        fn op(&mut self, op: u8, run: impl FnOnce(&mut Vec<U256>)) {
            let present = self.stack.last().and_then(|key| {
                self.storage
                    .iter()
                    .find_map(|(k, v)| (k == key).then_some(*v))
            });
            let step = self
                .taint
                .before(1, op, &self.stack, (TOKEN, present, true));
            run(&mut self.stack);
            self.taint.after(1, step, &self.stack);
        }

        /// PUSH key, SLOAD.
        fn load(&mut self, key: u64) {
            self.push(key);
            self.exec(opcode::SLOAD);
        }

        /// PUSH key, SSTORE (of the word below).
        fn store(&mut self, key: u64) {
            self.push(key);
            self.exec(opcode::SSTORE);
        }

        fn swap(&mut self, n: usize) {
            self.op(opcode::SWAP1 + n as u8 - 1, |s| {
                let len = s.len();
                s.swap(len - 1, len - 1 - n)
            });
        }

        fn dup(&mut self, n: usize) {
            self.op(opcode::DUP1 + n as u8 - 1, |s| s.push(s[s.len() - n]));
        }

        fn exec(&mut self, op: u8) {
            let mut storage = self.storage.clone();
            self.op(op, |s| {
                let a = s.pop().unwrap();
                match op {
                    opcode::SLOAD => {
                        let v = storage.iter().find_map(|(k, v)| (*k == a).then_some(*v));
                        s.push(v.unwrap_or_default());
                    }
                    opcode::ISZERO => s.push(U256::from(a.is_zero())),
                    opcode::POP => {}
                    _ => {
                        let b = s.pop().unwrap();
                        match op {
                            opcode::ADD => s.push(a.wrapping_add(b)),
                            opcode::SUB => s.push(a.wrapping_sub(b)),
                            opcode::MUL => s.push(a.wrapping_mul(b)),
                            opcode::LT => s.push(U256::from(a < b)),
                            opcode::GT => s.push(U256::from(a > b)),
                            opcode::EQ => s.push(U256::from(a == b)),
                            opcode::MSTORE | opcode::JUMPI => {}
                            opcode::LOG1 => {
                                s.pop();
                            }
                            opcode::SSTORE => match storage.iter_mut().find(|(k, _)| *k == a) {
                                Some(entry) => entry.1 = b,
                                None => storage.push((a, b)),
                            },
                            _ => unreachable!("not modelled"),
                        }
                    }
                }
            });
            self.storage = storage;
        }

        fn relaxed(&self) -> Vec<(u64, u64, u64)> {
            self.taint
                .relaxed()
                .map(|r| (r.key.to(), r.low.saturating_to(), r.high.saturating_to()))
                .collect()
        }
    }

    #[test]
    fn a_debit_checked_against_the_amount_admits_every_balance_that_covers_it() {
        // balance[1] = 100; require(balance >= 30); balance -= 30
        let mut m = Model::new(&[(1, 100)]);
        m.load(1);
        m.push(30);
        m.dup(2);
        m.exec(opcode::LT); // balance < 30: false
        m.push(0);
        m.exec(opcode::JUMPI); // destination 0 (modelled as data), the comparison's result
        m.push(30);
        m.swap(1);
        m.exec(opcode::SUB); // balance - 30
        m.store(1);
        assert_eq!(m.storage, [(U256::from(1), U256::from(70))]);
        // At least 30 (the check), never 30 exactly (the slot would become zero: other gas).
        let relaxed = m.relaxed();
        assert_eq!(relaxed.len(), 1);
        assert_eq!((relaxed[0].0, relaxed[0].1), (1, 31));
        let high = m.taint.relaxed().next().unwrap().high;
        assert_eq!(high, U256::MAX, "a subtraction never wraps upwards");
    }

    #[test]
    fn a_balance_moved_deep_in_the_stack_stays_tracked() {
        // balance[3] = 50 under three other words: DUP4 brings it up, 10 is added, SWAP3 takes
        // the sum down and back under the slot's key, where it is stored.
        let mut m = Model::new(&[(3, 50)]);
        m.load(3);
        for word in [7, 8, 9] {
            m.push(word);
        }
        m.dup(4);
        m.push(10);
        m.exec(opcode::ADD);
        m.swap(3);
        for _ in 0..3 {
            m.exec(opcode::POP);
        }
        m.store(3);
        assert_eq!(m.storage, [(U256::from(3), U256::from(60))]);
        assert_eq!(m.relaxed()[..], [(3, 1, u64::MAX)]);
    }

    #[test]
    fn a_credit_admits_every_balance_it_does_not_overflow_and_zero_is_apart() {
        // A zero start costs a different SSTORE: from zero the range is zero alone.
        let not_zero = (U256::from(1), U256::MAX - U256::from(40));
        for (start, range) in [(5, not_zero), (0, (U256::ZERO, U256::ZERO))] {
            let mut m = Model::new(&[(2, start)]);
            m.load(2);
            m.push(40);
            m.exec(opcode::ADD);
            m.store(2);
            let r = m.taint.relaxed().next().unwrap();
            assert_eq!((r.low, r.high), range, "from {start}");
        }
    }

    #[test]
    fn any_other_use_escapes_and_other_slots_stay_tracked() {
        for (op, escapes) in [
            (opcode::MUL, true),
            (opcode::MSTORE, true),
            (opcode::POP, false),
            (opcode::EQ, false),
        ] {
            let mut m = Model::new(&[(1, 9), (2, 4)]);
            m.load(2);
            m.load(1);
            if op != opcode::POP {
                m.push(3);
                m.swap(1);
            }
            m.exec(op);
            let keys: Vec<u64> = m.relaxed().iter().map(|r| r.0).collect();
            let expected: &[u64] = if escapes { &[2] } else { &[2, 1] };
            assert_eq!(keys, expected, "opcode {op:#x}");
        }
    }

    #[test]
    fn a_value_deeper_than_two_words_escapes() {
        // LOG1(offset, size, topic) with the loaded value as the topic.
        let mut m = Model::new(&[(1, 9)]);
        m.load(1);
        m.push(32);
        m.push(0);
        m.exec(opcode::LOG1);
        assert!(m.relaxed().is_empty());
    }

    #[test]
    fn a_store_of_a_constant_or_into_another_slot_escapes() {
        // slot 1 = slot 1 + 1 stored into slot 2.
        let mut m = Model::new(&[(1, 9)]);
        m.load(1);
        m.push(1);
        m.exec(opcode::ADD);
        m.store(2);
        assert!(m.relaxed().is_empty());
        // slot 1 loaded, then overwritten with a constant.
        let mut m = Model::new(&[(1, 9)]);
        m.load(1);
        m.push(5);
        m.store(1);
        assert!(m.relaxed().is_empty());
        // A slot stored before it is loaded is never a source.
        let mut m = Model::new(&[(1, 9)]);
        m.push(5);
        m.store(1);
        m.load(1);
        assert!(m.relaxed().is_empty());
    }

    #[test]
    fn each_comparison_keeps_its_outcome_and_nothing_more() {
        const MAX: u64 = u64::MAX; // stands for 2^256 - 1 in `relaxed` (saturated)
                                   // (operation, constant, whether the loaded 50 is the top operand, range)
        let cases = [
            (opcode::LT, 80, true, (0, 79)),    // 50 < 80
            (opcode::LT, 30, true, (30, MAX)),  // !(50 < 30)
            (opcode::GT, 30, true, (31, MAX)),  // 50 > 30
            (opcode::GT, 80, true, (0, 80)),    // !(50 > 80)
            (opcode::LT, 30, false, (31, MAX)), // 30 < 50
            (opcode::GT, 80, false, (0, 79)),   // 80 > 50
            (opcode::EQ, 60, true, (0, 59)),
            (opcode::EQ, 40, false, (41, MAX)),
            (opcode::EQ, 50, true, (50, 50)),
            (opcode::ISZERO, 0, true, (1, MAX)),
        ];
        for (op, c, loaded_on_top, range) in cases {
            let mut m = Model::new(&[(1, 50)]);
            if op != opcode::ISZERO && loaded_on_top {
                m.push(c);
            }
            m.load(1);
            if op != opcode::ISZERO && !loaded_on_top {
                m.push(c);
            }
            m.exec(op);
            assert_eq!(
                m.relaxed(),
                [(1, range.0, range.1)],
                "{op:#x} {c} {loaded_on_top}"
            );
        }
    }

    #[test]
    fn a_jump_on_a_loaded_value_keeps_it_zero_or_not() {
        for (start, range) in [(50, (1, u64::MAX)), (0, (0, 0))] {
            let mut m = Model::new(&[(1, start)]);
            m.load(1);
            m.push(0); // the destination
            m.exec(opcode::JUMPI);
            assert_eq!(m.relaxed(), [(1, range.0, range.1)], "from {start}");
        }
    }

    #[test]
    fn comparisons_pin_the_side_of_each_bound() {
        // 50 loaded; 50 > 10 true, 50 < 80 true, 50 == 60 false, iszero false.
        let mut m = Model::new(&[(1, 50)]);
        m.load(1);
        for (c, op) in [(10, opcode::GT), (80, opcode::LT), (60, opcode::EQ)] {
            m.dup(1);
            m.push(c);
            m.swap(1);
            m.exec(op);
            m.exec(opcode::POP);
        }
        m.dup(1);
        m.exec(opcode::ISZERO);
        assert_eq!(m.relaxed(), [(1, 11, 59)]);
        // The same word compared with itself changes nothing.
        m.dup(1);
        m.dup(1);
        m.exec(opcode::EQ);
        assert_eq!(m.relaxed(), [(1, 11, 59)]);
    }
}
