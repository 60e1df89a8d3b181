"""Runners: where an experiment's runs execute, behind one interface.

* :class:`InProcessRunner` — one after another in this process (debugging, tiny runs).
* :class:`DaskRunner` — a local Dask cluster of spawned worker processes (the default), or an
  existing scheduler (``DaskRunner(address="tcp://host:8786")``) for a multi-machine run.

A runner takes :class:`Task` objects and yields one result dict per task as tasks finish, in
any order. Every task is executed by :func:`execute`, which never raises: an exception inside
a run becomes a ``status = "failed"`` record with the error. Results are written by the
process that drives the experiment, so workers need no shared file system.
"""

from __future__ import annotations

import logging
import os
import platform
import re
import time
import traceback
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from abm.params import ParameterError
from abm.scenario import Scenario

log = logging.getLogger("experiments")
LOCALHOST = "127.0.0.1"
MAX_WORKERS = 64
"""Most worker processes of a local cluster (or 4 per CPU if that is more)."""
_ADDRESS = re.compile(r"(tcp|tls|ws|wss)://(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):[0-9]{1,5}")


@dataclass
class Task:
    """Everything a worker needs for one run (picklable; no file access needed)."""

    run_id: str
    scenario: Scenario
    seed: int
    scale: float
    end_year: int
    outputs: list[str]
    series: list[str]
    simulate: Callable[..., Any] | None = None  # default: abm.simulate.simulate
    meta: dict[str, Any] = field(default_factory=dict)


def execute(task: Task) -> dict[str, Any]:
    """Run one task and never raise: an exception becomes a failed result.

    Returns:
        ``{"run_id", "status", "error", "seconds", "worker", "values", "series"}``.

    """
    from experiments.outputs import extract

    start = time.perf_counter()
    worker = f"{platform.node()}:{os.getpid()}"
    try:
        _limit_numba_threads()
        if task.simulate is None:
            from abm.simulate import simulate as run_model
        else:
            run_model = task.simulate
        run = run_model(task.scenario, scale=task.scale, seed=task.seed, end_year=task.end_year)
        values = extract(run, task.outputs)
        summary = run.summary[run.summary["metric"].isin(task.series)]
        series = summary[["year", "metric", "value"]].reset_index(drop=True)
        return {"run_id": task.run_id, "status": "ok", "error": "",
                "seconds": time.perf_counter() - start, "worker": worker, "values": values,
                "series": series}
    except Exception as error:
        tail = "".join(traceback.format_exception(error)[-3:])
        return failed(task.run_id, f"{type(error).__name__}: {error}\n{tail}",
                      time.perf_counter() - start, worker)


def _limit_numba_threads() -> None:
    """Honour ``NUMBA_NUM_THREADS`` in this thread even if Numba was imported before it was set.

    (Dask's nanny sets a worker's environment after the worker has imported Numba; Numba's
    thread count is per calling thread, so it is set where the run executes.)
    """
    wanted = os.environ.get("NUMBA_NUM_THREADS")
    if not wanted or not wanted.isdigit():
        return
    import numba

    if 1 <= int(wanted) < numba.get_num_threads():
        numba.set_num_threads(int(wanted))


def failed(run_id: str, error: str, seconds: float = float("nan"), worker: str = ""
           ) -> dict[str, Any]:
    """A failed-run result."""
    return {"run_id": run_id, "status": "failed", "error": error, "seconds": seconds,
            "worker": worker, "values": {},
            "series": pd.DataFrame({"year": np.array([], dtype=int), "metric": [],
                                    "value": np.array([], dtype=float)})}


class Runner:
    """Interface: a context manager whose :meth:`run` yields results as tasks finish.

    Entering is re-entrant: a runner entered by the caller and entered again by
    :func:`~experiments.core.run_experiment` starts once and is closed by the outer exit.
    """

    name = "runner"
    _depth = 0

    def __enter__(self) -> Runner:
        if self._depth == 0:
            self.start()
        self._depth += 1
        return self

    def __exit__(self, *exc: object) -> None:
        self._depth -= 1
        if self._depth == 0:
            self.close()

    def start(self) -> None:
        """Start workers or connect (called on the outermost ``with``)."""

    def check(self) -> None:
        """Raise ParameterError if the runner cannot work (e.g. nothing at its address)."""

    def close(self) -> None:
        """Release workers or connections."""

    def run(self, tasks: Iterable[Task]) -> Iterator[dict[str, Any]]:
        """Execute tasks; yield one result per task in completion order."""
        raise NotImplementedError

    def describe(self) -> str:
        """One line for logs and reports."""
        return self.name


class InProcessRunner(Runner):
    """Runs tasks one after another in this process."""

    name = "inprocess"

    def run(self, tasks: Iterable[Task]) -> Iterator[dict[str, Any]]:  # noqa: D102
        for task in tasks:
            yield execute(task)


class DaskRunner(Runner):
    """Runs tasks on Dask workers: a new local cluster, or an existing scheduler.

    Args:
        address: Scheduler address (``tcp://host:8786``); None starts a ``LocalCluster``.
        n_workers: Worker processes of the local cluster (default: number of CPUs).
        threads_per_worker: Threads per local worker; Numba's thread count is set to match,
            so workers do not oversubscribe the cores.
        window: Tasks kept in flight (default: 2 × total worker threads + 2); the rest are
            submitted as earlier ones finish, so huge experiments stay light on memory.

    """

    name = "dask"

    def __init__(self, address: str | None = None, n_workers: int | None = None,
                 threads_per_worker: int = 1, window: int | None = None) -> None:
        self.address = address
        if n_workers is not None:
            check_workers(n_workers)
        self.n_workers = n_workers or max(os.cpu_count() or 1, 1)
        self.threads_per_worker = threads_per_worker
        self.window = window
        self.cluster: Any = None
        self.client: Any = None

    def start(self) -> None:  # noqa: D102
        from distributed import Client, LocalCluster

        _quiet_dask_logs()
        if self.address:
            self.client = Client(self.address, timeout="30s")
        else:
            warn_oversubscribed(self.n_workers)
            env = {"NUMBA_NUM_THREADS": str(self.threads_per_worker),
                   "OMP_NUM_THREADS": str(self.threads_per_worker)}
            # Scheduler, workers and dashboard listen on this machine only.
            self.cluster = LocalCluster(n_workers=self.n_workers,
                                        threads_per_worker=self.threads_per_worker,
                                        processes=True, host=LOCALHOST,
                                        dashboard_address=f"{LOCALHOST}:0",
                                        worker_dashboard_address=None,
                                        silence_logs=40, env=env)
            self.client = Client(self.cluster)
        _quiet_dask_logs()

    def check(self) -> None:  # noqa: D102
        if self.address:
            check_reachable(self.address)

    def close(self) -> None:  # noqa: D102
        if self.client is not None:
            self.client.close()
            self.client = None
        if self.cluster is not None:
            self.cluster.close()
            self.cluster = None

    def describe(self) -> str:  # noqa: D102
        if self.client is None:
            return f"dask ({self.address or 'local cluster'})"
        threads = sum(self.client.nthreads().values())
        where = self.address or f"local cluster, {self.n_workers} workers"
        return f"dask ({where}; {threads} threads)"

    def run(self, tasks: Iterable[Task]) -> Iterator[dict[str, Any]]:  # noqa: D102
        from distributed import as_completed

        if self.client is None:
            raise RuntimeError("DaskRunner.run outside 'with DaskRunner(...) as runner:'")
        threads = max(sum(self.client.nthreads().values()), 1)
        window = self.window or 2 * threads + 2
        pending = iter(tasks)
        ids: dict[Any, str] = {}

        def submit() -> Any | None:
            task = next(pending, None)
            if task is None:
                return None
            future = self.client.submit(execute, task, pure=False, key=f"run-{task.run_id}-"
                                                                      f"{time.time_ns()}")
            ids[future.key] = task.run_id
            return future

        first = [f for f in (submit() for _ in range(window)) if f is not None]
        queue = as_completed(first)
        for future in queue:
            try:
                result = future.result()
            except Exception as error:
                result = failed(ids[future.key], f"{type(error).__name__}: {error}")
            future.release()
            yield result
            nxt = submit()
            if nxt is not None:
                queue.add(nxt)


def _quiet_dask_logs() -> None:
    """Keep Dask's INFO chatter (workers starting and closing) out of the progress output."""
    import logging

    for name in list(logging.root.manager.loggerDict):
        if name.startswith("distributed"):
            logging.getLogger(name).setLevel(logging.ERROR)


def check_workers(workers: object) -> int:
    """Validate a worker count (1 to 64, or 4 per CPU if more); more than the CPUs is allowed."""
    cpus = os.cpu_count() or 1
    limit = max(MAX_WORKERS, 4 * cpus)
    if isinstance(workers, bool) or not isinstance(workers, int) or not 1 <= workers <= limit:
        raise ParameterError(f"--workers: got {workers!r}; allowed: an integer in [1, {limit}]"
                             f" (this machine has {cpus} CPUs)")
    return workers


def warn_oversubscribed(workers: int) -> None:
    """Log a warning when a local cluster gets more worker processes than CPUs (it still runs)."""
    cpus = os.cpu_count() or 1
    if workers > cpus:
        log.warning("--workers %d is more than the %d CPUs of this machine: runs will compete "
                    "for them (allowed, but slower per run)", workers, cpus)


def check_address(address: object) -> str:
    """Validate a Dask scheduler address such as ``tcp://host:8786``."""
    if not isinstance(address, str) or not _ADDRESS.fullmatch(address):
        raise ParameterError(f"--scheduler: got {address!r}; allowed: a Dask scheduler address "
                             "like 'tcp://host:8786' (tcp, tls, ws or wss; host and port)")
    port = int(address.rsplit(":", 1)[1])
    if not 1 <= port <= 65535:
        raise ParameterError(f"--scheduler: got {address!r}; allowed: a port in [1, 65535]")
    return address


def check_reachable(address: str, timeout: float = 5.0) -> None:
    """Refuse (quickly) a scheduler address nothing answers at."""
    import socket

    check_address(address)
    host, port = address.split("://", 1)[1].rsplit(":", 1)
    try:
        with socket.create_connection((host.strip("[]"), int(port)), timeout=timeout):
            pass
    except OSError as error:
        raise ParameterError(f"--scheduler: nothing answers at {address!r} "
                             f"({error.strerror or error}); allowed: the address of a running "
                             "Dask scheduler") from None


def make_runner(kind: str | Runner | None = None, *, scheduler: str | None = None,
                workers: int | None = None) -> Runner:
    """A runner from a name: ``"local"``/``"dask"`` (default), ``"inprocess"``, or an address.

    Raises:
        ParameterError: For an unknown kind, a malformed address, or a worker count that is
            not a positive integer (or given where no local cluster is started).

    """
    if isinstance(kind, Runner):
        if workers is not None:
            raise ParameterError("--workers: applies to a local Dask cluster only, not to a "
                                 "runner object")
        return kind
    if scheduler or (isinstance(kind, str) and "://" in kind):
        if workers is not None:
            log.warning("workers=%r is not used with a scheduler address (its workers are "
                        "started with it)", workers)
        return DaskRunner(address=check_address(scheduler or kind))
    if kind in (None, "local", "dask"):
        return DaskRunner(n_workers=None if workers is None else check_workers(workers))
    if kind == "inprocess":
        if workers is not None:
            raise ParameterError(f"--workers: got {workers!r} with --runner inprocess; allowed: "
                                 "only with --runner local")
        return InProcessRunner()
    raise ParameterError(f"runner {kind!r} is unknown; allowed: 'local' (a local Dask "
                         "cluster), 'inprocess', or a scheduler address like "
                         "'tcp://host:8786'")
