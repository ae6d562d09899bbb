#!/usr/bin/env bash
# Idempotent install of Prometheus and promtool (Debian package `prometheus`),
# which the exporter's tests run against the real exposition. Skipped when
# promtool is already on PATH.
set -euo pipefail

if ! command -v promtool >/dev/null 2>&1; then
    SUDO=""
    if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
    $SUDO apt-get update
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends prometheus
fi

promtool --version | head -n 1
