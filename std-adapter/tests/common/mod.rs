//! What the HTTP tests share: the content types, Prometheus's own Accept
//! header, a raw HTTP/1.1 request and the parsing of its response.
#![allow(dead_code)] // each test binary uses its own part

use std::time::Duration;

/// The longest any single network step may take before a test fails.
pub const BOUND: Duration = Duration::from_secs(10);

pub const PROMETHEUS_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";
pub const OPENMETRICS_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";
/// What Prometheus 2.x sends when it scrapes.
pub const PROMETHEUS_ACCEPT: &str = "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";

pub struct Response {
    pub status: u16,
    pub content_type: Option<String>,
    pub body: String,
}

/// A `GET` that asks the server to close the connection after answering,
/// so that the response ends where the stream does.
pub fn request(method: &str, path: &str, accept: Option<&str>) -> String {
    let accept = accept.map_or(String::new(), |a| format!("Accept: {a}\r\n"));
    format!("{method} {path} HTTP/1.1\r\nHost: localhost\r\n{accept}Connection: close\r\n\r\n")
}

/// Parses a whole HTTP/1.1 response with a sized body.
pub fn parse(raw: &[u8]) -> Response {
    let raw = std::str::from_utf8(raw).expect("UTF-8 response");
    let (head, body) = raw.split_once("\r\n\r\n").expect("a header block");
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .expect("a status line");
    let mut content_type = None;
    for line in lines {
        let (name, value) = line.split_once(':').expect("a header line");
        assert!(
            !name.eq_ignore_ascii_case("transfer-encoding"),
            "expected a sized body"
        );
        if name.eq_ignore_ascii_case("content-type") {
            content_type = Some(value.trim().to_owned());
        }
    }
    Response {
        status,
        content_type,
        body: body.to_owned(),
    }
}
