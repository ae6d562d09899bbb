//! Every board the firmware crates build for, said once: the target built
//! for it, its memory layout, and how QEMU runs it. Read by the shared build
//! script (`boards/build.rs`), which links the layout, and by the xtask,
//! which runs the firmware on the board.

/// A board, and the target the firmware is built for on it.
pub struct Board {
    /// The Rust target; this board is the one it builds for unless
    /// `TOTEM_BOARD` names another.
    pub target: &'static str,
    /// The board's name, `TOTEM_BOARD`'s value for it, and the stem of its
    /// memory layout: `boards/<name>.x`.
    pub name: &'static str,
    /// The clock the firmware's 1 ms tick is divided from, in Hz, as QEMU's
    /// model of the board has it: the core clock SysTick counts on Cortex-M,
    /// mtime's on RISC-V.
    pub timer_hz: u32,
    /// The QEMU system emulator that runs it.
    pub qemu: &'static str,
    /// QEMU's options to run it.
    pub machine: &'static [&'static str],
}

/// One row per target: the firmware builds for one board per target.
pub const BOARDS: &[Board] = &[
    Board {
        target: "thumbv7m-none-eabi",
        name: "lm3s6965",
        timer_hz: 12_000_000,
        qemu: "qemu-system-arm",
        machine: &["-cpu", "cortex-m3", "-machine", "lm3s6965evb"],
    },
    Board {
        target: "thumbv7em-none-eabihf",
        name: "mps2-an386",
        timer_hz: 25_000_000,
        qemu: "qemu-system-arm",
        machine: &["-cpu", "cortex-m4", "-machine", "mps2-an386"],
    },
    // Cortex-M0 (no CAS): the nRF51 of the micro:bit v1, whose machine fixes
    // the CPU. Its 16 KiB of RAM must be the layout's: a stack pointer past
    // it locks the core up at reset.
    Board {
        target: "thumbv6m-none-eabi",
        name: "microbit",
        timer_hz: 16_000_000,
        qemu: "qemu-system-arm",
        machine: &["-machine", "microbit"],
    },
    // RISC-V with atomics: the FE310 of the HiFive1. Its mtime counts a
    // 32.768 kHz clock on the chip, 10 MHz in QEMU's model (its CLINT's
    // default), which is the one run here.
    Board {
        target: "riscv32imac-unknown-none-elf",
        name: "hifive1",
        timer_hz: 10_000_000,
        qemu: "qemu-system-riscv32",
        machine: &["-machine", "sifive_e"],
    },
];
