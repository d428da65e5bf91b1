#!/usr/bin/env python3
"""A tiny HTTP server for tests, on 127.0.0.1 (python3's http.server).

    http_sink.py --dir DIR --port-file FILE [--port N] [--status-seq 500,200,...]

Creates DIR if needed, binds port N (default 0: any free port) and, once listening,
writes the port to FILE (atomically: tmp + rename). Every POST, whatever its path, is
stored before the answer as DIR/NNNNNN.json (the body as received), DIR/NNNNNN.key
(the Idempotency-Key header, empty when absent) and DIR/NNNNNN.headers (a JSON object:
"path" the request path, "headers" every request header by its lower-case name), each
written tmp + fsync + rename, the .key and .headers before the .json. The answers take their status from --status-seq in turn, then 200 forever;
the body is {"status": CODE}.
Runs until SIGTERM or SIGINT.
"""
import argparse
import json
import os
import signal
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer


def write_atomic(path, data):
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.rename(tmp, path)


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        srv = self.server
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length)
        srv.seq += 1
        base = os.path.join(srv.dir, "%06d" % srv.seq)
        write_atomic(base + ".key", (self.headers.get("Idempotency-Key") or "").encode())
        meta = {"path": self.path,
                "headers": {k.lower(): v for k, v in self.headers.items()}}
        write_atomic(base + ".headers", json.dumps(meta).encode())
        write_atomic(base + ".json", body)
        status = srv.statuses.pop(0) if srv.statuses else 200
        answer = json.dumps({"status": status}).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, fmt, *args):
        pass


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--dir", required=True)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--status-seq", default="")
    args = ap.parse_args()
    os.makedirs(args.dir, exist_ok=True)

    server = HTTPServer(("127.0.0.1", args.port), Handler)
    server.dir = args.dir
    server.seq = 0
    server.statuses = [int(s) for s in args.status_seq.split(",") if s.strip()]

    def stop(signum, frame):
        server.server_close()
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    write_atomic(args.port_file, b"%d\n" % server.server_address[1])
    server.serve_forever()


if __name__ == "__main__":
    main()
