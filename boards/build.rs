//! The build script of every firmware crate (`build = "../boards/build.rs"`
//! in its Cargo.toml): links the memory layout of its board by copying
//! `boards/<board>.x` to `memory.x` where cortex-m-rt's `link.x` looks for
//! it, and gives the crate the board's timer clock as `TOTEM_TIMER_HZ`
//! (`env!`). The board is `TOTEM_BOARD` when set, else the target's in
//! `boards.rs`.

// The build script reads the targets, layouts and clocks; QEMU's options are the xtask's.
#[allow(dead_code)]
mod boards;

use std::env;
use std::fs;
use std::path::PathBuf;
use std::process::ExitCode;

use boards::BOARDS;

fn main() -> ExitCode {
    match link_memory_layout() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn link_memory_layout() -> Result<(), String> {
    println!("cargo:rerun-if-env-changed=TOTEM_BOARD");
    let target = env::var("TARGET").map_err(|e| format!("TARGET: {e}"))?;
    let known = || {
        let names: Vec<_> = BOARDS.iter().map(|b| b.name).collect();
        names.join(", ")
    };
    let board = match env::var("TOTEM_BOARD") {
        Ok(name) if !name.is_empty() => BOARDS
            .iter()
            .find(|b| b.name == name)
            .ok_or_else(|| format!("TOTEM_BOARD={name}: no such board; known: {}", known()))?,
        _ => BOARDS.iter().find(|b| b.target == target).ok_or_else(|| {
            format!(
                "no board for target {target}; set TOTEM_BOARD to one of: {}",
                known()
            )
        })?,
    };
    let manifest_dir = env::var_os("CARGO_MANIFEST_DIR").ok_or("CARGO_MANIFEST_DIR unset")?;
    let layout = PathBuf::from(manifest_dir)
        .join("../boards")
        .join(format!("{}.x", board.name));
    let out = PathBuf::from(env::var_os("OUT_DIR").ok_or("OUT_DIR unset")?);
    fs::copy(&layout, out.join("memory.x"))
        .map_err(|e| format!("cannot copy {}: {e}", layout.display()))?;
    println!("cargo:rustc-link-search={}", out.display());
    println!("cargo:rustc-env=TOTEM_TIMER_HZ={}", board.timer_hz);
    println!("cargo:rerun-if-changed={}", layout.display());
    Ok(())
}
