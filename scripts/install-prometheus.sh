#!/usr/bin/env bash
# Idempotent install of Prometheus and promtool (Debian package `prometheus`):
# the exporter's and the rules' tests run promtool, the dashboard's and the
# demo's end-to-end tests run a real Prometheus on loopback. Skipped when both
# are already on PATH.
set -euo pipefail

if ! command -v promtool >/dev/null 2>&1 || ! command -v prometheus >/dev/null 2>&1; then
    SUDO=""
    if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
    $SUDO apt-get update
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends prometheus
fi

promtool --version | head -n 1
prometheus --version 2>&1 | head -n 1
