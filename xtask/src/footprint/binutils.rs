//! The ARM binutils the footprint reads firmware with: found, installed
//! when missing, run.

use std::ffi::OsStr;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use crate::Result;

const PACKAGE: &str = "binutils-arm-none-eabi";
const TOOLS: [&str; 4] = [
    "arm-none-eabi-nm",
    "arm-none-eabi-size",
    "arm-none-eabi-objdump",
    "arm-none-eabi-c++filt",
];

/// Installs `binutils-arm-none-eabi` with apt (through sudo unless root)
/// when `arm-none-eabi-nm` is missing; then every tool must be there.
pub fn ensure_installed() -> Result {
    if !found(TOOLS[0]) {
        let sudo = if is_root()? { None } else { Some("sudo") };
        apt(sudo, &["update", "-qq"])?;
        apt(
            sudo,
            &["install", "-y", "-qq", "--no-install-recommends", PACKAGE],
        )?;
    }
    match TOOLS.iter().find(|tool| !found(tool)) {
        Some(tool) => Err(format!("{tool} not found after installing {PACKAGE}")),
        None => Ok(()),
    }
}

fn found(tool: &str) -> bool {
    Command::new(tool)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok()
}

fn is_root() -> Result<bool> {
    let id = run_tool("id", ["-u"])?;
    Ok(id.trim() == "0")
}

fn apt(sudo: Option<&str>, args: &[&str]) -> Result {
    let mut command = match sudo {
        Some(sudo) => {
            let mut c = Command::new(sudo);
            c.arg("apt-get");
            c
        }
        None => Command::new("apt-get"),
    };
    let status = command
        .args(args)
        .env("DEBIAN_FRONTEND", "noninteractive")
        .stdout(Stdio::null())
        .status()
        .map_err(|e| format!("cannot run apt-get to install {PACKAGE}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("apt-get {} failed ({status})", args.join(" ")))
    }
}

/// `arm-none-eabi-size -A ELF`.
pub fn size(elf: &Path) -> Result<String> {
    run_tool("arm-none-eabi-size", [OsStr::new("-A"), elf.as_os_str()])
}

/// `arm-none-eabi-nm ARGS... ELF`.
pub fn nm(args: &[&str], elf: &Path) -> Result<String> {
    let args = args.iter().map(OsStr::new).chain([elf.as_os_str()]);
    run_tool("arm-none-eabi-nm", args)
}

/// The disassembled code of `elf`, without raw bytes.
pub fn objdump(elf: &Path) -> Result<String> {
    run_tool(
        "arm-none-eabi-objdump",
        [
            OsStr::new("-d"),
            OsStr::new("--no-show-raw-insn"),
            elf.as_os_str(),
        ],
    )
}

/// Each of `symbols` demangled, as `arm-none-eabi-c++filt` reads them.
pub fn demangle(symbols: &[String]) -> Result<Vec<String>> {
    if symbols.is_empty() {
        return Ok(Vec::new());
    }
    let tool = "arm-none-eabi-c++filt";
    let mut child = Command::new(tool)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run {tool}: {e}"))?;
    let mut stdin = child.stdin.take().expect("stdin is piped");
    stdin
        .write_all(format!("{}\n", symbols.join("\n")).as_bytes())
        .map_err(|e| format!("cannot write to {tool}: {e}"))?;
    drop(stdin);
    let output = child
        .wait_with_output()
        .map_err(|e| format!("{tool}: {e}"))?;
    let text = stdout_of(tool, output)?;
    Ok(text.lines().map(str::to_owned).collect())
}

fn run_tool<I, S>(tool: &str, args: I) -> Result<String>
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let output = Command::new(tool)
        .args(args)
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("cannot run {tool}: {e}"))?;
    stdout_of(tool, output)
}

fn stdout_of(tool: &str, output: std::process::Output) -> Result<String> {
    if !output.status.success() {
        return Err(format!("{tool} failed ({})", output.status));
    }
    String::from_utf8(output.stdout).map_err(|e| format!("{tool} wrote non-UTF-8: {e}"))
}
