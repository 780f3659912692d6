#!/usr/bin/env bash
# For CI (.ci/run): makes a Docker daemon available to the image tests.
#   scripts/docker-daemon.sh start   install docker.io with apt when docker is
#                                    missing, start dockerd when none answers
#   scripts/docker-daemon.sh stop    stop the dockerd this script started
# The daemon gets no bridge and no iptables rules: the tests run containers
# with --network host on loopback only.
set -euo pipefail
state=${SAMO_DOCKERD_DIR:-/tmp/samo-dockerd}
case "${1:-}" in
start)
  if ! command -v dockerd >/dev/null 2>&1 || ! command -v docker >/dev/null 2>&1; then
    echo "docker-daemon: installing docker.io" >&2
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends docker.io; } >/tmp/samo-docker-apt.log 2>&1 \
      || { echo "docker-daemon: apt-get install docker.io failed (see /tmp/samo-docker-apt.log)" >&2; exit 1; }
  fi
  if docker version --format '{{.Server.Version}}' >/dev/null 2>&1; then exit 0; fi
  mkdir -p "$state"
  dockerd --bridge=none --iptables=false --pidfile "$state/pid" >"$state/log" 2>&1 &
  for _ in $(seq 1 120); do
    if docker version --format '{{.Server.Version}}' >/dev/null 2>&1; then
      echo "docker-daemon: dockerd started (log $state/log)" >&2
      exit 0
    fi
    sleep 0.5
  done
  echo "docker-daemon: dockerd did not answer within 60s:" >&2
  tail -20 "$state/log" >&2
  exit 1
  ;;
stop)
  if [ -f "$state/pid" ]; then
    pid=$(cat "$state/pid")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    rm -rf "$state"
  fi
  ;;
*)
  echo "usage: $0 start|stop" >&2
  exit 2
  ;;
esac
