"""Worker processes that draw with vl-convert, away from the build's own process.

vl-convert runs Vega in a V8 engine that holds about 100 MB once it has drawn,
and it draws one chart at a time. In workers, the build's process stays
smaller, and the static SVGs of a cold build are drawn on the other cores
while the pages render.

Each worker is ``python -m site_build.views.drawing``, speaking one JSON line
per request and per answer on its standard input and output. Plain
subprocesses rather than ``multiprocessing``: a spawned child imports the
parent's main script again, which an unguarded build script cannot survive.
Workers start on first use, stay for the life of the process (``handbook
serve`` starts them once), and stop when it exits. A worker that dies raises
``WorkerGone``; callers then draw in their own process.
"""

from __future__ import annotations

import atexit
import json
import os
import queue
import subprocess
import sys
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import IO, Any

#: what a worker does: name -> function of site_build.views.vega, imported in the worker only
OPERATIONS = ("svg", "bundle")


class WorkerGone(RuntimeError):
    """A drawing worker exited or stopped answering."""


class _Worker:
    def __init__(self) -> None:
        root = str(Path(__file__).resolve().parent.parent.parent)
        env = dict(os.environ, PYTHONPATH=os.pathsep.join([root, os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep))
        self.process = subprocess.Popen(
            [sys.executable, "-m", "site_build.views.drawing"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
            text=True,
            encoding="utf-8",
        )

    def ask(self, operation: str, args: list) -> Any:
        stdin, stdout = self.process.stdin, self.process.stdout
        assert stdin is not None and stdout is not None
        try:
            stdin.write(json.dumps({"op": operation, "args": args}, ensure_ascii=False) + "\n")
            stdin.flush()
            line = stdout.readline()
        except (BrokenPipeError, OSError) as error:
            raise WorkerGone(f"the drawing worker exited ({error})") from None
        if not line:
            raise WorkerGone(f"the drawing worker exited with code {self.process.poll()}")
        answer = json.loads(line)
        if "error" in answer:
            from site_build.errors import ChartError

            raise ChartError(answer["error"])
        return answer["result"]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.stdin.close()  # type: ignore[union-attr]
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()


class _Pool:
    def __init__(self, size: int) -> None:
        self.threads = ThreadPoolExecutor(max_workers=size, thread_name_prefix="handbook-drawing")
        self.idle: queue.SimpleQueue[_Worker] = queue.SimpleQueue()
        self.started: list[_Worker] = []
        self.size = size
        self.lock = threading.Lock()

    def run(self, operation: str, args: list) -> Any:
        worker = self._take()
        try:
            result = worker.ask(operation, args)
        except WorkerGone:
            worker.stop()
            with self.lock:
                self.started.remove(worker)
            raise
        self.idle.put(worker)
        return result

    def _take(self) -> _Worker:
        with self.lock:
            if self.idle.empty() and len(self.started) < self.size:
                worker = _Worker()
                self.started.append(worker)
                return worker
        return self.idle.get()

    def stop(self) -> None:
        self.threads.shutdown(wait=True, cancel_futures=True)
        for worker in self.started:
            worker.stop()


_pool: _Pool | None = None


def workers() -> int:
    """How many drawing workers: one per core the process may use, at least one."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def submit(operation: str, *args: Any) -> Future:
    """Run ``operation`` (one of ``OPERATIONS``) with JSON ``args`` in a worker; the future holds its result."""
    global _pool
    if operation not in OPERATIONS:
        raise ValueError(f"Unknown drawing operation '{operation}'. Known: {', '.join(OPERATIONS)}.")
    if _pool is None:
        _pool = _Pool(workers())
        atexit.register(stop)
    return _pool.threads.submit(_pool.run, operation, list(args))


def stop() -> None:
    """Stop the workers (the next ``submit`` starts new ones)."""
    global _pool
    if _pool is not None:
        _pool.stop()
        _pool = None


def _serve(requests: IO[str], answers: IO[str]) -> None:
    """A worker's loop: one request per line in, one answer per line out, until its input closes."""
    from site_build.errors import ChartError
    from site_build.views import vega

    operations: dict[str, Callable[..., str]] = {"svg": vega._convert, "bundle": vega._javascript_bundle}
    for line in requests:
        request = json.loads(line)
        try:
            answer = {"result": operations[request["op"]](*request["args"])}
        except ChartError as error:
            answer = {"error": str(error)}
        except Exception as error:  # the worker lives on; the build reports it as a chart that failed
            answer = {"error": f"vl-convert failed: {type(error).__name__}: {error}"}
        answers.write(json.dumps(answer, ensure_ascii=False) + "\n")
        answers.flush()


if __name__ == "__main__":
    # Answers go to a private copy of stdout; anything a library prints goes to stderr instead.
    answers = os.fdopen(os.dup(sys.stdout.fileno()), "w", encoding="utf-8")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    _serve(sys.stdin, answers)
