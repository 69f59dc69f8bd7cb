"""The shipped resources: one app id everywhere, the icon sizes, the desktop entry's and the
metainfo's promises, all read through importlib.resources (as the bundle reads them)."""

from __future__ import annotations

import configparser
import re
import struct
import xml.etree.ElementTree as ET

import pytest

from writer_app import APP_NAME, __version__, resources


def _desktop_entry() -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keys are case-sensitive
    parser.read_string(resources.desktop_entry().read_text(encoding="utf-8"))
    return parser["Desktop Entry"]


def _metainfo() -> ET.Element:
    return ET.fromstring(resources.metainfo().read_bytes())


def test_app_id_is_lowercase_reverse_dns() -> None:
    assert re.fullmatch(r"[a-z][a-z0-9]*(\.[a-z][a-z0-9_]*){2,}", resources.APP_ID)


def test_one_app_id_in_the_desktop_entry_and_the_metainfo() -> None:
    entry, meta = _desktop_entry(), _metainfo()
    assert resources.desktop_entry().name == f"{resources.APP_ID}.desktop"
    assert resources.metainfo().name == f"{resources.APP_ID}.metainfo.xml"
    assert entry["Icon"] == resources.APP_ID
    assert meta.findtext("id") == resources.APP_ID
    launchable = meta.find("launchable")
    assert launchable is not None and launchable.get("type") == "desktop-id"
    assert launchable.text == f"{resources.APP_ID}.desktop"


def test_desktop_entry_opens_files_and_matches_the_window() -> None:
    entry = _desktop_entry()
    assert entry["Type"] == "Application"
    assert entry["Exec"] == "writer-app %F"
    assert set(entry["MimeType"].strip(";").split(";")) >= {
        "text/plain",
        "text/markdown",
        "text/x-python",
    }
    # Qt sets the X11 WM_CLASS class to the application name.
    assert entry["StartupWMClass"] == APP_NAME
    assert entry["Name"] == APP_NAME


def test_metainfo_has_description_screenshots_license_and_this_release() -> None:
    meta = _metainfo()
    assert meta.get("type") == "desktop-application"
    assert meta.findtext("project_license") == "Apache-2.0"
    assert meta.findtext("metadata_license") == "CC0-1.0"
    assert len(meta.findall("description/p")) >= 1
    images = [i.text or "" for i in meta.findall("screenshots/screenshot/image")]
    assert len(images) >= 2
    assert all(url.startswith("https://") for url in images)
    assert {url.rsplit("/", 1)[-1] for url in images} == {"screenshot.png", "rewrite.png"}
    releases = meta.findall("releases/release")
    assert releases and releases[0].get("version") == __version__  # newest first


@pytest.mark.parametrize("size", resources.ICON_SIZES)
def test_icon_png_has_its_size(size: int) -> None:
    data = resources.icon_png(size).read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert (width, height) == (size, size)


def test_icon_sizes_cover_48_to_512() -> None:
    assert min(resources.ICON_SIZES) == 48 and max(resources.ICON_SIZES) == 512
    with pytest.raises(ValueError, match="no 33 px icon"):
        resources.icon_png(33)


def test_icon_svg_is_an_svg() -> None:
    root = ET.fromstring(resources.icon_svg().read_bytes())
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
