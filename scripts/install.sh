#!/usr/bin/env bash
# Installs the docker-chalk CLI plugin for the current user, so `docker chalk ...` works:
# strips a copy of build/plugin/docker-chalk (or of the binary given as the only argument),
# building it first if it is missing, and moves it to
# ${DOCKER_CONFIG:-~/.docker}/cli-plugins/docker-chalk through a temporary file and a rename,
# so a running `docker chalk` never sees a half-written binary. The build keeps its debug
# information; the installed copy has none (the shim it embeds is stripped by the build).
# A config loaded into the source binary (`docker chalk load`) is carried over: stripping
# drops the bytes appended after the executable, so the config is loaded again into the copy.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

case $# in
  0) bin=$CHALK_ROOT/build/plugin/docker-chalk ;;
  1) bin=$1 ;;
  *) die "usage: $0 [DOCKER-CHALK-BINARY]" ;;
esac
if [ ! -x "$bin" ]; then
  [ $# -eq 0 ] || die "$bin is not an executable"
  log "$bin is missing: building it"
  ensure_packages "${CHALK_BUILD_PACKAGES[@]}"
  curl_arg=$(static_curl_args)
  chalk_build_plugin build ${curl_arg:+"$curl_arg"}
  [ -x "$bin" ] || die "the build did not produce $bin"
fi
command -v strip >/dev/null 2>&1 || ensure_packages binutils

dest_dir=${DOCKER_CONFIG:-$HOME/.docker}/cli-plugins
mkdir -p "$dest_dir"
tmp=$(mktemp "$dest_dir/.docker-chalk.XXXXXX")
config=$(mktemp "${TMPDIR:-/tmp}/docker-chalk-config.XXXXXX")
trap 'rm -f "$tmp" "$config" "$config.default"' EXIT
strip --strip-all -o "$tmp" "$bin" || die "stripping $bin failed"
chmod 0755 "$tmp"
# The config in force in the source binary; load it into the copy only if it is not the
# default one the copy already carries.
"$bin" dump "$config" || die "reading the config embedded in $bin failed"
"$tmp" dump "$config.default" || die "the stripped copy of $bin does not run"
if ! cmp -s "$config" "$config.default"; then
  "$tmp" load "$config" 2>/dev/null || die "loading the config of $bin into the stripped copy failed"
fi
"$tmp" version >/dev/null || die "the stripped copy of $bin does not run \`version\`"
mv -f "$tmp" "$dest_dir/docker-chalk"
size=$(du -m "$dest_dir/docker-chalk" | cut -f1)
log "installed $dest_dir/docker-chalk (stripped, ${size} MB); \`docker chalk version\` runs it"
