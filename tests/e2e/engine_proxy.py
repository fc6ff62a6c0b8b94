#!/usr/bin/env python3
"""A Docker Engine API proxy on a unix socket, for fault tests.

Listens on --listen (a unix socket path) and forwards every connection to --upstream (the
engine's unix socket), appending one line per request to --log: `METHOD PATH`. Requests are
parsed (Content-Length and chunked bodies) so each one on a kept-alive connection is seen.
Enough for `docker build` (the legacy builder), the plugin's Engine API calls and `docker
load`; hijacked connections (`docker run`'s attach, BuildKit sessions) are not supported.
  --fail-load       answer every `POST [/vX.Y]/images/load` with a 500 and a JSON message,
                    after reading its body, instead of forwarding it
  --exit-on REGEX   exit at once, every connection dropped unanswered (an engine that goes
                    away), at the first request whose `METHOD PATH` matches REGEX
Serves until killed (the engine going away); the socket exists once it listens.
"""
import argparse
import os
import re
import socket
import sys
import threading

LOAD = re.compile(r"^POST (/v[0-9.]+)?/images/load(\?|$)")


class Reader:
    """Buffered reads from a socket: lines and exact byte counts."""

    def __init__(self, sock):
        self.sock = sock
        self.buffer = b""

    def fill(self):
        data = self.sock.recv(65536)
        if not data:
            raise EOFError
        self.buffer += data

    def line(self):
        while b"\r\n" not in self.buffer:
            self.fill()
        line, self.buffer = self.buffer.split(b"\r\n", 1)
        return line + b"\r\n"

    def exactly(self, count, sink):
        while count > 0:
            if not self.buffer:
                self.fill()
            part, self.buffer = self.buffer[:count], self.buffer[count:]
            sink(part)
            count -= len(part)


def relay(source, destination):
    try:
        while True:
            data = source.recv(65536)
            if not data:
                break
            destination.sendall(data)
    except OSError:
        pass
    try:  # the engine's end: the client sees EOF after the last response
        destination.shutdown(socket.SHUT_WR)
    except OSError:
        pass


def body(reader, headers, sink):
    if headers.get("transfer-encoding", "").lower() == "chunked":
        while True:
            size_line = reader.line()
            sink(size_line)
            size = int(size_line.split(b";")[0].strip(), 16)
            if size == 0:
                while True:  # trailers, then the blank line
                    trailer = reader.line()
                    sink(trailer)
                    if trailer == b"\r\n":
                        return
            reader.exactly(size + 2, sink)
    else:
        reader.exactly(int(headers.get("content-length", "0")), sink)


def serve(client, args):
    upstream = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    upstream.connect(args.upstream)
    threading.Thread(target=relay, args=(upstream, client), daemon=True).start()
    reader = Reader(client)
    while True:
        request_line = reader.line()
        lines = [request_line]
        headers = {}
        while True:
            line = reader.line()
            lines.append(line)
            if line == b"\r\n":
                break
            name, _, value = line.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip()
        request = " ".join(request_line.decode("latin-1").split()[:2])
        with open(args.log, "a") as log:
            log.write(request + "\n")
        if args.exit_on and re.search(args.exit_on, request):
            os._exit(0)
        if args.fail_load and LOAD.match(request):
            body(reader, headers, lambda _: None)
            message = b'{"message":"engine_proxy.py: injected load failure"}'
            client.sendall(b"HTTP/1.1 500 Internal Server Error\r\nContent-Type: application/json\r\n"
                           b"Content-Length: %d\r\nConnection: close\r\n\r\n%s" % (len(message), message))
            client.shutdown(socket.SHUT_RDWR)
            upstream.close()
            return
        upstream.sendall(b"".join(lines))
        body(reader, headers, upstream.sendall)


def handle(client, args):
    try:
        serve(client, args)
    except (EOFError, OSError):
        pass
    finally:
        client.close()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--listen", required=True)
    parser.add_argument("--upstream", required=True)
    parser.add_argument("--log", required=True)
    parser.add_argument("--fail-load", action="store_true")
    parser.add_argument("--exit-on")
    args = parser.parse_args()
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(args.listen)
    server.listen(64)
    while True:
        client, _ = server.accept()
        threading.Thread(target=handle, args=(client, args), daemon=True).start()


if __name__ == "__main__":
    sys.exit(main())
