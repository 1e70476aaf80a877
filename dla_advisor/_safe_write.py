"""The one way dla-advisor writes a file the user named (``-o``, ``--write-device``, plot folders).

Every output goes through :func:`atomic_output`: the path is checked first (never a FIFO, device,
socket or folder, never one of the command's own input files, in a folder that exists), the content
is written to a temporary file in the same folder and renamed over the target, so a failed or
interrupted write leaves the old file whole and a special file is never replaced by a regular one.
The new file gets the permissions a plain ``open(path, "w")`` would give (``0o666`` less the umask),
or keeps those of the file it replaces; ``mkstemp``'s private ``0o600`` would hide a report from the
rest of a team.

Every refusal is a :class:`~dla_advisor.errors.UsageError`: one line, exit code 2.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from .errors import UsageError

_KIND = ((stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISCHR, "a character device"),
         (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"), (stat.S_ISDIR, "a folder"))


def _kind(mode: int) -> str | None:
    for test, label in _KIND:
        if test(mode):
            return label
    return None if stat.S_ISREG(mode) else "not a regular file"


def special_kind(path: str | os.PathLike) -> str | None:
    """What ``path`` is when it is not a regular file ("a FIFO (named pipe)", "a folder" ...), else None.

    Reading an input that is a FIFO blocks until another program writes to it, and a character
    device such as a copy of /dev/zero never ends: inputs are checked with this before they are opened.
    A missing path is None too (the reader says it is missing).
    """
    try:
        return _kind(os.stat(path).st_mode)
    except (OSError, ValueError):
        return None


def _same(a: Path, b: str | os.PathLike) -> bool:
    try:
        return os.path.samefile(a, b)
    except (OSError, ValueError):
        try:
            return a.resolve() == Path(b).resolve()
        except (OSError, RuntimeError, ValueError):
            return False


def check_output_path(path: str | os.PathLike, protected: Iterable[str | os.PathLike] = (),
                      option: str = "-o") -> Path:
    """The real path an output will be written to, after refusing every unsafe target.

    Args:
        path: the path the user gave.
        protected: the command's input files (and their weight files); never written over.
        option: the option named in the message (``-o``, ``--write-device`` ...).

    Raises:
        UsageError: an input file, a special file or folder, a missing folder, or no file name.
    """
    text = os.fspath(path)
    if not text or "\0" in text:
        raise UsageError(f"{option} {text!r} is not a file name", f"Give {option} a file path.")
    out = Path(text)
    try:
        # Write through a symbolic link (the link stays a link); refuse what it points to if unsafe.
        real = Path(os.path.realpath(out))
        st = os.stat(real) if os.path.lexists(real) else None
    except (OSError, ValueError, RuntimeError) as e:
        raise UsageError(f"cannot write {option} {text}: {getattr(e, 'strerror', None) or e}",
                         "Pick another output path.") from None
    for p in protected:
        if st is not None and _same(real, p):
            raise UsageError(f"{option} {text} is one of the input files (or their weight files); inputs are never overwritten",
                             "Write to another path.")
    if st is not None:
        kind = _kind(st.st_mode)
        if kind is not None:
            raise UsageError(f"{option} {text} is {kind}, not a regular file",
                             "Give a file path; special files and folders are never written to.")
    parent = real.parent
    if not parent.is_dir():
        raise UsageError(f"cannot write {option} {text}: folder {parent} does not exist",
                         "Create it or pick another output path.")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise UsageError(f"cannot write {option} {text}: folder {parent} is not writable", "Pick another output path.")
    # Checked here, not left to the final rename: a command such as tune would otherwise run to the end first.
    try:
        name_max = os.pathconf(parent, "PC_NAME_MAX")
    except (OSError, ValueError):
        name_max = 255
    if len(os.fsencode(real.name)) > name_max:
        raise UsageError(f"cannot write {option} {text[:80]}...: file name longer than {name_max} bytes",
                         "Pick a shorter name.")
    return real


def _default_mode() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


@contextlib.contextmanager
def atomic_output(path: str | os.PathLike, protected: Iterable[str | os.PathLike] = (),
                  option: str = "-o") -> Iterator[Path]:
    """Yield a temporary path beside ``path``; when the block ends without error it becomes ``path``.

    Raises:
        UsageError: the target is unsafe (see :func:`check_output_path`) or the write failed
            (disk full, read-only file system, name too long ...).
    """
    real = check_output_path(path, protected, option)
    try:
        mode = stat.S_IMODE(os.stat(real).st_mode) if real.exists() else _default_mode()
        fd, tmp = tempfile.mkstemp(prefix=f".{real.name[:100]}.", suffix=".tmp", dir=str(real.parent))
        os.close(fd)
    except OSError as e:
        raise UsageError(f"cannot write {option} {os.fspath(path)}: {e.strerror or e}",
                         "Pick another output path.") from None
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        # Checked again at the last moment: a special file created meanwhile is still never replaced.
        if os.path.lexists(real) and _kind(os.stat(real).st_mode) is not None:
            raise UsageError(f"{option} {os.fspath(path)} became a special file while it was written",
                             "Give a regular file path.")
        os.chmod(tmp_path, mode)
        os.replace(tmp_path, real)
    except OSError as e:
        tmp_path.unlink(missing_ok=True)
        raise UsageError(f"cannot write {option} {os.fspath(path)}: {e.strerror or e}",
                         "Pick another output path.") from None
    except BaseException:
        tmp_path.unlink(missing_ok=True)
        raise


def write_text(path: str | os.PathLike, text: str, protected: Iterable[str | os.PathLike] = (),
               option: str = "-o") -> Path:
    """Write ``text`` (UTF-8) to ``path`` safely; returns the path written."""
    data = text.encode("utf-8", errors="surrogateescape")
    return write_bytes(path, data, protected, option)


def write_bytes(path: str | os.PathLike, data: bytes, protected: Iterable[str | os.PathLike] = (),
                option: str = "-o") -> Path:
    """Write ``data`` to ``path`` safely; returns the path written."""
    with atomic_output(path, protected, option) as tmp:
        tmp.write_bytes(data)
    return Path(os.path.realpath(path))


def prepare_output_dir(path: str | os.PathLike, protected: Iterable[str | os.PathLike] = (),
                       option: str = "--plots") -> Path:
    """Create (if needed) a folder that outputs go into; refuse a special file or an input in its place.

    Raises:
        UsageError: the path exists and is not a folder, or it cannot be created.
    """
    text = os.fspath(path)
    if not text or "\0" in text:
        raise UsageError(f"{option} {text!r} is not a folder name", f"Give {option} a folder path.")
    out = Path(text)
    try:
        if os.path.lexists(out):
            st = os.stat(out)
            if not stat.S_ISDIR(st.st_mode):
                raise UsageError(f"{option} {text} exists and is {_kind(st.st_mode) or 'a file'}, not a folder",
                                 "Give a folder path.")
        else:
            out.mkdir(parents=True)
    except OSError as e:
        raise UsageError(f"cannot create {option} folder {text}: {e.strerror or e}", "Pick a writable folder.") from None
    for p in protected:
        if _same(out, p):
            raise UsageError(f"{option} {text} is one of this command's inputs", "Pick another folder.")
    return out
