#!/usr/bin/env bash
# The foreign-client test: the official Python SDK (beecloud 3.6.0 from PyPI) against the emulator binary,
# then two worker processes, each with its own app on the same emulator.
# Usage: tests/foreign/run.sh PATH/TO/beecloud-emulator   (CI builds it first; see .ci/run)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
emulator="${1:?usage: run.sh PATH/TO/beecloud-emulator}"
venv="${BEECLOUD_FOREIGN_VENV:-${TMPDIR:-/tmp}/beecloud-foreign-venv}"

if ! python3 -c 'import ensurepip, venv' 2>/dev/null; then
    echo "python3-venv is missing; installing it with apt"
    sudo_cmd=""; [ "$(id -u)" = 0 ] || sudo_cmd="sudo"
    $sudo_cmd apt-get update -qq && $sudo_cmd apt-get install -y -qq python3-venv
fi
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/python" -c 'import beecloud' 2>/dev/null || "$venv/bin/pip" install -q 'beecloud==3.6.0'

# A free port: bind 0 in Python, release it, hand it to the emulator.
port="$("$venv/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
# One knob from the command line, which python_sdk.py reads back over the control API.
"$emulator" --port "$port" --knob sandbox_notify.resend_paid=true >"${TMPDIR:-/tmp}/beecloud-foreign-emulator.log" 2>&1 &
emulator_pid=$!
trap 'kill "$emulator_pid" 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
    "$venv/bin/python" -c "import socket; socket.create_connection(('127.0.0.1', $port), 0.2)" 2>/dev/null && break
    sleep 0.1
done
"$venv/bin/python" "$here/python_sdk.py" "http://127.0.0.1:$port"
"$venv/bin/python" "$here/python_apps.py" "http://127.0.0.1:$port"
