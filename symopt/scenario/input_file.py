"""Read an input file (scenario, sweep, archetype, profile) within limits, before parsing.

Files come from other firms, so a file is refused, in bounded time and memory, when it
is larger than the limit (default 64 MB, `--max-file-mb` on the command line), or is not
a regular file: a folder, a named pipe (which would block the reader forever) or a
device such as /dev/zero (which never ends). The type is checked with `os.stat` before
opening, the file is opened without blocking, and at most limit + 1 bytes are read.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

from symopt.errors import Issue, ScenarioError

__all__ = [
    "DEFAULT_MAX_FILE_MB",
    "file_size_limit",
    "max_file_bytes",
    "read_input_text",
    "set_max_file_mb",
]

#: Far above the largest real scenario (a 10,000-facility park is about 4 MB).
DEFAULT_MAX_FILE_MB = 64.0
_MEGABYTE = 1024 * 1024
_DEFAULT_MAX_BYTES = 64 * _MEGABYTE
_max_bytes: ContextVar[int] = ContextVar("max_file_bytes", default=_DEFAULT_MAX_BYTES)


def max_file_bytes() -> int:
    """The largest input file read, in bytes."""
    return _max_bytes.get()


def set_max_file_mb(megabytes: float) -> None:
    """Set the largest input file read, in MB (1 MB = 2**20 bytes), from now on."""
    if not megabytes > 0:
        raise ValueError(f"the file size limit must be > 0 MB, got {megabytes}")
    _max_bytes.set(round(megabytes * _MEGABYTE))


@contextmanager
def file_size_limit(megabytes: float) -> Iterator[None]:
    """The largest input file read is `megabytes` MB inside the `with` block."""
    if not megabytes > 0:
        raise ValueError(f"the file size limit must be > 0 MB, got {megabytes}")
    token = _max_bytes.set(round(megabytes * _MEGABYTE))
    try:
        yield
    finally:
        _max_bytes.reset(token)


def _refuse(path: Path, message: str) -> ScenarioError:
    return ScenarioError([Issue(str(path), None, (), message)])


def _kind(mode: int) -> str | None:
    """What a non-regular file is, in a planner's words; None for a regular file."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def _megabytes(size: int) -> str:
    return f"{size / _MEGABYTE:.3g} MB"


def read_input_text(path: str | os.PathLike[str], what: str = "a YAML file") -> str:
    """The UTF-8 text of `path`; `ScenarioError` naming the file if it cannot or may not be read."""
    file = Path(path)
    limit = max_file_bytes()
    too_large = (
        f"larger than the limit of {_megabytes(limit)}; expected {what} "
        "(raise the limit with --max-file-mb if the file is genuine)"
    )
    try:
        info = os.stat(file)  # before opening: opening a named pipe would block
    except FileNotFoundError:
        raise _refuse(file, "no such file") from None
    except OSError as error:
        raise _refuse(file, f"cannot be read: {error.strerror}") from None
    kind = _kind(info.st_mode)
    if kind is not None:
        raise _refuse(file, f"is {kind}; expected {what}")
    if info.st_size > limit:
        raise _refuse(file, f"{_megabytes(info.st_size)}: {too_large}")
    try:
        # O_NONBLOCK: should the path have become a pipe since the check, do not wait on it
        handle = os.open(file, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as error:
        raise _refuse(file, f"cannot be read: {error.strerror}") from None
    with os.fdopen(handle, "rb") as stream:
        kind = _kind(os.fstat(stream.fileno()).st_mode)
        if kind is not None:
            raise _refuse(file, f"is {kind}; expected {what}")
        try:
            data = stream.read(limit + 1)
        except OSError as error:
            raise _refuse(file, f"cannot be read: {error.strerror}") from None
    if len(data) > limit:
        raise _refuse(file, too_large)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise _refuse(file, f"not UTF-8 text ({error.reason}); expected {what}") from None
    return text.replace("\r\n", "\n").replace("\r", "\n")  # newlines as text mode reads them
