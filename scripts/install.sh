#!/usr/bin/env bash
# Installs the docker-chalk CLI plugin for the current user, so `docker chalk ...` works:
# copies build/plugin/docker-chalk (building it first if it is missing) to
# ${DOCKER_CONFIG:-~/.docker}/cli-plugins/docker-chalk through a temporary file and a rename,
# so a running `docker chalk` never sees a half-written binary.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

bin=$CHALK_ROOT/build/plugin/docker-chalk
if [ ! -x "$bin" ]; then
  log "$bin is missing: building it"
  ensure_packages "${CHALK_BUILD_PACKAGES[@]}"
  curl_arg=$(static_curl_args)
  chalk_build build ${curl_arg:+"$curl_arg"}
  [ -x "$bin" ] || die "the build did not produce $bin"
fi

dest_dir=${DOCKER_CONFIG:-$HOME/.docker}/cli-plugins
mkdir -p "$dest_dir"
tmp=$(mktemp "$dest_dir/.docker-chalk.XXXXXX")
trap 'rm -f "$tmp"' EXIT
cp "$bin" "$tmp"
chmod 0755 "$tmp"
mv -f "$tmp" "$dest_dir/docker-chalk"
log "installed $dest_dir/docker-chalk"
