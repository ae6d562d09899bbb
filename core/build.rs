//! Sets `cfg(totem_speed)` on std-class CPUs (x86_64, aarch64, powerpc64),
//! where hot paths are laid out for speed (inlined whole, padded to cache
//! lines); elsewhere, on MCUs, they are laid out for size. The one place
//! that names those CPUs: attributes read the cfg, code reads
//! `primitive::SPEED_OVER_SIZE`.

fn main() {
    println!("cargo::rustc-check-cfg=cfg(totem_speed)");
    println!("cargo::rerun-if-changed=build.rs");
    let arch = std::env::var("CARGO_CFG_TARGET_ARCH").unwrap_or_default();
    if matches!(arch.as_str(), "x86_64" | "aarch64" | "powerpc64") {
        println!("cargo::rustc-cfg=totem_speed");
    }
}
