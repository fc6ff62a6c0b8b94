#!/usr/bin/env bash
# Builds a minimal static libcurl (HTTP/HTTPS with OpenSSL, proxies, unix sockets; no idn,
# psl, nghttp2, zlib, ldap, ssh, krb5...) from Debian's curl source package, for the fully
# static runtime shim (Debian's own libcurl.a needs static libraries Debian does not ship,
# DESIGN.md §4) and for docker-chalk, which links it against OpenSSL's static libraries too: Debian's
# shared libcurl loads about 25 more libraries, 8 ms at every start of every command.
#
# The result is cached outside the repository, keyed by the Debian version and the recipe
# (bumped whenever the configure flags change, so an older build is never reused):
#   ${CHALK_STATIC_CURL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/chalk}/static-curl-<version>-r<recipe>
# A complete cache makes this a no-op. The build runs in a temporary directory next to the
# cache and is renamed into place only when finished, so an interrupted run leaves nothing
# half-built behind. The prefix is the last line on stdout; everything else goes to stderr:
#   cmake -DCHALK_STATIC_CURL_DIR="$(scripts/build-static-curl.sh | tail -1)" ...
#
# Environment: CHALK_CURL_VERSION pins the Debian source version (default: the installed
# libcurl4-openssl-dev's, so headers and behaviour match the shared build); JOBS (default 2).
set -euo pipefail

log() { printf 'build-static-curl: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

version=${CHALK_CURL_VERSION:-$(dpkg-query -W -f='${Version}' libcurl4-openssl-dev 2>/dev/null || true)}
[ -n "$version" ] || die "cannot tell which curl version to build: install libcurl4-openssl-dev or set CHALK_CURL_VERSION"
cache_root=${CHALK_STATIC_CURL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/chalk}
recipe=4
prefix="$cache_root/static-curl-$version-r$recipe"
stamp="$prefix/.chalk-static-curl-complete"

if [ -f "$stamp" ] && [ -f "$prefix/lib/libcurl.a" ] && [ -f "$prefix/include/curl/curl.h" ]; then
  log "cached: $prefix"
  echo "$prefix"
  exit 0
fi

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

# apt-get source needs a deb-src entry; mirror the existing deb entries (Debian snapshot).
ensure_deb_src() {
  if grep -rqs '^Types:.*deb-src\|^deb-src ' /etc/apt/sources.list /etc/apt/sources.list.d/; then
    return
  fi
  local src=/etc/apt/sources.list.d/chalk-deb-src.sources
  log "adding deb-src entries in $src"
  local tmp
  tmp=$(mktemp)
  for f in /etc/apt/sources.list.d/*.sources; do
    sed 's/^Types:.*/Types: deb-src/' "$f" >>"$tmp"
    echo >>"$tmp"
  done
  as_root install -m 0644 "$tmp" "$src"
  rm -f "$tmp"
  as_root apt-get update -qq >&2
}

ensure_build_deps() {
  local missing=()
  for p in dpkg-dev gcc make libssl-dev pkg-config; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    log "installing build dependencies: ${missing[*]}"
    as_root apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
  fi
}

ensure_deb_src
ensure_build_deps
# Captured first: with pipefail, `grep -q` closing the pipe early would fail apt-cache.
has_source() { local s; s=$(apt-cache showsrc curl 2>/dev/null || true); grep -qxF "Version: $version" <<<"$s"; }
if ! has_source; then
  as_root apt-get update -qq >&2
  has_source || die "Debian source package curl=$version is not available from the configured deb-src entries"
fi

mkdir -p "$cache_root"
# One build per version at a time; a second run waits, then finds the cache complete.
# Build steps run with fd 9 closed, so a killed run's orphans never keep the lock.
exec 9>"$cache_root/.static-curl-$version.lock"
flock 9
if [ -f "$stamp" ] && [ -f "$prefix/lib/libcurl.a" ]; then
  log "cached (built by a concurrent run): $prefix"
  echo "$prefix"
  exit 0
fi
# Leftovers of runs killed before their EXIT trap (SIGKILL, power loss): we hold the lock, so
# nobody else is using them.
rm -rf "$cache_root/.static-curl-$version.build."*
work=$(mktemp -d "$cache_root/.static-curl-$version.build.XXXXXX")
trap 'rm -rf "$work"' EXIT
start=$(date +%s)

log "fetching Debian source curl=$version into $work"
(cd "$work" && apt-get source -qq "curl=$version" >&2) 9>&-
srcdir=$(find "$work" -mindepth 1 -maxdepth 1 -type d -name 'curl-*' | head -1)
[ -n "$srcdir" ] || die "apt-get source did not unpack curl in $work"

log "configuring"
# Debian's patches touch configure.ac/Makefile.am; keep their timestamps from asking for
# autotools, which a static build does not need.
find "$srcdir" -name 'configure' -o -name 'Makefile.in' -o -name 'aclocal.m4' -o -name 'curl_config.h.in' |
  xargs touch
(
  cd "$srcdir"
  ./configure --prefix="$prefix" \
    --disable-shared --enable-static --with-pic \
    --with-openssl --enable-http \
    --disable-ftp --disable-file --disable-ldap --disable-ldaps --disable-rtsp \
    --disable-dict --disable-telnet --disable-tftp --disable-pop3 --disable-imap --disable-smb \
    --disable-smtp --disable-gopher --disable-mqtt --disable-manual --disable-ntlm \
    --disable-ntlm-wb --disable-alt-svc --disable-hsts \
    --without-zlib --without-brotli --without-zstd --without-libidn2 --without-libpsl \
    --without-nghttp2 --without-nghttp3 --without-ngtcp2 --without-quiche --without-msh3 \
    --without-libssh2 --without-libssh --without-wolfssh --without-librtmp --without-gssapi \
    --without-libgsasl --without-hyper >&2
) 9>&- || die "configure failed (see the output above)"

log "building libcurl"
jobs=${JOBS:-2}
stage="$work/stage"
{
  make -C "$srcdir/lib" -j"$jobs" >&2
  make -C "$srcdir/lib" install DESTDIR="$stage" >&2
  make -C "$srcdir/include" install DESTDIR="$stage" >&2
  make -C "$srcdir" install-binSCRIPTS install-pkgconfigDATA DESTDIR="$stage" >&2
} 9>&-
[ -f "$stage$prefix/lib/libcurl.a" ] || die "build finished without $prefix/lib/libcurl.a"

end=$(date +%s)
{
  echo "debian_version=$version"
  echo "recipe=$recipe"
  echo "build_seconds=$((end - start))"
  echo "features=$("$stage$prefix/bin/curl-config" --features | tr '\n' ' ')"
  echo "protocols=$("$stage$prefix/bin/curl-config" --protocols | tr '\n' ' ')"
} >"$stage$prefix/.chalk-static-curl-complete"

# A leftover from an interrupted earlier run without the stamp is stale: replace it.
rm -rf "$prefix"
mv -T "$stage$prefix" "$prefix"
log "built in $((end - start)) s: $prefix/lib/libcurl.a ($(stat -c %s "$prefix/lib/libcurl.a") bytes)"
echo "$prefix"
