"""Fetching data files: where they live, how they are downloaded, and how they are checked.

Every real-data loader in ``scratchdl.data.datasets`` goes through this file, so the rules are the
same for all of them:

- **Where.** ``data_root(root)`` picks the folder: the one given, else the ``SCRATCHDL_DATA``
  environment variable, else ``~/.scratchdl/data``.
- **Offline first.** A loader looks for its files on disk and downloads only when asked
  (``download=True``). When files are missing, the error lists the folders searched, the file names
  expected, and the two ways to fix it.
- **Verified.** A download is checked against a SHA-256 digest written in the loader's source. A
  mismatch deletes what was fetched and raises ``ChecksumError``.
- **Atomic.** Bytes stream into a temporary file in the destination folder, which is fsynced and
  renamed with ``os.replace`` only once complete and verified. An interrupted or corrupt download
  never leaves a file under the final name, so the next run never mistakes half a file for a whole
  one, even after a crash.
"""

from __future__ import annotations

import hashlib
import http.client
import os
import sys
import tempfile
import urllib.parse
import urllib.request
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from scratchdl.errors import ScratchdlError
from scratchdl.serialization import _fsync_folder

__all__ = [
    "ChecksumError",
    "DataFormatError",
    "DatasetNotFoundError",
    "RemoteFile",
    "data_root",
    "download_url",
    "sha256_file",
]

#: Environment variable naming the default data folder.
DATA_ENV = "SCRATCHDL_DATA"

_CHUNK = 1 << 16  # bytes read per step while streaming and hashing
_TIMEOUT = 60.0  # seconds without data before a download gives up


class ChecksumError(ScratchdlError, ValueError):
    """A file's SHA-256 digest is not the one its loader expects."""


class DatasetNotFoundError(ScratchdlError, FileNotFoundError):
    """A loader's files are not on disk (and downloading was not asked for)."""


class DataFormatError(ScratchdlError, ValueError):
    """A data file is not in the format its loader expects (bad magic number, truncated, ...)."""


@dataclass(frozen=True)
class RemoteFile:
    """One file a loader needs: its name on disk, the addresses to fetch it from, its SHA-256.

    ``urls`` are tried in order (mirrors); ``sha256`` is the hex digest of the file's bytes.
    """

    name: str
    urls: tuple[str, ...]
    sha256: str


def data_root(root: str | os.PathLike[str] | None = None) -> Path:
    """The folder where datasets are looked for and downloaded to.

    Parameters
    ----------
    root : path, optional
        Used as given when not ``None``.

    Returns
    -------
    Path
        ``root`` if given, else the ``SCRATCHDL_DATA`` environment variable if set and not empty,
        else ``~/.scratchdl/data``. ``~`` is expanded; the folder is not created.

    Examples
    --------
    >>> data_root("/tmp/my-data").as_posix()
    '/tmp/my-data'
    """
    if root is None:
        root = os.environ.get(DATA_ENV) or Path.home() / ".scratchdl" / "data"
    return Path(root).expanduser()


def sha256_file(path: str | os.PathLike[str]) -> str:
    """The hex SHA-256 digest of a file's bytes, read in chunks (memory stays flat)."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _progress_bar(total: int | None, desc: str, progress: bool):
    """A tqdm bar when asked and stderr is a terminal, else ``None`` (no bar, no output)."""
    if not progress or not sys.stderr.isatty():
        return None
    try:
        from tqdm.auto import tqdm
    except ImportError:  # the bar is a nicety: download quietly without it
        return None
    return tqdm(total=total, desc=desc, unit="B", unit_scale=True, unit_divisor=1024, leave=False)


def download_url(
    url: str,
    path: str | os.PathLike[str],
    sha256: str | None = None,
    progress: bool = True,
) -> Path:
    """Download ``url`` to ``path``, verify its SHA-256, and only then give it its final name.

    Parameters
    ----------
    url : str
        An ``http://`` or ``https://`` address.
    path : path
        Destination file. Its folder is created if needed. An existing file is replaced.
    sha256 : str, optional
        Expected hex digest. On a mismatch the downloaded bytes are deleted and ``ChecksumError``
        is raised; ``path`` is left as it was.
    progress : bool
        Show a tqdm progress bar. It is shown only when stderr is a terminal, so logs and tests
        stay quiet.

    Returns
    -------
    Path
        ``path``, now holding the verified file.

    Notes
    -----
    The bytes stream into a temporary file beside ``path`` (same folder, so the same file system)
    while being hashed, and is flushed to disk with ``os.fsync``; ``os.replace`` then renames it in
    one atomic step (and the folder is fsynced, so the rename survives a crash). Any failure
    (network error, Ctrl-C, checksum) removes the temporary file.
    """
    scheme = urllib.parse.urlsplit(url).scheme
    if scheme not in ("http", "https"):
        raise ValueError(
            f"download_url: expected an http:// or https:// address. Received: url={url!r}"
        )
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    digest = hashlib.sha256()
    try:
        request = urllib.request.Request(url, headers={"User-Agent": "scratchdl"})
        with os.fdopen(fd, "wb") as out, urllib.request.urlopen(request, timeout=_TIMEOUT) as resp:
            length = resp.headers.get("Content-Length")
            bar = _progress_bar(int(length) if length else None, path.name, progress)
            received = 0
            try:
                for chunk in iter(lambda: resp.read(_CHUNK), b""):
                    out.write(chunk)
                    digest.update(chunk)
                    received += len(chunk)
                    if bar is not None:
                        bar.update(len(chunk))
            finally:
                if bar is not None:
                    bar.close()
            # On disk before the rename: a crash right after os.replace must not leave `path`
            # naming a file whose bytes never reached the disk (as scratchdl.save does).
            out.flush()
            os.fsync(out.fileno())
        if length and received != int(length):
            raise OSError(
                f"download_url: the connection closed after {received} of {int(length)} bytes "
                f"of {url}; the partial download was deleted. Retry."
            )
        actual = digest.hexdigest()
        if sha256 is not None and actual != sha256.lower():
            raise ChecksumError(
                f"download_url: the file {str(path)!r} downloaded from {url} is not the expected "
                f"one: its SHA-256 is {actual}, expected {sha256.lower()}. The download was "
                "deleted.\nhelp: retry (the transfer may have been corrupted); if it keeps "
                "failing, the server may now serve a different file."
            )
        os.chmod(tmp_name, 0o644)  # mkstemp makes it private (0o600); data files are not secret
        os.replace(tmp_name, path)  # atomic: `path` is either the old file or the complete new one
    except BaseException:
        if os.path.exists(tmp_name):
            os.remove(tmp_name)
        raise
    _fsync_folder(str(path.parent))  # make the rename itself durable
    return path


def fetch(file: RemoteFile, folder: Path, progress: bool = True) -> Path:
    """Download ``file`` into ``folder``, trying its mirrors in order; return its path.

    A checksum mismatch is raised at once (a mirror serving other bytes is not retried quietly
    past); a network error moves on to the next mirror, and the last error is raised if all fail.
    """
    errors: list[str] = []
    for url in file.urls:
        try:
            return download_url(url, folder / file.name, sha256=file.sha256, progress=progress)
        except ChecksumError:
            raise
        except (OSError, http.client.HTTPException) as e:  # URLError, HTTPError, IncompleteRead
            errors.append(f"  {url}: {e!r}")
    raise OSError(
        f"could not download {file.name!r} from any of its addresses:\n" + "\n".join(errors)
    )


def find_file(names: Iterable[str], folders: Sequence[Path]) -> Path | None:
    """The first existing ``folder / name``, folders in order, then names in order."""
    for folder in folders:
        for name in names:
            candidate = folder / name
            if candidate.is_file():
                return candidate
    return None


def not_found_error(
    dataset: str, folders: Sequence[Path], names: Iterable[str], can_download: bool
) -> DatasetNotFoundError:
    """The error every loader raises when its files are missing: where, what, and how to fix."""
    searched = "\n".join(f"  {folder}" for folder in folders)
    expected = "\n".join(f"  {name}" for name in names)
    if can_download:
        fix = (
            "help: pass download=True to fetch them (checksums are verified), or put the files "
            f"in one of the folders above; choose the folder with root=... or the {DATA_ENV} "
            "environment variable."
        )
    else:
        fix = (
            f"help: {dataset} has no canonical public address to download from; copy the files "
            f"into one of the folders above, or point root=... or the {DATA_ENV} environment "
            "variable at the folder that holds them."
        )
    return DatasetNotFoundError(
        f"{dataset}: data files not found.\nSearched:\n{searched}\nExpected:\n{expected}\n{fix}"
    )
