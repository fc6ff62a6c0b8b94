#!/usr/bin/env python3
"""A docker registry token server for tests (the distribution `token` auth scheme).

GET /token?service=S&scope=repository:NAME:ACTIONS... with HTTP basic auth USER:PASSWORD
answers {"token": JWT}: RS256, signed with --key (via `openssl dgst`, no Python crypto
package needed), the signing certificate in the x5c header so the registry verifies it
against its rootcertbundle. Wrong or missing credentials: 401. The next token after the file
--expire-next appears is already expired (the file is removed; the registry refuses such a
token, so a client must fetch a fresh one), and so is every token while --expire-while exists.
Prints the port it listens on, then serves until killed.
"""
import argparse
import base64
import http.server
import json
import os
import subprocess
import sys
import threading
import time
import urllib.parse


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--key", required=True)
    parser.add_argument("--cert-der", required=True)
    parser.add_argument("--issuer", required=True)
    parser.add_argument("--user", required=True)
    parser.add_argument("--password", required=True)
    parser.add_argument("--expire-while", default="")
    parser.add_argument("--expire-next", default="")
    parser.add_argument("--log", required=True)
    args = parser.parse_args()
    cert = base64.b64encode(open(args.cert_der, "rb").read()).decode()
    lock = threading.Lock()
    issued = [0]

    def sign(claims):
        header = {"typ": "JWT", "alg": "RS256", "x5c": [cert]}
        payload = b64url(json.dumps(header).encode()) + "." + b64url(json.dumps(claims).encode())
        signature = subprocess.run(["openssl", "dgst", "-sha256", "-sign", args.key], input=payload.encode(),
                                   capture_output=True, check=True).stdout
        return payload + "." + b64url(signature)

    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *_):
            pass

        def do_GET(self):
            url = urllib.parse.urlparse(self.path)
            query = urllib.parse.parse_qs(url.query)
            expected = "Basic " + base64.b64encode(f"{args.user}:{args.password}".encode()).decode()
            if self.headers.get("Authorization") != expected:
                with open(args.log, "a") as log:
                    log.write("refused\n")
                self.send_response(401)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            access = []
            for scope in " ".join(query.get("scope", [])).split():
                kind, _, rest = scope.partition(":")
                name, _, actions = rest.rpartition(":")
                access.append({"type": kind, "name": name, "actions": actions.split(",")})
            with lock:
                issued[0] += 1
                expired = bool(args.expire_while) and os.path.exists(args.expire_while)
                if args.expire_next and os.path.exists(args.expire_next):
                    os.remove(args.expire_next)
                    expired = True
            now = int(time.time())
            claims = {"iss": args.issuer, "sub": args.user, "aud": query.get("service", [""])[0],
                      "exp": now - 3600 if expired else now + 600, "nbf": now - 7200, "iat": now - 7200,
                      "jti": str(issued[0]), "access": access}
            with open(args.log, "a") as log:
                log.write(("expired " if expired else "issued ") + " ".join(query.get("scope", [])) + "\n")
            body = json.dumps({"token": sign(claims)}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    print(server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
