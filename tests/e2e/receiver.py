#!/usr/bin/env python3
"""A loopback HTTP receiver for the e2e tests of the report sinks.

Binds 127.0.0.1 on a free port and prints that port as its first stdout line. Every POST
(answered or not) appends one line to DIR/requests.log (`SEQ STATUS PATH UNIX-TIME`) and its body to
DIR/SEQ.body (SEQ counts from 1, zero-padded to 4 digits), its headers to DIR/SEQ.headers.

  --fail N      answer 500 (or --fail-status) to the first N POSTs, 200 afterwards
  --hang        never answer a POST (the connection stays open until the client gives up)
  --files DIR2  answer GET /NAME[?QUERY] with the file DIR2/NAME (for `docker chalk load URL`)
"""
import argparse
import http.server
import os
import sys
import threading
import time
import urllib.parse


def make_handler(args, state):
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *_):
            pass

        def reply(self, status, body=b"", content_type="text/plain"):
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            with state["lock"]:
                state["count"] += 1
                seq = state["count"]
                if args.hang:
                    status = "hang"
                elif seq <= args.fail:
                    status = str(args.fail_status)
                else:
                    status = "200"
                name = os.path.join(args.dir, f"{seq:04d}")
                with open(name + ".headers", "w") as out:
                    out.write(str(self.headers))
                with open(name + ".body", "wb") as out:
                    out.write(body)
                with open(os.path.join(args.dir, "requests.log"), "a") as log:
                    log.write(f"{seq:04d} {status} {self.path} {time.time():.3f}\n")
            if args.hang:
                # Hold the connection without a byte of answer; the client's timeout ends it.
                while True:
                    time.sleep(3600)
            self.reply(int(status), b"ok\n" if status == "200" else b"try again\n")

        def do_GET(self):
            if not args.files:
                return self.reply(404, b"no files\n")
            path = os.path.join(args.files, os.path.basename(urllib.parse.urlsplit(self.path).path))
            try:
                with open(path, "rb") as f:
                    data = f.read()
            except OSError:
                return self.reply(404, b"not found\n")
            self.reply(200, data)

    return Handler


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--dir", required=True)
    parser.add_argument("--fail", type=int, default=0)
    parser.add_argument("--fail-status", type=int, default=500)
    parser.add_argument("--hang", action="store_true")
    parser.add_argument("--files")
    args = parser.parse_args()
    os.makedirs(args.dir, exist_ok=True)
    open(os.path.join(args.dir, "requests.log"), "a").close()
    state = {"lock": threading.Lock(), "count": 0}
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), make_handler(args, state))
    server.daemon_threads = True
    print(server.server_address[1], flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    sys.exit(0)


if __name__ == "__main__":
    main()
