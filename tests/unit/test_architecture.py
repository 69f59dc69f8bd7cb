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
        ("tasks", {"PySide6", "qasync", "torch", "transformers"}),
        ("ui", {"torch", "transformers"}),
    ],
)
def test_layer_imports(folder: str, forbidden: set[str]) -> None:
    files = sorted((PACKAGE / folder).glob("*.py"))
    assert files
    for path in files:
        bad = _imports(path) & forbidden
        assert not bad, f"{path.name} imports {bad}"


def test_opening_the_window_does_not_import_torch() -> None:
    code = (
        "import sys; import writer_app.app, writer_app.ui.main_window; "
        "print('torch' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
