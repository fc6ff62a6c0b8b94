#!/usr/bin/env python3
"""A loopback S3 PUT endpoint that verifies AWS SigV4 with botocore, AWS's own SDK code.

s3rver (3.7.1, the latest) checks the access key id but not V4 signatures, so a wrong
secret needs this independent verifier. Prints the port it listens on as its first stdout
line; stores accepted bodies under --dir at their URL path; answers S3-style error XML.
"""
import argparse
import hashlib
import http.server
import os
import sys
import urllib.parse

try:
    from botocore.auth import S3SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials
except ImportError:
    print("sigv4_verifier: botocore is required (pip install botocore)", file=sys.stderr)
    sys.exit(2)


def s3_error(code, message):
    return (f'<?xml version="1.0" encoding="UTF-8"?><Error><Code>{code}</Code>'
            f"<Message>{message}</Message></Error>").encode()


def make_handler(args):
    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *_):
            pass

        def reply(self, status, body=b""):
            self.send_response(status)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_PUT(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            auth = self.headers.get("Authorization", "")
            fields = dict(part.strip().split("=", 1) for part in auth[len("AWS4-HMAC-SHA256 "):].split(","))
            access_key, _date, region, service, _ = fields["Credential"].split("/")
            if access_key != args.access_key:
                return self.reply(403, s3_error("InvalidAccessKeyId", "The AWS Access Key Id you provided "
                                                "does not exist in our records."))
            if hashlib.sha256(body).hexdigest() != self.headers.get("x-amz-content-sha256"):
                return self.reply(400, s3_error("XAmzContentSHA256Mismatch", "The provided "
                                                "'x-amz-content-sha256' header does not match what was computed."))
            signed = fields["SignedHeaders"].split(";")
            headers = {name: self.headers[name] for name in signed}
            request = AWSRequest(method="PUT", url=f"http://{self.headers['Host']}{self.path}",
                                 headers=headers, data=body)
            request.context["timestamp"] = self.headers["x-amz-date"]
            signer = S3SigV4Auth(Credentials(args.access_key, args.secret), service, region)
            canonical = signer.canonical_request(request)
            expected = signer.signature(signer.string_to_sign(request, canonical), request)
            if expected != fields["Signature"]:
                return self.reply(403, s3_error("SignatureDoesNotMatch", "The request signature we calculated "
                                                "does not match the signature you provided. Check your key and "
                                                "signing method."))
            target = os.path.join(args.dir, urllib.parse.unquote(self.path).lstrip("/"))
            os.makedirs(os.path.dirname(target), exist_ok=True)
            with open(target, "wb") as out:
                out.write(body)
            self.reply(200)

    return Handler


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--dir", required=True)
    parser.add_argument("--access-key", required=True)
    parser.add_argument("--secret", required=True)
    args = parser.parse_args()
    server = http.server.HTTPServer(("127.0.0.1", 0), make_handler(args))
    print(server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
