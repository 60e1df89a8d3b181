"""Compile the model's Numba kernels before anyone presses Run.

Numba compiles each kernel on its first call (tens of seconds on a fresh install) and keeps
the machine code in ``.numba_cache/<code hash>`` (:mod:`abm`), from which a new process loads
it in a second or two. ``make setup`` runs ``python -m webapp.warm`` so that the cache is
filled at install time; the app server calls :func:`start` at import, so that even with an
empty cache the kernels are ready (or loading) before the first user clicks, and the page
shows "preparing the model" until :data:`READY` is set. The server then runs the default
scenario and its baseline (:func:`prefill`), so the first click finds them done.
"""

from __future__ import annotations

import logging
import threading
import time

log = logging.getLogger(__name__)

READY = threading.Event()
"""Set once the kernels are compiled or loaded in this process."""
_LOCK = threading.Lock()
_STARTED: list[threading.Thread] = []
FAILED: list[str] = []


def warm() -> float:
    """Run a tiny plan scenario (every group and policy kernel is called); seconds taken."""
    from abm.simulate import simulate

    begin = time.perf_counter()
    simulate("plan", scale=5000, seed=0, end_year=2021)
    return time.perf_counter() - begin


def prefill(scenario: str = "plan") -> float:
    """Run the page's default scenario and its baseline at the default run settings.

    The server keeps them (:func:`webapp.runner.run_one`), so the first click finds them
    done. Returns the seconds taken.
    """
    from abm.scenario import load_scenario
    from webapp.runner import RunConfig, run_set

    begin = time.perf_counter()
    run_set(load_scenario(scenario), RunConfig(), with_accounting=False)
    return time.perf_counter() - begin


def _work() -> None:
    try:
        warm()
    except Exception as error:  # the page must still open; a run will say what is wrong
        FAILED.append(repr(error))
        return
    finally:
        READY.set()
    try:
        prefill()
    except Exception:  # only a head start: a click runs whatever is missing
        log.exception("prefilling the default runs failed")


def start() -> None:
    """Warm the kernels in a background thread (once per process)."""
    with _LOCK:
        if not _STARTED:
            thread = threading.Thread(target=_work, name="numba-warm", daemon=True)
            _STARTED.append(thread)
            thread.start()


def main() -> None:
    """``python -m webapp.warm``: fill Numba's cache and say how long it took."""
    seconds = warm()
    print(f"model kernels ready in {seconds:.1f} s (cached in .numba_cache/)")


if __name__ == "__main__":
    main()
