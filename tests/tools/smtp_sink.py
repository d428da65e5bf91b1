#!/usr/bin/env python3
"""A real SMTP server for tests (aiosmtpd), on 127.0.0.1.

    smtp_sink.py --dir DIR --port-file FILE [--port N] [--fail-rcpt ADDR=CODE]...

Creates DIR if needed, binds port N (default 0: any free port) and, once listening,
writes the port to FILE (atomically: tmp + rename). Every accepted message becomes
DIR/NNNNNN.eml, the DATA bytes as received after the SMTP transport is undone
(dot-stuffing removed by aiosmtpd, the final CRLF.CRLF dropped), and DIR/NNNNNN.env, the
envelope:

    MAIL FROM:<a@example.com>
    RCPT TO:<b@example.com>

Both are written tmp + fsync + rename, the .env first, and the directory fsync'ed, before
the 250 reply: a test that sees NNNNNN.eml sees the whole message. Numbers continue after
the highest already in DIR. --fail-rcpt makes RCPT TO:<ADDR> get CODE (4xx or 5xx) with a
fixed text. Runs until SIGTERM or SIGINT.

Exits 3 with a message on stderr when the aiosmtpd module is missing (python3-aiosmtpd;
scripts/deps.sh test installs it).
"""
import argparse
import asyncio
import os
import re
import signal
import sys

try:
    from aiosmtpd.smtp import SMTP
except ImportError:
    sys.stderr.write(
        "smtp_sink.py: the python module aiosmtpd is missing for %s; install the Debian "
        "package python3-aiosmtpd (scripts/deps.sh test)\n" % sys.executable)
    sys.exit(3)


def write_atomic(path, data):
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.rename(tmp, path)


def fsync_dir(path):
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class Sink:
    def __init__(self, directory, fail_rcpt):
        self.dir = directory
        self.fail_rcpt = fail_rcpt
        names = [int(m.group(1)) for m in
                 (re.match(r"^(\d{6})\.eml$", n) for n in os.listdir(directory)) if m]
        self.seq = max(names, default=0)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        code = self.fail_rcpt.get(address.lower())
        if code is not None:
            status = "4.2.0" if code < 500 else "5.1.1"
            return "%d %s <%s> refused by smtp_sink" % (code, status, address)
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):
        self.seq += 1
        base = os.path.join(self.dir, "%06d" % self.seq)
        env = "MAIL FROM:<%s>\n" % envelope.mail_from
        env += "".join("RCPT TO:<%s>\n" % r for r in envelope.rcpt_tos)
        write_atomic(base + ".env", env.encode())
        write_atomic(base + ".eml", envelope.original_content)
        fsync_dir(self.dir)
        return "250 2.0.0 OK queued as %06d" % self.seq


def parse_fail(spec):
    addr, sep, code = spec.rpartition("=")
    if not sep or not addr or not re.fullmatch(r"[45]\d\d", code):
        raise argparse.ArgumentTypeError("expected ADDR=CODE with CODE 4xx or 5xx: %r" % spec)
    return addr.lower(), int(code)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--dir", required=True)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--fail-rcpt", type=parse_fail, action="append", default=[])
    args = ap.parse_args()
    os.makedirs(args.dir, exist_ok=True)

    handler = Sink(args.dir, dict(args.fail_rcpt))
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    server = loop.run_until_complete(loop.create_server(
        lambda: SMTP(handler, hostname="smtp-sink.invalid", decode_data=False),
        host="127.0.0.1", port=args.port))
    port = server.sockets[0].getsockname()[1]
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, loop.stop)
    write_atomic(args.port_file, b"%d\n" % port)
    try:
        loop.run_forever()
    finally:
        server.close()
        loop.run_until_complete(server.wait_closed())
        loop.close()


if __name__ == "__main__":
    main()
