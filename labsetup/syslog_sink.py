"""A minimal syslog receiver on a Unix socket, for Swift.

Swift's servers always log to syslog as well as to their console.  With no syslog daemon on
the machine (no /dev/log in a container), Swift falls back to UDP, and the kernel binds that
client socket on every interface.  Pointing Swift's ``log_address`` at this socket keeps all
of the lab's sockets on loopback.  Each message is written to standard output, which the lab
sends to ``swift-syslog.log``.  Run: ``python3 syslog_sink.py SOCKET_PATH``.
"""

from __future__ import annotations

import os
import socket
import sys


def serve(path: str) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(path)
    os.chmod(path, 0o600)
    out = sys.stdout.buffer
    while True:
        message = sock.recv(65536)
        out.write(message.rstrip(b"\0\n") + b"\n")
        out.flush()


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: syslog_sink.py SOCKET_PATH")
    serve(sys.argv[1])
