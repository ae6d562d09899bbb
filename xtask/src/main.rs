//! The project's tooling, in Rust where shell would parse or decide.
//!
//! ```text
//! cargo xtask firmware [TARGET...]   build the firmware, run it in QEMU, check its log
//! cargo xtask qemu ELF               run one firmware ELF in QEMU (the cargo runner)
//! cargo xtask footprint              flash and RAM of totem-core on Cortex-M, hot-path check
//! ```
//!
//! The firmware's targets and their QEMU boards are listed once, in
//! [`BOARDS`]; its expected log is `firmware/expected-log.txt`.

mod firmware;
mod footprint;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// What a subcommand returns: its failure is a message for the user.
type Result<T = ()> = std::result::Result<T, String>;

/// The repository's root directory.
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask/ sits in the repository")
        .to_path_buf()
}

/// Every firmware target, and the QEMU board that runs it (`None`: built only).
const BOARDS: &[(&str, Option<&[&str]>)] = &[
    (
        "thumbv7m-none-eabi",
        Some(&["-cpu", "cortex-m3", "-machine", "lm3s6965evb"]),
    ),
    (
        "thumbv7em-none-eabihf",
        Some(&["-cpu", "cortex-m4", "-machine", "mps2-an386"]),
    ),
    // Cortex-M0 (no CAS): QEMU's M0 board needs a memory layout of its own.
    ("thumbv6m-none-eabi", None),
];

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("firmware") => firmware::check_all(&args[1..]),
        Some("qemu") if args.len() == 2 => firmware::run_elf(&args[1]),
        Some("footprint") => footprint::run(&args[1..]),
        _ => Err(
            "usage: cargo xtask firmware [TARGET...] | cargo xtask qemu ELF | cargo xtask footprint"
                .into(),
        ),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: {e}");
            ExitCode::FAILURE
        }
    }
}
