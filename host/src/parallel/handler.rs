//! revm's mainnet handler with the beneficiary's fee credit deferred to the lane, which records
//! it as a lazy credit instead of a read-modify-write of the beneficiary's balance.

use revm::context::result::HaltReason;
use revm::context_interface::{ContextTr, JournalTr};
use revm::handler::{EvmTr, EvmTrError, FrameResult, FrameTr, Handler};
use revm::interpreter::interpreter_action::FrameInit;
use revm::state::EvmState;
use std::marker::PhantomData;

/// Runs a transaction exactly as mainnet does, except that the beneficiary is not paid.
pub struct DeferredFeeHandler<EVM, ERROR, FRAME>(PhantomData<(EVM, ERROR, FRAME)>);

impl<EVM, ERROR, FRAME> Default for DeferredFeeHandler<EVM, ERROR, FRAME> {
    fn default() -> Self {
        Self(PhantomData)
    }
}

impl<EVM, ERROR, FRAME> Handler for DeferredFeeHandler<EVM, ERROR, FRAME>
where
    EVM: EvmTr<Context: ContextTr<Journal: JournalTr<State = EvmState>>, Frame = FRAME>,
    ERROR: EvmTrError<EVM>,
    FRAME: FrameTr<FrameResult = FrameResult, FrameInit = FrameInit>,
{
    type Evm = EVM;
    type Error = ERROR;
    type HaltReason = HaltReason;

    fn reward_beneficiary(
        &self,
        _evm: &mut Self::Evm,
        _result: &mut FrameResult,
    ) -> Result<(), Self::Error> {
        Ok(())
    }
}
