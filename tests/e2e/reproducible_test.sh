#!/usr/bin/env bash
# The deterministic-layer promise end to end: with SOURCE_DATE_EPOCH set (the
# reproducible-builds convention), `docker chalk insert` of the same archive twice writes
# byte-identical chalk layers, hence the same image; without it each insert gets a fresh
# CHALK_ID and time, so the layers differ.
source "$(dirname "$0")/lib.sh"
require_engine
require_chalk_bin
make_temp_dir
cd "$E2E_TMP"

tag=chalk-e2e/$(unique_name reproducible):1
build_image_from "$tag" <<DOCKERFILE
FROM $E2E_BASE_IMAGE
ENTRYPOINT ["echo"]
CMD ["hello"]
DOCKERFILE
save_image "$tag" img.tar

# The layer list and config of an archive's only image, from its manifest.json.
image_of() {
  mkdir -p "$1.d" && tar -xf "$1" -C "$1.d" manifest.json || fail "no manifest.json in $1"
  json "$1.d/manifest.json" '(d[0]["Config"], d[0]["Layers"])'
}
# The bytes of an archive's last layer (the chalk mark's), as a SHA-256.
chalk_layer_sha256() {
  local last
  last=$(json "$1.d/manifest.json" 'd[0]["Layers"][-1]')
  tar -xOf "$1" "$last" | sha256sum | cut -d' ' -f1
}

note "the same archive chalked twice with one SOURCE_DATE_EPOCH"
SOURCE_DATE_EPOCH=1695487471 "$CHALK_BIN" insert img.tar -o first.tar >first.json 2>first.err ||
  fail "insert failed: $(cat first.err)"
SOURCE_DATE_EPOCH=1695487471 "$CHALK_BIN" insert img.tar -o second.tar >second.json 2>second.err ||
  fail "insert failed: $(cat second.err)"
first=$(image_of first.tar)
second=$(image_of second.tar)
assert_eq "$first" "$second" "config and layer digests of the two inserts"
assert_eq "$(chalk_layer_sha256 first.tar)" "$(chalk_layer_sha256 second.tar)" "chalk layer bytes"
assert_eq 1695487471000 "$(json first.json 'd[0]["_CHALKS"][0]["TIMESTAMP_WHEN_CHALKED"]')" \
  "TIMESTAMP_WHEN_CHALKED is SOURCE_DATE_EPOCH"
assert_eq "$(json first.json 'd[0]["_CHALKS"][0]["METADATA_ID"]')" \
  "$(json second.json 'd[0]["_CHALKS"][0]["METADATA_ID"]')" "METADATA_ID"

note "the reproducible image loads and runs"
docker load -i second.tar >/dev/null || fail "docker load failed"
remove_image_at_exit "$tag"
assert_eq hello "$(docker run --rm --network none "$tag")" "the program's output"

note "without SOURCE_DATE_EPOCH each insert is its own chalk"
env -u SOURCE_DATE_EPOCH "$CHALK_BIN" insert img.tar -o third.tar >third.json 2>third.err ||
  fail "insert failed: $(cat third.err)"
image_of third.tar >/dev/null
[[ "$(chalk_layer_sha256 third.tar)" != "$(chalk_layer_sha256 first.tar)" ]] ||
  fail "an insert without SOURCE_DATE_EPOCH wrote the same chalk layer"
[[ "$(json third.json 'd[0]["_CHALKS"][0]["CHALK_ID"]')" != "$(json first.json 'd[0]["_CHALKS"][0]["CHALK_ID"]')" ]] ||
  fail "an insert without SOURCE_DATE_EPOCH reused the CHALK_ID"
