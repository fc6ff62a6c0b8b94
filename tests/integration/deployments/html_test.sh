#!/usr/bin/env bash
# `deployments --html` opened in headless Chromium (Debian's `chromium`): the page renders
# without network or scripts, its text names what the fixtures deploy, its SVG pictures hold
# the repository -> image -> deployment boxes and the heartbeat service map, and a screenshot
# is taken (kept next to the page in $CHALK_HTML_OUT when set, for a human to look at).
# Usage: html_test.sh DOCKER_CHALK FIXTURES_DIR
set -euo pipefail
chalk_bin=$1
fixtures=$2
fail() {
  printf 'FAIL: %s\n' "$*" >&2
  exit 1
}
command -v chromium >/dev/null || fail "chromium is not installed (scripts/lib.sh CHALK_TEST_PACKAGES)"
work=$(mktemp -d "${TMPDIR:-/tmp}/chalk-html.XXXXXX")
trap 'rm -rf "$work"' EXIT

"$chalk_bin" deployments --reports "$fixtures/reports" --reports "$fixtures/stdout-pushes.txt" \
  --reports "$fixtures/receiver-heartbeats.json" --custodian "$fixtures/custodian" \
  --pods "prod-k8s=$fixtures/pods.json" --html "$work/page.html" >"$work/table.txt" ||
  fail "deployments --html failed"
grep -q '<script' "$work/page.html" && fail "the page has a script"
grep -Eq '(src|href)="https?:' "$work/page.html" && fail "the page loads something from the network"

# A private profile; no sandbox because CI runs as root; the page must need nothing else.
browse() {
  timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-dev-shm-usage --no-first-run \
    --user-data-dir="$work/profile" "$@" 2>>"$work/chromium.log"
}
browse --dump-dom "file://$work/page.html" >"$work/dom.html" || fail "chromium --dump-dom: $(tail -5 "$work/chromium.log")"
browse --screenshot="$work/page.png" --window-size=1400,1800 "file://$work/page.html" >/dev/null ||
  fail "chromium --screenshot: $(tail -5 "$work/chromium.log")"

python3 - "$work/dom.html" "$work/page.png" <<'PY' || fail "the rendered page is not what the fixtures say"
import html.parser, struct, sys, zlib

class Page(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.stack, self.text, self.svg = [], [], {}
        self.classes = []
    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.stack.append((tag, attrs))
        svg = next((a.get("id") for t, a in self.stack if t == "svg"), None)
        if svg:
            self.svg.setdefault(svg, []).append((tag, attrs.get("class", "")))
    def handle_endtag(self, tag):
        while self.stack and self.stack.pop()[0] != tag:
            pass
    def handle_data(self, data):
        self.text.append(data)

page = Page()
page.feed(open(sys.argv[1], encoding="utf-8").read())
text = " ".join(page.text)
problems = []
def need(condition, what):
    if not condition:
        problems.append(what)

for phrase in ["Where our builds run", "https://github.com/acme/backend.git", "ecs:production (us-east-1)",
               "kubernetes:prod-k8s", "Deployed images we cannot trace", "postgres:16", "Builds never deployed",
               "UNUSMD-0000-0000-000005", "ip-10-1-134-95 - listens 4001", ":4001"]:
    need(phrase in text, f"text `{phrase}`")
lineage = page.svg.get("lineage", [])
count = lambda items, cls: sum(1 for tag, c in items if tag == "g" and cls in c.split())
need(count(lineage, "repository") == 4, f"4 repository boxes (3 repositories + untraced), got {count(lineage, 'repository')}")
need(count(lineage, "deployment") == 12, f"12 deployment boxes, got {count(lineage, 'deployment')}")
need(sum(1 for tag, c in lineage if tag == "path" and "evidence-tag" in c) == 1, "one dashed tag edge")
service_map = page.svg.get("service-map", [])
need(count(service_map, "service") == 3, "3 heartbeat hosts in the service map")
need(count(service_map, "link") == 1, "one link: worker -> backend:4001")

png = open(sys.argv[2], "rb").read()
need(png[:8] == b"\x89PNG\r\n\x1a\n", "a PNG screenshot")
width, height = struct.unpack(">II", png[16:24])
need((width, height) == (1400, 1800), f"screenshot size, got {width}x{height}")
# Not a blank page: decompress the image data and count distinct bytes.
chunks, pos = [], 8
while pos < len(png):
    length = struct.unpack(">I", png[pos:pos + 4])[0]
    if png[pos + 4:pos + 8] == b"IDAT":
        chunks.append(png[pos + 8:pos + 8 + length])
    pos += 12 + length
need(len(set(zlib.decompress(b"".join(chunks)))) > 16, "a screenshot with something drawn")
if problems:
    print("missing: " + "; ".join(problems), file=sys.stderr)
    sys.exit(1)
PY
if [ -n "${CHALK_HTML_OUT:-}" ]; then
  mkdir -p "$CHALK_HTML_OUT"
  cp "$work/page.html" "$work/page.png" "$CHALK_HTML_OUT/"
fi
echo "ok: page rendered, text and SVG checked, screenshot taken"
