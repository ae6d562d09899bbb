//! The demo's parts, shared with its integration tests: a real flaky HTTP
//! service on loopback ([`FlakyService`]) and two real clients of it
//! ([`HttpGet`] for tower, [`get_blocking`] for threads).

mod client;
mod flaky;

pub use client::{blocking_agent, get_blocking, HttpError, HttpGet};
pub use flaky::{FlakyService, Health};
