"""Measure model downloads: throughput against `curl` on the same file, and how late a GUI
timer fires while a download runs.

Run with the project's venv: `.venv/bin/python tools/measure_download.py [--mb 256] [--rounds 3]`.
It serves one file from the tests' local hub server (tests/hub_server.py) on 127.0.0.1 and
downloads it, alternating, with `curl -o` and with Writer's downloader (huggingface_hub's
http_get, hashing as it writes, fsync, link into the cache): at loopback speed, and on a link
paced by the server (`--link` MB/s; 100 MB/s is a gigabit line, faster than most downloads
from the Hub). Then it opens the Get Models
dialog offscreen, downloads again through the app's DownloadManager (a worker thread, progress
through queued signals) and records a 5 ms QTimer's lateness on the GUI thread.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["HF_HUB_DISABLE_TELEMETRY"] = "1"

from hub_server import Fault, HubFile, HubRepo, HubServer  # noqa: E402

REPO = "measure/big-GGUF"
NAME = "big-q4_k_m.gguf"


def _point_at(server: HubServer, cache: Path) -> None:
    from huggingface_hub import constants

    os.environ["HF_ENDPOINT"] = server.url
    constants.HF_HUB_OFFLINE = False
    constants.HF_HUB_CACHE = str(cache)


def throughput(server: HubServer, work: Path, size: int, rounds: int) -> tuple[float, float]:
    """Median MB/s of curl and of Writer's downloader, alternating."""
    from writer_app.engine import library

    url = f"{server.cdn}/{server.repos[REPO].files[NAME].sha256}"
    curl_speeds, our_speeds = [], []
    for _ in range(rounds):
        target = work / "curl.out"
        started = time.perf_counter()
        subprocess.run(["curl", "-s", "--fail", "-o", str(target), url], check=True)
        curl_speeds.append(size / (time.perf_counter() - started) / 1e6)
        target.unlink()
        cache = work / "cache"
        shutil.rmtree(cache, ignore_errors=True)
        _point_at(server, cache)
        plan = library.plan(REPO)
        started = time.perf_counter()
        library.Downloader(plan).run()
        our_speeds.append(size / (time.perf_counter() - started) / 1e6)
    return statistics.median(curl_speeds), statistics.median(our_speeds)


def gui_lateness(server: HubServer, work: Path) -> tuple[float, float, int, float]:
    """The GUI thread's 5 ms timer during a download through the dialog: p99, max, ticks,
    and the download's seconds."""
    from PySide6.QtWidgets import QApplication

    from writer_app.bench import Heartbeat
    from writer_app.ui.model_library import DownloadManager, ModelLibraryDialog

    cache = work / "cache"
    shutil.rmtree(cache, ignore_errors=True)
    _point_at(server, cache)
    app = QApplication.instance() or QApplication([])
    manager = DownloadManager(app)
    dialog = ModelLibraryDialog(manager=manager)
    dialog.show()
    dialog.repo_box.setText(REPO)
    dialog.check()
    deadline = time.monotonic() + 30
    while dialog.selected != REPO:
        app.processEvents()
        if time.monotonic() > deadline:
            raise RuntimeError(f"checking {REPO} failed: {dialog.progress.text()}")
        time.sleep(0.01)
    heartbeat = Heartbeat()
    heartbeat.start()
    started = time.perf_counter()
    dialog.download()
    while manager.busy():
        app.processEvents()
        time.sleep(0.001)
    seconds = time.perf_counter() - started
    p99, worst = heartbeat.stop()
    job = manager.job(REPO)
    if job is None or job.state != "done":
        raise RuntimeError(f"the download failed: {job.message if job else '?'}")
    dialog.close()
    return p99, worst, len(heartbeat.late), seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, default=256, help="size of the file (MiB)")
    parser.add_argument("--rounds", type=int, default=3, help="alternating runs of each")
    parser.add_argument(
        "--link",
        type=float,
        default=100.0,
        help="also measure on a link of this many MB/s (the server paces its writes)",
    )
    args = parser.parse_args()
    if shutil.which("curl") is None:
        print("curl is not installed", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory(prefix="writer-measure-download-") as tmp:
        work = Path(tmp)
        big = work / NAME
        with open(big, "wb") as f:
            for _ in range(args.mb):
                f.write(os.urandom(2**20))
        size = big.stat().st_size
        with HubServer([HubRepo(REPO, {NAME: HubFile(NAME, path=big)})]) as server:
            curl, ours = throughput(server, work, size, args.rounds)
            print(f"file: {size / 1e6:.0f} MB over loopback, median of {args.rounds} rounds")
            print(f"curl -o:            {curl:7.0f} MB/s")
            print(f"Writer's download:  {ours:7.0f} MB/s (hashes, fsyncs and links as it goes)")
            print(f"ratio (ours/curl):  {ours / curl:7.2f}")
            p99, worst, ticks, seconds = gui_lateness(server, work)
            print(
                f"GUI timer during a loopback download through the dialog ({seconds:.1f} s): "
                f"p99 lateness {p99 * 1000:.1f} ms, max {worst * 1000:.1f} ms over {ticks} ticks"
            )
            if args.link:
                piece = 2**20
                pace = Fault("slow", after=piece, seconds=piece / (args.link * 1e6), times=0)
                server.faults.append(pace)
                curl, ours = throughput(server, work, size, args.rounds)
                print(
                    f"on a {args.link:.0f} MB/s link: curl {curl:.0f} MB/s, "
                    f"Writer {ours:.0f} MB/s, ratio {ours / curl:.2f}"
                )
                p99, worst, ticks, seconds = gui_lateness(server, work)
                print(
                    f"GUI timer during that download through the dialog ({seconds:.1f} s): "
                    f"p99 lateness {p99 * 1000:.1f} ms, max {worst * 1000:.1f} ms "
                    f"over {ticks} ticks"
                )
    return 0


if __name__ == "__main__":
    sys.exit(main())
