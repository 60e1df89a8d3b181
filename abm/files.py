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
import stat
import tempfile
import tomllib
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


# --------------------------------------------------------------------------- reading input
MAX_TOML_BYTES = 1_000_000
"""Largest TOML input file (scenario, include, experiment, calibration config), bytes."""
MAX_TOML_DEPTH = 16
"""Deepest nesting of tables and arrays accepted in a TOML input file."""


def read_user_text(path: Path | str, limit: int, what: str) -> str:
    """The UTF-8 text of a user-given file: a regular file of at most ``limit`` bytes.

    The size is checked before reading and at most ``limit + 1`` bytes are read, so a
    device such as ``/dev/zero`` or a huge file never fills memory.

    Args:
        path: The file.
        limit: Largest size accepted, bytes.
        what: What the file is, for messages (e.g. ``"scenario file"``).

    Raises:
        ParameterError: Naming ``what``, the file and the problem (missing, a folder or
            device, too big, unreadable, not UTF-8).

    """
    shown = repr(str(path))[:200]
    if "\0" in str(path):
        raise ParameterError(f"{what} {shown}: not a usable path (a NUL character)")
    path = Path(path)
    try:
        info = path.stat()
    except FileNotFoundError:
        raise ParameterError(f"{what} {shown}: file not found") from None
    except OSError as error:
        raise ParameterError(f"{what} {shown}: cannot be read ({error.strerror or error})"
                             ) from None
    if stat.S_ISDIR(info.st_mode):
        raise ParameterError(f"{what} {shown}: is a folder, not a regular file; allowed: a file")
    if not stat.S_ISREG(info.st_mode):
        raise ParameterError(f"{what} {shown}: is not a regular file (a device, pipe or "
                             "socket); allowed: a file")
    if info.st_size > limit:
        raise ParameterError(f"{what} {shown}: {info.st_size} bytes; allowed: at most "
                             f"{limit} bytes")
    try:
        with path.open("rb") as handle:
            content = handle.read(limit + 1)
    except OSError as error:
        raise ParameterError(f"{what} {shown}: cannot be read ({error.strerror or error})"
                             ) from None
    if len(content) > limit:
        raise ParameterError(f"{what} {shown}: more than {limit} bytes; allowed: at most "
                             f"{limit} bytes")
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ParameterError(f"{what} {shown}: not UTF-8 text (byte 0x{content[error.start]:02x}"
                             f" at position {error.start}); allowed: a UTF-8 file") from None


def toml_depth(tree: object, stop: int = MAX_TOML_DEPTH) -> int:
    """How deeply tables and arrays nest in ``tree`` (iterative; stops counting past ``stop``)."""
    deepest, stack = 0, [(tree, 1)]
    while stack and deepest <= stop:
        node, level = stack.pop()
        deepest = max(deepest, level)
        children = node.values() if isinstance(node, dict) else node if isinstance(
            node, list) else ()
        stack.extend((c, level + 1) for c in children if isinstance(c, dict | list))
    return deepest


def read_user_toml(path: Path | str, what: str, limit: int = MAX_TOML_BYTES,
                   max_depth: int = MAX_TOML_DEPTH) -> dict:
    """A user-given TOML file, read through :func:`read_user_text` and parsed.

    Raises:
        ParameterError: As :func:`read_user_text`, or not valid TOML, or tables and arrays
            nested more than ``max_depth`` levels (naming ``what`` and the file).

    """
    text = read_user_text(path, limit, what)
    shown = repr(str(path))[:200]
    try:
        tree = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ParameterError(f"{what} {shown}: not valid TOML ({error})") from None
    except RecursionError:
        tree = None
    if tree is None or toml_depth(tree, max_depth) > max_depth:
        raise ParameterError(f"{what} {shown}: tables or arrays nested too deeply; allowed: "
                             f"at most {max_depth} levels")
    return tree
