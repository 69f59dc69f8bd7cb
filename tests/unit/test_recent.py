"""Most-recent-first lists: files and custom instructions."""

from __future__ import annotations

from pathlib import Path

from writer_app.recent import RecentFiles, RecentList


def test_newest_first_without_duplicates_and_limited(tmp_path: Path) -> None:
    history = RecentList(tmp_path / "state" / "history.json", limit=3)
    for item in ("make it rhyme", "shorter", "make it rhyme", "in French", "«quoted»"):
        history.add(item)
    assert history.items() == ["«quoted»", "in French", "make it rhyme"]
    assert "«quoted»" in (tmp_path / "state" / "history.json").read_text(encoding="utf-8")
    history.clear()
    assert history.items() == []


def test_a_damaged_file_starts_a_new_list(tmp_path: Path) -> None:
    file = tmp_path / "recent.json"
    file.write_bytes(b"\xff{not json")
    recent = RecentFiles(file)
    assert recent.paths() == []
    recent.add(tmp_path / "a.txt")
    assert recent.paths() == [(tmp_path / "a.txt").absolute()]
