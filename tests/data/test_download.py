"""download_url and the loaders' download=True path, against a loopback HTTP server.

Nothing here touches the network: files are served from a temporary folder by ``http.server``
on 127.0.0.1 in a background thread.
"""

from __future__ import annotations

import gzip
import hashlib
import http.server
import sys
import tarfile
import threading
from functools import partial
from pathlib import Path

import numpy as np
import pytest

from scratchdl.data.datasets import CIFAR10, MNIST, ChecksumError
from scratchdl.data.datasets import cifar as cifar_module
from scratchdl.data.download import DATA_ENV, data_root, download_url

from .datasets.test_cifar import write_cifar10
from .datasets.test_mnist import idx_bytes


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class Handler(http.server.SimpleHTTPRequestHandler):
    """Serves the folder; ``/truncated/NAME`` promises NAME's full length but sends half."""

    def do_GET(self):
        if self.path.startswith("/truncated/"):
            data = (Path(self.directory) / self.path.removeprefix("/truncated/")).read_bytes()
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data[: len(data) // 2])
            self.close_connection = True
            return
        super().do_GET()

    def log_message(self, *args):  # keep the test output clean
        pass


class QuietServer(http.server.ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        pass  # a client that hangs up mid-transfer (the interrupted-download test) is expected


@pytest.fixture
def server(tmp_path):
    """(folder served, base URL) of a loopback HTTP server."""
    served = tmp_path / "served"
    served.mkdir()
    httpd = QuietServer(("127.0.0.1", 0), partial(Handler, directory=str(served)))
    # A short poll interval makes shutdown() quick (the default waits up to 0.5 s per test).
    thread = threading.Thread(target=httpd.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    yield served, f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()
    thread.join()


@pytest.fixture
def payload(server):
    served, base = server
    data = np.random.default_rng(0).bytes(200_000)
    (served / "blob.bin").write_bytes(data)
    return data, f"{base}/blob.bin"


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_download_with_checksum(tmp_path, payload):
    data, url = payload
    dest = tmp_path / "out" / "nested" / "blob.bin"
    result = download_url(url, dest, sha256=sha256(data), progress=False)
    assert result == dest and dest.read_bytes() == data
    assert leftovers(dest.parent) == ["blob.bin"]  # no temporary file left behind


def test_checksum_failure_leaves_no_file(tmp_path, payload):
    data, url = payload
    dest = tmp_path / "out" / "blob.bin"
    wrong = "0" * 64
    with pytest.raises(ChecksumError) as info:
        download_url(url, dest, sha256=wrong, progress=False)
    message = str(info.value)
    assert "blob.bin" in message and wrong in message and sha256(data) in message
    assert leftovers(dest.parent) == []


def test_failed_download_keeps_the_old_file(tmp_path, payload):
    """Atomicity: the final name holds the old file or the complete new one, never a mix."""
    data, url = payload
    dest = tmp_path / "blob.bin"
    dest.write_bytes(b"previous version")
    with pytest.raises(ChecksumError):
        download_url(url, dest, sha256="f" * 64, progress=False)
    assert dest.read_bytes() == b"previous version"
    assert leftovers(tmp_path) == ["blob.bin", "served"]
    download_url(url, dest, sha256=sha256(data), progress=False)
    assert dest.read_bytes() == data


def test_truncated_transfer_leaves_no_file(tmp_path, server, payload):
    _, base = server
    dest = tmp_path / "out" / "blob.bin"
    with pytest.raises(OSError, match="closed after"):
        download_url(f"{base}/truncated/blob.bin", dest, progress=False)
    assert leftovers(dest.parent) == []


def test_interrupted_download_leaves_no_file(tmp_path, payload, monkeypatch):
    """A Ctrl-C in the middle of the transfer removes the partial file too."""
    _, url = payload
    dest = tmp_path / "out" / "blob.bin"

    def interrupt(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(hashlib, "sha256", lambda: _Interrupting(interrupt))
    with pytest.raises(KeyboardInterrupt):
        download_url(url, dest, progress=False)
    assert leftovers(dest.parent) == []


class _Interrupting:
    """A hash object whose update raises: the download stops after its first chunk is written."""

    def __init__(self, action):
        self.update = action


def test_http_error_leaves_no_file(tmp_path, server):
    _, base = server
    with pytest.raises(OSError, match="404"):
        download_url(f"{base}/missing.bin", tmp_path / "x.bin", progress=False)
    assert leftovers(tmp_path) == ["served"]


def test_only_http_addresses(tmp_path):
    with pytest.raises(ValueError, match="http"):
        download_url("file:///etc/passwd", tmp_path / "x", progress=False)


def test_progress_off_is_silent(tmp_path, payload, capfd, monkeypatch):
    data, url = payload
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True, raising=False)
    download_url(url, tmp_path / "a.bin", sha256=sha256(data), progress=False)
    assert capfd.readouterr().err == ""


def test_progress_quiet_when_not_a_terminal(tmp_path, payload, capfd):
    data, url = payload
    download_url(url, tmp_path / "a.bin", sha256=sha256(data), progress=True)
    assert capfd.readouterr().err == ""


def test_progress_bar_on_a_terminal(tmp_path, payload, capsys, monkeypatch):
    pytest.importorskip("tqdm")
    data, url = payload
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True, raising=False)
    download_url(url, tmp_path / "a.bin", sha256=sha256(data), progress=True)
    assert "a.bin" in capsys.readouterr().err


def test_data_root(tmp_path, monkeypatch):
    assert data_root(tmp_path) == tmp_path
    monkeypatch.setenv(DATA_ENV, str(tmp_path / "env"))
    assert data_root() == tmp_path / "env"
    assert data_root(tmp_path / "given") == tmp_path / "given"  # an explicit root wins
    monkeypatch.delenv(DATA_ENV)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert data_root() == tmp_path / "home" / ".scratchdl" / "data"


@pytest.fixture
def mnist_server(server, monkeypatch, rng):
    """Tiny gzipped MNIST training files on the server, and MNIST's URL table pointed at it."""
    served, base = server
    images = rng.integers(0, 256, size=(6, 28, 28), dtype=np.uint8)
    labels = np.array([5, 0, 4, 1, 9, 2], dtype=np.uint8)
    digests = {}
    for name, array in (
        ("train-images-idx3-ubyte.gz", images),
        ("train-labels-idx1-ubyte.gz", labels),
    ):
        data = gzip.compress(idx_bytes(array))
        (served / "mirror2" / name).parent.mkdir(exist_ok=True)
        (served / "mirror2" / name).write_bytes(data)
        digests[name] = sha256(data)
    # The first mirror answers 404, so the loader must move on to the second.
    monkeypatch.setattr(MNIST, "mirrors", (f"{base}/mirror1/", f"{base}/mirror2/"))
    monkeypatch.setattr(MNIST, "sha256", digests)
    return images, labels


def test_mnist_download(tmp_path, mnist_server):
    images, labels = mnist_server
    root = tmp_path / "data"
    ds = MNIST(root=root, train=True, download=True, progress=False)
    assert len(ds) == 6 and ds.labels.tolist() == labels.tolist()
    np.testing.assert_allclose(ds.images[:, 0] * 255, images, atol=1e-4)
    assert leftovers(root / "mnist") == ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"]
    # A second load finds the files on disk (download=False is enough).
    assert len(MNIST(root=root, train=True)) == 6


def test_mnist_download_checksum_failure(tmp_path, mnist_server, monkeypatch):
    wrong = dict(MNIST.sha256, **{"train-images-idx3-ubyte.gz": "a" * 64})
    monkeypatch.setattr(MNIST, "sha256", wrong)
    with pytest.raises(ChecksumError, match="train-images-idx3-ubyte.gz"):
        MNIST(root=tmp_path / "data", download=True, progress=False)
    assert not (tmp_path / "data" / "mnist" / "train-images-idx3-ubyte.gz").exists()


def test_cifar10_download_and_extract(tmp_path, server, monkeypatch, rng):
    served, base = server
    scratch = tmp_path / "scratch"
    write_cifar10(scratch / "cifar-10-batches-py", rng)
    archive = served / "cifar-10-python.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(scratch / "cifar-10-batches-py", arcname="cifar-10-batches-py")
    monkeypatch.setattr(CIFAR10, "url", f"{base}/cifar-10-python.tar.gz")
    monkeypatch.setattr(CIFAR10, "sha256", sha256(archive.read_bytes()))
    root = tmp_path / "data"
    ds = CIFAR10(root=root, train=True, download=True, progress=False)
    assert len(ds) == 10 and ds.images.shape == (10, 3, 32, 32)
    assert (root / "cifar-10-python.tar.gz").is_file()
    assert cifar_module.CIFAR10 is CIFAR10


def test_file_is_fsynced_before_the_rename(tmp_path, payload, monkeypatch):
    """Durability: the bytes reach the disk before os.replace gives them the final name."""
    import os

    data, url = payload
    dest = tmp_path / "out" / "blob.bin"
    events = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd):
        events.append(("fsync", os.fstat(fd).st_ino))
        return real_fsync(fd)

    def replace(src, dst):
        events.append(("replace", os.stat(src).st_ino))
        return real_replace(src, dst)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    download_url(url, dest, sha256=sha256(data), progress=False)
    inode = dest.stat().st_ino  # the temporary file, renamed
    assert ("replace", inode) in events and ("fsync", inode) in events
    assert events.index(("fsync", inode)) < events.index(("replace", inode))
