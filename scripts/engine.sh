#!/usr/bin/env bash
# A private Docker engine for tests and the quickstart, and the busybox base image.
#
#   eval "$(scripts/engine.sh start)"   # reuse the engine that answers, else start our own
#   scripts/engine.sh base-image         # import chalk-test/busybox:latest if missing
#   scripts/engine.sh status
#   scripts/engine.sh stop               # stops only the dockerd this script started
#
# `start` prints shell lines only on stdout (everything else goes to stderr):
# `export DOCKER_HOST=...` when an engine other than the default one is to be used, and
# `export CHALK_ENGINE_PID=N` when it started a dockerd just now (callers stop what they started).
# The engine's state lives in ${CHALK_ENGINE_DIR:-/tmp/chalk-engine}: data/, exec/,
# dockerd.pid, dockerd.log and docker.sock. A crashed run's pidfile and socket are detected
# and replaced; a second `start` reuses the running engine.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

engine_dir=${CHALK_ENGINE_DIR:-/tmp/chalk-engine}
sock=$engine_dir/docker.sock
pidfile=$engine_dir/dockerd.pid
logfile=$engine_dir/dockerd.log
start_timeout=${CHALK_ENGINE_TIMEOUT:-90}

usage() {
  echo "usage: $0 start|stop|status|base-image" >&2
  exit 2
}

# alive PID: the process runs (a zombie, which `kill -0` still finds, does not count: the
# sandbox's init may never reap what it inherits).
alive() {
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  stat=${stat##*) }
  [ "${stat%% *}" != Z ]
}

# pid_from FILE PATTERN: prints the pid recorded in FILE if that process is alive and its
# command line matches PATTERN.
pid_from() {
  local pid
  pid=$(cat "$1" 2>/dev/null) || return 1
  [[ "$pid" =~ ^[0-9]+$ ]] && alive "$pid" || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q -- "$2" || return 1
  echo "$pid"
}

our_pid() {
  pid_from "$pidfile" "dockerd .*--pidfile $pidfile"
}

containerd_pidfile=$engine_dir/exec/containerd/containerd.pid
our_containerd_pid() {
  pid_from "$containerd_pidfile" "containerd .*$engine_dir/exec/"
}

private_answers() {
  DOCKER_HOST=unix://$sock engine_answers
}

tail_log() {
  echo "--- last lines of $logfile ---" >&2
  tail -n 25 "$logfile" >&2 2>/dev/null || true
}

wait_for_private() {
  local pid=$1 deadline=$((SECONDS + start_timeout))
  until private_answers; do
    if ! alive "$pid"; then
      tail_log
      die "dockerd (pid $pid) exited before answering on $sock"
    fi
    if [ $SECONDS -ge $deadline ]; then
      tail_log
      die "dockerd (pid $pid) did not answer on $sock within ${start_timeout}s"
    fi
    sleep 0.5
  done
}

cmd_start() {
  if engine_answers; then
    log "a Docker engine answers on ${DOCKER_HOST:-the default socket}: using it"
    [ -z "${DOCKER_HOST:-}" ] || echo "export DOCKER_HOST=$DOCKER_HOST"
    return 0
  fi
  local pid
  if pid=$(our_pid); then
    log "our dockerd (pid $pid) is running: waiting for it on $sock"
    wait_for_private "$pid"
    echo "export DOCKER_HOST=unix://$sock"
    return 0
  fi

  command -v dockerd >/dev/null 2>&1 || ensure_packages docker.io
  mkdir -p "$engine_dir/data" "$engine_dir/exec"
  # Leftovers of a crashed run: a stale socket would make callers talk to nothing, and
  # dockerd waits for the containerd of a pidfile whose process still exists (as a zombie
  # here) instead of starting its own.
  rm -f "$pidfile" "$sock"
  our_containerd_pid >/dev/null || rm -f "$containerd_pidfile"
  log "starting dockerd in $engine_dir (log: $logfile)"
  # setsid + closed fds: the engine outlives the caller's terminal and does not hold the
  # pipe of `eval "$(engine.sh start)"` open.
  setsid dockerd --iptables=false --ip6tables=false --bridge=none \
    --data-root "$engine_dir/data" --exec-root "$engine_dir/exec" \
    --pidfile "$pidfile" -H "unix://$sock" </dev/null >>"$logfile" 2>&1 &
  pid=$!
  wait_for_private "$pid"
  log "dockerd (pid $pid) answers on unix://$sock"
  echo "export DOCKER_HOST=unix://$sock"
  echo "export CHALK_ENGINE_PID=$pid"
}

# Waits up to $2 seconds for process $1 to exit; true if it did.
wait_exit() {
  local pid=$1 deadline=$((SECONDS + $2))
  while alive "$pid"; do
    [ $SECONDS -lt $deadline ] || return 1
    sleep 0.2
  done
}

cmd_stop() {
  local pid containerd_pid
  containerd_pid=$(our_containerd_pid || true)
  if pid=$(our_pid); then
    log "stopping dockerd (pid $pid)"
    kill -TERM "$pid"
    if ! wait_exit "$pid" 30; then
      warn "dockerd (pid $pid) still runs after 30s: killing it"
      kill -KILL "$pid" 2>/dev/null || true
      wait_exit "$pid" 5 || true
    fi
  else
    log "no dockerd of ours runs in $engine_dir"
  fi
  # The containerd our dockerd started normally exits with it, but not after dockerd crashed.
  if [ -n "$containerd_pid" ] && alive "$containerd_pid"; then
    log "stopping the containerd our dockerd left (pid $containerd_pid)"
    kill -TERM "$containerd_pid" 2>/dev/null || true
    wait_exit "$containerd_pid" 10 || kill -KILL "$containerd_pid" 2>/dev/null || true
  fi
  # dockerd leaves its default network namespace (an nsfs mount) behind when it exits.
  local mnt
  findmnt -rn -o TARGET | grep "^$engine_dir/" | sort -r | while read -r mnt; do
    umount -l "$mnt" 2>/dev/null || warn "cannot unmount $mnt"
  done
  rm -f "$pidfile" "$sock"
}

cmd_status() {
  local pid rc=1
  if pid=$(our_pid); then
    echo "private dockerd: pid $pid, DOCKER_HOST=unix://$sock, state in $engine_dir"
  else
    echo "private dockerd: not running (state dir $engine_dir)"
  fi
  if engine_answers; then
    echo "engine on ${DOCKER_HOST:-the default socket}: answers (server $(docker version -f '{{.Server.Version}}' 2>/dev/null))"
    rc=0
  else
    echo "engine on ${DOCKER_HOST:-the default socket}: does not answer"
  fi
  return $rc
}

# The base image: Debian's busybox-static (no libc in the image, so whatever runs there
# must be truly static) with every applet linked at its usual path, a minimal /etc/passwd
# and /tmp. The tarball is reproducible, so every machine imports the same layer.
cmd_base_image() {
  engine_answers || die "no Docker engine answers on ${DOCKER_HOST:-the default socket}: run \`eval \"\$(scripts/engine.sh start)\"\` first"
  if docker image inspect "$CHALK_BASE_IMAGE" >/dev/null 2>&1; then
    log "base image $CHALK_BASE_IMAGE is present"
    return 0
  fi
  ensure_packages busybox-static
  local busybox=/bin/busybox applet
  [ -x "$busybox" ] || die "busybox-static did not install $busybox"
  if readelf -l "$busybox" 2>/dev/null | grep -q 'INTERP'; then
    die "$busybox is dynamically linked: install busybox-static instead of busybox"
  fi
  work=$(mktemp -d) # global: the EXIT trap outlives this function
  trap 'rm -rf "$work"' EXIT
  mkdir -p "$work/root/bin" "$work/root/etc" "$work/root/tmp" "$work/root/root"
  chmod 1777 "$work/root/tmp"
  cp "$busybox" "$work/root/bin/busybox"
  for applet in $("$busybox" --list-full); do
    [ "$applet" = bin/busybox ] && continue
    mkdir -p "$work/root/$(dirname "$applet")"
    ln -sfn /bin/busybox "$work/root/$applet"
  done
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$work/root/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' >"$work/root/etc/group"
  tar -C "$work/root" --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -cf "$work/rootfs.tar" .
  log "importing $CHALK_BASE_IMAGE from $busybox ($("$busybox" --list | wc -l) applets)"
  docker import \
    -c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    -c 'CMD ["sh"]' \
    -m "busybox-static $(dpkg-query -W -f='${Version}' busybox-static 2>/dev/null)" \
    "$work/rootfs.tar" "$CHALK_BASE_IMAGE" >/dev/null
  docker run --rm --network none "$CHALK_BASE_IMAGE" true ||
    die "the imported base image $CHALK_BASE_IMAGE does not run \`true\`"
}

[ $# -eq 1 ] || usage
case "$1" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  base-image) cmd_base_image ;;
  *) usage ;;
esac
