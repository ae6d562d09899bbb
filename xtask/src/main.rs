//! The project's tooling, in Rust where shell would parse or decide.
//!
//! ```text
//! cargo xtask firmware [TARGET...]   build the firmware, run it in QEMU, check its log
//! cargo xtask qemu ELF               run one firmware ELF in QEMU (the cargo runner)
//! cargo xtask footprint              flash and RAM of totem-core on Cortex-M, hot-path check
//! ```
//!
//! The firmware's targets, their boards' memory layouts and QEMU machines
//! are listed once, in `boards/boards.rs` (shared with the firmware crates'
//! build script); its expected log is `firmware/expected-log.txt`.

// The xtask reads the targets and QEMU's options; the clocks are the build script's.
#[allow(dead_code)]
#[path = "../../boards/boards.rs"]
mod boards;
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
