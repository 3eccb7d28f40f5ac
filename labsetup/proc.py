"""Start and stop the lab's processes by PID file; wait for ports and HTTP answers.

No systemd here: each daemon is started in its own session with its output in
``log/<name>.log`` and its PID in ``run/<name>.pid``.  A PID file is trusted only when the
process behind it still runs the command we started (PIDs get reused).
"""

from __future__ import annotations

import errno
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path


class LabError(Exception):
    """A failure with a message a person can act on (no traceback is shown for it)."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message + (f"\n  → {self.hint}" if self.hint else "")


@dataclass(frozen=True)
class Daemon:
    """One long-running process of the lab."""

    name: str
    argv: Sequence[str]
    run_dir: Path
    log_dir: Path
    env: Mapping[str, str] | None = None
    marker: str = ""  # a string that must appear in /proc/PID/cmdline

    @property
    def pidfile(self) -> Path:
        return self.run_dir / f"{self.name}.pid"

    @property
    def logfile(self) -> Path:
        return self.log_dir / f"{self.name}.log"

    def pid(self) -> int | None:
        """The PID of the running daemon, or None.  A stale PID file is left in place: it is
        the evidence that the daemon died (see ``died``); ``start`` and ``stop`` replace it."""
        try:
            pid = int(self.pidfile.read_text().strip())
        except (FileNotFoundError, ValueError):
            return None
        if not pid_alive(pid) or not self._cmdline_matches(pid):
            return None
        return pid

    def died(self) -> bool:
        """Started by the lab and no longer running (nobody stopped it)."""
        return self.pidfile.exists() and self.pid() is None

    def _cmdline_matches(self, pid: int) -> bool:
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            return False
        marker = self.marker or Path(self.argv[0]).name
        return marker in cmdline

    def running(self) -> bool:
        return self.pid() is not None

    def start(self) -> int:
        """Start unless already running; return the PID."""
        pid = self.pid()
        if pid:
            return pid
        self.log_dir.mkdir(parents=True, exist_ok=True)
        env = dict(os.environ)
        if self.env:
            env.update(self.env)
        with open(self.logfile, "ab") as log:
            log.write(f"\n==== {time.strftime('%F %T')} starting {self.name}\n".encode())
            log.flush()
            try:
                p = subprocess.Popen(
                    list(self.argv),
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    env=env,
                    start_new_session=True,
                    close_fds=True,
                )
            except FileNotFoundError:
                raise LabError(f"cannot start {self.name}: the program {self.argv[0]} is not "
                               "installed (or not on PATH)",
                               "run `python3 -m labsetup doctor`; as root, "
                               "`python3 -m labsetup install` installs what is missing") from None
        self.pidfile.write_text(str(p.pid))
        # Until the child has exec'd its program, /proc/PID/cmdline is still this process's
        # own, so running() would call the new daemon dead; on a busy machine that window lasts.
        deadline = time.monotonic() + 10
        while p.poll() is None and not self._cmdline_matches(p.pid) \
                and time.monotonic() < deadline:
            time.sleep(0.01)
        return p.pid

    def stop(self, timeout: float = 30.0) -> None:
        pid = self.pid()
        if pid is None:
            self.pidfile.unlink(missing_ok=True)  # stopped on purpose: it did not die
            return
        stop_pid(pid, timeout)
        self.pidfile.unlink(missing_ok=True)

    def tail(self, lines: int = 20) -> str:
        return tail(self.logfile, lines)


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except OSError as e:
        return e.errno == errno.EPERM
    # A zombie is not alive.
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        return stat.rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def group_alive(pgid: int) -> bool:
    """Whether any live (not zombie) process is still in process group ``pgid``."""
    for p in Path("/proc").iterdir():
        if p.name.isdigit():
            try:
                fields = (p / "stat").read_text().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue
            if fields[2] == str(pgid) and fields[0] != "Z":
                return True
    return False


def stop_pid(pid: int, timeout: float = 30.0) -> None:
    """SIGTERM the process group, then SIGKILL it if it does not exit in time.

    Returns once the whole group has gone: a uWSGI API's other worker processes hold its
    listening socket too, and the next start would find the port taken."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(pid, sig)
        except ProcessLookupError:
            return
        except PermissionError:
            os.kill(pid, sig)
        deadline = time.monotonic() + (timeout if sig == signal.SIGTERM else 10)
        while time.monotonic() < deadline:
            if not pid_alive(pid):
                _reap(pid)
                if not group_alive(pid):
                    return
            time.sleep(0.1)


def _reap(pid: int) -> None:
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass


def tail(path: Path, lines: int = 20) -> str:
    try:
        with open(path, "rb") as fh:
            fh.seek(0, os.SEEK_END)
            size = fh.tell()
            fh.seek(max(0, size - 64 * 1024))
            data = fh.read().decode(errors="replace")
    except FileNotFoundError:
        return f"(no log yet at {path})"
    return "\n".join(data.splitlines()[-lines:])


def port_in_use(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            return True
    return False


TCP_STATES = {"01": "ESTABLISHED", "02": "SYN_SENT", "03": "SYN_RECV", "04": "FIN_WAIT1",
              "05": "FIN_WAIT2", "06": "TIME_WAIT", "07": "CLOSE", "08": "CLOSE_WAIT",
              "09": "LAST_ACK", "0A": "LISTEN", "0B": "CLOSING", "0C": "NEW_SYN_RECV"}


def port_sockets(port: int) -> list[tuple[str, str]]:
    """(state, inode) of every TCP socket whose local port is ``port`` (/proc/net/tcp{,6})."""
    found = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            rows = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            cols = row.split()
            if len(cols) > 9 and int(cols[1].rsplit(":", 1)[1], 16) == port:
                found.append((TCP_STATES.get(cols[3], cols[3]), cols[9]))
    return found


def listener_pid(port: int) -> int | None:
    """The PID of a process holding a listening socket on ``port``, or None."""
    inodes = {inode for state, inode in port_sockets(port) if state == "LISTEN"}
    if not inodes:
        return None
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            for fd in (proc / "fd").iterdir():
                link = os.readlink(fd)
                if link.startswith("socket:[") and link[8:-1] in inodes:
                    return int(proc.name)
        except OSError:
            continue
    return None


def who_listens(port: int) -> str:
    """Best effort: which process holds a TCP port, or which sockets keep it taken."""
    pid = listener_pid(port)
    if pid is not None:
        try:
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode().strip()
        except OSError:
            cmd = "(exited)"
        return f"PID {pid}: {cmd[:120]}"
    states = sorted(state for state, _ in port_sockets(port))
    if not states:
        return "an unknown process"
    counts = ", ".join(f"{states.count(s)} {s}" for s in sorted(set(states)))
    return f"no process (sockets of a stopped program still close: {counts})"


def wait_port_free(port: int, host: str = "127.0.0.1", timeout: float = 15.0) -> bool:
    """Wait while nobody listens on ``port`` but it cannot be bound yet (the sockets of a
    program that just stopped still closing); True once it is free.  Returns at once when a
    live process holds it: waiting would not help."""
    deadline = time.monotonic() + timeout
    while port_in_use(port, host):
        if listener_pid(port) is not None or time.monotonic() > deadline:
            return False
        time.sleep(0.2)
    return True


def http_answers(url: str, timeout: float = 2.0) -> int | None:
    """The HTTP status the URL answers with (any status counts as an answer), or None."""
    req = urllib.request.Request(url, headers={"Connection": "close"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return int(r.status)
    except urllib.error.HTTPError as e:
        return int(e.code)
    except (urllib.error.URLError, OSError, TimeoutError):
        return None


def wait_for(what: str, test: Callable[[], bool], timeout: float, daemon: Daemon | None = None,
             interval: float = 0.2) -> float:
    """Poll ``test`` until true; return seconds waited.  On failure name the daemon and its log."""
    start = time.monotonic()
    while True:
        if test():
            return time.monotonic() - start
        if daemon is not None and not daemon.running():
            raise LabError(
                f"{daemon.name} stopped while starting. Last lines of {daemon.logfile}:\n"
                + indent(daemon.tail(15)),
                "fix the cause above, then run `python3 -m labsetup up` again",
            )
        if time.monotonic() - start > timeout:
            tail_txt = ("\n" + indent(daemon.tail(15))) if daemon else ""
            raise LabError(
                f"timed out after {timeout:.0f} s waiting for {what}.{tail_txt}",
                "run `python3 -m labsetup doctor`, or look at `python3 -m labsetup logs "
                f"{daemon.name if daemon else 'SERVICE'}`",
            )
        time.sleep(interval)


def indent(text: str, prefix: str = "    | ") -> str:
    return "\n".join(prefix + line for line in text.splitlines())


def run(argv: Sequence[str], *, env: Mapping[str, str] | None = None, what: str = "",
        log: Path | None = None, timeout: float | None = 900, input: str | None = None,
        cwd: Path | None = None) -> str:
    """Run a command to completion; on failure raise LabError with its last output lines."""
    full_env = dict(os.environ)
    if env:
        full_env.update(env)
    try:
        p = subprocess.run(list(argv), env=full_env, capture_output=True, text=True,
                           timeout=timeout, input=input, check=False, cwd=cwd)
    except FileNotFoundError as e:
        raise LabError(f"{what or argv[0]}: command not found ({e.filename})",
                       "run `python3 -m labsetup up` to install what the lab needs") from None
    except subprocess.TimeoutExpired:
        raise LabError(f"{what or argv[0]} took longer than {timeout} s") from None
    out = (p.stdout or "") + (p.stderr or "")
    if log is not None:
        log.parent.mkdir(parents=True, exist_ok=True)
        with open(log, "a") as fh:
            fh.write(f"\n$ {' '.join(argv)}\n{out}")
    if p.returncode != 0:
        last = "\n".join(out.strip().splitlines()[-15:])
        raise LabError(f"{what or ' '.join(argv)} failed (exit {p.returncode}):\n{indent(last)}")
    return p.stdout


def descendants(pid: int) -> list[int]:
    """``pid`` and every process below it (children, grandchildren, ...)."""
    children: dict[int, list[int]] = {}
    for p in Path("/proc").iterdir():
        if p.name.isdigit():
            try:
                ppid = int((p / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(p.name))
    out, todo = [], [pid]
    while todo:
        cur = todo.pop()
        out.append(cur)
        todo.extend(children.get(cur, []))
    return out


def pids_named(comm: str) -> set[int]:
    """This user's processes whose command name is ``comm`` (for example Erlang's ``epmd``);
    another user's lab on the machine (the Binder test's) is not ours to count or kill."""
    found = set()
    for p in Path("/proc").iterdir():
        if p.name.isdigit():
            try:
                if (p / "comm").read_text().strip() == comm and p.stat().st_uid == os.getuid():
                    found.add(int(p.name))
            except OSError:
                pass
    return found
