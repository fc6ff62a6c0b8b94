#!/usr/bin/env bash
# scripts/install.sh (issue 14): installs a stripped docker-chalk of at most 12 MB into
# $DOCKER_CONFIG/cli-plugins and says where; `docker chalk version`, `load` and `dump` work on
# the installed binary; a config loaded into the source binary survives the stripping; the
# runtime shim it places in images carries no symbols either.
source "$(dirname "$0")/lib.sh"
require_engine
require_chalk_bin
make_temp_dir
cd "$E2E_TMP"
export DOCKER_CONFIG=$E2E_TMP/docker-config
installed=$DOCKER_CONFIG/cli-plugins/docker-chalk

no_symbols() {
  local sections
  sections=$(readelf -S --wide "$1") || fail "readelf of $1 failed"
  assert_not_contains "$sections" ".debug_" "the sections of $2"
  assert_not_contains "$sections" ".symtab" "the sections of $2"
}

note "install.sh strips and installs, and says where"
bash "$E2E_SOURCE_DIR/scripts/install.sh" "$CHALK_BIN" 2>install.err || fail "install.sh failed: $(cat install.err)"
assert_contains "$(cat install.err)" "installed $installed" "install.sh's message"
[ -x "$installed" ] || fail "install.sh did not install $installed"
size=$(stat -c %s "$installed")
[ "$size" -le $((12 * 1024 * 1024)) ] || fail "the installed plugin is $size bytes, more than 12 MB"
no_symbols "$installed" "the installed plugin"
cmp -s "$CHALK_BIN" "$installed" && fail "the installed plugin is the unstripped build binary"

note "the installed plugin runs: version, load, dump"
assert_contains "$(docker chalk version)" "docker-chalk " "docker chalk version"
docker chalk load "$E2E_SOURCE_DIR/configs/net-heartbeat.c4m" 2>load.err || fail "load into the installed plugin: $(cat load.err)"
docker chalk dump | cmp -s - "$E2E_SOURCE_DIR/configs/net-heartbeat.c4m" || fail "dump after load differs"
assert_contains "$(docker chalk version)" "docker-chalk " "docker chalk version after load"

note "a config loaded into the source binary is installed with it"
cp "$CHALK_BIN" source-chalk
chmod 0755 source-chalk
./source-chalk load "$E2E_SOURCE_DIR/configs/http-reports.c4m" 2>/dev/null || fail "load into a copy of the build binary failed"
bash "$E2E_SOURCE_DIR/scripts/install.sh" "$E2E_TMP/source-chalk" 2>install2.err || fail "install.sh of a configured binary: $(cat install2.err)"
docker chalk dump | cmp -s - "$E2E_SOURCE_DIR/configs/http-reports.c4m" || fail "the installed plugin lost the loaded config"
no_symbols "$installed" "the installed configured plugin"

note "the shim the installed plugin puts in images is stripped"
image=chalk-e2e/$(unique_name install):1
build_image_from "$image" <<DOCKERFILE
FROM $E2E_BASE_IMAGE
CMD ["true"]
DOCKERFILE
save_image "$image" plain.tar
docker chalk insert plain.tar -o chalked.tar >/dev/null 2>insert.err || fail "insert with the installed plugin: $(cat insert.err)"
mkdir archive
tar -xf chalked.tar -C archive
# The shim has a layer of its own, just below the mark's (the last one).
layer=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[0]["Layers"][-2])' archive/manifest.json)
mkdir layer
tar -xf "archive/$layer" -C layer chalk || fail "the shim layer has no /chalk"
no_symbols layer/chalk "the shim in the chalk layer"
