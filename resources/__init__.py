"""Files that ship with Writer: icons, the desktop entry, the AppStream metainfo.

This folder is installed as the package ``writer_app._resources`` (see pyproject.toml), so the
files travel inside the wheel and the PyInstaller bundle. Read them through
``writer_app.resources``, never by a path relative to a source file.
"""
