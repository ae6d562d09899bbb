//! Two real HTTP clients of the flaky service: [`HttpGet`], an async tower
//! `Service` on hyper (one connection per request), and [`get_blocking`], a
//! blocking GET on ureq. Both read a 5xx as an error, so the breaker counts it.

use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use http_body_util::Empty;
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

/// Why a request failed.
#[derive(Debug)]
pub enum HttpError {
    /// No connection.
    Connect(std::io::Error),
    /// The exchange broke off.
    Protocol(String),
    /// The service answered with a server error.
    Status(u16),
    /// The blocking client's timeout ran out.
    Timeout,
}

impl std::fmt::Display for HttpError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            HttpError::Connect(e) => write!(f, "connect: {e}"),
            HttpError::Protocol(e) => write!(f, "http: {e}"),
            HttpError::Status(s) => write!(f, "status {s}"),
            HttpError::Timeout => f.write_str("timed out"),
        }
    }
}

impl std::error::Error for HttpError {}

/// `GET path` on one address, as a tower `Service<&'static str>` answering
/// the status code of a 2xx–4xx response.
#[derive(Debug, Clone, Copy)]
pub struct HttpGet {
    addr: SocketAddr,
}

impl HttpGet {
    /// A client of the service at `addr`.
    pub fn new(addr: SocketAddr) -> Self {
        HttpGet { addr }
    }
}

impl tower_service::Service<&'static str> for HttpGet {
    type Response = u16;
    type Error = HttpError;
    type Future = Pin<Box<dyn Future<Output = Result<u16, HttpError>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), HttpError>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, path: &'static str) -> Self::Future {
        let addr = self.addr;
        Box::pin(async move {
            let stream = TcpStream::connect(addr).await.map_err(HttpError::Connect)?;
            let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
                .await
                .map_err(|e| HttpError::Protocol(e.to_string()))?;
            // The connection is driven beside the request and dropped with it.
            let conn = async move {
                let _ = conn.await;
            };
            let request = hyper::Request::get(path)
                .header(hyper::header::HOST, addr.to_string())
                .body(Empty::<Bytes>::new())
                .map_err(|e| HttpError::Protocol(e.to_string()))?;
            let response = tokio::select! {
                r = sender.send_request(request) => r.map_err(|e| HttpError::Protocol(e.to_string()))?,
                () = conn => return Err(HttpError::Protocol("connection closed".into())),
            };
            let status = response.status().as_u16();
            if status >= 500 {
                Err(HttpError::Status(status))
            } else {
                Ok(status)
            }
        })
    }
}

/// A blocking `GET url` with a timeout on the whole exchange.
pub fn get_blocking(agent: &ureq::Agent, url: &str) -> Result<u16, HttpError> {
    match agent.get(url).call() {
        Ok(response) => Ok(response.status().as_u16()),
        Err(ureq::Error::StatusCode(status)) if status >= 500 => Err(HttpError::Status(status)),
        Err(ureq::Error::StatusCode(status)) => Ok(status),
        Err(ureq::Error::Timeout(_)) => Err(HttpError::Timeout),
        Err(ureq::Error::Io(e)) => Err(HttpError::Connect(e)),
        Err(e) => Err(HttpError::Protocol(e.to_string())),
    }
}

/// A ureq agent whose every request ends within `timeout`.
pub fn blocking_agent(timeout: Duration) -> ureq::Agent {
    ureq::Agent::config_builder()
        .timeout_global(Some(timeout))
        .build()
        .into()
}
