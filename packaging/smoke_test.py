#!/usr/bin/env python3
"""Smoke test of the packaged Writer on this machine: the PyInstaller bundle and the .deb.

    python3 packaging/smoke_test.py --bundle dist/writer-app --version 0.1.0 --deb-dir dist

(`make package-check` builds both, then runs this.) Everything runs in a fresh HOME with
HF_HUB_OFFLINE=1, so the built-in model must come from the package, never from a hub:

- the bundle: `writer-cli --version`, `writer-cli continue` producing text, and the editor
  opening offscreen, loading the model and quitting cleanly with no Qt warnings on stderr;
  `writer-cli adapt` training an adapter (peft, in the spawned training child the bundle
  starts again) that lowers held-out perplexity, listed by `writer-cli adapters` and used
  by `writer-cli continue --adapter`;
- the desktop entry and the metainfo pass `desktop-file-validate` and
  `appstreamcli validate --no-net`, and agree on the app id;
- the .deb: its size and contents; it installs with `dpkg -i`; `writer-cli` from PATH works
  and the editor starts on a (virtual) X11 screen as an unprivileged user; it uninstalls with
  `dpkg -r`, leaving none of its files behind.

Missing tools (desktop-file-utils, appstream, xvfb) and the .deb's dependencies are installed
with apt-get. The .deb steps need root (or password-less sudo); they remove `writer-app` if it
was installed before. Prints the measurements, then one "smoke: N passed, N failed" line;
exits 1 if anything failed. Needs Python 3.9+ and nothing outside the standard library.
"""

from __future__ import annotations

import argparse
import configparser
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import xml.etree.ElementTree as ET
from pathlib import Path

PACKAGE = "writer-app"
PREFIX = Path("/opt") / PACKAGE
PROMPT = "The history of the printing press begins in"
BUNDLE_GOAL_BYTES = 1_000_000_000  # 1.0 GB unpacked
DEB_GOAL_BYTES = 450_000_000  # 450 MB
WINDOW_LIMIT_S = 15.0  # a hang guard; the goal (3 s) is reported, not enforced, on a shared CI
# The offscreen platform cannot do these; a real desktop can (as in pyproject's qt_log_ignore).
OFFSCREEN_ONLY = (
    "This plugin does not support propagateSizeHints",
    "This plugin does not support raise",
    "This plugin does not support grabbing",
)
TOOLS = {
    "desktop-file-validate": "desktop-file-utils",
    "appstreamcli": "appstream",
    "xvfb-run": "xvfb",
    "xauth": "xauth",
}
SYSTEM_PATH = "/usr/bin:/bin"  # so that `writer-cli` resolves to what the .deb installed


class Smoke:
    def __init__(self) -> None:
        self.passed = 0
        self.failed: list[str] = []
        self.figures: list[str] = []
        self.apt_updated = False

    def check(self, name: str, ok: bool, detail: str = "", output: str = "") -> bool:
        if ok:
            self.passed += 1
            print(f"ok    {name}" + (f" ({detail})" if detail else ""), flush=True)
        else:
            self.failed.append(name)
            print(f"FAIL  {name}" + (f": {detail}" if detail else ""), flush=True)
            if output:
                print("      " + output.strip()[-3000:].replace("\n", "\n      "), flush=True)
        return ok

    def figure(self, text: str) -> None:
        self.figures.append(text)
        print(f"      {text}", flush=True)


def as_root(command: list[str]) -> list[str]:
    if os.geteuid() == 0:
        return command
    if shutil.which("sudo") and subprocess.run(["sudo", "-n", "true"]).returncode == 0:
        return ["sudo", "-n", *command]
    raise SystemExit(f"smoke: {' '.join(command)} needs root (or password-less sudo)")


def apt_install(smoke: Smoke, packages: list[str]) -> None:
    if not packages:
        return
    if not shutil.which("apt-get"):
        raise SystemExit(f"smoke: please install {' '.join(packages)} (no apt-get here)")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    if not smoke.apt_updated:
        subprocess.run(as_root(["apt-get", "update", "-qq"]), check=True, env=env)
        smoke.apt_updated = True
    print(f"      apt-get install {' '.join(packages)}", flush=True)
    subprocess.run(
        as_root(["apt-get", "install", "-y", "-qq", "--no-install-recommends", *packages]),
        check=True,
        env=env,
        stdout=subprocess.DEVNULL,
    )


def missing_debs(names: list[str]) -> list[str]:
    missing = []
    for name in names:
        out = subprocess.run(
            ["dpkg-query", "-W", "-f=${Status}", name], capture_output=True, text=True
        )
        if "install ok installed" not in out.stdout:
            missing.append(name)
    return missing


def clean_env(home: Path, *, display: bool = False) -> dict[str, str]:
    """A fresh user's environment: a new HOME, no hub, nothing of ours on any path."""
    env = {
        "HOME": str(home),
        "PATH": SYSTEM_PATH,
        "LANG": "C.UTF-8",
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "HF_HUB_DISABLE_TELEMETRY": "1",
        "QT_MESSAGE_PATTERN": "qt-message %{type} %{category}: %{message}",
    }
    if not display:
        env["QT_QPA_PLATFORM"] = "offscreen"
    return env


def qt_warnings(stderr: str) -> list[str]:
    """Qt's warnings, criticals and fatals (tagged by QT_MESSAGE_PATTERN), less the known
    offscreen-only ones; anything else on stderr that looks like a crash counts too."""
    bad = []
    for line in stderr.splitlines():
        if line.startswith("qt-message "):
            kind = line.split(" ", 2)[1]
            if kind in ("debug", "info"):
                continue
            if any(allowed in line for allowed in OFFSCREEN_ONLY):
                continue
            bad.append(line)
        elif line.startswith("Traceback") or "Segmentation fault" in line:
            bad.append(line)
    return bad


def run(command: list[str], env: dict[str, str], timeout: float, user: int | None = None):
    if user is not None:
        command = ["setpriv", f"--reuid={user}", f"--regid={user}", "--clear-groups", *command]
    start = time.monotonic()
    out = subprocess.run(command, env=env, capture_output=True, text=True, timeout=timeout)
    return out, time.monotonic() - start


def run_gui(command: list[str], env: dict[str, str], timeout: float, user: int | None = None):
    """Start the editor with --quit-after; returns (rc, stdout, stderr, seconds to the
    window, seconds to the model), the times from launch to each line's arrival."""
    if user is not None:
        command = ["setpriv", f"--reuid={user}", f"--regid={user}", "--clear-groups", *command]
    with tempfile.TemporaryFile("w+") as err:
        start = time.monotonic()
        proc = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=err, text=True)
        watchdog = threading.Timer(timeout, proc.kill)
        watchdog.start()
        lines, shown, ready = [], None, None
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append(line)
            if "window shown" in line and shown is None:
                shown = time.monotonic() - start
            if "model ready" in line and ready is None:
                ready = time.monotonic() - start
        rc = proc.wait()
        watchdog.cancel()
        err.seek(0)
        return rc, "".join(lines), err.read(), shown, ready


def check_cli(smoke: Smoke, where: str, cli: str, version: str, env, user=None) -> None:
    out, _ = run([cli, "--version"], env, 120, user)
    smoke.check(
        f"{where}: writer-cli --version",
        out.returncode == 0 and out.stdout.strip() == f"writer-cli {version}",
        out.stdout.strip(),
        out.stdout + out.stderr,
    )
    out, seconds = run(
        [cli, "continue", "--text", PROMPT, "--max-new-tokens", "16"], env, 900, user
    )
    text = out.stdout.strip()
    ok = out.returncode == 0 and len(text) > 0 and "Traceback" not in out.stderr
    smoke.check(
        f"{where}: writer-cli continue on the built-in model",
        ok,
        f"{seconds:.1f} s: {PROMPT} …{text[:60]!r}",
        out.stdout + out.stderr,
    )
    smoke.check(
        f"{where}: its decoding layers compiled (TorchScript found their source)",
        ok and "decoding layers not compiled" not in out.stderr,
        "",
        out.stderr,
    )


ADAPT_STEPS = 3  # about a minute on 2 cores; three steps already lower the perplexity


def ship_log(month: str, seed: int) -> str:
    """A ship's log for a month: a voice and words of its own, for an adapter to learn."""
    winds = ["N", "NNE", "NE", "E", "SE", "S", "SW", "W", "NW"]
    sails = ["all plain sail", "double-reefed topsails", "courses and jib", "bare poles"]
    lines = [f"LOG OF THE BRIG ALERT, {month.upper()}."]
    for day in range(1, 21):
        n = (seed * 31 + day * 7) % 97
        lines.append(
            f"{day} {month}. Wind {winds[n % 9]}, force {n % 8 + 1}. Under {sails[n % 4]}. "
            f"Lat. {40 + n % 9} {n % 60:02d} N, long. {10 + n % 13} {(n * 3) % 60:02d} W. "
            f"Pumped ship at {n % 12 + 1} bells; {n % 5 + 2} inches in the well. All well. "
            "J. Penrose, Master."
        )
    return "\n\n".join(lines)


def check_adapt(smoke: Smoke, where: str, cli: str, env, work: Path) -> None:
    docs = work / "ship-log"
    docs.mkdir()
    for i, month in enumerate(["March", "April", "May", "June"]):
        (docs / f"{month}.txt").write_text(ship_log(month, i), encoding="utf-8")
    out, seconds = run(
        [cli, "adapt", str(docs), "--name", "smoke", "--steps", str(ADAPT_STEPS)], env, 900
    )
    # "Adapter 'smoke' saved: held-out perplexity 18.8 → 15.7 (-16%); …"
    saved = [line for line in out.stdout.splitlines() if line.startswith("Adapter 'smoke' saved")]
    figures = saved[0].split("perplexity ", 1)[-1].split(" (")[0].split(" → ") if saved else []
    try:
        before, after = (float(f) for f in figures)
    except ValueError:
        before = after = 0.0
    smoke.check(
        f"{where}: writer-cli adapt trains an adapter that lowers held-out perplexity",
        out.returncode == 0 and after < before and "Traceback" not in out.stderr,
        f"{seconds:.0f} s: {saved[0] if saved else out.stderr.strip()[-200:]}",
        out.stdout[-2000:] + out.stderr[-4000:],
    )
    out, _ = run([cli, "adapters"], env, 120)
    smoke.check(
        f"{where}: writer-cli adapters lists it",
        out.returncode == 0 and out.stdout.startswith("smoke\t"),
        out.stdout.strip()[:120],
        out.stdout + out.stderr,
    )
    prompt = "LOG OF THE BRIG ALERT, JULY.\n\n1 July. Wind"
    out, _ = run(
        [cli, "continue", "--text", prompt, "--adapter", "smoke", "--max-new-tokens", "16"],
        env,
        300,
    )
    smoke.check(
        f"{where}: writer-cli continue --adapter uses it",
        out.returncode == 0 and len(out.stdout.strip()) > 0 and "Traceback" not in out.stderr,
        repr(out.stdout.strip()[:60]),
        out.stdout + out.stderr,
    )


def check_gui(smoke: Smoke, where: str, command: list[str], env, user=None) -> None:
    rc, stdout, stderr, shown, ready = run_gui([*command, "--quit-after", "400"], env, 600, user)
    warnings = qt_warnings(stderr)
    ok = rc == 0 and shown is not None and ready is not None and not warnings
    detail = (
        f"window after {shown:.2f} s, model ready after {ready:.1f} s"
        if shown is not None and ready is not None
        else f"exit status {rc}"
    )
    smoke.check(
        f"{where}: the editor opens, loads the model and quits cleanly",
        ok,
        detail,
        stdout + "\n".join(warnings or stderr.splitlines()[-30:]),
    )
    if shown is not None:
        smoke.check(
            f"{where}: the window appears within {WINDOW_LIMIT_S:.0f} s",
            shown <= WINDOW_LIMIT_S,
            f"{shown:.2f} s",
        )
        smoke.figure(
            f"{where}: launch → window shown {shown:.2f} s (goal ≤ 3 s)"
            + (f"; → model ready {ready:.1f} s" if ready is not None else "")
        )
    if ready is not None:
        lateness = re.search(
            r"\(GUI timer lateness while loading: ([^;]*); loaded without the GIL: ([^)]*)\)",
            stdout,
        )
        smoke.check(
            f"{where}: torch's library loads without the GIL (the window stays responsive)",
            lateness is not None and "libtorch_cpu" in lateness[2],
            lateness[0] if lateness else "",
            stdout,
        )
        if lateness:
            smoke.figure(f"{where}: GUI timer lateness while loading: {lateness[1]}")


def check_desktop_files(smoke: Smoke, where: str, desktop: Path, metainfo: Path) -> None:
    out = subprocess.run(["desktop-file-validate", str(desktop)], capture_output=True, text=True)
    smoke.check(
        f"{where}: desktop-file-validate {desktop.name}",
        out.returncode == 0 and "error" not in out.stdout.lower(),
        "",
        out.stdout + out.stderr,
    )
    out = subprocess.run(
        ["appstreamcli", "validate", "--no-net", str(metainfo)], capture_output=True, text=True
    )
    smoke.check(
        f"{where}: appstreamcli validate --no-net {metainfo.name}",
        out.returncode == 0,
        out.stdout.strip().splitlines()[-1] if out.stdout else "",
        out.stdout + out.stderr,
    )
    entry = configparser.ConfigParser(interpolation=None)
    entry.optionxform = str  # type: ignore[assignment,method-assign]
    entry.read(desktop, encoding="utf-8")
    app_id = desktop.name.removesuffix(".desktop")
    root = ET.parse(metainfo).getroot()
    same = (
        entry["Desktop Entry"]["Icon"] == app_id == root.findtext("id")
        and root.findtext("launchable") == desktop.name
        and metainfo.name == f"{app_id}.metainfo.xml"
    )
    smoke.check(f"{where}: one app id in the desktop entry and the metainfo", same, app_id)


def size_of(path: Path) -> int:
    return sum(p.lstat().st_size for p in path.rglob("*")) + path.lstat().st_size


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bundle", type=Path, required=True)
    parser.add_argument("--version", required=True)
    parser.add_argument("--deb-dir", type=Path, required=True)
    parser.add_argument("--no-deb", action="store_true", help="test the bundle only")
    args = parser.parse_args()
    smoke = Smoke()

    apt_install(smoke, sorted({deb for tool, deb in TOOLS.items() if not shutil.which(tool)}))
    work = Path(tempfile.mkdtemp(prefix="writer-smoke-"))
    os.chmod(work, 0o755)
    try:
        bundle = args.bundle.resolve()
        # ---- the bundle
        size = size_of(bundle)
        smoke.check(
            "bundle: unpacked size within 1.0 GB", size <= BUNDLE_GOAL_BYTES, f"{size / 1e6:.0f} MB"
        )
        smoke.figure(f"bundle: {size / 1e6:.0f} MB unpacked ({size / 2**20:.0f} MiB), {bundle}")
        home = work / "home"
        home.mkdir()
        check_cli(smoke, "bundle", str(bundle / "writer-cli"), args.version, clean_env(home))
        check_gui(smoke, "bundle (offscreen)", [str(bundle / "writer-app")], clean_env(home))
        check_adapt(smoke, "bundle", str(bundle / "writer-cli"), clean_env(home), work)
        scripted = bundle / "_internal" / "writer_app" / "engine" / "scripted_layers.py"
        smoke.check(
            "bundle: ships the decoding layers' source (TorchScript compiles them from it)",
            scripted.is_file(),
            str(scripted),
        )
        resources = bundle / "_internal" / "writer_app" / "_resources"
        desktops = sorted(resources.glob("*.desktop"))
        if smoke.check("bundle: ships a desktop entry", len(desktops) == 1, str(resources)):
            app_id = desktops[0].name.removesuffix(".desktop")
            check_desktop_files(smoke, "bundle", desktops[0], resources / f"{app_id}.metainfo.xml")
        if args.no_deb:
            return finish(smoke)

        # ---- the .deb
        deb = args.deb_dir / f"{PACKAGE}_{args.version}_{dpkg_arch()}.deb"
        if not smoke.check(".deb: built", deb.is_file(), str(deb)):
            return finish(smoke)
        deb_size = deb.stat().st_size
        smoke.check(
            ".deb: size within 450 MB", deb_size <= DEB_GOAL_BYTES, f"{deb_size / 1e6:.0f} MB"
        )
        smoke.figure(f".deb: {deb_size / 1e6:.0f} MB ({deb_size / 2**20:.0f} MiB), {deb}")
        app_id = desktops[0].name.removesuffix(".desktop") if desktops else "?"
        wanted = {
            "./usr/bin/writer-app",
            "./usr/bin/writer-cli",
            f".{PREFIX}/writer-app",
            f".{PREFIX}/writer-cli",
            f"./usr/share/applications/{app_id}.desktop",
            f"./usr/share/metainfo/{app_id}.metainfo.xml",
            f"./usr/share/icons/hicolor/scalable/apps/{app_id}.svg",
            *(f"./usr/share/icons/hicolor/{s}x{s}/apps/{app_id}.png" for s in (48, 256, 512)),
        }
        listing = subprocess.run(["dpkg-deb", "-c", str(deb)], capture_output=True, text=True)
        names = {line.split()[5] for line in listing.stdout.splitlines() if len(line.split()) > 5}
        smoke.check(
            ".deb: has the app, launchers, desktop entry, icons and metainfo",
            wanted <= names,
            ", ".join(sorted(wanted - names)),
        )

        depends = subprocess.run(
            ["dpkg-deb", "-f", str(deb), "Depends"], capture_output=True, text=True, check=True
        ).stdout
        needed = [d.split("|")[0].split("(")[0].strip() for d in depends.split(",")]
        apt_install(smoke, missing_debs([n for n in needed if n]))
        out = subprocess.run(as_root(["dpkg", "-i", str(deb)]), capture_output=True, text=True)
        if not smoke.check(".deb: dpkg -i", out.returncode == 0, "", out.stdout + out.stderr):
            return finish(smoke)
        files = subprocess.run(
            ["dpkg-query", "-L", PACKAGE], capture_output=True, text=True
        ).stdout.split("\n")
        cli = shutil.which("writer-cli", path=SYSTEM_PATH)
        smoke.check(".deb: writer-cli is on PATH", cli == "/usr/bin/writer-cli", str(cli))

        # As an ordinary user when we are root: the app must not need to write under /opt.
        user = 65534 if os.geteuid() == 0 else None  # nobody
        user_home = work / "user-home"
        user_home.mkdir()
        if user is not None:
            os.chown(user_home, user, user)
        check_cli(smoke, "installed", "writer-cli", args.version, clean_env(user_home), user)
        check_desktop_files(
            smoke,
            "installed",
            Path(f"/usr/share/applications/{app_id}.desktop"),
            Path(f"/usr/share/metainfo/{app_id}.metainfo.xml"),
        )
        # Two files, as a file manager passes them through the desktop entry's %F.
        opened = [user_home / "notes.md", user_home / "hello.py"]
        opened[0].write_text("# Notes\n\nThe printing press\n", encoding="utf-8")
        opened[1].write_text('def hello():\n    """Say hello."""\n', encoding="utf-8")
        for path in opened:
            if user is not None:
                os.chown(path, user, user)
        check_gui(
            smoke,
            "installed (X11 on Xvfb, two files)",
            ["xvfb-run", "-a", "-s", "-screen 0 1280x800x24", "writer-app", *map(str, opened)],
            clean_env(user_home, display=True),
            user,
        )

        out = subprocess.run(as_root(["dpkg", "-r", PACKAGE]), capture_output=True, text=True)
        left = [
            f
            for f in files
            if f.startswith(("/opt/", "/usr/bin/", "/usr/share/"))
            and not Path(f).is_dir()
            and os.path.lexists(f)
        ]
        smoke.check(
            ".deb: dpkg -r removes it and its files",
            out.returncode == 0 and not left and not PREFIX.exists(),
            ", ".join(left[:5]),
            out.stdout + out.stderr,
        )
        return finish(smoke)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def dpkg_arch() -> str:
    return subprocess.run(
        ["dpkg", "--print-architecture"], capture_output=True, text=True, check=True
    ).stdout.strip()


def finish(smoke: Smoke) -> int:
    print("\nMeasured:")
    for figure in smoke.figures:
        print(f"  {figure}")
    if smoke.failed:
        print("\nFailed: " + "; ".join(smoke.failed))
    print(f"\nsmoke: {smoke.passed} passed, {len(smoke.failed)} failed")
    return 1 if smoke.failed else 0


if __name__ == "__main__":
    sys.exit(main())
