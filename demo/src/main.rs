//! The README's demo: Totem in front of a real flaky HTTP service on
//! loopback. The service is healthy, then fails (503), then hangs, then
//! recovers; an async client (tower: Retry(Breaker(Timeout(http)))) and a
//! blocking client (`breaker.call(|| retry.call(...))` on a thread) call it
//! all along. State changes, rejections and retries are logged as they
//! happen, alerts (the spec's six, on the short windows of demo/totem.toml)
//! are printed as they fire and clear, the metrics are scraped from the
//! demo's own `/metrics` every two seconds, and a summary ends it. Exits non-zero unless both breakers
//! tripped during the outage and recovered after it.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::Parser;
use totem_core::{AlertChange, Cause, CircuitBreaker, Clock, Retry, State};
use totem_demo::{blocking_agent, get_blocking, FlakyService, Health, HttpGet};
use totem_std::{
    Alerts, BreakerLayer, DailyResetTask, DefaultClock, MetricsServer, Registry, RetryLayer,
    TracingObserver,
};
use tower::{Service, ServiceBuilder, ServiceExt};

/// The service's schedule: how it answers, for how long.
const PHASES: [(Health, Duration); 4] = [
    (Health::Healthy, Duration::from_secs(3)),
    (Health::Failing, Duration::from_secs(5)),
    (Health::Hanging, Duration::from_secs(4)),
    (Health::Healthy, Duration::from_secs(6)),
];

/// A request that gets no answer within this is cut, and counts as a failure.
const TIMEOUT: Duration = Duration::from_millis(250);
/// Each client calls this often.
const PACE: Duration = Duration::from_millis(50);
/// The alerts are judged this often.
const ALERT_POLL: Duration = Duration::from_millis(100);

#[derive(Debug, Parser)]
#[command(
    name = "totem-demo",
    about = "Totem's circuit breaker and retry in front of a flaky HTTP service on loopback; ends by itself in about 20 s"
)]
struct Args {
    /// Where to serve /metrics while the demo runs: a loopback address
    /// (port 0 picks a free port).
    #[arg(long, default_value = "127.0.0.1:0", value_parser = loopback)]
    metrics_addr: SocketAddr,
    /// A Totem config file defining the breakers and retries
    /// `payments_async` and `payments_blocking` (default: the demo's own,
    /// demo/totem.toml).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
}

fn loopback(text: &str) -> Result<SocketAddr, String> {
    let addr: SocketAddr = text
        .parse()
        .map_err(|e| format!("not an address (like 127.0.0.1:9898): {e}"))?;
    if addr.ip().is_loopback() {
        Ok(addr)
    } else {
        Err(format!(
            "{} is not a loopback address: the demo serves nothing beyond this machine",
            addr.ip()
        ))
    }
}

type Breaker = CircuitBreaker<DefaultClock, TracingObserver>;
type Retrier = Retry<DefaultClock, TracingObserver>;

/// What one client saw.
#[derive(Debug, Default)]
struct Tally {
    ok: AtomicU64,
    failed: AtomicU64,
    rejected: AtomicU64,
}

impl Tally {
    fn count(&self, ok: bool, rejected: bool) {
        let n = match (ok, rejected) {
            (true, _) => &self.ok,
            (false, true) => &self.rejected,
            (false, false) => &self.failed,
        };
        n.fetch_add(1, Ordering::Relaxed);
    }

    fn line(&self) -> String {
        format!(
            "{} ok, {} failed, {} rejected without calling the service",
            self.ok.load(Ordering::Relaxed),
            self.failed.load(Ordering::Relaxed),
            self.rejected.load(Ordering::Relaxed)
        )
    }
}

fn main() -> ExitCode {
    let args = Args::parse();
    tracing_subscriber::fmt()
        .with_target(false)
        .with_timer(tracing_subscriber::fmt::time::uptime())
        .init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("totem-demo: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(args)) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("totem-demo: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(args: Args) -> Result<bool, Box<dyn std::error::Error>> {
    let registry = match &args.config {
        Some(path) => Registry::from_file(path, DefaultClock::default(), TracingObserver::new())?,
        None => Registry::from_toml_str(
            include_str!("../totem.toml"),
            "demo/totem.toml",
            DefaultClock::default(),
            TracingObserver::new(),
        )?,
    };
    let instance = |kind: &str, name: &str| format!("the config has no {kind} named {name}");
    let async_breaker = registry
        .breaker("payments_async")
        .ok_or_else(|| instance("breaker", "payments_async"))?;
    let async_retry = registry
        .retry("payments_async")
        .ok_or_else(|| instance("retry", "payments_async"))?;
    let blocking_breaker = registry
        .breaker("payments_blocking")
        .ok_or_else(|| instance("breaker", "payments_blocking"))?;
    let blocking_retry = registry
        .retry("payments_blocking")
        .ok_or_else(|| instance("retry", "payments_blocking"))?;
    // The daily resets the file asks for (03:00 UTC: not during the demo).
    let _daily: Vec<DailyResetTask> = registry
        .daily_resets()
        .map(|(breaker, daily)| DailyResetTask::spawn(breaker, daily))
        .collect();

    let exporter = Arc::new(registry.exporter()?);
    let metrics = MetricsServer::start(args.metrics_addr, exporter).await?;
    let metrics_url = format!("http://{}/metrics", metrics.local_addr());
    let service = FlakyService::start().await?;
    println!(
        "flaky service on http://{}, metrics on {metrics_url} (config {}, hash {})",
        service.addr(),
        registry.info().source.display(),
        registry.info().hash
    );

    let stop = Arc::new(AtomicBool::new(false));
    let async_tally = Arc::new(Tally::default());
    let blocking_tally = Arc::new(Tally::default());
    let async_client = tokio::spawn(async_client(
        service.addr(),
        async_breaker,
        async_retry,
        async_tally.clone(),
        stop.clone(),
    ));
    let blocking_client = std::thread::spawn({
        let (url, tally, stop) = (service.url(), blocking_tally.clone(), stop.clone());
        move || blocking_client(&url, blocking_breaker, blocking_retry, &tally, &stop)
    });

    let started = Instant::now();
    let alerts = Arc::new(registry.alerts());
    let alert_watch = tokio::spawn(watch_alerts(alerts.clone(), started, stop.clone()));
    let scraper = ureq::Agent::new_with_defaults();
    for (health, length) in PHASES {
        service.set_health(health);
        println!(
            "[{:>5.1}s] the service is now {} for {} s",
            started.elapsed().as_secs_f64(),
            health.as_str(),
            length.as_secs()
        );
        let end = Instant::now() + length;
        while Instant::now() < end {
            tokio::time::sleep(Duration::from_secs(2).min(end - Instant::now())).await;
            let url = metrics_url.clone();
            let agent = scraper.clone();
            let scraped = tokio::task::spawn_blocking(move || scrape(&agent, &url)).await?;
            println!(
                "[{:>5.1}s] /metrics: {scraped}",
                started.elapsed().as_secs_f64()
            );
        }
    }

    stop.store(true, Ordering::Relaxed);
    let (fired, cleared) = alert_watch.await?;
    async_client.await?;
    blocking_client
        .join()
        .map_err(|_| "the blocking client panicked")?;
    let requests = service.requests();
    service.stop().await;
    metrics.shutdown().await?;

    println!();
    println!("summary after {:.1} s", started.elapsed().as_secs_f64());
    println!("  async client (tower):   {}", async_tally.line());
    println!("  blocking client:        {}", blocking_tally.line());
    println!("  the service received {requests} requests");
    let mut recovered = true;
    for breaker in [async_breaker, blocking_breaker] {
        let s = breaker.snapshot();
        let count = |c: Cause| s.transitions_by_cause[c as usize];
        println!(
            "  {}: {} now; opened {} times (tripped {}, failed probes {}, probes timed out {}), closed {} times; \
             time closed {:.1} s, open {:.1} s, half-open {:.1} s",
            s.name,
            s.state,
            count(Cause::FailureThreshold) + count(Cause::ProbeFailed) + count(Cause::HalfOpenTimeout),
            count(Cause::FailureThreshold),
            count(Cause::ProbeFailed),
            count(Cause::HalfOpenTimeout),
            count(Cause::ProbesSucceeded),
            s.time_in(State::Closed) as f64 / 1000.0,
            s.time_in(State::Open) as f64 / 1000.0,
            s.time_in(State::HalfOpen) as f64 / 1000.0,
        );
        recovered &= count(Cause::FailureThreshold) >= 1
            && count(Cause::ProbesSucceeded) >= 1
            && s.state == State::Closed;
    }
    for retry in [async_retry, blocking_retry] {
        let s = retry.snapshot();
        println!(
            "  retry {}: {} attempts, {} retries, {} calls succeeded, mean delay {} ms",
            s.name,
            s.attempts_total,
            s.retries_total,
            s.success_total,
            s.mean_delay_ms().unwrap_or(0)
        );
    }
    let active: Vec<String> = alerts.active().iter().map(|a| a.to_string()).collect();
    println!(
        "  alerts: {fired} fired, {cleared} cleared; active at the end: {}",
        if active.is_empty() {
            "none".to_owned()
        } else {
            active.join(", ")
        }
    );
    if recovered {
        println!("both breakers tripped during the outage and recovered after it");
    } else {
        println!("FAILED: a breaker did not trip and recover as expected");
    }
    Ok(recovered)
}

/// Judges the alerts every [`ALERT_POLL`] until `stop`, printing each one
/// that fires or clears; returns how many fired and cleared.
async fn watch_alerts(alerts: Arc<Alerts>, started: Instant, stop: Arc<AtomicBool>) -> (u32, u32) {
    let clock = DefaultClock::default();
    let (mut fired, mut cleared) = (0, 0);
    while !stop.load(Ordering::Relaxed) {
        for event in alerts.poll(clock.now()) {
            match event.change {
                AlertChange::Fired => fired += 1,
                AlertChange::Cleared => cleared += 1,
            }
            println!("[{:>5.1}s] ALERT {event}", started.elapsed().as_secs_f64());
        }
        tokio::time::sleep(ALERT_POLL).await;
    }
    (fired, cleared)
}

/// The async client: tower's Retry(Breaker(Timeout(http))), the spec's
/// decorator order with a timeout innermost, so that a hanging service is a
/// failure the breaker counts.
async fn async_client(
    addr: SocketAddr,
    breaker: &'static Breaker,
    retry: &'static Retrier,
    tally: Arc<Tally>,
    stop: Arc<AtomicBool>,
) {
    let mut client = ServiceBuilder::new()
        .layer(RetryLayer::new(retry))
        .layer(BreakerLayer::new(breaker))
        .timeout(TIMEOUT)
        .service(HttpGet::new(addr));
    while !stop.load(Ordering::Relaxed) {
        let outcome = match client.ready().await {
            Ok(ready) => ready.call("/pay").await,
            Err(e) => Err(e),
        };
        let rejected = matches!(&outcome, Err(e) if e.error.is_rejected());
        tally.count(outcome.is_ok(), rejected);
        tokio::time::sleep(PACE).await;
    }
}

/// The blocking client: `breaker.call(|| retry.call(...))` on a thread, with
/// the HTTP client's own timeout.
fn blocking_client(
    url: &str,
    breaker: &'static Breaker,
    retry: &'static Retrier,
    tally: &Tally,
    stop: &AtomicBool,
) {
    let agent = blocking_agent(TIMEOUT);
    while !stop.load(Ordering::Relaxed) {
        let outcome = breaker.call(|| retry.call(&totem_std::sleep, || get_blocking(&agent, url)));
        tally.count(
            outcome.is_ok(),
            matches!(&outcome, Err(e) if e.is_rejected()),
        );
        std::thread::sleep(PACE);
    }
}

/// A few series of the demo's own `/metrics`, fetched over HTTP.
fn scrape(agent: &ureq::Agent, url: &str) -> String {
    let body = match agent.get(url).call() {
        Ok(mut response) => match response.body_mut().read_to_string() {
            Ok(body) => body,
            Err(e) => return format!("unreadable: {e}"),
        },
        Err(e) => return format!("unreachable: {e}"),
    };
    let value = |series: &str| {
        body.lines()
            .find_map(|l| l.strip_prefix(series)?.trim().parse::<f64>().ok())
    };
    let mut parts = Vec::new();
    for name in ["payments_async", "payments_blocking"] {
        let state = ["closed", "open", "half_open", "forced_open", "disabled"]
            .into_iter()
            .find(|s| {
                value(&format!(
                    "circuit_breaker_state{{name=\"{name}\",state=\"{s}\"}}"
                )) == Some(1.0)
            })
            .unwrap_or("?");
        let failures = value(&format!(
            "circuit_breaker_failures_total{{name=\"{name}\"}}"
        ));
        let rejected = value(&format!(
            "circuit_breaker_calls_total{{name=\"{name}\",result=\"rejected\"}}"
        ));
        let attempts = value(&format!("retry_attempts_total{{name=\"{name}\"}}"));
        parts.push(format!(
            "{name} state={state} failures_total={} rejected={} retry_attempts_total={}",
            failures.unwrap_or(0.0),
            rejected.unwrap_or(0.0),
            attempts.unwrap_or(0.0)
        ));
    }
    parts.join(" | ")
}
