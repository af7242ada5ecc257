#!/bin/sh
# GitHub Actions self-hosted runner: ACTIONS_RUNNER_HOOK_JOB_COMPLETED.
# Closes the job's socket and reaps what the job left on the daemon.
set -eu
ADMIN=${SOCKWARDEN_ADMIN:-/run/sockwarden/admin.sock}
SOCKET=${SOCKWARDEN_RUNNER_SOCKET:-/run/sockwarden/runners/${RUNNER_NAME}.sock}
SOCKWARDEN=${SOCKWARDEN:-sudo -n /usr/local/bin/sockwarden}
id=$(cat "$SOCKET.id" 2>/dev/null) || exit 0
$SOCKWARDEN job close --admin-socket "$ADMIN" --id "$id"
rm -f "$SOCKET.id"
