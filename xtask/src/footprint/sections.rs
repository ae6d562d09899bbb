//! Flash and the `.data` image of a firmware, from `arm-none-eabi-size -A`.

/// The sections loaded into flash: vector table (Cortex-M), boot code
/// (riscv-rt's `.init`), code, constants, unwind tables (none in these
/// builds), and the initial values of the statics (copied to RAM at boot).
const FLASH: [&str; 7] = [
    ".vector_table",
    ".init",
    ".init.rust",
    ".text",
    ".rodata",
    ".eh_frame",
    ".data",
];

/// What one firmware takes in flash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sections {
    /// Bytes loaded into flash.
    pub flash: i64,
    /// Of which the `.data` image.
    pub data_image: i64,
}

/// Reads the output of `arm-none-eabi-size -A` (a `section size addr` line
/// per section); sections of any other name are not flash.
pub fn parse(size_a: &str) -> Sections {
    let mut sections = Sections {
        flash: 0,
        data_image: 0,
    };
    for line in size_a.lines() {
        let mut fields = line.split_whitespace();
        let (Some(name), Some(Ok(bytes))) = (fields.next(), fields.next().map(str::parse::<i64>))
        else {
            continue;
        };
        if FLASH.contains(&name) {
            sections.flash += bytes;
        }
        if name == ".data" {
            sections.data_image += bytes;
        }
    }
    sections
}

#[cfg(test)]
mod tests {
    use super::*;

    const SIZE_A: &str = "\
thumbv7em-none-eabihf.all.elf  :
section           size        addr
.vector_table     1024           0
.text             3976        1024
.rodata              8        5000
.data              232   536870912
.gnu.sgstubs         0        5248
.bss                12   536871144
.uninit              0   536871156
.comment           139           0
.ARM.attributes     58           0
Total             5449
";

    #[test]
    fn flash_is_the_loaded_sections_and_bss_is_not() {
        assert_eq!(
            parse(SIZE_A),
            Sections {
                flash: 1024 + 3976 + 8 + 232,
                data_image: 232
            }
        );
    }

    #[test]
    fn no_sections_is_nothing() {
        assert_eq!(parse("").flash, 0);
    }
}
