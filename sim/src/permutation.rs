//! The lone Keccak-f[1600] permutation block, Verilated, for round-by-round tests.

use std::ffi::c_void;
use std::ptr::NonNull;

use crate::ffi::{PermVariant, PERM_VARIANTS};
use crate::SimError;

/// A Verilated permutation of some rounds per clock. The state is 25 little-endian lanes,
/// lane `x + 5 y`.
pub struct PermutationSim {
    variant: &'static PermVariant,
    model: NonNull<c_void>,
    state: [u64; 25],
    busy: bool,
}

// The model is owned exclusively by this value and only touched through `&mut self`.
unsafe impl Send for PermutationSim {}

impl PermutationSim {
    /// Rounds per clock with a model built in (those of the built core configurations).
    pub fn built_rounds() -> Vec<usize> {
        PERM_VARIANTS.iter().map(|v| v.rounds).collect()
    }

    /// The permutation running `rounds` rounds per clock.
    pub fn new(rounds: usize) -> Result<Self, SimError> {
        let variant = PERM_VARIANTS
            .iter()
            .find(|v| v.rounds == rounds)
            .ok_or_else(|| SimError::NotBuilt {
                engines: 0,
                rounds,
                built: format!("{:?} rounds per clock", Self::built_rounds()),
            })?;
        // SAFETY: a fresh model, freed once in `Drop`.
        let model = NonNull::new(unsafe { (variant.new)() }).ok_or(SimError::Model)?;
        Ok(Self {
            variant,
            model,
            state: [0; 25],
            busy: false,
        })
    }

    /// Rounds per clock.
    pub fn rounds(&self) -> usize {
        self.variant.rounds
    }

    /// One clock cycle; `start` loads `absorb` (XORed into the state when `keep`).
    pub fn cycle(&mut self, start: bool, keep: bool, absorb: &[u64; 25]) {
        let mut words = [0u32; 50];
        for (i, lane) in absorb.iter().enumerate() {
            words[2 * i] = *lane as u32;
            words[2 * i + 1] = (*lane >> 32) as u32;
        }
        let mut out = [0u32; 50];
        let mut busy = 0u8;
        // SAFETY: valid model; 50-word buffers as the harness expects.
        unsafe {
            (self.variant.cycle)(
                self.model.as_ptr(),
                u8::from(start),
                u8::from(keep),
                0,
                words.as_ptr(),
                out.as_mut_ptr(),
                &mut busy,
            )
        };
        for (i, lane) in self.state.iter_mut().enumerate() {
            *lane = u64::from(out[2 * i]) | (u64::from(out[2 * i + 1]) << 32);
        }
        self.busy = busy != 0;
    }

    /// The state register after the last cycle.
    pub fn state(&self) -> &[u64; 25] {
        &self.state
    }

    /// Rounds remain after the last cycle.
    pub fn busy(&self) -> bool {
        self.busy
    }
}

impl Drop for PermutationSim {
    fn drop(&mut self) {
        // SAFETY: the model came from `new` and is freed once.
        unsafe { (self.variant.free)(self.model.as_ptr()) };
    }
}
