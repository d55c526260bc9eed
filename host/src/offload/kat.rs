//! Keccak known-answer files in the Keccak team's format (`ShortMsgKAT_256.txt`): records of
//! `Len = <bits>`, `Msg = <hex>`, `MD = <hex>`, with `#` comments and blank lines between.
//!
//! Only byte-aligned messages (`Len % 8 == 0`) can be hashed as bytes; the others are kept as
//! skips with the reason. `Len = 0` carries the placeholder `Msg = 00`: the empty message.
//! Lines without `=` outside a record are free text and ignored, so a file of another kind
//! (the sponge intermediate values) reads as a file without records.

use std::path::{Path, PathBuf};
use thiserror::Error;

/// One byte-aligned known answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KatVector {
    /// Line of the record's `Len`.
    pub line: usize,
    /// Message length in bits (a multiple of 8).
    pub len_bits: u64,
    /// The message.
    pub msg: Vec<u8>,
    /// Its expected Keccak-256 digest.
    pub md: [u8; 32],
}

/// A record that is not run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KatSkip {
    /// Line of the record's `Len`.
    pub line: usize,
    /// Message length in bits.
    pub len_bits: u64,
    /// Why it is not run.
    pub reason: &'static str,
}

/// The records of one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KatFile {
    /// The file.
    pub path: PathBuf,
    /// Byte-aligned records, in file order.
    pub vectors: Vec<KatVector>,
    /// Records not run, in file order.
    pub skipped: Vec<KatSkip>,
}

/// Why a bit-level record is skipped.
pub const SKIP_BIT_LENGTH: &str =
    "Len is not a multiple of 8 (a bit-level message; the device hashes whole bytes)";

/// A file that cannot be read as known answers: which file, which line, what.
#[derive(Debug, Error)]
#[error("{}:{line}: {kind}", file.display())]
pub struct KatError {
    /// The file.
    pub file: PathBuf,
    /// 1-based line (0 when the file cannot be read at all).
    pub line: usize,
    /// The problem.
    pub kind: KatErrorKind,
}

/// What is wrong with a known-answer file.
#[derive(Debug, Error)]
pub enum KatErrorKind {
    /// The file cannot be read.
    #[error("cannot read: {0}")]
    Io(#[from] std::io::Error),
    /// `Len` is not a number.
    #[error("Len `{0}` is not a number of bits")]
    BadLen(String),
    /// A value is not hex.
    #[error("{key} is not hex: `{value}`")]
    BadHex {
        /// `Msg` or `MD`.
        key: &'static str,
        /// The value.
        value: String,
    },
    /// A line that does not belong at this point of a record.
    #[error("found `{found}` where `{expected}` was expected")]
    OutOfOrder {
        /// The line.
        found: String,
        /// What the record needs next.
        expected: &'static str,
    },
    /// A `key = value` line with a key other than `Len`, `Msg`, `MD`.
    #[error("unknown key `{0}`")]
    UnknownKey(String),
    /// `Msg` does not have `ceil(Len / 8)` bytes.
    #[error("Msg has {found} bytes, Len = {len_bits} needs {expected}")]
    MsgLength {
        /// Bytes given.
        found: usize,
        /// Bytes the length needs.
        expected: u64,
        /// The record's `Len`.
        len_bits: u64,
    },
    /// `MD` is not 32 bytes.
    #[error("MD has {0} bytes, a Keccak-256 digest has 32")]
    MdLength(usize),
    /// The file ends inside a record.
    #[error("the file ends before the record's `{0}` line")]
    Incomplete(&'static str),
}

/// Reads and parses the known-answer file at `path`.
pub fn read_kat_file(path: &Path) -> Result<KatFile, KatError> {
    let bytes = std::fs::read(path).map_err(|e| KatError {
        file: path.to_path_buf(),
        line: 0,
        kind: KatErrorKind::Io(e),
    })?;
    parse_kat(path, &String::from_utf8_lossy(&bytes))
}

/// Where the parser is inside a record.
enum State {
    Len,
    Msg {
        line: usize,
        len_bits: u64,
    },
    Md {
        line: usize,
        len_bits: u64,
        msg: Vec<u8>,
    },
}

impl State {
    fn expected(&self) -> &'static str {
        match self {
            State::Len => "Len = <bits>",
            State::Msg { .. } => "Msg = <hex>",
            State::Md { .. } => "MD = <hex>",
        }
    }
}

/// Parses the text of a known-answer file; `path` names it in errors.
pub fn parse_kat(path: &Path, text: &str) -> Result<KatFile, KatError> {
    let mut file = KatFile {
        path: path.to_path_buf(),
        vectors: Vec::new(),
        skipped: Vec::new(),
    };
    let mut state = State::Len;
    let err = |line: usize, kind: KatErrorKind| KatError {
        file: path.to_path_buf(),
        line,
        kind,
    };
    for (i, raw) in text.lines().enumerate() {
        let n = i + 1;
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            if matches!(state, State::Len) {
                continue; // free text between records
            }
            return Err(err(
                n,
                KatErrorKind::OutOfOrder {
                    found: line.to_string(),
                    expected: state.expected(),
                },
            ));
        };
        let (key, value) = (key.trim(), value.trim());
        state = match (key, state) {
            ("Len", State::Len) => {
                let len_bits = value
                    .parse::<u64>()
                    .map_err(|_| err(n, KatErrorKind::BadLen(value.to_string())))?;
                State::Msg { line: n, len_bits }
            }
            ("Msg", State::Msg { line, len_bits }) => {
                let msg = hex(value, "Msg").map_err(|k| err(n, k))?;
                let msg = if len_bits == 0 && (msg.is_empty() || msg == [0]) {
                    Vec::new()
                } else if msg.len() as u64 != len_bits.div_ceil(8) {
                    return Err(err(
                        n,
                        KatErrorKind::MsgLength {
                            found: msg.len(),
                            expected: len_bits.div_ceil(8),
                            len_bits,
                        },
                    ));
                } else {
                    msg
                };
                State::Md {
                    line,
                    len_bits,
                    msg,
                }
            }
            (
                "MD",
                State::Md {
                    line,
                    len_bits,
                    msg,
                },
            ) => {
                let md = hex(value, "MD").map_err(|k| err(n, k))?;
                let md: [u8; 32] = md
                    .as_slice()
                    .try_into()
                    .map_err(|_| err(n, KatErrorKind::MdLength(md.len())))?;
                if len_bits % 8 == 0 {
                    file.vectors.push(KatVector {
                        line,
                        len_bits,
                        msg,
                        md,
                    });
                } else {
                    file.skipped.push(KatSkip {
                        line,
                        len_bits,
                        reason: SKIP_BIT_LENGTH,
                    });
                }
                State::Len
            }
            ("Len" | "Msg" | "MD", state) => {
                return Err(err(
                    n,
                    KatErrorKind::OutOfOrder {
                        found: line.to_string(),
                        expected: state.expected(),
                    },
                ))
            }
            (other, _) => return Err(err(n, KatErrorKind::UnknownKey(other.to_string()))),
        };
    }
    match state {
        State::Len => Ok(file),
        State::Msg { line, .. } => Err(err(line, KatErrorKind::Incomplete("Msg"))),
        State::Md { line, .. } => Err(err(line, KatErrorKind::Incomplete("MD"))),
    }
}

fn hex(value: &str, key: &'static str) -> Result<Vec<u8>, KatErrorKind> {
    alloy_primitives::hex::decode(value).map_err(|_| KatErrorKind::BadHex {
        key,
        value: value.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const EMPTY_MD: &str = "C5D2460186F7233C927E7DB2DCC703C0E500B653CA82273B7BFAD8045D85A470";

    fn parse(text: &str) -> Result<KatFile, KatError> {
        parse_kat(Path::new("t.txt"), text)
    }

    #[test]
    fn reads_records_and_skips_bit_lengths() {
        let text = format!(
            "# header\n\nLen = 0\nMsg = 00\nMD = {EMPTY_MD}\n\nLen = 1\nMsg = 00\nMD = {EMPTY_MD}\n\
             Len = 16\r\nMsg = ABCD\r\nMD = {EMPTY_MD}\r\n"
        );
        let f = parse(&text).expect("parses");
        assert_eq!(f.vectors.len(), 2);
        assert_eq!(f.vectors[0].msg, Vec::<u8>::new());
        assert_eq!(f.vectors[0].line, 3);
        assert_eq!(f.vectors[1].msg, vec![0xAB, 0xCD]);
        assert_eq!(f.skipped.len(), 1);
        assert_eq!((f.skipped[0].line, f.skipped[0].len_bits), (7, 1));
    }

    #[test]
    fn free_text_between_records_is_ignored() {
        let f = parse("+++ Example +++\nInput message:\n53 58 7B\n").expect("parses");
        assert!(f.vectors.is_empty() && f.skipped.is_empty());
    }

    fn error(text: &str) -> (usize, String) {
        let e = parse(text).expect_err("malformed");
        assert!(e.to_string().starts_with("t.txt:"), "{e}");
        (e.line, e.kind.to_string())
    }

    #[test]
    fn malformed_files_name_the_line() {
        let md = format!("MD = {EMPTY_MD}");
        assert_eq!(error("Len = x\n").0, 1);
        assert!(error("Len = 8\nMsg = zz\n").1.contains("Msg is not hex"));
        assert!(error("Len = 8\nMsg = 0102\n").1.contains("Msg has 2 bytes"));
        assert!(error("Len = 8\nMsg = 01\nMD = 00\n")
            .1
            .contains("MD has 1 bytes"));
        assert_eq!(
            error(&format!("Msg = 01\n{md}\n")),
            (
                1,
                "found `Msg = 01` where `Len = <bits>` was expected".into()
            )
        );
        assert_eq!(error("Len = 8\nLen = 8\n").0, 2);
        assert_eq!(error("Len = 8\nsome text\n").0, 2);
        assert!(error("Repeat = 3\n").1.contains("unknown key `Repeat`"));
        assert_eq!(
            error("\nLen = 8\nMsg = 01\n"),
            (2, "the file ends before the record's `MD` line".into())
        );
        let missing = read_kat_file(Path::new("/no/such/kat.txt")).expect_err("missing");
        assert!(
            missing
                .to_string()
                .starts_with("/no/such/kat.txt:0: cannot read"),
            "{missing}"
        );
    }
}
