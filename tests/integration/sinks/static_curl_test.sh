#!/usr/bin/env bash
# Links static_get.c fully static against the static libcurl (PREFIX) + libssl.a + libcrypto.a,
# checks the result has no program interpreter, and GETs a file from python's http.server
# on 127.0.0.1.  Usage: static_curl_test.sh CC [PREFIX]; without PREFIX it asks
# scripts/build-static-curl.sh (a no-op when its cache is complete).
set -euo pipefail
cc=$1
prefix=${2:-}
here=$(cd "$(dirname "$0")" && pwd)
if [ -z "$prefix" ]; then
  prefix=$("$here/../../../scripts/build-static-curl.sh" | tail -1)
fi
[ -f "$prefix/lib/libcurl.a" ] || { echo "static_curl_test: no static libcurl in \`$prefix\`" >&2; exit 1; }
work=$(mktemp -d)
server=
cleanup() {
  if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "static_curl_test: $*" >&2; exit 1; }

libdir=$(dirname "$("$cc" -print-file-name=libssl.a)")
[ -f "$libdir/libssl.a" ] || libdir=/usr/lib/$("$cc" -dumpmachine)
"$cc" -static -o "$work/static_get" "$here/static_get.c" -I"$prefix/include" "$prefix/lib/libcurl.a" \
  "$libdir/libssl.a" "$libdir/libcrypto.a" -lpthread 2>"$work/link.log" ||
  { cat "$work/link.log" >&2; fail "static link failed"; }
if readelf -l "$work/static_get" | grep -q 'INTERP'; then fail "static_get has a program interpreter"; fi

mkdir "$work/www"
echo "hello from 127.0.0.1" >"$work/www/hello.txt"
python3 -u -m http.server 0 --bind 127.0.0.1 --directory "$work/www" >"$work/server.log" 2>&1 &
server=$!
port=
for _ in $(seq 100); do
  port=$(sed -n 's/.*port \([0-9]*\).*/\1/p' "$work/server.log" | head -1)
  [ -n "$port" ] && break
  sleep 0.1
done
[ -n "$port" ] || fail "http.server did not start: $(cat "$work/server.log")"
body=$("$work/static_get" "http://127.0.0.1:$port/hello.txt") || fail "GET failed"
[ "$body" = "hello from 127.0.0.1" ] || fail "unexpected body: $body"
echo "static_curl_test: ok ($(stat -c %s "$work/static_get") bytes, static, GET 200)"
