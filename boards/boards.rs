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
    /// QEMU's options to run it; `None`: built only.
    pub qemu: Option<&'static [&'static str]>,
}

/// One row per target: the firmware builds for one board per target.
pub const BOARDS: &[Board] = &[
    Board {
        target: "thumbv7m-none-eabi",
        name: "lm3s6965",
        qemu: Some(&["-cpu", "cortex-m3", "-machine", "lm3s6965evb"]),
    },
    Board {
        target: "thumbv7em-none-eabihf",
        name: "mps2-an386",
        qemu: Some(&["-cpu", "cortex-m4", "-machine", "mps2-an386"]),
    },
    // Cortex-M0 (no CAS): built for the micro:bit, whose QEMU machine does
    // not run the firmware yet.
    Board {
        target: "thumbv6m-none-eabi",
        name: "microbit",
        qemu: None,
    },
];
