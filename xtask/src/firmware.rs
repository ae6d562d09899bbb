//! Builds the Embassy firmware, runs it in QEMU, decodes its defmt log and
//! checks it. A run passes when QEMU exits 0 (the firmware's own verdict,
//! through semihosting), the log has no panic or ERROR line, and every
//! pattern of `firmware/expected-log.txt` matches a log line, in order. Any
//! other outcome (non-zero exit, panic, timeout, a missing or out-of-order
//! line) fails.

use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use regex::Regex;

use crate::boards::{Board, BOARDS};
use crate::{root, Result};

/// How long one QEMU run may take (`FIRMWARE_TIMEOUT` seconds to change).
fn timeout() -> Duration {
    let secs = std::env::var("FIRMWARE_TIMEOUT")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(60);
    Duration::from_secs(secs)
}

/// `firmware/target`, whatever `CARGO_TARGET_DIR` says: the ELF path must
/// be known.
fn target_dir() -> PathBuf {
    root().join("firmware").join("target")
}

/// The board the firmware for `target` runs on.
fn board(target: &str) -> Result<&'static Board> {
    BOARDS.iter().find(|b| b.target == target).ok_or_else(|| {
        let known: Vec<_> = BOARDS.iter().map(|b| b.target).collect();
        format!(
            "unknown firmware target {target}; known: {}",
            known.join(", ")
        )
    })
}

/// Builds, runs and checks each of `targets` (all of them when empty).
pub fn check_all(targets: &[String]) -> Result {
    let targets: Vec<&str> = if targets.is_empty() {
        BOARDS.iter().map(|b| b.target).collect()
    } else {
        targets.iter().map(String::as_str).collect()
    };
    let boards = targets
        .iter()
        .map(|target| board(target))
        .collect::<Result<Vec<_>>>()?;
    let mut tools: Vec<&str> = boards.iter().map(|b| b.qemu).collect();
    tools.push("defmt-print");
    tools.sort_unstable();
    tools.dedup();
    for tool in tools {
        if Command::new(tool).arg("--version").output().is_err() {
            return Err(format!(
                "{tool} missing; run scripts/install-firmware-tools.sh"
            ));
        }
    }
    let expected = expected_log()?;
    let mut failed = Vec::new();
    for board in boards {
        if let Err(e) = check_one(board, &expected) {
            eprintln!("firmware: {} on {}: FAIL: {e}", board.target, board.name);
            failed.push(board.target);
        }
    }
    if failed.is_empty() {
        println!("firmware: all targets passed");
        Ok(())
    } else {
        Err(format!("firmware failed on {}", failed.join(", ")))
    }
}

fn check_one(board: &Board, expected: &[Regex]) -> Result {
    let target = board.target;
    println!("=== firmware: build {target} for {}", board.name);
    let status = Command::new("cargo")
        .current_dir(root().join("firmware"))
        // The board QEMU runs below, whatever TOTEM_BOARD the caller has set.
        .env("TOTEM_BOARD", board.name)
        .args(["build", "--release", "--locked", "--target", target])
        .arg("--target-dir")
        .arg(target_dir())
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if !status.success() {
        return Err("build failed".into());
    }
    let elf = target_dir()
        .join(target)
        .join("release")
        .join("totem-firmware");
    let out = target_dir().join("qemu-logs");
    fs::create_dir_all(&out).map_err(|e| format!("{}: {e}", out.display()))?;
    let raw = out.join(format!("{target}.defmt"));
    println!(
        "=== firmware: run {target} in QEMU ({} {})",
        board.qemu,
        board.machine.join(" ")
    );
    let exit = qemu(board, &elf, &raw)?;
    let log = decode(&elf, &raw)?;
    let log_file = out.join(format!("{target}.log"));
    fs::write(&log_file, &log).map_err(|e| format!("{}: {e}", log_file.display()))?;
    print!("{log}");
    match exit {
        None => return Err(format!("QEMU timed out after {:?}", timeout())),
        Some(0) => {}
        Some(code) => return Err(format!("the firmware exited with {code}")),
    }
    check_log(&log, expected)?;
    println!("=== firmware: {target} passed (exit 0, expected sequence seen)");
    Ok(())
}

/// Runs `elf` on `board`, its semihosting stdout (raw defmt frames) into
/// `raw`; the exit code, or `None` if it ran past the timeout (then it is
/// killed).
fn qemu(board: &Board, elf: &Path, raw: &Path) -> Result<Option<i32>> {
    let stdout = File::create(raw).map_err(|e| format!("{}: {e}", raw.display()))?;
    let mut child = Command::new(board.qemu)
        .args(board.machine)
        .args([
            "-nographic",
            "-semihosting-config",
            "enable=on,target=native",
        ])
        .arg("-kernel")
        .arg(elf)
        .stdout(stdout)
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", board.qemu))?;
    let deadline = Instant::now() + timeout();
    loop {
        let status = child
            .try_wait()
            .map_err(|e| format!("waiting for {}: {e}", board.qemu))?;
        if let Some(status) = status {
            return Ok(Some(status.code().unwrap_or(-1)));
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            return Ok(None);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The defmt frames in `raw`, decoded with `elf`'s symbols.
fn decode(elf: &Path, raw: &Path) -> Result<String> {
    let output = Command::new("defmt-print")
        .arg("-e")
        .arg(elf)
        .stdin(File::open(raw).map_err(|e| format!("{}: {e}", raw.display()))?)
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("cannot run defmt-print: {e}"))?;
    String::from_utf8(output.stdout).map_err(|e| format!("defmt-print wrote non-UTF-8: {e}"))
}

/// The patterns of `firmware/expected-log.txt` (blank and `#` lines skipped).
fn expected_log() -> Result<Vec<Regex>> {
    let path = root().join("firmware").join("expected-log.txt");
    let text = fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.is_empty() && !l.starts_with('#'))
        .map(|(n, l)| Regex::new(l).map_err(|e| format!("{}:{}: {e}", path.display(), n + 1)))
        .collect()
}

/// Every pattern matches a line of `log`, each after the line the previous
/// one matched; and no line reports a panic or an ERROR.
fn check_log(log: &str, expected: &[Regex]) -> Result {
    let lines: Vec<&str> = log.lines().collect();
    let mut from = 0;
    for pattern in expected {
        match lines[from..].iter().position(|l| pattern.is_match(l)) {
            Some(i) => from += i + 1,
            None => {
                return Err(format!(
                    "expected line not found (in order) after log line {from}: /{pattern}/"
                ))
            }
        }
    }
    let bad = Regex::new("panic|ERROR").expect("a valid pattern");
    if let Some(line) = lines.iter().find(|l| bad.is_match(l)) {
        return Err(format!("the log has a panic or ERROR line: {line}"));
    }
    Ok(())
}

/// The cargo runner of `firmware/` (`cargo run --target ...` there): runs
/// one ELF on the board of the target in its path, prints the decoded log,
/// and exits with the firmware's exit code.
pub fn run_elf(elf: &str) -> Result {
    let elf = Path::new(elf);
    let board = BOARDS
        .iter()
        .find(|b| elf.components().any(|c| c.as_os_str() == b.target))
        .ok_or_else(|| format!("{}: no known target in its path", elf.display()))?;
    let raw = elf.with_extension("defmt");
    let exit = qemu(board, elf, &raw)?;
    print!("{}", decode(elf, &raw)?);
    match exit {
        Some(0) => Ok(()),
        Some(code) => Err(format!("the firmware exited with {code}")),
        None => Err(format!("QEMU timed out after {:?}", timeout())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn patterns(p: &[&str]) -> Vec<Regex> {
        p.iter().map(|s| Regex::new(s).unwrap()).collect()
    }

    #[test]
    fn patterns_must_match_in_order() {
        let log = "a 1\nb 2\nc 3\n";
        assert!(check_log(log, &patterns(&["a [0-9]", "c"])).is_ok());
        assert!(check_log(log, &patterns(&["c", "a"])).is_err());
        assert!(check_log(log, &patterns(&["d"])).is_err());
    }

    #[test]
    fn a_panic_or_error_line_fails_the_run() {
        assert!(check_log("ok\nERROR boom\n", &[]).is_err());
        assert!(check_log("panicked at x\n", &[]).is_err());
        assert!(check_log("all good\n", &[]).is_ok());
    }

    #[test]
    fn every_board_target_is_known_and_unknown_ones_are_refused() {
        assert_eq!(board("thumbv6m-none-eabi").unwrap().name, "microbit");
        assert!(board("x86_64-unknown-linux-gnu").is_err());
    }

    #[test]
    fn every_board_has_its_memory_layout_and_one_row() {
        for (i, b) in BOARDS.iter().enumerate() {
            let layout = root().join("boards").join(format!("{}.x", b.name));
            assert!(layout.is_file(), "{} has no {}", b.name, layout.display());
            assert!(
                BOARDS[..i]
                    .iter()
                    .all(|other| other.name != b.name && other.target != b.target),
                "{} or {} listed twice",
                b.name,
                b.target
            );
        }
    }

    #[test]
    fn every_board_target_and_emulator_is_installed_by_the_scripts() {
        let read = |path: &str| {
            fs::read_to_string(root().join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
        };
        let toolchain = read("rust-toolchain.toml");
        let install = read("scripts/install-firmware-tools.sh");
        for b in BOARDS {
            assert!(
                toolchain.contains(&format!("\"{}\"", b.target)),
                "{} is not a target of rust-toolchain.toml",
                b.target
            );
            assert!(
                install.contains(&format!("command -v {} ", b.qemu)),
                "scripts/install-firmware-tools.sh does not install {}",
                b.qemu
            );
        }
    }

    #[test]
    fn the_expected_log_parses() {
        assert!(!expected_log().unwrap().is_empty());
    }
}
