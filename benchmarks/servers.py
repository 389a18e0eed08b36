"""Local server processes for benchmarks and tests: redis-server and gunicorn on free loopback ports."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path
from types import TracebackType

ROOT = Path(__file__).resolve().parents[1]
REDIS_BIN = shutil.which("redis-server") or "/usr/bin/redis-server"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_for(check: object, timeout: float, what: str, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            out = proc.stdout.read().decode(errors="replace") if proc.stdout else ""
            raise RuntimeError(f"{what} exited with {proc.returncode}:\n{out[-4000:]}")
        try:
            if check():  # type: ignore[operator]
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise TimeoutError(f"{what} not ready after {timeout:.0f}s")


class RedisServer:
    """A throw-away redis-server (no persistence) on a free loopback port."""

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc: subprocess.Popen[bytes] | None = None

    def _ping(self) -> bool:
        with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as s:
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")

    def start(self) -> RedisServer:
        if not Path(REDIS_BIN).exists():
            raise FileNotFoundError("redis-server not installed (scripts/sysdeps.sh installs it)")
        args = [
            REDIS_BIN,
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ]
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        _wait_for(self._ping, 10, "redis-server", self.proc)
        return self

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc is not None and self.proc.stdout:
            self.proc.stdout.close()
        self.proc = None

    def __enter__(self) -> RedisServer:
        return self.start()

    def __exit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


class GunicornServer:
    """gunicorn -c gunicorn.conf.py with the given environment on a free loopback port."""

    def __init__(
        self,
        env: dict[str, str],
        workers: int = 2,
        threads: int = 4,
        port: int | None = None,
        log_path: Path | None = None,
    ) -> None:
        self.port = port or free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.env = dict(env)
        self.env.update(
            {
                "DASHBOARD_HOST": "127.0.0.1",
                "DASHBOARD_PORT": str(self.port),
                "WEB_CONCURRENCY": str(workers),
                "GUNICORN_THREADS": str(threads),
            }
        )
        self.log_path = log_path
        self.proc: subprocess.Popen[bytes] | None = None
        self._log_fh: object = None

    def _healthy(self) -> bool:
        with urllib.request.urlopen(self.base_url + "/healthz", timeout=1) as resp:
            return bool(resp.status == 200)

    def start(self, timeout: float = 60) -> GunicornServer:
        args = [sys.executable, "-m", "gunicorn", "--config", str(ROOT / "gunicorn.conf.py")]
        if self.log_path is not None:
            self.log_path.parent.mkdir(parents=True, exist_ok=True)
            fh = open(self.log_path, "wb")  # noqa: SIM115 - closed in stop()
            self._log_fh = fh
            self.proc = subprocess.Popen(args, cwd=ROOT, env=self.env, stdout=fh, stderr=subprocess.STDOUT)
        else:
            self.proc = subprocess.Popen(
                args, cwd=ROOT, env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
            )
        _wait_for(self._healthy, timeout, "gunicorn", self.proc)
        return self

    def worker_pids(self) -> list[int]:
        """PIDs of the master's worker processes (from /proc)."""
        if self.proc is None:
            return []
        master = self.proc.pid
        pids = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            # Field 4 is the parent pid; the command name (field 2) may contain spaces.
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            if ppid == master:
                pids.append(int(entry.name))
        return sorted(pids)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None
        if self._log_fh is not None:
            self._log_fh.close()  # type: ignore[attr-defined]
            self._log_fh = None

    def __enter__(self) -> GunicornServer:
        return self.start()

    def __exit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def rss_bytes(pid: int) -> int:
    """Resident set size of a process (VmRSS), 0 when it is gone."""
    return (_status_kib(pid, "VmRSS:") or 0) * 1024


def peak_rss_bytes(pid: int) -> int:
    """Peak resident set size so far (VmHWM), 0 when the process is gone."""
    return (_status_kib(pid, "VmHWM:") or 0) * 1024


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds a live process has used (/proc/<pid>/stat), 0 when it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    # After the command name: state is field 3, utime and stime fields 14 and 15 (1-based).
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _status_kib(pid: int, field: str) -> int | None:
    """A `VmHWM:`/`VmRSS:` line of /proc/<pid>/status in KiB (None once the process is gone)."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith(field):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        return None
    return None


def _sample_tree_rss(pid: int, done: threading.Event, peaks: dict[str, int]) -> None:
    """Sample every 0.2 s until `done`: the child's own high-water mark (VmHWM of its address
    space after exec, so not the forked copy of the benchmark process that ru_maxrss keeps) and
    the largest summed RSS of the child and all its descendants (its worker processes)."""
    import psutil

    try:
        root = psutil.Process(pid)
    except psutil.Error:
        return
    while True:
        hwm = _status_kib(pid, "VmHWM:")
        if hwm is not None:
            peaks["self_kib"] = max(peaks.get("self_kib", 0), hwm)
        total = 0
        try:
            for p in (root, *root.children(recursive=True)):
                try:
                    total += p.memory_info().rss
                except psutil.Error:
                    continue
        except psutil.Error:
            pass
        peaks["tree_bytes"] = max(peaks.get("tree_bytes", 0), total)
        if done.wait(0.2):
            return


def run_measured(args: list[str], env: dict[str, str] | None = None, cwd: Path = ROOT) -> dict[str, object]:
    """Run a child process; return wall seconds, CPU seconds, its own peak RSS and that of its process
    tree, exit code, output tail."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        args, cwd=cwd, env=env or dict(os.environ), stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    assert proc.stdout is not None
    peaks: dict[str, int] = {}
    done = threading.Event()
    sampler = threading.Thread(target=_sample_tree_rss, args=(proc.pid, done, peaks), daemon=True)
    sampler.start()
    out = proc.stdout.read()  # EOF: the child closed its output, normally right before exiting
    done.set()
    sampler.join()
    # wait4 gives this child's own CPU times, unlike getrusage(RUSAGE_CHILDREN), which sums every
    # child ever reaped. Its ru_maxrss is not used: Linux carries the pre-exec (forked) copy of
    # this process into it, so a large benchmark process would inflate every child's peak.
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - t0
    self_mib = peaks.get("self_kib", 0) / 1024
    return {
        "wall_s": round(wall, 3),
        # VmHWM of the child's own address space, last sampled ≤ 0.2 s before it closed its output
        "peak_rss_mib": round(self_mib, 1),
        # The child and its worker processes together (sampled every 0.2 s; a shorter spike
        # can be missed)
        "tree_peak_rss_mib": round(max(peaks.get("tree_bytes", 0) / 2**20, self_mib), 1),
        "user_s": round(usage.ru_utime, 2),
        "sys_s": round(usage.ru_stime, 2),
        "returncode": proc.returncode,
        "output_tail": out.decode(errors="replace")[-3000:],
    }
