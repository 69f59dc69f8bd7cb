"""The narrow window API: all that a feature's controller may ask of the main window.

Controllers (`ui/continuation.py`, `ui/rewrite.py`, `ui/draft.py`, `ui/code.py`,
`ui/summarize.py`) reach the app only through this protocol, never through the window's
other members, so the window can change without them and they can be tested against any
object that provides it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget

    from writer_app.config import Settings
    from writer_app.ui.document_tab import DocumentTab


class WindowApi(Protocol):
    """What the main window offers its feature controllers."""

    @property
    def settings(self) -> Settings:
        """The settings in force now (read them when needed: they change)."""
        ...

    @property
    def assistant(self) -> Any:
        """The `Assistant` that runs the model's jobs."""
        ...

    def current_tab(self) -> DocumentTab:
        """The document in front."""
        ...

    def new_tab(self) -> DocumentTab:
        """A new, empty document in front."""
        ...

    def close_tab(self, tab: DocumentTab) -> bool:
        """Close a document (asking about unsaved changes); False if the user cancelled."""
        ...

    def is_open(self, tab: DocumentTab) -> bool:
        """`tab` is still one of the window's documents (it may have been closed)."""
        ...

    def open_settings(self, page: str = "") -> Any:
        """Open the settings dialog, at `page` (a page's English title) if given."""
        ...

    def notify(self, message: str, ms: int = 10000) -> None:
        """A message (translated) in the status bar for `ms` milliseconds (0 = until the next
        one)."""
        ...

    def error(self, title: str, message: str) -> None:
        """A message box (title and message translated) that does not block the event loop."""
        ...

    def require_model(self, what: str) -> bool:
        """True if the model can take a request now; else say why, naming `what` (translated,
        a plural noun such as `self.tr("rewrites")`: "No rewrites: …")."""
        ...

    def add_status_widget(self, widget: QWidget) -> None:
        """Put a small widget (e.g. a busy indicator) at the right of the status bar."""
        ...
