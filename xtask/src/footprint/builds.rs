//! Builds of the measuring firmware in `footprint/`, one per target and
//! feature set, each kept as its own ELF for reading afterwards.

use std::fs;
use std::path::PathBuf;
use std::process::Command;

use crate::{root, Result};

/// Where the builds go: `CARGO_TARGET_DIR` (made absolute) or
/// `footprint/target`, and the kept ELFs in its `footprint-report/`.
pub struct Builds {
    crate_dir: PathBuf,
    target_dir: PathBuf,
    out: PathBuf,
}

impl Builds {
    pub fn new() -> Result<Self> {
        let crate_dir = root().join("footprint");
        let target_dir = match std::env::var_os("CARGO_TARGET_DIR") {
            Some(dir) if !dir.is_empty() => std::path::absolute(&dir)
                .map_err(|e| format!("CARGO_TARGET_DIR={}: {e}", dir.to_string_lossy()))?,
            _ => crate_dir.join("target"),
        };
        let out = target_dir.join("footprint-report");
        fs::create_dir_all(&out).map_err(|e| format!("{}: {e}", out.display()))?;
        Ok(Self {
            crate_dir,
            target_dir,
            out,
        })
    }

    /// Builds the firmware for `target` with `features` (none: the empty
    /// firmware) and returns a copy of its ELF, named after both.
    pub fn build(&self, target: &str, features: &[&str]) -> Result<PathBuf> {
        self.build_with(target, features, true)
    }

    /// [`build`](Self::build) without the firmware's default features (the
    /// core's counters): the lean build.
    pub fn build_lean(&self, target: &str, features: &[&str]) -> Result<PathBuf> {
        self.build_with(target, features, false)
    }

    fn build_with(&self, target: &str, features: &[&str], defaults: bool) -> Result<PathBuf> {
        let features = features.join(",");
        let mut cargo = Command::new("cargo");
        // From footprint/, so that its .cargo/config.toml (the linker script) applies.
        cargo
            .current_dir(&self.crate_dir)
            .env("CARGO_TARGET_DIR", &self.target_dir)
            .env("TOTEM_BOARD", board(target))
            .args([
                "build",
                "--quiet",
                "--locked",
                "--release",
                "--target",
                target,
            ]);
        if !features.is_empty() {
            cargo.args(["--features", &features]);
        }
        if !defaults {
            cargo.arg("--no-default-features");
        }
        let failed = || format!("build failed: {target} features=[{features}]");
        let status = cargo
            .status()
            .map_err(|e| format!("{}: cannot run cargo: {e}", failed()))?;
        if !status.success() {
            return Err(failed());
        }
        let mut name = if features.is_empty() {
            "empty".to_owned()
        } else {
            features.replace(',', "+")
        };
        if !defaults {
            name.push_str("+lean");
        }
        let built = self
            .target_dir
            .join(target)
            .join("release")
            .join("totem-footprint");
        let elf = self.out.join(format!("{target}.{name}.elf"));
        fs::copy(&built, &elf)
            .map_err(|e| format!("cannot copy {} to {}: {e}", built.display(), elf.display()))?;
        Ok(elf)
    }
}

/// The board whose memory layout a build links (`TOTEM_BOARD`; sizes do not
/// depend on it): the target's own, and for riscv32imc, which no board runs,
/// the FE310's (a RISC-V without the A extension, measured on its layout).
fn board(target: &str) -> &'static str {
    match target {
        "riscv32imc-unknown-none-elf" => "hifive1",
        _ => "",
    }
}
