"""The layering rules: engine/ and tasks/ never import Qt; ui/ never imports torch."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "writer_app"


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize(
    ("folder", "forbidden"),
    [
        ("engine", {"PySide6", "qasync"}),
        ("tasks", {"PySide6", "qasync", "torch", "transformers", "subprocess"}),
        ("ui", {"torch", "transformers"}),
        ("features", {"PySide6", "qasync"}),
        ("sandbox", {"PySide6", "qasync", "torch", "transformers"}),
    ],
)
def test_layer_imports(folder: str, forbidden: set[str]) -> None:
    files = sorted((PACKAGE / folder).rglob("*.py"))
    assert files
    for path in files:
        bad = _imports(path) & forbidden
        assert not bad, f"{path.name} imports {bad}"


def test_top_level_modules_other_than_the_app_never_import_qt() -> None:
    # app.py makes the QApplication; bench.py measures how late a Qt timer fires.
    files = [p for p in sorted(PACKAGE.glob("*.py")) if p.name not in ("app.py", "bench.py")]
    assert {"assistant.py", "worker.py", "cli.py", "config.py"} <= {p.name for p in files}
    for path in files:
        bad = _imports(path) & {"PySide6", "qasync"}
        assert not bad, f"{path.name} imports {bad}"


def test_opening_the_window_does_not_import_torch() -> None:
    code = (
        "import sys; import writer_app.app, writer_app.ui.main_window; "
        "print('torch' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
