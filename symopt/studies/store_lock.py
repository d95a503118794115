"""One run at a time per store: a lock file holding the owner's PID, host and start time.

The lock is `fcntl.flock` on `<folder>/store.lock`, so the operating system releases it
when its process ends, however it ends (`kill -9` included): a lock can never be left
stale. The file also names its owner, for the message that refuses a second run while
the first is alive, and for the notice when a run takes over from one that died.
"""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from symopt.errors import SymoptError
from symopt.text import printable

__all__ = ["LOCK_FILE", "StoreBusyError", "store_lock"]

LOCK_FILE = "store.lock"

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX: no lock
    fcntl = None  # type: ignore[assignment]


class StoreBusyError(SymoptError):
    """Another run is writing the same store."""


def _owner_text(owner: dict[str, Any]) -> str:
    return (
        f"PID {owner.get('pid', '?')} on host {printable(owner.get('host', '?'))}, "
        f"started {owner.get('started', '?')}"
    )


def _read_owner(handle: int) -> dict[str, Any]:
    os.lseek(handle, 0, os.SEEK_SET)
    text = os.read(handle, 4096).decode("utf-8", errors="replace").strip()
    try:
        owner = json.loads(text) if text else {}
    except json.JSONDecodeError:
        return {}
    return owner if isinstance(owner, dict) else {}


@contextmanager
def store_lock(folder: str | Path, notify: Callable[[str], None] | None = None) -> Iterator[None]:
    """Hold the lock of the store in `folder`; `StoreBusyError` if a live run holds it."""
    path = Path(folder) / LOCK_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        if fcntl is not None:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                owner = _read_owner(handle)
                raise StoreBusyError(
                    f"the results store in {printable(folder)} is in use by another run "
                    f"({_owner_text(owner)}); wait for it to finish, or write to another "
                    "folder with --out"
                ) from None
        previous = _read_owner(handle)
        if previous and notify is not None:
            notify(
                f"taking over the results store in {printable(folder)}: the run that held it "
                f"({_owner_text(previous)}) ended without releasing it; its finished "
                "variants are kept"
            )
        me = {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "started": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        os.ftruncate(handle, 0)
        os.lseek(handle, 0, os.SEEK_SET)
        os.write(handle, (json.dumps(me) + "\n").encode())
        os.fsync(handle)
        try:
            yield
        finally:
            os.ftruncate(handle, 0)  # released: an empty lock file names no owner
    finally:
        os.close(handle)  # closing releases the flock
