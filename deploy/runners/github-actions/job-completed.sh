#!/bin/sh
# GitHub Actions self-hosted runner: ACTIONS_RUNNER_HOOK_JOB_COMPLETED.
# Closes the job's socket and reaps what the job left on the daemon.
set -eu
# The runner starts hooks with the PATH its steps extended (GITHUB_PATH, container steps
# included): a job could put a `cat`, `rm` or `sudo` of its own first. Reset it.
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export PATH
ADMIN=${SOCKWARDEN_ADMIN:-/run/sockwarden/admin.sock}
SOCKET=${SOCKWARDEN_RUNNER_SOCKET:-/run/sockwarden-runners/${RUNNER_NAME}.sock}
SOCKWARDEN=${SOCKWARDEN:-sudo -n /usr/local/bin/sockwarden}
id=$(cat "$SOCKET.id" 2>/dev/null) || exit 0
$SOCKWARDEN job close --admin-socket "$ADMIN" --id "$id"
rm -f "$SOCKET.id"
