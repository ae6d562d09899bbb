//! [`ConfigInfo`]: which configuration is loaded, for an info metric
//! (`totem_config_info{version, hash}`) and for logs.

use std::fmt::Write;
use std::path::PathBuf;

use sha2::{Digest, Sha256};

/// The loaded file's schema version, content hash and source.
///
/// The hash is the first 8 bytes of the SHA-256 of the file's bytes, in
/// lower-case hex: the first 16 digits `sha256sum totem.toml` prints, so an
/// operator can tell which file a process runs with from a shell.
///
/// ```
/// use totem_std::ConfigFile;
/// let file = ConfigFile::from_toml_str("version = 1\n", "inline").unwrap();
/// let info = file.info();
/// assert_eq!((info.version, info.source.to_str()), (1, Some("inline")));
/// assert_eq!(info.hash, "dbab12665d98aef0"); // `printf 'version = 1\n' | sha256sum`
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ConfigInfo {
    /// The schema version the file declares.
    pub version: u32,
    /// 16 hex digits: the start of the SHA-256 of the file's bytes.
    pub hash: String,
    /// The file's path (or the origin name given with the text).
    pub source: PathBuf,
}

/// The first 8 bytes of the SHA-256 of `bytes`, as 16 lower-case hex digits.
pub(crate) fn content_hash(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    digest[..8]
        .iter()
        .fold(String::with_capacity(16), |mut hex, b| {
            // Writing to a String cannot fail.
            let _ = write!(hex, "{b:02x}");
            hex
        })
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_hash_is_the_start_of_sha256() {
        // sha256("") = e3b0c44298fc1c149afbf4c8996fb924...
        assert_eq!(super::content_hash(b""), "e3b0c44298fc1c14");
    }
}
