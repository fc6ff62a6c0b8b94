#!/usr/bin/env bash
# The first guide as scripts/quickstart.sh runs it (load, dump, edit the heartbeat rate,
# load, build the busybox httpd example, run it), on a private copy of the built plugin:
# the build report and a heartbeat listing port 9999 must come out.
source "$(dirname "$0")/lib.sh"
require_engine
use_chalk_plugin
remove_image_at_exit chalk-quickstart/http:latest

out=$(CHALK_QUICKSTART_SECONDS=5 bash "$E2E_SOURCE_DIR/scripts/quickstart.sh" --guide-only 2>&1) ||
  fail "scripts/quickstart.sh --guide-only failed:"$'\n'"$out"
assert_contains "$out" "_OP_CHALK_COUNT" "the quickstart's output (build report)"
assert_contains "$out" '"_OPERATION": "heartbeat"' "the quickstart's output (pretty heartbeat)"
assert_contains "$out" '"_OP_TCP_SOCKET_INFO"' "the quickstart's output (heartbeat)"
assert_contains "$out" '"9999"' "the quickstart's output (listening port)"
assert_contains "$out" "From the start of this script to that heartbeat: " "the quickstart's time to the heartbeat"
echo "PASS: quickstart guide steps"
