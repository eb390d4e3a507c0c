#!/usr/bin/env python3
"""The README's demo as a user at a terminal runs it.

Runs scripts/demo.sh on a pseudo-terminal (so it takes its terminal path),
waits for the guest's shell, types into it the way a user would, checks
what comes back, and leaves with `poweroff -f`.  Prints TAP lines; the
whole session is kept in build/demo-terminal.log.
"""
import os
import pty
import re
import select
import sys
import time

LOG = "build/demo-terminal.log"
TIMEOUT_BUILD = 1500    # setup and builds (cached after the first run)
TIMEOUT_STEP = 240      # one command in the guest, under TCG


class Session:
    def __init__(self, argv):
        self.pid, self.fd = pty.fork()
        if self.pid == 0:
            os.environ.pop("PVISOR_DEMO_SCRIPTED", None)
            os.execvp(argv[0], argv)
        self.out = ""
        self.mark = 0           # expect() searches from here
        self.log = open(LOG, "w")
        self.rc = None

    def _read(self, until):
        while time.time() < until:
            r, _, _ = select.select([self.fd], [], [], 1)
            if not r:
                continue
            try:
                data = os.read(self.fd, 4096).decode("utf-8", "replace")
            except OSError:     # the child closed the terminal
                return False
            self.log.write(data)
            self.log.flush()
            self.out += data
            return True
        return False

    def expect(self, pattern, timeout):
        """Wait for @pattern after the last match; True if it came."""
        until = time.time() + timeout
        rx = re.compile(pattern)
        while True:
            m = rx.search(self.out, self.mark)
            if m:
                self.mark = m.end()
                return True
            if time.time() >= until or not self._read(until):
                return False

    def type(self, line):
        for ch in line + "\r":      # a key at a time, as typed
            os.write(self.fd, ch.encode())
            time.sleep(0.02)

    def wait(self, timeout):
        until = time.time() + timeout
        while time.time() < until:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.rc = os.waitstatus_to_exitcode(status)
                break
            self._read(time.time() + 1)
        while self._read(time.time() + 0.5):   # drain what is left
            pass
        return self.rc


def tail(text, n=40):
    for line in text.replace("\r", "").splitlines()[-n:]:
        print("#   " + line)


def main():
    failed = 0

    def check(ok, what):
        nonlocal failed
        print(("ok" if ok else "not ok") + " - demo on a terminal: " + what)
        sys.stdout.flush()
        if not ok:
            failed += 1
            tail(s.out)
        return ok

    s = Session(["bash", "scripts/demo.sh"])
    if not check(s.expect(r"Leave with:", TIMEOUT_BUILD),
                 "the host VM boots and shows the guest's banner"):
        os.kill(s.pid, 9)
        s.wait(30)
        return 1
    # busybox sh's prompt for root ("/ # "); the guest prints its boot log
    # first.  Each command waits for the prompt, as a user would.
    prompt = r"# (\x1b\[6n)?$"
    steps = [
        ("echo pvisor-$((6*7))", r"pvisor-42",
         "a command typed at the terminal runs in the guest"),
        ("mount | grep ' / '; ls /sys/block", r"on / type ext4[^\n]*\n(.*\n)?.*vda",
         "its root is ext4 on the virtio disk"),
        ("ping -c 3 -W 5 10.0.2.1", r"[1-3] packets received",
         "it pings the host VM over the tap network"),
        ("head -c 8 /dev/hwrng | od -An -tx1 | wc -w", r"\n\s*8\s*\n",
         "/dev/hwrng gives bytes"),
    ]
    if check(s.expect(prompt, TIMEOUT_STEP), "the guest's shell prompts"):
        for cmd, want, what in steps:
            s.type(cmd)
            check(s.expect(want, TIMEOUT_STEP), what)
            s.expect(prompt, TIMEOUT_STEP)
        s.type("poweroff -f")
    rc = s.wait(TIMEOUT_STEP)
    check(rc == 0 and "demo done" in s.out,
          "poweroff -f leaves the guest and the demo ends cleanly (exit %s)" % rc)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
