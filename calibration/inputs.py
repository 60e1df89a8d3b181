"""Reading a user-given input file safely: a regular file, bounded in size, UTF-8, named.

Calibration reads two kinds of user files (a config and an observed-data CSV). Both go
through :func:`read_text`, so a folder, a device such as ``/dev/zero``, a huge file or a file
that is not UTF-8 is refused with a message naming the file, before anything is parsed.
"""

from __future__ import annotations

import stat
from pathlib import Path

from abm.params import ParameterError


def read_text(path: Path, limit: int, what: str) -> str:
    """The UTF-8 text of a regular file of at most ``limit`` bytes.

    Args:
        path: The file.
        limit: Largest size accepted, bytes.
        what: What the file is, for messages (e.g. ``"calibration config"``).

    Raises:
        ParameterError: Missing, not a regular file, larger than ``limit``, unreadable or not
            UTF-8 (naming the file).

    """
    try:
        info = path.stat()
    except OSError as error:
        raise ParameterError(f"{what} {str(path)!r}: cannot be read ({error.strerror})") from None
    if stat.S_ISDIR(info.st_mode):
        raise ParameterError(f"{what} {str(path)!r} is a folder; allowed: a file")
    if not stat.S_ISREG(info.st_mode):
        raise ParameterError(f"{what} {str(path)!r} is not a regular file; allowed: a file")
    if info.st_size > limit:
        raise ParameterError(f"{what} {str(path)!r} is {info.st_size} bytes; allowed: at most "
                             f"{limit} bytes")
    try:
        with path.open("rb") as handle:
            content = handle.read(limit + 1)
    except OSError as error:
        raise ParameterError(f"{what} {str(path)!r}: cannot be read ({error.strerror})") from None
    if len(content) > limit:
        raise ParameterError(f"{what} {str(path)!r} is larger than {limit} bytes; allowed: at "
                             f"most {limit} bytes")
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ParameterError(f"{what} {str(path)!r} is not UTF-8 text (byte {error.start}); "
                             "allowed: a UTF-8 file") from None
