//! [`ValueFault`]: a value of a table that is not what its field takes,
//! before the file's error says where; shared by every table's reader.

use std::ops::Range;

use toml::Spanned;

use super::duration::DurationValue;
use super::ConfigErrorKind;

/// A value that is not what its field takes: the field's path in the
/// instance, the value's span, and why.
#[derive(Debug)]
pub(crate) struct ValueFault {
    pub(crate) field: &'static str,
    pub(crate) span: Range<usize>,
    pub(crate) kind: ConfigErrorKind,
}

/// The core's duration written in `value`, or why not (as `field`).
pub(crate) fn duration(
    field: &'static str,
    value: &Spanned<DurationValue>,
) -> Result<totem_core::Duration, ValueFault> {
    value.get_ref().to_core().map_err(|m| ValueFault {
        field,
        span: value.span(),
        kind: ConfigErrorKind::InvalidDuration(m),
    })
}
