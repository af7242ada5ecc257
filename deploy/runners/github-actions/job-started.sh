#!/bin/sh
# GitHub Actions self-hosted runner: ACTIONS_RUNNER_HOOK_JOB_STARTED.
# Opens a sockwarden job socket for this job at the runner's fixed socket
# path (the runner's DOCKER_HOST), so the job's containers are its own and
# are reaped when it ends. See deploy/runners/README.md.
set -eu
# The runner starts hooks with the PATH its steps extended (GITHUB_PATH, container steps
# included): a job could put a `cat`, `rm` or `sudo` of its own first. Reset it.
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export PATH
ADMIN=${SOCKWARDEN_ADMIN:-/run/sockwarden/admin.sock}
SOCKET=${SOCKWARDEN_RUNNER_SOCKET:-/run/sockwarden-runners/${RUNNER_NAME}.sock}
SOCKWARDEN=${SOCKWARDEN:-sudo -n /usr/local/bin/sockwarden}
# Job ids are [A-Za-z0-9_.-]: map anything else to "-".
id=$(printf 'gha-%s-%s-%s' "$GITHUB_RUN_ID" "${GITHUB_RUN_ATTEMPT:-1}" "$RUNNER_NAME" | tr -c 'A-Za-z0-9_.-' '-' | cut -c1-128)
# A job left open by a crashed runner is closed (and reaped) first.
$SOCKWARDEN job close --admin-socket "$ADMIN" --id "$(cat "$SOCKET.id" 2>/dev/null || echo none)" >/dev/null 2>&1 || true
# The socket is 0660 and takes the group of its directory (tmpfiles.conf: setgid, the
# runner's group), so the runner's user connects without being in serve's group.
# SOCKWARDEN_SOCKET_GROUP names a group instead (a chown: serve must be allowed it).
$SOCKWARDEN job open --admin-socket "$ADMIN" --id "$id" --socket "$SOCKET" \
    ${SOCKWARDEN_SOCKET_GROUP:+--socket-group "$SOCKWARDEN_SOCKET_GROUP"} --ttl 6h \
    --label "github.repository=$GITHUB_REPOSITORY" --label "github.run_id=$GITHUB_RUN_ID" >/dev/null
printf '%s\n' "$id" > "$SOCKET.id"
