//! A small EVM assembler: opcodes, pushes of any width, and labels resolved in two passes.

/// One item of an assembly listing.
#[derive(Debug, Clone)]
pub enum Asm {
    /// A plain opcode.
    Op(u8),
    /// Push a value, in as few bytes as it needs (PUSH1..PUSH32).
    Push(Vec<u8>),
    /// Push a label's byte offset (always PUSH2).
    PushLabel(&'static str),
    /// A jump destination (emits JUMPDEST).
    Label(&'static str),
}

/// Pushes `value` in its minimal width.
pub fn push(value: u64) -> Asm {
    let bytes = value.to_be_bytes();
    let first = bytes.iter().position(|b| *b != 0).unwrap_or(7);
    Asm::Push(bytes[first..].to_vec())
}

/// Pushes a 32-byte word.
pub fn push32(word: [u8; 32]) -> Asm {
    Asm::Push(word.to_vec())
}

/// Assembles a listing into bytecode.
///
/// # Panics
/// On an unknown or duplicate label, or a push wider than 32 bytes: listings are written in this
/// crate, so these are programming errors.
pub fn assemble(listing: &[Asm]) -> Vec<u8> {
    let mut labels = std::collections::HashMap::new();
    let mut offset = 0usize;
    for item in listing {
        offset += match item {
            Asm::Op(_) => 1,
            Asm::Push(bytes) => 1 + bytes.len(),
            Asm::PushLabel(_) => 3,
            Asm::Label(name) => {
                assert!(
                    labels.insert(*name, offset).is_none(),
                    "duplicate label {name}"
                );
                1
            }
        };
    }
    let mut code = Vec::with_capacity(offset);
    for item in listing {
        match item {
            Asm::Op(op) => code.push(*op),
            Asm::Push(bytes) => {
                assert!(
                    !bytes.is_empty() && bytes.len() <= 32,
                    "push of {} bytes",
                    bytes.len()
                );
                code.push(0x5f + bytes.len() as u8);
                code.extend_from_slice(bytes);
            }
            Asm::PushLabel(name) => {
                let target = *labels
                    .get(name)
                    .unwrap_or_else(|| panic!("unknown label {name}"));
                code.push(0x61);
                code.extend_from_slice(&(target as u16).to_be_bytes());
            }
            Asm::Label(_) => code.push(op::JUMPDEST),
        }
    }
    code
}

/// Opcodes used by the workload contracts.
pub mod op {
    #![allow(missing_docs)]
    pub const STOP: u8 = 0x00;
    pub const ADD: u8 = 0x01;
    pub const MUL: u8 = 0x02;
    pub const SUB: u8 = 0x03;
    pub const DIV: u8 = 0x04;
    pub const LT: u8 = 0x10;
    pub const ISZERO: u8 = 0x15;
    pub const EQ: u8 = 0x14;
    pub const SHR: u8 = 0x1c;
    pub const SHA3: u8 = 0x20;
    pub const CALLER: u8 = 0x33;
    pub const CALLDATALOAD: u8 = 0x35;
    pub const CALLDATASIZE: u8 = 0x36;
    pub const CALLDATACOPY: u8 = 0x37;
    pub const MLOAD: u8 = 0x51;
    pub const MSTORE: u8 = 0x52;
    pub const SLOAD: u8 = 0x54;
    pub const SSTORE: u8 = 0x55;
    pub const JUMPI: u8 = 0x57;
    pub const JUMP: u8 = 0x56;
    pub const GAS: u8 = 0x5a;
    pub const JUMPDEST: u8 = 0x5b;
    pub const DUP1: u8 = 0x80;
    pub const DUP3: u8 = 0x82;
    pub const SWAP1: u8 = 0x90;
    pub const LOG0: u8 = 0xa0;
    pub const LOG1: u8 = 0xa1;
    pub const LOG3: u8 = 0xa3;
    pub const CALL: u8 = 0xf1;
    pub const RETURN: u8 = 0xf3;
    pub const REVERT: u8 = 0xfd;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pushes_take_their_minimal_width() {
        assert_eq!(assemble(&[push(0)]), [0x60, 0x00]);
        assert_eq!(assemble(&[push(0x1234)]), [0x61, 0x12, 0x34]);
        assert_eq!(assemble(&[push(u64::MAX)])[0], 0x67);
        assert_eq!(assemble(&[push32([7; 32])]).len(), 33);
    }

    #[test]
    fn labels_resolve_forward_and_backward() {
        let code = assemble(&[
            Asm::Label("top"),
            Asm::PushLabel("end"),
            Asm::Op(op::JUMP),
            Asm::Label("end"),
            Asm::PushLabel("top"),
        ]);
        assert_eq!(code, [0x5b, 0x61, 0x00, 0x05, 0x56, 0x5b, 0x61, 0x00, 0x00]);
    }
}
