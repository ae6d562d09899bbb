//! [`FlakyService`]: a real HTTP/1.1 server on 127.0.0.1 whose health is
//! set from outside: healthy (200), failing (503) or hanging (the request is
//! read and never answered). It counts the requests it receives, so a test
//! can tell that an OPEN breaker spared it.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, AtomicU8, Ordering};
use std::sync::Arc;

use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinSet;

/// How the service answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Health {
    /// 200 OK.
    Healthy = 0,
    /// 503 Service Unavailable.
    Failing = 1,
    /// Reads the request and never answers (until the service stops).
    Hanging = 2,
}

impl Health {
    fn from_u8(v: u8) -> Health {
        match v {
            0 => Health::Healthy,
            1 => Health::Failing,
            _ => Health::Hanging,
        }
    }

    /// A lowercase label, for the demo's output.
    pub fn as_str(self) -> &'static str {
        match self {
            Health::Healthy => "healthy",
            Health::Failing => "failing",
            Health::Hanging => "hanging",
        }
    }
}

/// State shared by the accept loop, every connection and the owner.
#[derive(Debug)]
struct Shared {
    health: AtomicU8,
    requests: AtomicU64,
    /// Requests still to be failed whatever the health (a transient error).
    fail_next: AtomicU64,
}

/// The running service. Dropping it (or [`stop`](Self::stop)) closes the
/// listener and every open connection, hanging ones included.
#[derive(Debug)]
pub struct FlakyService {
    addr: SocketAddr,
    shared: Arc<Shared>,
    stop: watch::Sender<bool>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl FlakyService {
    /// Binds 127.0.0.1 on a free port and starts serving, healthy.
    pub async fn start() -> std::io::Result<FlakyService> {
        let listener = TcpListener::bind((std::net::Ipv4Addr::LOCALHOST, 0)).await?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared {
            health: AtomicU8::new(Health::Healthy as u8),
            requests: AtomicU64::new(0),
            fail_next: AtomicU64::new(0),
        });
        let (stop, stopped) = watch::channel(false);
        let task = tokio::spawn(serve(listener, shared.clone(), stopped));
        Ok(FlakyService {
            addr,
            shared,
            stop,
            task: Some(task),
        })
    }

    /// Where it listens.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The URL of its one resource.
    pub fn url(&self) -> String {
        format!("http://{}/pay", self.addr)
    }

    /// Changes how it answers from the next request on.
    pub fn set_health(&self, health: Health) {
        self.shared.health.store(health as u8, Ordering::Relaxed);
    }

    /// Answers the next `n` requests with 503 whatever the health: a
    /// transient error, for a retry to absorb.
    pub fn fail_next(&self, n: u64) {
        self.shared.fail_next.store(n, Ordering::Relaxed);
    }

    /// How it answers now.
    pub fn health(&self) -> Health {
        Health::from_u8(self.shared.health.load(Ordering::Relaxed))
    }

    /// Requests received so far (answered or not).
    pub fn requests(&self) -> u64 {
        self.shared.requests.load(Ordering::Relaxed)
    }

    /// Stops serving and waits until every connection is closed.
    pub async fn stop(mut self) {
        let _ = self.stop.send(true);
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for FlakyService {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

/// The accept loop; its connections live in a `JoinSet`, so ending the loop
/// (on stop, or when the task is aborted) drops and closes them all.
async fn serve(listener: TcpListener, shared: Arc<Shared>, stopped: watch::Receiver<bool>) {
    let mut connections = JoinSet::new();
    let mut stop = stopped.clone();
    loop {
        tokio::select! {
            _ = stop.wait_for(|s| *s) => break,
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else { continue };
                let shared = shared.clone();
                let mut stopped = stopped.clone();
                connections.spawn(async move {
                    let service = service_fn(move |req| answer(req, shared.clone()));
                    let conn = http1::Builder::new().serve_connection(TokioIo::new(stream), service);
                    tokio::select! {
                        _ = conn => {}
                        _ = stopped.wait_for(|s| *s) => {}
                    }
                });
            }
            // Reap finished connections as they end.
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    connections.shutdown().await;
}

async fn answer(
    _req: Request<Incoming>,
    shared: Arc<Shared>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    shared.requests.fetch_add(1, Ordering::Relaxed);
    let transient = shared
        .fail_next
        .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1))
        .is_ok();
    let health = if transient {
        Health::Failing
    } else {
        Health::from_u8(shared.health.load(Ordering::Relaxed))
    };
    let status = match health {
        Health::Healthy => StatusCode::OK,
        Health::Failing => StatusCode::SERVICE_UNAVAILABLE,
        // Never answers; the connection task is dropped when the service stops.
        Health::Hanging => std::future::pending().await,
    };
    let mut response = Response::new(Full::new(Bytes::from_static(
        status.canonical_reason().unwrap_or("").as_bytes(),
    )));
    *response.status_mut() = status;
    Ok(response)
}
