"""Safe file output, defined once: atomic writes, output folders, locks and safe names.

Every file the project writes goes through :func:`write_atomic`: the content is written to a
hidden temporary file with a unique name in the destination folder and then renamed into
place (``os.replace`` is atomic on POSIX), so a killed or concurrent writer never leaves a
half-written file and two writers never share a temporary file. :func:`output_folder` checks
a user-given folder before anything is simulated; :func:`folder_lock` lets one process at a
time write into a folder; :func:`safe_name` turns a name read from a file into a single path
component that cannot leave the output folder.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import re
import tempfile
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

from abm.params import ParameterError

LOCK_NAME = ".lock"
MAX_NAME_LENGTH = 80


class FolderBusyError(ParameterError):
    """Another process holds the lock of an output folder."""


def safe_name(name: str, where: str = "name") -> str:
    """A name usable as one file-name component: letters, digits, ``_``, ``-`` and ``.``.

    Anything else (path separators, ``..``, quotes, newlines, spaces) becomes ``_``; leading
    dots and underscores are dropped so the result is never hidden, ``.`` or ``..``.

    Raises:
        ParameterError: If nothing usable is left (naming ``where`` and the value).

    """
    if not isinstance(name, str):
        raise ParameterError(f"{where}: got {name!r}; allowed: text with letters or digits")
    cleaned = re.sub(r"[^A-Za-z0-9_.-]+", "_", name.strip())
    cleaned = re.sub(r"\.{2,}", "_", cleaned).lstrip("._-").rstrip("._")[:MAX_NAME_LENGTH]
    if not re.search(r"[A-Za-z0-9]", cleaned):
        raise ParameterError(f"{where}: got {name!r}; allowed: text with letters or digits "
                             "(used as a file name)")
    return cleaned


def output_folder(path: Path | str, flag: str = "--out") -> Path:
    """Check that ``path`` can be used as an output folder, without creating anything.

    The folder may exist (it must be a writable folder) or not (its nearest existing parent
    must be a writable folder).

    Raises:
        ParameterError: Naming ``flag``, the path and the problem.

    """
    folder = Path(path)
    if str(path).strip() == "":
        raise ParameterError(f"{flag}: empty path; allowed: a folder path")
    if folder.exists():
        if not folder.is_dir():
            raise ParameterError(f"{flag}: {str(folder)!r} is a file, not a folder; allowed: "
                                 "a folder (existing or new)")
        if not os.access(folder, os.W_OK | os.X_OK):
            raise ParameterError(f"{flag}: {str(folder)!r} is not writable")
        return folder
    parent = folder.absolute().parent
    while not parent.exists():
        parent = parent.parent
    if not parent.is_dir():
        raise ParameterError(f"{flag}: {str(folder)!r} cannot be created: {str(parent)!r} is a "
                             "file")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise ParameterError(f"{flag}: {str(folder)!r} cannot be created: {str(parent)!r} is "
                             "not writable")
    return folder


def inside(folder: Path, name: str) -> Path:
    """``folder / name`` after checking that the result stays inside ``folder``."""
    path = (folder / name).resolve()
    if folder.resolve() not in (path, *path.parents):
        raise ParameterError(f"file name {name!r} would leave the folder {str(folder)!r}")
    return folder / name


def write_atomic(path: Path, write: Callable[[Path], object]) -> Path:
    """Write a file through ``write(tmp_path)`` and rename it into place.

    The temporary file is hidden, unique (pid and a random part) and in the same folder, so
    the rename is atomic and concurrent writers never share it; it is removed on failure.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
    return path


def write_text(path: Path, text: str) -> Path:
    """Write UTF-8 text atomically."""
    return write_atomic(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def write_bytes(path: Path, content: bytes) -> Path:
    """Write bytes atomically."""
    return write_atomic(path, lambda tmp: tmp.write_bytes(content))


@contextlib.contextmanager
def folder_lock(folder: Path, what: str = "another run") -> Iterator[Path]:
    """Hold an exclusive lock on ``folder`` (a ``.lock`` file inside it) while writing.

    The lock is an ``fcntl.flock`` on an open file: the kernel releases it when the process
    ends, so a killed run never leaves a stale lock.

    Raises:
        FolderBusyError: If another process holds it, naming the folder.

    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    handle = (folder / LOCK_NAME).open("a+")
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as error:
            if error.errno in (errno.EAGAIN, errno.EACCES):
                raise FolderBusyError(
                    f"output folder {str(folder)!r} is in use by {what} (it holds "
                    f"{str(folder / LOCK_NAME)!r}); wait for it to finish or choose another "
                    "folder") from None
            raise
        yield folder
    finally:
        handle.close()


def temporary_folder(parent: Path, prefix: str) -> Path:
    """A new, unique, hidden folder inside ``parent`` (for staging a run's files)."""
    parent.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=f".{prefix}.", dir=parent))
