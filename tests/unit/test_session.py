"""The session file: what is kept between runs, and what a damaged file does (nothing)."""

from __future__ import annotations

import json
from pathlib import Path

from writer_app.session import OpenFile, Session, default_file, load_session, save_session


def test_a_session_comes_back_as_it_was_kept(tmp_path: Path) -> None:
    file = tmp_path / "state" / "session.json"
    session = Session(
        (OpenFile("/a/notes.md", 12), OpenFile("/b/tool.py", 40, anchor=30)),
        current=1,
        geometry="AdnQywADAAA=",
        view={"preview": True, "spelling": False},
    )
    save_session(file, session)
    assert load_session(file) == session
    assert file.stat().st_mode & 0o077 == 0  # it names the user's files


def test_no_file_or_a_damaged_one_is_no_session(tmp_path: Path) -> None:
    file = tmp_path / "session.json"
    assert load_session(file) is None
    for damaged in ("{not json", "[1, 2]", '"text"', "\x00\xff"):
        file.write_text(damaged, encoding="utf-8", errors="surrogateescape")
        assert load_session(file) is None


def test_odd_values_are_left_out(tmp_path: Path) -> None:
    file = tmp_path / "session.json"
    data = {
        "files": [
            {"path": "/ok.md", "cursor": 5, "anchor": None},
            {"path": "", "cursor": 1},
            {"cursor": 3},
            "nonsense",
            {"path": "/neg.md", "cursor": -4, "anchor": "x"},
        ],
        "current": True,
        "geometry": 17,
        "view": {"preview": "yes", "spelling": False, "3": True},
    }
    file.write_text(json.dumps(data), encoding="utf-8")
    assert load_session(file) == Session(
        (OpenFile("/ok.md", 5), OpenFile("/neg.md", 0)),
        current=0,
        geometry="",
        view={"spelling": False, "3": True},
    )


def test_a_session_that_cannot_be_written_is_no_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("", encoding="utf-8")
    save_session(blocker / "session.json", Session())  # its folder is a file: only logged
    assert default_file().name == "session.json"


def test_a_fifo_planted_at_the_session_file_never_hangs_the_start(tmp_path) -> None:
    import os

    from writer_app.session import load_session

    fifo = tmp_path / "session.json"
    os.mkfifo(fifo)
    assert load_session(fifo) is None  # read as damaged at once, not waited on
