//! The workload contracts, assembled here: an ERC-20 token, a constant-product pool, a router,
//! a counter.

use super::asm::{assemble, op::*, push, push32, Asm, Asm::*};
use revm::primitives::{keccak256, Address, B256, U256};

/// `transfer(address,uint256)`.
pub const TRANSFER_SELECTOR: [u8; 4] = [0xa9, 0x05, 0x9c, 0xbb];
/// `balanceOf(address)`.
pub const BALANCE_OF_SELECTOR: [u8; 4] = [0x70, 0xa0, 0x82, 0x31];
/// `swap0for1(uint256)` of the pool (token0 in, token1 out).
pub const SWAP0_SELECTOR: [u8; 4] = [0x00, 0x00, 0x00, 0x01];
/// `swap1for0(uint256)` of the pool (token1 in, token0 out).
pub const SWAP1_SELECTOR: [u8; 4] = [0x00, 0x00, 0x00, 0x02];

/// Solidity's slot of `mapping(address => uint256)` number `index` for `key`:
/// `keccak256(abi.encode(key, index))`.
pub fn mapping_slot(key: Address, index: u64) -> U256 {
    let mut buf = [0u8; 64];
    buf[12..32].copy_from_slice(key.as_slice());
    buf[56..64].copy_from_slice(&index.to_be_bytes());
    U256::from_be_bytes(keccak256(buf).0)
}

/// keccak256 of an event signature: its first topic.
pub fn event_topic(signature: &str) -> B256 {
    keccak256(signature.as_bytes())
}

fn selector(value: [u8; 4]) -> Asm {
    Push(value.to_vec())
}

/// Pushes the storage slot `keccak256(abi.encode(<word on the stack>, index))`, consuming the word.
fn mapping_slot_of_top(index: u64) -> Vec<Asm> {
    vec![
        push(0),
        Op(MSTORE),
        push(index),
        push(0x20),
        Op(MSTORE),
        push(0x40),
        push(0),
        Op(SHA3),
    ]
}

/// An ERC-20 token: balances in mapping slot 0, `transfer` (reverts when the balance is short,
/// logs `Transfer`, returns true) and `balanceOf`.
pub fn erc20() -> Vec<u8> {
    let transfer_topic = event_topic("Transfer(address,address,uint256)").0;
    let mut l = vec![
        push(0),
        Op(CALLDATALOAD),
        push(0xe0),
        Op(SHR),
        Op(DUP1),
        selector(TRANSFER_SELECTOR),
        Op(EQ),
        PushLabel("transfer"),
        Op(JUMPI),
        Op(DUP1),
        selector(BALANCE_OF_SELECTOR),
        Op(EQ),
        PushLabel("balance_of"),
        Op(JUMPI),
        Label("fail"),
        push(0),
        Op(DUP1),
        Op(REVERT),
        Label("balance_of"),
        push(4),
        Op(CALLDATALOAD),
    ];
    l.extend(mapping_slot_of_top(0));
    l.extend([
        Op(SLOAD),
        push(0),
        Op(MSTORE),
        push(0x20),
        push(0),
        Op(RETURN),
    ]);
    l.extend([Label("transfer"), Op(CALLER)]);
    l.extend(mapping_slot_of_top(0)); // [from_slot]
    l.extend([
        Op(DUP1),
        Op(SLOAD),
        push(36),
        Op(CALLDATALOAD), // [from_slot, from_bal, amount]
        Op(DUP1),
        Op(DUP3),
        Op(LT),
        PushLabel("fail"),
        Op(JUMPI), // from_bal < amount: revert
        Op(SWAP1),
        Op(SUB),
        Op(SWAP1),
        Op(SSTORE), // from_bal - amount
        push(4),
        Op(CALLDATALOAD),
    ]);
    l.extend(mapping_slot_of_top(0)); // [to_slot]
    l.extend([
        Op(DUP1),
        Op(SLOAD),
        push(36),
        Op(CALLDATALOAD),
        Op(ADD),
        Op(SWAP1),
        Op(SSTORE),
        push(36),
        Op(CALLDATALOAD),
        push(0),
        Op(MSTORE),
        push(4),
        Op(CALLDATALOAD),
        Op(CALLER),
        push32(transfer_topic),
        push(0x20),
        push(0),
        Op(LOG3),
        push(1),
        push(0),
        Op(MSTORE),
        push(0x20),
        push(0),
        Op(RETURN),
    ]);
    assemble(&l)
}

/// Scratch memory of the pool's swap routine.
const IN_SLOT: u64 = 0x80;
const OUT_SLOT: u64 = 0xa0;
const IN_MAP: u64 = 0xc0;
const OUT_MAP: u64 = 0xe0;
const AMOUNT_IN: u64 = 0x100;
const RESERVE_IN: u64 = 0x120;
const RESERVE_OUT: u64 = 0x140;
const WITH_FEE: u64 = 0x160;
const AMOUNT_OUT: u64 = 0x180;
const BALANCE_SLOT: u64 = 0x1a0;

fn mload(at: u64) -> [Asm; 2] {
    [push(at), Op(MLOAD)]
}

/// A constant-product pool in the Uniswap V2 style: reserves in slots 0 and 1, traders' token
/// balances kept inside the pool (mappings 2 and 3). A swap of `amount_in` pays
/// `amount_in * 997 * r_out / (r_in * 1000 + amount_in * 997)`, updates both reserves and both
/// balances of the trader, logs `Swap`, and reverts when the trader's balance is short.
pub fn pool() -> Vec<u8> {
    let swap_topic = event_topic("Swap(uint256,uint256)").0;
    let setup = |in_slot: u64, out_slot: u64, in_map: u64, out_map: u64| {
        vec![
            push(in_slot),
            push(IN_SLOT),
            Op(MSTORE),
            push(out_slot),
            push(OUT_SLOT),
            Op(MSTORE),
            push(in_map),
            push(IN_MAP),
            Op(MSTORE),
            push(out_map),
            push(OUT_MAP),
            Op(MSTORE),
            PushLabel("swap"),
            Op(JUMP),
        ]
    };
    let mut l = vec![
        push(0),
        Op(CALLDATALOAD),
        push(0xe0),
        Op(SHR),
        Op(DUP1),
        selector(SWAP0_SELECTOR),
        Op(EQ),
        PushLabel("swap0"),
        Op(JUMPI),
        Op(DUP1),
        selector(SWAP1_SELECTOR),
        Op(EQ),
        PushLabel("swap1"),
        Op(JUMPI),
        Label("fail"),
        push(0),
        Op(DUP1),
        Op(REVERT),
        Label("swap0"),
    ];
    l.extend(setup(0, 1, 2, 3));
    l.push(Label("swap1"));
    l.extend(setup(1, 0, 3, 2));
    l.extend([
        Label("swap"),
        push(4),
        Op(CALLDATALOAD),
        push(AMOUNT_IN),
        Op(MSTORE),
    ]);
    l.extend(mload(IN_SLOT));
    l.extend([Op(SLOAD), push(RESERVE_IN), Op(MSTORE)]);
    l.extend(mload(OUT_SLOT));
    l.extend([Op(SLOAD), push(RESERVE_OUT), Op(MSTORE), push(997)]);
    l.extend(mload(AMOUNT_IN));
    l.extend([Op(MUL), push(WITH_FEE), Op(MSTORE)]);
    // amount_out = with_fee * r_out / (r_in * 1000 + with_fee)
    l.extend(mload(RESERVE_OUT));
    l.extend(mload(WITH_FEE));
    l.push(Op(MUL));
    l.extend(mload(WITH_FEE));
    l.push(push(1000));
    l.extend(mload(RESERVE_IN));
    l.extend([
        Op(MUL),
        Op(ADD),
        Op(SWAP1),
        Op(DIV),
        push(AMOUNT_OUT),
        Op(MSTORE),
    ]);
    // reserves
    l.extend(mload(AMOUNT_IN));
    l.extend(mload(RESERVE_IN));
    l.push(Op(ADD));
    l.extend(mload(IN_SLOT));
    l.push(Op(SSTORE));
    l.extend(mload(AMOUNT_OUT));
    l.extend(mload(RESERVE_OUT));
    l.push(Op(SUB));
    l.extend(mload(OUT_SLOT));
    l.push(Op(SSTORE));
    // the trader's balance of the token going in
    l.extend([Op(CALLER), push(0), Op(MSTORE)]);
    l.extend(mload(IN_MAP));
    l.extend([
        push(0x20),
        Op(MSTORE),
        push(0x40),
        push(0),
        Op(SHA3),
        push(BALANCE_SLOT),
        Op(MSTORE),
    ]);
    l.extend(mload(AMOUNT_IN));
    l.extend(mload(BALANCE_SLOT));
    l.extend([Op(SLOAD), Op(LT), PushLabel("fail"), Op(JUMPI)]);
    l.extend(mload(AMOUNT_IN));
    l.extend(mload(BALANCE_SLOT));
    l.extend([Op(SLOAD), Op(SUB)]);
    l.extend(mload(BALANCE_SLOT));
    l.push(Op(SSTORE));
    // the trader's balance of the token coming out
    l.extend([Op(CALLER), push(0), Op(MSTORE)]);
    l.extend(mload(OUT_MAP));
    l.extend([push(0x20), Op(MSTORE), push(0x40), push(0), Op(SHA3)]);
    l.extend([Op(DUP1), Op(SLOAD)]);
    l.extend(mload(AMOUNT_OUT));
    l.extend([Op(ADD), Op(SWAP1), Op(SSTORE)]);
    // log Swap(amount_in, amount_out) and return amount_out
    l.extend(mload(AMOUNT_OUT));
    l.extend([
        push(RESERVE_IN),
        Op(MSTORE),
        push32(swap_topic),
        push(0x40),
        push(AMOUNT_IN),
        Op(LOG1),
    ]);
    l.extend(mload(AMOUNT_OUT));
    l.extend([push(0), Op(MSTORE), push(0x20), push(0), Op(RETURN)]);
    assemble(&l)
}

/// A counter: each call adds one to slot 0 and logs the new value.
pub fn counter() -> Vec<u8> {
    assemble(&[
        push(0),
        Op(SLOAD),
        push(1),
        Op(ADD),
        Op(DUP1),
        push(0),
        Op(SSTORE),
        push(0),
        Op(MSTORE),
        push(0x20),
        push(0),
        Op(LOG0),
        Op(STOP),
    ])
}

/// A router: calls the contract whose address is the first word of its input with the rest of
/// the input, and returns the callee's first word of output, or reverts when the callee does.
/// Every swap through it is a call into the router, whatever pool it reaches.
pub fn router() -> Vec<u8> {
    assemble(&[
        // The callee's input: the router's input after the first word, copied to memory 0.
        push(0x20),
        Op(CALLDATASIZE),
        Op(SUB),
        Op(DUP1),
        push(0x20),
        push(0),
        Op(CALLDATACOPY),
        // CALL(gas, callee, 0, 0, input length, 0, 32).
        push(0x20),
        push(0),
        Op(DUP3),
        push(0),
        push(0),
        push(0),
        Op(CALLDATALOAD),
        Op(GAS),
        Op(CALL),
        Op(ISZERO),
        Asm::PushLabel("failed"),
        Op(JUMPI),
        push(0x20),
        push(0),
        Op(RETURN),
        Asm::Label("failed"),
        push(0),
        push(0),
        Op(REVERT),
    ])
}

/// A hasher: hashes memory word 0 into itself as many times as its input's first word says,
/// then stores the last hash in slot 0. A long call of plain computation, as a rollup's proof
/// check is (about 90 gas a round).
pub fn hasher() -> Vec<u8> {
    assemble(&[
        push(0),
        Op(CALLDATALOAD),
        Asm::Label("round"),
        Op(DUP1),
        Op(ISZERO),
        Asm::PushLabel("done"),
        Op(JUMPI),
        push(0x20),
        push(0),
        Op(SHA3),
        push(0),
        Op(MSTORE),
        push(1),
        Op(SWAP1),
        Op(SUB),
        Asm::PushLabel("round"),
        Op(JUMP),
        Asm::Label("done"),
        push(0),
        Op(MLOAD),
        push(0),
        Op(SSTORE),
        Op(STOP),
    ])
}
