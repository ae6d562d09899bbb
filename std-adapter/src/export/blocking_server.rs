//! `/metrics` on a thread of its own (feature `metrics-server-blocking`,
//! tiny_http), for applications without an async runtime. Same answers as
//! the tokio endpoint.

use std::io;
use std::net::{SocketAddr, TcpListener};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::{self, JoinHandle};

use tiny_http::{Header, Method, Request, Response, Server};

use super::exporter::Exporter;
use super::format::Format;
use super::serve_error::ServeError;

/// A running `/metrics` endpoint on its own thread. Stop it with
/// [`shutdown`](Self::shutdown); dropping the handle stops it too.
///
/// ```
/// use std::sync::Arc;
/// use totem_std::{BlockingMetricsServer, Exporter};
///
/// let exporter = Arc::new(Exporter::new());
/// let server = BlockingMetricsServer::start("127.0.0.1:0".parse()?, exporter)?;
/// assert_ne!(server.local_addr().port(), 0);
/// server.shutdown()?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct BlockingMetricsServer {
    local_addr: SocketAddr,
    server: Arc<Server>,
    stopping: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

// By hand: `tiny_http::Server` has no `Debug`.
impl std::fmt::Debug for BlockingMetricsServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BlockingMetricsServer")
            .field("local_addr", &self.local_addr)
            .field("stopping", &self.stopping)
            .finish_non_exhaustive()
    }
}

impl BlockingMetricsServer {
    /// Binds `addr` (port 0 picks a free port) and answers `GET /metrics`
    /// on a new thread until [`shutdown`](Self::shutdown).
    pub fn start(addr: SocketAddr, exporter: Arc<Exporter>) -> Result<Self, ServeError> {
        let listener =
            TcpListener::bind(addr).map_err(|source| ServeError::Bind { addr, source })?;
        let local_addr = listener.local_addr().map_err(ServeError::Io)?;
        let server = Arc::new(
            Server::from_listener(listener, None)
                .map_err(|e| ServeError::Io(io::Error::other(e)))?,
        );
        let stopping = Arc::new(AtomicBool::new(false));
        let thread = thread::Builder::new()
            .name("totem-metrics".into())
            .spawn({
                let server = Arc::clone(&server);
                let stopping = Arc::clone(&stopping);
                move || serve(&server, &stopping, &exporter)
            })
            .map_err(ServeError::Io)?;
        Ok(Self {
            local_addr,
            server,
            stopping,
            thread: Some(thread),
        })
    }

    /// The address it listens on (with the port the system picked).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Answers the requests already received, then stops; the listener
    /// closes as the handle goes.
    pub fn shutdown(mut self) -> Result<(), ServeError> {
        self.stop()
    }

    fn stop(&mut self) -> Result<(), ServeError> {
        // ORDERING: Release pairs with the serving thread's Acquire load in
        // `serve`: once `unblock` wakes it, it sees that it must stop.
        self.stopping.store(true, Ordering::Release);
        self.server.unblock();
        match self.thread.take() {
            Some(thread) => thread.join().map_err(|_| ServeError::ThreadPanicked),
            None => Ok(()),
        }
    }
}

impl Drop for BlockingMetricsServer {
    fn drop(&mut self) {
        // A panic on the serving thread was its own; nothing to add here.
        let _ = self.stop();
    }
}

fn serve(server: &Server, stopping: &AtomicBool, exporter: &Exporter) {
    loop {
        match server.recv() {
            Ok(request) => answer(request, exporter),
            // ORDERING: Acquire pairs with the Release store in `stop`.
            Err(_) if stopping.load(Ordering::Acquire) => return,
            // A failed accept: the listener itself is still there.
            Err(_) => continue,
        }
    }
}

fn answer(request: Request, exporter: &Exporter) {
    let path = request.url().split('?').next().unwrap_or("");
    let response = if path != "/metrics" {
        Response::from_string("not found").with_status_code(404)
    } else if !matches!(request.method(), Method::Get | Method::Head) {
        Response::from_string("method not allowed").with_status_code(405)
    } else {
        let accept = request
            .headers()
            .iter()
            .find(|h| h.field.equiv("Accept"))
            .map(|h| h.value.as_str());
        let format = Format::from_accept(accept);
        let response = Response::from_string(exporter.encode_as(format));
        match Header::from_bytes("Content-Type", format.content_type()) {
            Ok(header) => response.with_header(header),
            Err(()) => response,
        }
    };
    // A client that went away needs no answer.
    let _ = request.respond(response);
}
