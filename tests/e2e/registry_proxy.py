#!/usr/bin/env python3
"""A recording, misbehaving HTTP proxy in front of a registry, for tests.

Forwards every request to --upstream (host:port, plain HTTP) and appends one line per
request to --log: `METHOD PATH BODY_BYTES`, so a test can count the blob bytes uploaded.
Faults, each optional:
  --drop-uploads      close the connection, unanswered, half way through any upload body
                      (PUT or PATCH under /blobs/uploads/ with a body)
  --bad-manifest-digest  answer manifest GETs with a Docker-Content-Digest that is not
                      the bytes' digest
  --exit-on-upload    exit at once, every connection dropped (a registry that goes away),
                      on the first request under /blobs/uploads/
Prints the port it listens on, then serves until killed.
"""
import argparse
import http.client
import http.server
import os
import sys


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--upstream", required=True)
    parser.add_argument("--log", required=True)
    parser.add_argument("--drop-uploads", action="store_true")
    parser.add_argument("--bad-manifest-digest", action="store_true")
    parser.add_argument("--exit-on-upload", action="store_true")
    args = parser.parse_args()
    host, port = args.upstream.rsplit(":", 1)

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *_):
            pass

        def forward(self):
            if args.exit_on_upload and "/blobs/uploads/" in self.path:
                with open(args.log, "a") as log:
                    log.write(f"{self.command} {self.path} gone\n")
                os._exit(0)
            length = int(self.headers.get("Content-Length") or 0)
            is_upload = "/blobs/uploads/" in self.path and self.command in ("PUT", "PATCH") and length > 0
            if args.drop_uploads and is_upload:
                self.rfile.read(length // 2)
                with open(args.log, "a") as log:
                    log.write(f"{self.command} {self.path} dropped\n")
                self.close_connection = True
                self.connection.shutdown(2)
                return
            body = self.rfile.read(length) if length else b""
            with open(args.log, "a") as log:
                log.write(f"{self.command} {self.path} {len(body)}\n")
            upstream = http.client.HTTPConnection(host, int(port), timeout=120)
            headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")}
            headers["Host"] = self.headers.get("Host", args.upstream)
            upstream.request(self.command, self.path, body=body if body else None, headers=headers)
            response = upstream.getresponse()
            data = response.read()
            self.send_response_only(response.status, response.reason)
            for name, value in response.getheaders():
                lower = name.lower()
                if lower in ("connection", "transfer-encoding", "content-length"):
                    continue
                if (args.bad_manifest_digest and lower == "docker-content-digest" and "/manifests/" in self.path
                        and self.command in ("GET", "HEAD")):
                    value = "sha256:" + "0" * 64
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(data) if self.command != "HEAD" else response.getheader("Content-Length") or 0))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)
            upstream.close()

        do_GET = do_HEAD = do_PUT = do_POST = do_PATCH = do_DELETE = forward

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    print(server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
