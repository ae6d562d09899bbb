//! `/metrics` over HTTP/1 on tokio (feature `metrics-server`): the
//! Prometheus text format by default, OpenMetrics for a scraper that asks
//! for it in `Accept`.

use std::future::IntoFuture;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::State;
use axum::http::header::{ACCEPT, CONTENT_TYPE};
use axum::http::{HeaderMap, HeaderValue};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use super::exporter::Exporter;
use super::format::Format;
use super::serve_error::ServeError;

/// A running `/metrics` endpoint. Stop it with [`shutdown`](Self::shutdown);
/// dropping the handle also asks it to stop, without waiting.
///
/// Bind a loopback address (`127.0.0.1:9464`) unless the scraper runs on
/// another host: the metrics name every protected dependency.
///
/// ```
/// use std::sync::Arc;
/// use totem_std::{Exporter, MetricsServer};
///
/// #[tokio::main(flavor = "current_thread")]
/// async fn main() -> Result<(), Box<dyn std::error::Error>> {
///     let exporter = Arc::new(Exporter::new().config_info(1, "c0ffee"));
///     // Port 0: the system picks a free port; `local_addr` tells which.
///     let server = MetricsServer::start("127.0.0.1:0".parse()?, exporter).await?;
///     assert_ne!(server.local_addr().port(), 0);
///     server.shutdown().await?;
///     Ok(())
/// }
/// ```
#[derive(Debug)]
pub struct MetricsServer {
    local_addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<io::Result<()>>>,
}

impl MetricsServer {
    /// Binds `addr` (port 0 picks a free port) and serves `GET /metrics` on
    /// the current tokio runtime until [`shutdown`](Self::shutdown).
    pub async fn start(addr: SocketAddr, exporter: Arc<Exporter>) -> Result<Self, ServeError> {
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|source| ServeError::Bind { addr, source })?;
        let local_addr = listener.local_addr().map_err(ServeError::Io)?;
        let (stop, stopped) = oneshot::channel::<()>();
        let app = Router::new()
            .route("/metrics", get(metrics))
            .with_state(exporter);
        let serve = axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                // A dropped sender (the handle was dropped) stops it too.
                let _ = stopped.await;
            })
            .into_future();
        Ok(Self {
            local_addr,
            stop: Some(stop),
            task: Some(tokio::spawn(serve)),
        })
    }

    /// The address it listens on (with the port the system picked).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Stops accepting connections and waits for the requests in progress
    /// to be answered.
    pub async fn shutdown(mut self) -> Result<(), ServeError> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        match self.task.take() {
            Some(task) => task
                .await
                .map_err(ServeError::Task)?
                .map_err(ServeError::Io),
            None => Ok(()),
        }
    }
}

impl Drop for MetricsServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

async fn metrics(State(exporter): State<Arc<Exporter>>, headers: HeaderMap) -> impl IntoResponse {
    // A header that is not visible ASCII cannot name OpenMetrics.
    let accept = headers.get(ACCEPT).and_then(|v| v.to_str().ok());
    let format = Format::from_accept(accept);
    let body = exporter.encode_as(format);
    (
        [(
            CONTENT_TYPE,
            HeaderValue::from_static(format.content_type()),
        )],
        body,
    )
}
