//! [`Location`]: a byte offset in a configuration file as a line and column.

use std::fmt;

/// A place in a configuration file: 1-based line and column (the column
/// counts characters, as editors do).
///
/// ```
/// use totem_std::Location;
/// let at = Location { line: 3, column: 17 };
/// assert_eq!(at.to_string(), "3:17");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Location {
    /// The line, from 1.
    pub line: usize,
    /// The column in characters, from 1.
    pub column: usize,
}

impl Location {
    /// The line and column of byte `offset` in `text`. An offset past the end
    /// or inside a character is moved back to the nearest character start, so
    /// any offset gives a location.
    pub(crate) fn of(text: &str, offset: usize) -> Self {
        let mut offset = offset.min(text.len());
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let before = &text[..offset];
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        Self {
            line: before.matches('\n').count() + 1,
            column: before[line_start..].chars().count() + 1,
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

#[cfg(test)]
mod tests {
    use super::Location;

    #[test]
    fn lines_and_columns_count_from_one() {
        let text = "a = 1\nbé = \"x\"\n";
        assert_eq!(Location::of(text, 0), Location { line: 1, column: 1 });
        assert_eq!(Location::of(text, 4), Location { line: 1, column: 5 });
        assert_eq!(Location::of(text, 6), Location { line: 2, column: 1 });
        // After the two-byte 'é': the fourth byte of the line, third column.
        assert_eq!(Location::of(text, 9), Location { line: 2, column: 3 });
    }

    #[test]
    fn any_offset_gives_a_location() {
        let text = "é\n";
        assert_eq!(Location::of(text, 1), Location { line: 1, column: 1 });
        assert_eq!(Location::of(text, 99), Location { line: 2, column: 1 });
        assert_eq!(Location::of("", 5), Location { line: 1, column: 1 });
    }
}
