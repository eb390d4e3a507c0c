#!/usr/bin/env python3
"""monitor.py RESULTS SOCKET LOG: carry the rig VM's requests to QEMU's monitor.

A test inside the rig's host VM cannot reach the QEMU that runs it.  When
it needs QEMU to act on the VM from outside (inject a machine check), it
prints "PVISOR-RIG-MONITOR <command>" on the results port (ttyS1, the file
RESULTS here).  This follows that file and sends each such command to
QEMU's human monitor on the unix socket SOCKET, logging the exchange to
LOG.  Only the commands in ALLOWED pass; anything else is logged and
dropped.  It ends when QEMU closes the monitor.
"""
import select
import socket
import sys
import time

ALLOWED = ("mce ",)
PREFIX = b"PVISOR-RIG-MONITOR "


def connect(path, log):
    """QEMU creates the socket as it starts: wait for it."""
    for _ in range(600):
        try:
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.connect(path)
            return sock
        except OSError:
            sock.close()
            time.sleep(0.1)
    log.write("monitor: no socket at %s after 60 s\n" % path)
    return None


def main():
    results, path, logname = sys.argv[1:4]
    with open(logname, "w", buffering=1) as log:
        sock = connect(path, log)
        if sock is None:
            return 1
        pos, partial = 0, b""
        while True:
            ready, _, _ = select.select([sock], [], [], 0.2)
            if ready:
                reply = sock.recv(65536)
                if not reply:
                    return 0        # QEMU exited
                # The monitor echoes with terminal escapes; keep the text.
                log.write(reply.decode(errors="replace").replace("\x1b", "^["))
            try:
                with open(results, "rb") as f:
                    f.seek(pos)
                    data = f.read()
            except FileNotFoundError:
                continue
            pos += len(data)
            lines = (partial + data).split(b"\n")
            partial = lines.pop()
            for line in lines:
                line = line.rstrip(b"\r")
                if not line.startswith(PREFIX):
                    continue
                cmd = line[len(PREFIX):].decode(errors="replace")
                if not cmd.startswith(ALLOWED):
                    log.write("\nmonitor: refused %r\n" % cmd)
                    continue
                log.write("\nmonitor: sending %r\n" % cmd)
                sock.sendall(cmd.encode() + b"\n")


if __name__ == "__main__":
    sys.exit(main())
