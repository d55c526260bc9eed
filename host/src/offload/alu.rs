//! The EVM arithmetic of the core's ALU opcodes, computed on the CPU with the same operations
//! revm's instructions use: the reference the device is checked against and the fallback.

use super::layout::{
    self, OP_ADDMOD, OP_DIV, OP_EXP, OP_MOD, OP_MUL, OP_MULMOD, OP_SDIV, OP_SMOD, WORD_BYTES,
};
use revm::interpreter::instructions::i256::{i256_div, i256_mod};
use revm::primitives::U256;

/// ALU opcode `opcode` applied to `operands` (in the order the EVM pops them), as revm
/// computes it; `None` when `opcode` is not an ALU opcode or the operand count is wrong.
pub fn evaluate(opcode: u8, operands: &[U256]) -> Option<U256> {
    let value = match (opcode, operands) {
        (OP_MUL, [a, b]) => a.wrapping_mul(*b),
        (OP_DIV, [a, b]) => a.checked_div(*b).unwrap_or_default(),
        (OP_SDIV, [a, b]) => i256_div(*a, *b),
        (OP_MOD, [a, b]) => a.checked_rem(*b).unwrap_or_default(),
        (OP_SMOD, [a, b]) => i256_mod(*a, *b),
        (OP_ADDMOD, [a, b, n]) => a.add_mod(*b, *n),
        (OP_MULMOD, [a, b, n]) => a.mul_mod(*b, *n),
        (OP_EXP, [a, b]) => a.pow(*b),
        _ => return None,
    };
    Some(value)
}

/// The device's view of [`evaluate`]: operands as consecutive 32-byte big-endian words in
/// `input`, the result as one. `None` when the opcode is not an ALU opcode or `input` is not
/// exactly its operands ([`layout::STATUS_BAD_LENGTH`] on the device).
pub fn evaluate_bytes(opcode: u8, input: &[u8]) -> Option<[u8; WORD_BYTES]> {
    let count = layout::alu_operands(opcode)? as usize;
    if input.len() != count * WORD_BYTES {
        return None;
    }
    let operands: Vec<U256> = input
        .chunks_exact(WORD_BYTES)
        .map(U256::from_be_slice)
        .collect();
    evaluate(opcode, &operands).map(|v| v.to_be_bytes())
}

/// The input bytes of an ALU job on `operands`.
pub fn encode_operands(operands: &[U256]) -> Vec<u8> {
    operands
        .iter()
        .flat_map(|v| v.to_be_bytes::<WORD_BYTES>())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn word(v: u64) -> U256 {
        U256::from(v)
    }

    #[test]
    fn edge_cases_follow_the_evm() {
        let min = U256::ONE << 255;
        let minus_one = U256::MAX;
        assert_eq!(evaluate(OP_DIV, &[word(7), U256::ZERO]), Some(U256::ZERO));
        assert_eq!(evaluate(OP_MOD, &[word(7), U256::ZERO]), Some(U256::ZERO));
        assert_eq!(evaluate(OP_SDIV, &[min, minus_one]), Some(min));
        assert_eq!(
            evaluate(OP_SMOD, &[minus_one - word(6), word(3)]),
            Some(minus_one)
        );
        assert_eq!(
            evaluate(OP_ADDMOD, &[U256::MAX, word(2), U256::MAX]),
            Some(word(2))
        );
        assert_eq!(
            evaluate(OP_MULMOD, &[word(5), word(6), U256::ZERO]),
            Some(U256::ZERO)
        );
        assert_eq!(evaluate(OP_EXP, &[word(0), word(0)]), Some(word(1)));
        assert_eq!(evaluate(OP_EXP, &[word(2), word(256)]), Some(U256::ZERO));
        assert_eq!(evaluate(OP_MUL, &[word(3)]), None);
        assert_eq!(evaluate(layout::OP_KECCAK256, &[word(3), word(4)]), None);
    }

    #[test]
    fn bytes_round_trip() {
        let input = encode_operands(&[word(6), word(7)]);
        assert_eq!(evaluate_bytes(OP_MUL, &input), Some(word(42).to_be_bytes()));
        assert_eq!(evaluate_bytes(OP_MUL, &input[1..]), None);
        assert_eq!(evaluate_bytes(OP_MULMOD, &input), None);
    }
}
