"""Replace a folder's set of files as one: a reader, or a run killed at any moment, sees
the complete previous set or the complete new set, never a mix.

The new set is written into a hidden sibling `.NAME.tmp-<pid>-<random>/`, each file and
the folder synced to disk, and then swapped with `NAME/`:

- on Linux by one `renameat2(RENAME_EXCHANGE)` call, which exchanges the two folders
  atomically (there is no moment without `NAME/`); the previous set, now in the
  sibling, is then deleted;
- elsewhere (or on a file system without it) by two renames, `NAME/` to
  `.NAME.old-<pid>-<random>/` and the sibling to `NAME/`. If the process is killed
  between them, `NAME/` is missing for a moment and the complete new set waits in a
  sibling renamed `.NAME.new-...`; the next write to the folder, or
  `recover_folder`, finishes the swap.

Leftover siblings of a killed writer (`.tmp-` half-written, `.old-` superseded) are
removed by the next write once their process has ended.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import errno
import os
import secrets
import shutil
from collections.abc import Iterable, Mapping
from pathlib import Path

__all__ = ["MANIFEST", "is_replaceable", "recover_folder", "replace_folder"]

#: The names of a result folder's files, one a line: the folder may be replaced whole.
MANIFEST = ".symopt-files"

_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _load_renameat2() -> object | None:
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        function = libc.renameat2
    except (OSError, AttributeError):
        return None
    function.argtypes = [
        ctypes.c_int,
        ctypes.c_char_p,
        ctypes.c_int,
        ctypes.c_char_p,
        ctypes.c_uint,
    ]
    function.restype = ctypes.c_int
    return function


_renameat2 = _load_renameat2()


def _exchange(first: Path, second: Path) -> bool:
    """Swap two folders atomically; False where the system cannot."""
    if _renameat2 is None:
        return False
    result = _renameat2(  # type: ignore[operator]
        _AT_FDCWD, os.fsencode(first), _AT_FDCWD, os.fsencode(second), _RENAME_EXCHANGE
    )
    if result == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.ENOTSUP):
        return False
    raise OSError(code, os.strerror(code), str(first))


def _sync_folder(folder: Path) -> None:
    handle = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _siblings(folder: Path, kind: str) -> list[Path]:
    if not folder.parent.is_dir():
        return []
    return sorted(folder.parent.glob(f".{folder.name}.{kind}-*"))


def _owner(sibling: Path) -> int | None:
    try:
        return int(sibling.name.rsplit(".", 1)[1].split("-")[1])
    except (IndexError, ValueError):
        return None


def recover_folder(folder: str | Path) -> None:
    """Finish a swap a killed writer left half done; remove its leftovers."""
    target = Path(folder)
    ready = _siblings(target, "new")
    if not target.exists() and ready:
        os.replace(ready[-1], target)  # the newest complete set
    for kind in ("new", "old", "tmp"):
        for sibling in _siblings(target, kind):
            pid = _owner(sibling)
            if pid is None or pid == os.getpid() or not _alive(pid):
                shutil.rmtree(sibling, ignore_errors=True)


def replace_folder(folder: str | Path, files: Mapping[str, str]) -> list[Path]:
    """Make `folder` hold exactly `files` (name -> text), swapped in as one set."""
    target = Path(folder)
    target.parent.mkdir(parents=True, exist_ok=True)
    recover_folder(target)
    tag = f"{os.getpid()}-{secrets.token_hex(4)}"
    staging = target.parent / f".{target.name}.tmp-{tag}"
    staging.mkdir()
    try:
        for name, text in {**files, MANIFEST: "\n".join(files) + "\n"}.items():
            with open(staging / name, "w", encoding="utf-8", newline="") as stream:
                stream.write(text)
                stream.flush()
                os.fsync(stream.fileno())
        _sync_folder(staging)
        if target.exists() and _exchange(staging, target):
            shutil.rmtree(staging)  # now the previous set
        else:
            ready = target.parent / f".{target.name}.new-{tag}"
            os.replace(staging, ready)  # complete: may be finished by recover_folder
            staging = ready
            if target.exists():
                old = target.parent / f".{target.name}.old-{tag}"
                os.replace(target, old)
                os.replace(ready, target)
                shutil.rmtree(old, ignore_errors=True)
            else:
                os.replace(ready, target)
        _sync_folder(target.parent)
    except BaseException:
        with contextlib.suppress(OSError):
            if ".tmp-" in staging.name and staging.exists():
                shutil.rmtree(staging, ignore_errors=True)
        raise
    return [target / name for name in files]


def is_replaceable(folder: str | Path, names: Iterable[str]) -> bool:
    """Whether `folder` may be swapped out whole: it is missing or empty, or holds only
    files of a symopt result (`names` or the names in its manifest), nothing of anyone else's."""
    target = Path(folder)
    if not target.exists():
        return True
    if not target.is_dir() or target.is_symlink():
        return False
    allowed = {*names, MANIFEST}
    with contextlib.suppress(OSError):
        allowed.update((target / MANIFEST).read_text(encoding="utf-8").split())
    return all(entry.is_file() and entry.name in allowed for entry in target.iterdir())
