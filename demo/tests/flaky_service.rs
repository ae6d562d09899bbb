//! The flaky service and the two clients on their own, on real loopback
//! sockets: each health answers as it says, and a hanging request is cut by
//! the client's timeout.
use std::time::Duration;

use totem_demo::{blocking_agent, get_blocking, FlakyService, Health, HttpError, HttpGet};
use tower_service::Service;

#[tokio::test]
async fn each_health_answers_as_it_says() {
    let service = FlakyService::start().await.unwrap();
    let mut client = HttpGet::new(service.addr());
    assert_eq!(client.call("/pay").await.unwrap(), 200);
    service.set_health(Health::Failing);
    assert!(matches!(
        client.call("/pay").await,
        Err(HttpError::Status(503))
    ));
    service.set_health(Health::Hanging);
    let hung = tokio::time::timeout(Duration::from_millis(200), client.call("/pay")).await;
    assert!(hung.is_err(), "a hanging request does not complete");
    service.set_health(Health::Healthy);
    assert_eq!(client.call("/pay").await.unwrap(), 200);
    assert_eq!(service.requests(), 4);
    service.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_blocking_client_times_out_on_a_hanging_service() {
    let service = FlakyService::start().await.unwrap();
    let url = service.url();
    service.set_health(Health::Hanging);
    let outcome = tokio::task::spawn_blocking(move || {
        let agent = blocking_agent(Duration::from_millis(200));
        get_blocking(&agent, &url)
    })
    .await
    .unwrap();
    assert!(matches!(outcome, Err(HttpError::Timeout)), "{outcome:?}");
    service.set_health(Health::Failing);
    let url = service.url();
    let outcome = tokio::task::spawn_blocking(move || {
        get_blocking(&blocking_agent(Duration::from_secs(5)), &url)
    })
    .await
    .unwrap();
    assert!(
        matches!(outcome, Err(HttpError::Status(503))),
        "{outcome:?}"
    );
    service.stop().await;
}
