"""The wheel (and so the bundle) ships every package and every resource file.

pyproject.toml lists the packages by hand, because the top-level resources/ folder is
installed as the package writer_app._resources, which setuptools' find cannot map."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SETUPTOOLS = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"][
    "setuptools"
]
RESOURCES_PACKAGE = "writer_app._resources"


def test_every_package_is_listed_in_pyproject() -> None:
    found = {
        ".".join(init.parent.relative_to(ROOT).parts)
        for init in (ROOT / "writer_app").rglob("__init__.py")
    }
    listed = set(SETUPTOOLS["packages"])
    missing = found - listed
    assert not missing, f"add {sorted(missing)} to [tool.setuptools] packages in pyproject.toml"
    assert listed - found == {RESOURCES_PACKAGE}, "pyproject.toml lists packages that are gone"


def test_resources_folder_is_the_resources_package() -> None:
    assert SETUPTOOLS["package-dir"][RESOURCES_PACKAGE] == "resources"
    assert (ROOT / "resources" / "__init__.py").is_file()


def test_every_resource_file_is_package_data() -> None:
    folder = ROOT / "resources"
    shipped = {
        path
        for pattern in SETUPTOOLS["package-data"][RESOURCES_PACKAGE]
        for path in folder.glob(pattern)
    }
    files = {
        path for path in folder.rglob("*") if path.is_file() and path.suffix not in (".py", ".pyc")
    }
    unshipped = sorted(str(p.relative_to(folder)) for p in files - shipped)
    assert not unshipped, f"add these to package-data in pyproject.toml: {unshipped}"
