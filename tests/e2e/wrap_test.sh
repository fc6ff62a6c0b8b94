#!/usr/bin/env bash
# Entrypoint wrapping on the real engine (REPORTS.md §7): every row of the wrapping table, built
# once with plain `docker build` and once with `docker chalk build` from the same Dockerfile;
# the chalked config is the table's and the program's output and exit code are identical.
# Then USER, WORKDIR, ENV, STOPSIGNAL, HEALTHCHECK and OnBuild for a non-root USER.
source "$(dirname "$0")/lib.sh"
require_engine
require_chalk_bin
make_temp_dir
cd "$E2E_TMP"

config_of() { docker image inspect -f "{{json .Config.$2}}" "$1"; }

# run_image IMAGE [ARG...]: the container's stdout and stderr, then `exit=N`.
run_image() {
  local status=0 output
  output=$(docker run --rm --network none "$@" 2>&1) || status=$?
  printf '%s\nexit=%s\n' "$output" "$status"
}

# build_pair NAME <<DOCKERFILE: sets PLAIN (docker build) and CHALKED (docker chalk build) for the
# Dockerfile read from stdin; the chalk build's stderr is left in NAME.err.
build_pair() {
  local name=$1
  mkdir -p "$name"
  cat >"$name/Dockerfile"
  PLAIN=chalk-e2e/$(unique_name "$name-plain"):1
  CHALKED=chalk-e2e/$(unique_name "$name-chalked"):1
  build_image "$PLAIN" "$name"
  remove_image_at_exit "$CHALKED"
  "$CHALK_BIN" build -t "$CHALKED" "$name" >"$name.out" 2>"$name.err" || fail "docker chalk build of $name failed: $(cat "$name.err")"
  [ -n "$(docker image inspect -f '{{index .Config.Labels "run.chalk.metadata-id"}}' "$CHALKED")" ] ||
    fail "$name: the chalked image has no run.chalk.metadata-id label"
}

# wrapped_row NAME ENTRYPOINT CMD [RUN_ARG...] <<DOCKERFILE: the chalked image's Entrypoint is
# ENTRYPOINT, its Cmd is CMD (`kept`: the plain image's), no warning, and both images print the
# same with no arguments and with RUN_ARGs (which replace Cmd).
wrapped_row() {
  local name=$1 entrypoint=$2 cmd=$3
  shift 3
  build_pair "$name"
  assert_eq "$entrypoint" "$(config_of "$CHALKED" Entrypoint)" "$name: Entrypoint"
  [ "$cmd" == kept ] && cmd=$(config_of "$PLAIN" Cmd)
  assert_eq "$cmd" "$(config_of "$CHALKED" Cmd)" "$name: Cmd"
  assert_not_contains "$(cat "$name.err")" "warning" "$name: stderr of docker chalk build"
  assert_eq "$(run_image "$PLAIN")" "$(run_image "$CHALKED")" "$name: output with and without chalk"
  if [ $# -gt 0 ]; then
    assert_eq "$(run_image "$PLAIN" "$@")" "$(run_image "$CHALKED" "$@")" "$name: output with run arguments"
  fi
}

# mark_only_row NAME WARNING <<DOCKERFILE: not wrapped: Entrypoint and Cmd are docker's, one
# warning containing WARNING, and the image still carries the mark.
mark_only_row() {
  local name=$1 warning=$2
  build_pair "$name"
  assert_eq "$(config_of "$PLAIN" Entrypoint)" "$(config_of "$CHALKED" Entrypoint)" "$name: Entrypoint"
  assert_eq "$(config_of "$PLAIN" Cmd)" "$(config_of "$CHALKED" Cmd)" "$name: Cmd"
  assert_eq 1 "$(grep -c warning "$name.err")" "$name: warning lines"
  assert_contains "$(grep warning "$name.err")" "$warning" "$name: the warning"
  docker create --name "$name-$$" --network none "$CHALKED" true >/dev/null || fail "$name: docker create failed"
  on_exit docker rm -f "$name-$$"
  docker cp "$name-$$:/chalk.json" "$name.json" || fail "$name: no /chalk.json in the image"
  assert_contains "$(cat "$name.json")" '"MAGIC":"dadfedabbadabbed"' "$name: /chalk.json"
}

note "exec form with Cmd"
wrapped_row exec '["/chalk","exec","--exec-command-name","echo","--"]' '["hello"]' bye now <<DOCKERFILE
FROM $E2E_BASE_IMAGE
ENTRYPOINT ["echo"]
CMD ["hello"]
DOCKERFILE

note "exec form with arguments"
wrapped_row exec-args '["/chalk","exec","--exec-command-name","echo","--","-m","http.server","9999"]' kept extra <<DOCKERFILE
FROM $E2E_BASE_IMAGE
ENTRYPOINT ["echo", "-m", "http.server", "9999"]
DOCKERFILE

note "shell form entrypoint and cmd"
wrapped_row shell '["/chalk","exec","--exec-command-name","/bin/sh","--","-c","echo hello"]' '["/bin/sh","-c","echo world"]' x <<DOCKERFILE
FROM $E2E_BASE_IMAGE
ENTRYPOINT echo hello
CMD echo world
DOCKERFILE

note "bare /bin/sh -c \"\" entrypoint"
wrapped_row bare-shell '["/chalk","exec","--exec-command-name","/bin/sh","--","-c",""]' '["echo","x"]' echo y <<DOCKERFILE
FROM $E2E_BASE_IMAGE
ENTRYPOINT ["/bin/sh", "-c", ""]
CMD ["echo", "x"]
DOCKERFILE

note "shell form entrypoint of an empty string (the shell fails: same failure with chalk)"
wrapped_row empty-string '["/chalk","exec","--exec-command-name","/bin/sh","--","-c","\"\""]' '["echo","x"]' <<DOCKERFILE
FROM $E2E_BASE_IMAGE
ENTRYPOINT ""
CMD ["echo", "x"]
DOCKERFILE

note "CMD only: exec form, shell form, inherited from the base image"
wrapped_row cmd-only '["/chalk","exec","--"]' '["echo","cmd","only"]' echo replaced <<DOCKERFILE
FROM $E2E_BASE_IMAGE
CMD ["echo", "cmd", "only"]
DOCKERFILE
wrapped_row cmd-shell '["/chalk","exec","--"]' '["/bin/sh","-c","echo \"$HOME\" and $0; exit 3"]' sh -c 'exit 5' <<DOCKERFILE
FROM $E2E_BASE_IMAGE
CMD echo "\$HOME" and \$0; exit 3
DOCKERFILE
wrapped_row inherited-cmd '["/chalk","exec","--"]' '["sh"]' sh -c 'echo inherited' <<DOCKERFILE
FROM $E2E_BASE_IMAGE
LABEL only=label
DOCKERFILE

note "program not found: the same exit code (127) with and without chalk"
build_pair missing <<DOCKERFILE
FROM $E2E_BASE_IMAGE
CMD ["echo", "x"]
DOCKERFILE
plain_missing=$(run_image "$PLAIN" no-such-program | tail -1)
chalked_missing=$(run_image "$CHALKED" no-such-program)
assert_eq "$plain_missing" "$(tail -1 <<<"$chalked_missing")" "exit code for a missing program"
assert_contains "$chalked_missing" "chalk: exec: no-such-program: not found" "the shim's message"

note "blank first entrypoint word: not wrapped, warning"
mark_only_row blank-space "warning" <<DOCKERFILE
FROM $E2E_BASE_IMAGE
ENTRYPOINT [" "]
CMD ["echo", "x"]
DOCKERFILE
mark_only_row blank-empty "warning" <<DOCKERFILE
FROM $E2E_BASE_IMAGE
ENTRYPOINT ["", ""]
CMD ["echo", "x"]
DOCKERFILE

note "no entrypoint and no cmd: mark only"
mark_only_row nothing "cannot wrap: no ENTRYPOINT or CMD" <<DOCKERFILE
FROM $E2E_BASE_IMAGE
ENTRYPOINT []
CMD []
DOCKERFILE

note "already wrapped: left as is (the plain image cannot run; the chalk layer brings /chalk)"
build_pair already <<DOCKERFILE
FROM $E2E_BASE_IMAGE
ENTRYPOINT ["/chalk", "exec", "--exec-command-name", "echo", "--"]
CMD ["hello"]
DOCKERFILE
assert_eq '["/chalk","exec","--exec-command-name","echo","--"]' "$(config_of "$CHALKED" Entrypoint)" "already: Entrypoint"
assert_eq '["hello"]' "$(config_of "$CHALKED" Cmd)" "already: Cmd"
assert_not_contains "$(cat already.err)" "warning" "already: stderr of docker chalk build"
assert_eq $'hello\nexit=0' "$(run_image "$CHALKED")" "already wrapped image's output"
assert_eq $'again\nexit=0' "$(run_image "$CHALKED" again)" "already wrapped image with arguments"

note "USER, WORKDIR, ENV, STOPSIGNAL, HEALTHCHECK keep working; OnBuild for a non-root USER"
build_pair settings <<'DOCKERFILE'
FROM chalk-test/busybox:latest
ENV GREETING=hi FROM_ENV=yes
WORKDIR /srv/app
USER 1234:2345
STOPSIGNAL SIGUSR1
HEALTHCHECK --interval=1s --timeout=2s --retries=2 CMD ["sh", "-c", "test \"$GREETING\" = hi"]
ENTRYPOINT ["sh", "-c", "id -u; id -g; pwd; echo $GREETING $FROM_ENV; trap 'echo got-usr1; exit 7' USR1; [ \"$1\" = wait ] || exit 0; while :; do sleep 0.1; done", "sh"]
DOCKERFILE
for field in User WorkingDir Env StopSignal Healthcheck; do
  assert_eq "$(config_of "$PLAIN" "$field")" "$(config_of "$CHALKED" "$field")" "$field kept"
done
assert_eq $'1234\n2345\n/srv/app\nhi yes\nexit=0' "$(run_image "$CHALKED")" "USER, WORKDIR and ENV at run time"
assert_eq "$(run_image "$PLAIN")" "$(run_image "$CHALKED")" "settings: output with and without chalk"
assert_eq '["USER 0:0","RUN [\"/chalk\",\"onbuild\"]","USER 1234:2345"]' "$(config_of "$CHALKED" OnBuild)" "OnBuild for a non-root USER"
for image in "$PLAIN" "$CHALKED"; do
  container=$(unique_name settings)
  docker run -d --name "$container" --network none "$image" wait >/dev/null || fail "docker run -d $image failed"
  on_exit docker rm -f "$container"
  deadline=$((SECONDS + 20))
  until [ "$(docker inspect -f '{{.State.Health.Status}}' "$container")" == healthy ]; do
    [ $SECONDS -lt $deadline ] || fail "HEALTHCHECK of $image never became healthy: $(docker inspect -f '{{json .State.Health}}' "$container")"
    sleep 0.5
  done
  start=$SECONDS
  docker stop -t 20 "$container" >/dev/null || fail "docker stop $image failed"
  [ $((SECONDS - start)) -lt 10 ] || fail "STOPSIGNAL SIGUSR1 did not stop $image (docker stop took $((SECONDS - start)) s)"
  assert_eq 7 "$(docker inspect -f '{{.State.ExitCode}}' "$container")" "exit code after STOPSIGNAL ($image)"
  assert_contains "$(docker logs "$container" 2>&1)" "got-usr1" "logs after STOPSIGNAL ($image)"
done

note "a plain child of the non-root chalked image runs its OnBuild trigger and keeps the user"
child=chalk-e2e/$(unique_name settings-child):1
build_image_from "$child" <<DOCKERFILE
FROM $CHALKED
DOCKERFILE
assert_eq "$(config_of "$CHALKED" User)" "$(config_of "$child" User)" "the child's User"
assert_eq $'1234\n2345\n/srv/app\nhi yes\nexit=0' "$(run_image "$child")" "the child's output"
note "ok"
