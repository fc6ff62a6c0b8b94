#!/usr/bin/env bash
# `--config FILE` / `--config-file FILE` after the command (issue 14), through the real
# `docker chalk` plugin: `insert` and `build` use the file (its file sink gets the report, its
# custom_labels reach the image), `build` never passes the option to docker wherever it stands,
# a missing FILE is bad usage before docker runs, and every command's --help lists it.
source "$(dirname "$0")/lib.sh"
require_engine
use_chalk_plugin
make_temp_dir
cd "$E2E_TMP"

base=chalk-e2e/$(unique_name options):1
build_image_from "$base" <<DOCKERFILE
FROM $E2E_BASE_IMAGE
CMD ["true"]
DOCKERFILE
save_image "$base" plain.tar

# A config whose effects are visible: reports go to a file, and a custom label.
cat >my.c4m <<C4M
sink_config to_file { sink: "file"; filename: "$E2E_TMP/reports.jsonl" }
subscribe("report", "to_file")
docker.custom_labels: {"from-config": "my.c4m"}
C4M
reports() { grep -c . reports.jsonl 2>/dev/null || true; }

note "insert --config FILE (after the command)"
docker chalk insert --config my.c4m plain.tar -o chalked.tar >insert.out 2>insert.err ||
  fail "insert --config after the command failed: $(cat insert.err)"
assert_eq 1 "$(reports)" "reports in the config's file after insert"
assert_contains "$(cat reports.jsonl)" '"_OPERATION":"insert"' "the insert report in the config's file"

note "insert with --config-file=FILE after the target"
docker chalk insert plain.tar --config-file=my.c4m -o chalked2.tar >insert2.out 2>insert2.err ||
  fail "insert --config-file= failed: $(cat insert2.err)"
assert_eq 2 "$(reports)" "reports in the config's file after the second insert"

mkdir ctx
printf 'FROM %s\nCMD ["true"]\n' "$E2E_BASE_IMAGE" >ctx/Dockerfile
for placement in first middle last; do
  tag=chalk-e2e/$(unique_name "options-$placement"):1
  remove_image_at_exit "$tag"
  case $placement in
    first) args=(--config my.c4m -t "$tag" ctx) ;;
    middle) args=(-t "$tag" --config my.c4m ctx) ;;
    last) args=(-t "$tag" ctx --config-file=my.c4m) ;;
  esac
  note "build with --config $placement"
  before=$(reports)
  docker chalk build "${args[@]}" >"build-$placement.out" 2>"build-$placement.err" ||
    fail "build ${args[*]} failed: $(cat "build-$placement.err")"
  assert_eq $((before + 1)) "$(reports)" "reports in the config's file after build ($placement)"
  assert_contains "$(tail -n 1 reports.jsonl)" '"_OPERATION":"build"' "the build report ($placement)"
  assert_eq my.c4m "$(docker image inspect -f '{{index .Config.Labels "run.crashoverride.from-config"}}' "$tag")" \
    "the config's custom label on the image ($placement)"
done

note "build --config without FILE: bad usage, docker never runs"
set +e
docker chalk build -t "chalk-e2e/never:1" ctx --config >nofile.out 2>nofile.err
status=$?
set -e
assert_eq 2 "$status" "exit code of build --config without FILE"
assert_eq 1 "$(wc -l <nofile.err)" "stderr lines of build --config without FILE"
assert_contains "$(cat nofile.err)" "--config: expected a config FILE" "the error of build --config without FILE"
docker image inspect chalk-e2e/never:1 >/dev/null 2>&1 && fail "docker build ran for build --config without FILE"

note "every command's --help lists --config, its exit codes and an example"
for command in build insert extract dump version; do
  help=$(docker chalk "$command" --help 2>&1) || fail "docker chalk $command --help failed"
  assert_contains "$help" "--config" "docker chalk $command --help"
  assert_contains "$help" "Exit codes:" "docker chalk $command --help"
  assert_contains "$help" "docker chalk $command" "docker chalk $command --help"
done
