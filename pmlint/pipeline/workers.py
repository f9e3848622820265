"""Worker processes that survive what libclang does to them.

libclang is native code: a file can crash it (SIGSEGV, abort) or make it
spin. Each file is analysed in a worker process; when a worker dies or
overruns its time limit, that file gets a PM000 finding and a fresh worker
takes the next file, so one bad file never takes the run down. Results come
back in the order the files were given.
"""
from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
import time
from collections.abc import Callable, Iterable, Iterator
from multiprocessing.connection import Connection, wait

DEFAULT_TIMEOUT = 60.0

Task = tuple            # (index, payload): the payload is whatever `work` takes
Failed = Callable[[object, str], object]   # (payload, reason) -> result for that file


def die_with_parent() -> None:
    """Linux: get SIGKILL when the parent dies, so no worker outlives a killed run."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _serve(conn: Connection, work: Callable) -> None:
    die_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C
    while True:
        try:
            task = conn.recv()
        except EOFError:
            return
        if task is None:
            return
        index, payload = task
        conn.send((index, work(payload)))


class _Worker:
    def __init__(self, ctx, work: Callable):
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_serve, args=(child, work), daemon=True)
        self.proc.start()
        child.close()
        self.task: Task | None = None
        self.started = 0.0

    def give(self, task: Task) -> None:
        self.task, self.started = task, time.monotonic()
        self.conn.send(task)

    def stop(self, kill: bool = False) -> None:
        if kill:
            self.proc.kill()
        else:
            try:
                self.conn.send(None)
            except OSError:
                pass
        self.proc.join(5)
        if self.proc.is_alive():
            self.proc.kill()
            self.proc.join()
        self.conn.close()


def _death_reason(proc) -> str:
    code = proc.exitcode
    if code is not None and code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        return f"the parser crashed ({name}) on this file"
    return f"the parser process exited unexpectedly (status {code})"


def run(items: Iterable[tuple[bool, object]], work: Callable, failed: Failed, jobs: int,
        timeout: float = DEFAULT_TIMEOUT) -> Iterator:
    """Yield a result per item, in order, isolating crashes and hangs.

    An item is (True, payload) to run work(payload) in a worker, or
    (False, result) for a result already known. Items are pulled only when a
    worker is free, so memory stays flat however many there are.
    """
    ctx = multiprocessing.get_context("fork" if os.name == "posix" else "spawn")
    source = enumerate(items)
    exhausted = False
    done: dict[int, object] = {}
    next_out = 0
    workers: list[_Worker] = []

    def next_task() -> Task | None:
        nonlocal exhausted
        for pulled, (index, (needs_work, value)) in enumerate(source, 1):
            if needs_work:
                return index, value
            done[index] = value
            if pulled == 256:   # let known results out before reading on: with a warm
                return None     # cache nearly all are, and would pile up in memory
        exhausted = True
        return None

    try:
        while True:
            for i in range(jobs):
                if exhausted or (i < len(workers) and workers[i].task is not None):
                    continue
                task = next_task()
                if task is not None:
                    # A worker starts only once there is work: a run the cache answers forks none.
                    while len(workers) <= i:   # slot i can get work before a lower one has any
                        workers.append(_Worker(ctx, work))
                    workers[i].give(task)
            while next_out in done:
                yield done.pop(next_out)
                next_out += 1
            busy = [w for w in workers if w.task is not None]
            if not busy:
                if exhausted:
                    return
                continue
            ready = wait([w.conn for w in busy] + [w.proc.sentinel for w in busy], timeout=0.5)
            now = time.monotonic()
            for i, w in enumerate(workers):
                if w.task is None:
                    continue
                index, payload = w.task
                if w.conn in ready:
                    try:
                        got_index, result = w.conn.recv()
                        done[got_index] = result
                        w.task = None
                        continue
                    except (EOFError, OSError):
                        pass   # died while answering: handled as a death below
                if w.proc.sentinel in ready or not w.proc.is_alive():
                    w.proc.join(5)  # reap it, so its exit status is known
                    done[index] = failed(payload, _death_reason(w.proc))
                elif now - w.started > timeout:
                    done[index] = failed(payload, f"analysis timed out after {timeout:g} s")
                else:
                    continue
                w.stop(kill=True)
                workers[i] = _Worker(ctx, work)
    finally:
        for w in workers:
            w.stop(kill=w.task is not None)
