//! The demo's command line: bad input gets a clear message and a non-zero
//! exit, before anything starts.
use std::process::Command;

fn demo(args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_totem-demo"))
        .args(args)
        .output()
        .expect("the demo binary runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_metrics_address_off_loopback_is_refused() {
    let (code, err) = demo(&["--metrics-addr", "10.0.0.1:80"]);
    assert_eq!(code, 2);
    assert!(err.contains("10.0.0.1 is not a loopback address"), "{err}");
}

#[test]
fn an_unknown_argument_is_refused() {
    let (code, err) = demo(&["--bogus"]);
    assert_eq!(code, 2);
    assert!(err.contains("unexpected argument '--bogus'"), "{err}");
}

#[test]
fn a_missing_config_file_is_named() {
    let (code, err) = demo(&["--config", "/nonexistent/totem.toml"]);
    assert_eq!(code, 1);
    assert!(
        err.contains("/nonexistent/totem.toml: cannot read the file"),
        "{err}"
    );
}

#[test]
fn a_config_without_the_demo_instances_says_which_is_missing() {
    let dir = std::env::temp_dir().join(format!("totem-demo-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("totem.toml");
    std::fs::write(&file, "version = 1\n[breaker.other]\n").unwrap();
    let (code, err) = demo(&["--config", file.to_str().unwrap()]);
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(code, 1);
    assert!(err.contains("no breaker named payments_async"), "{err}");
}
