//! Configuration files (feature `config`): the versioned TOML schema,
//! parsed with serde and toml, checked by the core's `validate()`, with
//! errors that say where. The schema is documented on [`ConfigFile`].

mod alerts;
mod choice;
mod daily_reset;
mod duration;
mod error;
mod factor;
mod file;
mod info;
mod location;
mod schema;
mod value_fault;

pub use self::error::{ConfigErrorKind, ConfigFileError};
pub use self::file::ConfigFile;
pub(crate) use self::file::{LoadedBreaker, LoadedRetry};
pub use self::info::ConfigInfo;
pub use self::location::Location;
pub(crate) use self::schema::fresh_window;
