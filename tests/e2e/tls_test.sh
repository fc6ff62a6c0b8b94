#!/usr/bin/env bash
# HTTPS from a libc-less container: the busybox base image has no CA bundle, so the plugin
# ships its own roots as /chalk.ca.pem in the chalk layer and the shim falls back on them.
# A loopback HTTPS receiver with a self-signed certificate (trusted by the plugin through
# SSL_CERT_FILE at build time) must get the container's exec report, verified, not forced.
source "$(dirname "$0")/lib.sh"
require_engine
require_chalk_bin
make_temp_dir
cd "$E2E_TMP"
require_command openssl openssl

openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=127.0.0.1" \
  -addext "subjectAltName=IP:127.0.0.1" -keyout key.pem -out cert.pem >/dev/null 2>&1 ||
  fail "openssl could not make a test certificate"
port=$(free_port)
mkdir -p received
python3 - "$port" <<'PYTHON' >receiver.log 2>&1 &
import http.server, ssl, sys, os, itertools
counter = itertools.count()
class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        with open(os.path.join("received", "%03d.json" % next(counter)), "wb") as f:
            f.write(body)
        self.send_response(200)
        self.end_headers()
    def log_message(self, *args):
        pass
server = http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), Handler)
context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.load_cert_chain("cert.pem", "key.pem")
server.socket = context.wrap_socket(server.socket, server_side=True)
server.serve_forever()
PYTHON
on_exit kill "$!"
for _ in $(seq 1 50); do
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
  sleep 0.1
done

cat >https.c4m <<CONFIG
sink_config https_out {
  sink: "post"
  uri:  "https://127.0.0.1:$port/reports"
}
subscribe("report", "https_out")
CONFIG

tag=chalk-e2e/$(unique_name tls):1
mkdir -p ctx
printf 'FROM %s\nENTRYPOINT ["echo", "tls-ok"]\n' "$E2E_BASE_IMAGE" >ctx/Dockerfile
remove_image_at_exit "$tag"
SSL_CERT_FILE=$PWD/cert.pem "$CHALK_BIN" --config https.c4m build -q -t "$tag" ctx >build.out 2>build.err ||
  fail "docker chalk build failed: $(cat build.err)"
assert_not_contains "$(cat build.err)" "chalk: sink" "the plugin's stderr"
[ -n "$(ls received)" ] || fail "the build report did not reach the HTTPS receiver"

docker run --rm --network none --entrypoint cat "$tag" /chalk.ca.pem >shipped.pem ||
  fail "the image has no /chalk.ca.pem"
cmp -s shipped.pem cert.pem || fail "/chalk.ca.pem is not the bundle the plugin trusted"
if docker run --rm --network none --entrypoint ls "$tag" /etc/ssl/certs/ca-certificates.crt >/dev/null 2>&1; then
  fail "the base image unexpectedly has a CA bundle: this test would prove nothing"
fi

before=$(ls received | wc -l)
output=$(docker run --rm --network host "$tag" 2>run.err) || fail "the container failed: $(cat run.err)"
assert_eq tls-ok "$output" "the program's output"
assert_not_contains "$(cat run.err)" "chalk:" "the container's stderr"
after=$(ls received | wc -l)
[ "$after" -gt "$before" ] || fail "the exec report from the container did not reach the HTTPS receiver"
last=$(ls received | tail -1)
assert_eq exec "$(json "received/$last" 'd[0]["_OPERATION"]')" "the report that arrived over HTTPS"

note "a receiver whose certificate the image does not trust is refused, with one line"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=other" -keyout other-key.pem -out wrong.pem >/dev/null 2>&1
other=chalk-e2e/$(unique_name tls-untrusted):1
remove_image_at_exit "$other"
SSL_CERT_FILE=$PWD/wrong.pem "$CHALK_BIN" --config https.c4m build -q -t "$other" ctx >/dev/null 2>other-build.err ||
  fail "docker chalk build (untrusted roots) failed: $(cat other-build.err)"
assert_contains "$(cat other-build.err)" "chalk: sink 'https_out' (post):" "the build's stderr"
before=$(ls received | wc -l)
output=$(docker run --rm --network host "$other" 2>other-run.err) || fail "the container failed"
assert_eq tls-ok "$output" "the program's output"
assert_eq 1 "$(grep -c "chalk: sink 'https_out' (post):" other-run.err)" "sink failure lines in the container"
assert_eq "$before" "$(ls received | wc -l)" "reports accepted without a trusted certificate"
note "ok"
