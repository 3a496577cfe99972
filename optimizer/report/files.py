"""Output files: atomic writes and all-or-nothing output sets."""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path


def default_file_mode() -> int:
    """The mode a plain ``open(path, "w")`` would give (0o666 minus the umask)."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def atomic_write_text(path: str | Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file and a rename, so that a
    failure never leaves a partial file behind."""
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{p.name}.", suffix=".tmp", dir=p.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.chmod(tmp, default_file_mode())
        os.replace(tmp, p)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def file_sha256(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def check_writable(path: str | Path) -> None:
    """Raise ``SetupError`` naming ``path`` unless a file can be written there: not a
    directory, and its folder (or the nearest existing folder above it, which must then be
    a folder) lets us create files (tried for real where the folder exists)."""
    from ..errors import SetupError

    p = Path(path)
    if p.is_dir():
        raise SetupError(f"cannot write {path}: it is a directory")
    folder = p.parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    if not folder.is_dir():
        raise SetupError(f"cannot write {path}: {folder} is not a folder")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise SetupError(f"cannot write {path}: no permission to create files in {folder}")
    if folder == p.parent:
        try:
            fd, probe = tempfile.mkstemp(prefix=f".{p.name}.", suffix=".probe", dir=folder)
        except OSError as exc:
            raise SetupError(f"cannot write {path}: {exc.strerror or exc}") from None
        os.close(fd)
        os.unlink(probe)


class OutputSet:
    """Output files written all together or not at all.

    Declare every path first (``None`` entries are skipped): each is checked at once
    (``check_writable``), before any work. Then stage each file's content (``text``,
    ``data``, or ``file`` for writers that want a path, such as matplotlib): it goes to a
    temporary file beside its target. ``commit`` renames every staged file into place;
    ``discard`` (or any exception inside ``with OutputSet(...) as out:``, including Ctrl-C
    and SIGTERM turned into exceptions) removes the temporary files, leaving no output.
    Leaving the ``with`` block normally commits."""

    def __init__(self, *paths: str | Path | None):
        self.paths = [Path(p) for p in paths if p is not None]
        if len(set(self.paths)) != len(self.paths):
            raise ValueError("the same output path is given twice")
        for p in self.paths:
            check_writable(p)
        self._staged: dict[Path, str] = {}

    def _temp(self, path: str | Path) -> tuple[Path, str]:
        p = Path(path)
        if p not in self.paths:
            raise ValueError(f"{path} was not declared as an output")
        if p in self._staged:
            raise ValueError(f"{path} is staged twice")
        p.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{p.name}.", suffix=".tmp" + p.suffix, dir=p.parent)
        os.close(fd)
        self._staged[p] = tmp
        return p, tmp

    def text(self, path: str | Path | None, text: str) -> None:
        if path is not None:
            _, tmp = self._temp(path)
            with open(tmp, "w", encoding="utf-8") as fh:
                fh.write(text)

    def data(self, path: str | Path | None, data: bytes) -> None:
        if path is not None:
            _, tmp = self._temp(path)
            with open(tmp, "wb") as fh:
                fh.write(data)

    def file(self, path: str | Path) -> str:
        """A temporary path to write ``path``'s content into."""
        return self._temp(path)[1]

    def commit(self) -> None:
        mode = default_file_mode()
        try:
            for p, tmp in list(self._staged.items()):
                os.chmod(tmp, mode)
                os.replace(tmp, p)
                del self._staged[p]
        finally:
            self.discard()

    def discard(self) -> None:
        for tmp in self._staged.values():
            try:
                os.unlink(tmp)
            except OSError:
                pass
        self._staged.clear()

    def __enter__(self) -> "OutputSet":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.commit()
        else:
            self.discard()
