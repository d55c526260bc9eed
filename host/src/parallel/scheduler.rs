//! The collaborative scheduler of Block-STM: lanes pull execution and validation tasks from
//! two shared indexes, lowest transaction first.
//!
//! Invariants (Gelashvili et al., "Block-STM", 2022): a transaction is validated after every
//! execution of it, and again whenever a lower transaction's re-execution wrote a new location;
//! the scheduler reports done only when both indexes passed the block, no task is in flight, and
//! no index was decreased while checking. Then every transaction's last incarnation read exactly
//! what sequential execution would, so committing them in order equals sequential execution.

use super::kept::{fit, Kept};
use super::location::{Incarnation, TxIdx};
use super::mv_memory::lock;
use super::padded::Padded;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::Mutex;

/// A unit of work for a lane.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Task {
    /// Execute this incarnation.
    Execute(TxIdx, Incarnation),
    /// Validate this incarnation's reads.
    Validate(TxIdx, Incarnation),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Status {
    ReadyToExecute,
    Executing,
    Executed,
    Aborting,
}

/// Shared scheduling state of one block.
pub struct Scheduler {
    txs: usize,
    execution_idx: Padded<AtomicUsize>,
    validation_idx: Padded<AtomicUsize>,
    decrease_cnt: Padded<AtomicUsize>,
    /// Tasks in flight, counted by the lane that holds them (a task never changes lanes), so
    /// that counting costs a lane no cache line the other lanes write.
    active_tasks: Box<[Padded<AtomicUsize>]>,
    /// Per lane: a transaction its last execution woke, plus one (0: none), which the lane
    /// executes next. Counted as a task in flight from the moment it is handed over.
    handoffs: Box<[Padded<AtomicUsize>]>,
    done: Padded<AtomicBool>,
    status: Vec<Padded<TxStatus>>,
    /// Transactions any lane executes before claiming in block order (see
    /// [`super::early_starts`]), and how many of them were claimed.
    early: Vec<TxIdx>,
    early_claimed: Padded<AtomicUsize>,
    /// Early claims that found their transaction ready and executed it.
    early_started: Padded<AtomicUsize>,
}

/// One transaction's scheduling state (on its own cache lines: lanes run neighbours at once).
#[derive(Debug)]
struct TxStatus {
    status: Mutex<(Incarnation, Status)>,
    dependents: Mutex<Vec<TxIdx>>,
}

impl Default for TxStatus {
    fn default() -> Self {
        Self {
            status: Mutex::new((0, Status::ReadyToExecute)),
            dependents: Mutex::new(Vec::new()),
        }
    }
}

/// Schedulers kept for the next blocks, their statuses reset (see [`Scheduler::recycle`]).
static KEPT: Kept<Scheduler> = Kept::new();

impl Scheduler {
    /// A scheduler for `txs` transactions, all ready for their first incarnation, run by lanes
    /// `0..lanes`: a kept one when there is one (give it back with [`Self::recycle`]).
    pub fn take(txs: usize, lanes: usize) -> Self {
        let counters = || (0..lanes.max(1)).map(|_| Padded::default()).collect();
        let mut scheduler = KEPT.take().unwrap_or_else(|| Self {
            txs: 0,
            execution_idx: Padded::default(),
            validation_idx: Padded::default(),
            decrease_cnt: Padded::default(),
            active_tasks: counters(),
            handoffs: counters(),
            done: Padded::default(),
            status: Vec::new(),
            early: Vec::new(),
            early_claimed: Padded::default(),
            early_started: Padded::default(),
        });
        if scheduler.active_tasks.len() != lanes.max(1) {
            scheduler.active_tasks = counters();
            scheduler.handoffs = counters();
        }
        scheduler.txs = txs;
        fit(&mut scheduler.status, txs);
        scheduler
    }

    /// Resets the scheduler and keeps it for a later block.
    pub fn recycle(mut self) {
        self.reset();
        KEPT.keep(self);
    }

    /// Puts the scheduler back in its state before any task. Statuses already ready for a
    /// first incarnation are left untouched (a halted block's tail), so their cache lines stay
    /// clean.
    fn reset(&mut self) {
        for counter in [
            &mut self.execution_idx,
            &mut self.validation_idx,
            &mut self.decrease_cnt,
            &mut self.early_claimed,
            &mut self.early_started,
        ]
        .into_iter()
        .chain(self.active_tasks.iter_mut())
        .chain(self.handoffs.iter_mut())
        {
            *counter.get_mut() = 0;
        }
        *self.done.get_mut() = false;
        self.early.clear();
        for status in &mut self.status {
            let state = status.status.get_mut().unwrap_or_else(|e| e.into_inner());
            if *state != (0, Status::ReadyToExecute) {
                *state = (0, Status::ReadyToExecute);
            }
            let dependents = status
                .dependents
                .get_mut()
                .unwrap_or_else(|e| e.into_inner());
            if !dependents.is_empty() {
                dependents.clear();
            }
        }
    }

    /// The transactions to execute first, out of block order; their lists' storage is reused.
    pub fn early_starts(&mut self) -> &mut Vec<TxIdx> {
        &mut self.early
    }

    /// Whether every transaction is executed and validated.
    pub fn done(&self) -> bool {
        self.done.load(SeqCst)
    }

    /// Whether `txn`'s last incarnation finished executing (and was not aborted since).
    pub fn is_executed(&self, txn: TxIdx) -> bool {
        lock(&self.status[txn].status).1 == Status::Executed
    }

    /// Stops all lanes (used when the block falls back to sequential execution).
    pub fn halt(&self) {
        self.done.store(true, SeqCst);
    }

    fn decrease_execution_idx(&self, target: TxIdx) {
        self.execution_idx.fetch_min(target, SeqCst);
        self.decrease_cnt.fetch_add(1, SeqCst);
    }

    fn decrease_validation_idx(&self, target: TxIdx) {
        self.validation_idx.fetch_min(target, SeqCst);
        self.decrease_cnt.fetch_add(1, SeqCst);
    }

    /// The handoff slot of `lane` (shared like its task count).
    fn handoff(&self, lane: usize) -> &AtomicUsize {
        &self.handoffs[lane % self.handoffs.len()].0
    }

    /// The task count of `lane`.
    fn active(&self, lane: usize) -> &AtomicUsize {
        // Lanes past the count share counters: the sum, all `check_done` needs, stays exact.
        &self.active_tasks[lane % self.active_tasks.len()].0
    }

    /// Sets done when both indexes passed the block with no task in flight. The lanes' counts
    /// are read one after another: a lane read idle can only start a task by claiming an index
    /// below the block, which needs a decrease by a task in flight, and a decrease between the
    /// two reads of the decrease count is seen.
    fn check_done(&self) {
        let observed = self.decrease_cnt.load(SeqCst);
        if self
            .execution_idx
            .load(SeqCst)
            .min(self.validation_idx.load(SeqCst))
            >= self.txs
            && self.active_tasks.iter().all(|a| a.load(SeqCst) == 0)
            && observed == self.decrease_cnt.load(SeqCst)
        {
            self.done.store(true, SeqCst);
        }
    }

    /// Moves `txn` from ready to executing; `None` if it is not ready (the caller keeps the
    /// active-task count balanced).
    fn try_incarnate(&self, txn: TxIdx) -> Option<Task> {
        if txn < self.txs {
            let mut status = lock(&self.status[txn].status);
            if status.1 == Status::ReadyToExecute {
                status.1 = Status::Executing;
                return Some(Task::Execute(txn, status.0));
            }
        }
        None
    }

    /// The next transaction to start early, while there is one. Claimed in block order later
    /// too, whoever comes first executes it (the other finds it no longer ready).
    fn next_early_start(&self, lane: usize) -> Option<Task> {
        if self.early_claimed.load(SeqCst) >= self.early.len() {
            return None;
        }
        self.active(lane).fetch_add(1, SeqCst);
        let task = self
            .early
            .get(self.early_claimed.fetch_add(1, SeqCst))
            .and_then(|&txn| self.try_incarnate(txn));
        match task {
            Some(_) => self.early_started.fetch_add(1, SeqCst),
            None => self.active(lane).fetch_sub(1, SeqCst),
        };
        task
    }

    /// How many transactions were started early.
    pub fn started_early(&self) -> usize {
        self.early_started.load(SeqCst)
    }

    fn next_version_to_execute(&self, lane: usize) -> Option<Task> {
        if self.execution_idx.load(SeqCst) >= self.txs {
            self.check_done();
            return None;
        }
        self.active(lane).fetch_add(1, SeqCst);
        let txn = self.execution_idx.fetch_add(1, SeqCst);
        let task = self.try_incarnate(txn);
        if task.is_none() {
            self.active(lane).fetch_sub(1, SeqCst);
        }
        task
    }

    /// Whether the transaction at `txn` finished an execution that still needs validating. The
    /// validation index waits at a transaction still executing rather than passing it: passing
    /// it would cost its lane a decrease of the index when it finishes, and every lane a wasted
    /// claim (at two lanes, most transactions were passed so).
    fn validatable(&self, txn: TxIdx) -> bool {
        txn < self.txs && lock(&self.status[txn].status).1 == Status::Executed
    }

    /// Claims the validation of `txn`: whoever moves the index past it.
    fn claim_validation(&self, txn: TxIdx) -> bool {
        self.validation_idx
            .compare_exchange(txn, txn + 1, SeqCst, SeqCst)
            .is_ok()
    }

    fn next_version_to_validate(&self, txn: TxIdx, lane: usize) -> Option<Task> {
        self.active(lane).fetch_add(1, SeqCst);
        // The status is read again after the claim, as an abort may have come in between.
        if self.claim_validation(txn) {
            let (incarnation, status) = *lock(&self.status[txn].status);
            if status == Status::Executed {
                return Some(Task::Validate(txn, incarnation));
            }
        }
        self.active(lane).fetch_sub(1, SeqCst);
        None
    }

    /// The next task for `lane`: the transaction its last execution woke, if any; else a
    /// transaction to start early; else validation first when it lags execution and its next
    /// transaction is ready to be validated.
    pub fn next_task(&self, lane: usize) -> Option<Task> {
        if let Some(woken) = self.handoff(lane).swap(0, SeqCst).checked_sub(1) {
            // Counted in flight when handed over; another lane may have claimed it since.
            match self.try_incarnate(woken) {
                Some(task) => return Some(task),
                None => self.active(lane).fetch_sub(1, SeqCst),
            };
        }
        if let Some(task) = self.next_early_start(lane) {
            return Some(task);
        }
        let validation = self.validation_idx.load(SeqCst);
        if validation < self.execution_idx.load(SeqCst) && self.validatable(validation) {
            self.next_version_to_validate(validation, lane)
        } else {
            self.next_version_to_execute(lane)
        }
    }

    /// Suspends `txn` until `blocking` executes again. Returns false when `blocking` already
    /// finished, in which case the caller re-executes `txn` at once.
    pub fn add_dependency(&self, txn: TxIdx, blocking: TxIdx, lane: usize) -> bool {
        let mut dependents = lock(&self.status[blocking].dependents);
        if lock(&self.status[blocking].status).1 == Status::Executed {
            return false;
        }
        lock(&self.status[txn].status).1 = Status::Aborting;
        dependents.push(txn);
        self.active(lane).fetch_sub(1, SeqCst);
        true
    }

    fn set_ready(&self, txn: TxIdx) {
        let mut status = lock(&self.status[txn].status);
        *status = (status.0 + 1, Status::ReadyToExecute);
    }

    /// Marks an incarnation executed, wakes its dependents, and returns its validation task when
    /// the lane should run it at once.
    pub fn finish_execution(
        &self,
        txn: TxIdx,
        incarnation: Incarnation,
        wrote_new_location: bool,
        lane: usize,
    ) -> Option<Task> {
        *lock(&self.status[txn].status) = (incarnation, Status::Executed);
        let dependents = std::mem::take(&mut *lock(&self.status[txn].dependents));
        if let Some(first) = dependents.iter().copied().min() {
            for &dependent in &dependents {
                self.set_ready(dependent);
            }
            // This lane runs the first dependent itself: the execution index stays where it
            // is, so lanes do not claim their way up again over every transaction since (where
            // transfers into one address wait for each other, that rescan came at every link).
            // The index goes back for the others, or for the first too if the lane's slot is
            // taken (lanes sharing counts).
            self.active(lane).fetch_add(1, SeqCst);
            let handed = self
                .handoff(lane)
                .compare_exchange(0, first + 1, SeqCst, SeqCst);
            let others = dependents.iter().copied().filter(|d| *d != first).min();
            let back = match handed {
                Ok(_) => others,
                Err(_) => {
                    self.active(lane).fetch_sub(1, SeqCst);
                    Some(first)
                }
            };
            if let Some(back) = back {
                self.decrease_execution_idx(back);
            }
        }
        let validation = self.validation_idx.load(SeqCst);
        if validation > txn {
            if wrote_new_location {
                self.decrease_validation_idx(txn);
            } else {
                return Some(Task::Validate(txn, incarnation));
            }
        } else if validation == txn && self.claim_validation(txn) {
            // The index waited here for this execution: the lane validates it at once.
            return Some(Task::Validate(txn, incarnation));
        }
        self.active(lane).fetch_sub(1, SeqCst);
        None
    }

    /// Claims the abort of a failed validation; only one lane wins per incarnation.
    pub fn try_validation_abort(&self, txn: TxIdx, incarnation: Incarnation) -> bool {
        let mut status = lock(&self.status[txn].status);
        if *status == (incarnation, Status::Executed) {
            status.1 = Status::Aborting;
            true
        } else {
            false
        }
    }

    /// Ends a validation; after an abort, returns the re-execution when the lane should run it.
    pub fn finish_validation(&self, txn: TxIdx, aborted: bool, lane: usize) -> Option<Task> {
        if aborted {
            self.set_ready(txn);
            self.decrease_validation_idx(txn + 1);
            if self.execution_idx.load(SeqCst) > txn {
                if let Some(task) = self.try_incarnate(txn) {
                    return Some(task);
                }
            }
        }
        self.active(lane).fetch_sub(1, SeqCst);
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation_waits_for_an_execution_and_its_lane_validates_it() {
        let scheduler = Scheduler::take(3, 2);
        assert_eq!(scheduler.next_task(0), Some(Task::Execute(0, 0)));
        // Transaction 0 is still executing: lane 1 executes the next one instead of passing it.
        assert_eq!(scheduler.next_task(1), Some(Task::Execute(1, 0)));
        // 1 finishes first: the index waits at 0, so 1 is not validated yet.
        assert_eq!(scheduler.finish_execution(1, 0, true, 1), None);
        assert_eq!(scheduler.next_task(1), Some(Task::Execute(2, 0)));
        // 0 finishes where the index waits: its own lane validates it at once.
        assert_eq!(
            scheduler.finish_execution(0, 0, true, 0),
            Some(Task::Validate(0, 0))
        );
        assert_eq!(scheduler.finish_validation(0, false, 0), None);
        assert_eq!(scheduler.next_task(0), Some(Task::Validate(1, 0)));
        assert_eq!(scheduler.finish_validation(1, false, 0), None);
        assert!(!scheduler.done(), "transaction 2 is still executing");
        assert_eq!(
            scheduler.finish_execution(2, 0, true, 1),
            Some(Task::Validate(2, 0))
        );
        assert_eq!(scheduler.finish_validation(2, false, 1), None);
        assert_eq!(scheduler.next_task(0), None);
        assert!(scheduler.done());
    }

    #[test]
    fn an_early_start_runs_first_and_is_validated_in_block_order() {
        let mut scheduler = Scheduler::take(4, 2);
        scheduler.early_starts().push(3);
        assert_eq!(scheduler.next_task(0), Some(Task::Execute(3, 0)));
        assert_eq!(scheduler.next_task(1), Some(Task::Execute(0, 0)));
        // 3 finished first: not validated before the transactions below it.
        assert_eq!(scheduler.finish_execution(3, 0, true, 0), None);
        assert_eq!(
            scheduler.finish_execution(0, 0, true, 1),
            Some(Task::Validate(0, 0))
        );
        assert_eq!(scheduler.finish_validation(0, false, 1), None);
        for txn in 1..3 {
            assert_eq!(scheduler.next_task(0), Some(Task::Execute(txn, 0)));
            assert_eq!(
                scheduler.finish_execution(txn, 0, false, 0),
                Some(Task::Validate(txn, 0))
            );
            assert_eq!(scheduler.finish_validation(txn, false, 0), None);
        }
        // The claim in block order passes 3, already executed; then 3 is validated, found
        // stale, and run again.
        assert_eq!(scheduler.next_task(1), None);
        assert_eq!(scheduler.next_task(1), Some(Task::Validate(3, 0)));
        assert!(scheduler.try_validation_abort(3, 0));
        assert_eq!(
            scheduler.finish_validation(3, true, 1),
            Some(Task::Execute(3, 1))
        );
        assert_eq!(
            scheduler.finish_execution(3, 1, false, 1),
            Some(Task::Validate(3, 1))
        );
        assert_eq!(scheduler.finish_validation(3, false, 1), None);
        assert_eq!(scheduler.next_task(0), None);
        assert!(scheduler.done());
        assert_eq!(scheduler.started_early(), 1);
        scheduler.reset();
        assert_eq!(scheduler.started_early(), 0);
        assert_eq!(scheduler.next_task(0), Some(Task::Execute(0, 0)));
    }

    #[test]
    fn a_reset_scheduler_runs_a_block_from_the_start() {
        let mut scheduler = Scheduler::take(3, 2);
        assert_eq!(scheduler.next_task(0), Some(Task::Execute(0, 0)));
        assert_eq!(scheduler.next_task(1), Some(Task::Execute(1, 0)));
        assert!(scheduler.add_dependency(1, 0, 1));
        assert_eq!(
            scheduler.finish_execution(0, 0, true, 0),
            Some(Task::Validate(0, 0))
        );
        assert!(scheduler.try_validation_abort(0, 0));
        scheduler.halt();
        scheduler.reset();
        assert!(!scheduler.done());
        for txn in 0..3 {
            assert_eq!(scheduler.next_task(0), Some(Task::Execute(txn, 0)));
            assert_eq!(
                scheduler.finish_execution(txn, 0, true, 0),
                Some(Task::Validate(txn, 0))
            );
            assert_eq!(scheduler.finish_validation(txn, false, 0), None);
        }
        assert_eq!(scheduler.next_task(1), None);
        assert!(scheduler.done());
    }

    #[test]
    fn an_aborted_validation_runs_the_transaction_again() {
        let scheduler = Scheduler::take(2, 1);
        assert_eq!(scheduler.next_task(0), Some(Task::Execute(0, 0)));
        assert_eq!(
            scheduler.finish_execution(0, 0, true, 0),
            Some(Task::Validate(0, 0))
        );
        assert!(scheduler.try_validation_abort(0, 0));
        // Execution has passed 0: the lane that aborted it runs its next incarnation at once.
        assert_eq!(
            scheduler.finish_validation(0, true, 0),
            Some(Task::Execute(0, 1))
        );
        assert_eq!(
            scheduler.finish_execution(0, 1, false, 0),
            Some(Task::Validate(0, 1))
        );
        assert_eq!(scheduler.finish_validation(0, false, 0), None);
        assert_eq!(scheduler.next_task(0), Some(Task::Execute(1, 0)));
        assert_eq!(
            scheduler.finish_execution(1, 0, true, 0),
            Some(Task::Validate(1, 0))
        );
        assert_eq!(scheduler.finish_validation(1, false, 0), None);
        assert_eq!(scheduler.next_task(0), None);
        assert!(scheduler.done());
    }

    #[test]
    fn the_lane_that_wakes_a_dependent_runs_it_and_the_index_stays() {
        let scheduler = Scheduler::take(4, 2);
        assert_eq!(scheduler.next_task(0), Some(Task::Execute(0, 0)));
        assert_eq!(scheduler.next_task(1), Some(Task::Execute(1, 0)));
        // 1 must wait for 0; lane 1 goes on with 2 and 3.
        assert!(scheduler.add_dependency(1, 0, 1));
        assert_eq!(scheduler.next_task(1), Some(Task::Execute(2, 0)));
        assert_eq!(scheduler.finish_execution(2, 0, true, 1), None);
        assert_eq!(scheduler.next_task(1), Some(Task::Execute(3, 0)));
        assert_eq!(scheduler.finish_execution(3, 0, true, 1), None);
        assert_eq!(
            scheduler.finish_execution(0, 0, true, 0),
            Some(Task::Validate(0, 0))
        );
        // The index stayed past the block: lane 1 finds nothing to claim, and the block is not
        // done while 1 sits in lane 0's hands.
        assert_eq!(scheduler.next_task(1), None);
        assert!(!scheduler.done());
        assert_eq!(scheduler.finish_validation(0, false, 0), None);
        assert_eq!(scheduler.next_task(0), Some(Task::Execute(1, 1)));
        assert_eq!(
            scheduler.finish_execution(1, 1, true, 0),
            Some(Task::Validate(1, 1))
        );
        assert_eq!(scheduler.finish_validation(1, false, 0), None);
        assert_eq!(scheduler.next_task(0), Some(Task::Validate(2, 0)));
        assert_eq!(scheduler.finish_validation(2, false, 0), None);
        assert_eq!(scheduler.next_task(1), Some(Task::Validate(3, 0)));
        assert_eq!(scheduler.finish_validation(3, false, 1), None);
        assert_eq!(scheduler.next_task(0), None);
        assert!(scheduler.done());
    }
}
