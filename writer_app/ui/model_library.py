"""Get Models…: the curated catalog, any repo id, downloads with progress, Use and Remove.

Downloads run on a thread of their own (`DownloadManager`, one per application, so they go
on while the user writes and after the dialogs close); progress comes back through queued
signals at most ten times a second, and a small widget in the main window's status bar shows
it too. The GUI thread never waits on the network: checking a repo also runs on a thread.
Nothing is downloaded until the user clicks Download.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from writer_app.engine import catalog, library
from writer_app.engine.catalog import CatalogEntry
from writer_app.engine.library import Downloaded, LibraryError, LocalRepo, Plan, Progress
from writer_app.translatable import QT_TRANSLATE_NOOP

# The columns' names, also their ids (the header shows them translated).
COLUMNS = (
    QT_TRANSLATE_NOOP("ModelLibraryColumns", "Model"),
    QT_TRANSLATE_NOOP("ModelLibraryColumns", "Download"),
    QT_TRANSLATE_NOOP("ModelLibraryColumns", "Memory"),
    QT_TRANSLATE_NOOP("ModelLibraryColumns", "Context"),
    QT_TRANSLATE_NOOP("ModelLibraryColumns", "License"),
    QT_TRANSLATE_NOOP("ModelLibraryColumns", "Languages"),
    QT_TRANSLATE_NOOP("ModelLibraryColumns", "Fits here"),
    QT_TRANSLATE_NOOP("ModelLibraryColumns", "Status"),
)
FIT_COLORS = {"good": "#2e7d32", "tight": "#b26a00", "no": "#c62828"}


@dataclass
class Job:
    """One download the manager knows about (touched on the GUI thread only)."""

    repo_id: str
    file: str | None = None
    state: str = "queued"  # queued, running, pausing, paused, failed, done
    progress: Progress | None = None
    message: str = ""
    result: Downloaded | None = None

    @property
    def busy(self) -> bool:
        return self.state in ("queued", "running", "pausing")


class DownloadManager(QObject):
    """Runs downloads one at a time on a worker thread; reports through queued signals."""

    changed = Signal(str)  # a job's state or progress changed (its repo id)
    finished = Signal(str, object)  # repo id, Downloaded or the message of what went wrong
    _progress = Signal(object)  # from the worker thread
    _done = Signal(str, object)  # from the worker thread

    _instance: DownloadManager | None = None

    def __init__(self, parent: QObject | None = None, **options: Any) -> None:
        super().__init__(parent)
        self.options = options  # passed to library.Downloader (tests make retries quick)
        self.jobs: dict[str, Job] = {}
        self.waiting: list[str] = []
        self.active: str | None = None
        self.cancel = threading.Event()
        self.worker: threading.Thread | None = None
        self._progress.connect(self._on_progress)
        self._done.connect(self._on_done)

    @classmethod
    def instance(cls) -> DownloadManager:
        """The application's manager (downloads outlive the dialogs)."""
        if cls._instance is None:
            app = QCoreApplication.instance()
            cls._instance = cls(app)
            if app is not None:
                app.aboutToQuit.connect(cls._instance.shutdown)
                cls._instance.destroyed.connect(cls._forget)
        return cls._instance

    @classmethod
    def _forget(cls) -> None:
        cls._instance = None

    def job(self, repo_id: str) -> Job | None:
        return self.jobs.get(repo_id)

    def busy(self) -> bool:
        return self.active is not None or bool(self.waiting)

    def start(self, repo_id: str, file: str | None = None) -> None:
        """Queue a download (or resume a paused one); nothing happens if it is under way."""
        job = self.jobs.get(repo_id)
        if job is not None and job.busy:
            return
        self.jobs[repo_id] = Job(repo_id, file)
        self.waiting.append(repo_id)
        self.changed.emit(repo_id)
        self._next()

    def pause(self, repo_id: str) -> None:
        """Stop a download within a chunk; what was downloaded is kept for a resume."""
        job = self.jobs.get(repo_id)
        if job is None:
            return
        if repo_id in self.waiting:
            self.waiting.remove(repo_id)
            job.state, job.message = "paused", self.tr("Paused before it started.")
        elif self.active == repo_id:
            self.cancel.set()
            job.state = "pausing"
        self.changed.emit(repo_id)

    def shutdown(self, wait: float = 5.0) -> None:
        """Pause everything (at quit): the parts downloaded so far are kept."""
        self.waiting.clear()
        self.cancel.set()
        if self.worker is not None:
            self.worker.join(wait)

    def _next(self) -> None:
        if self.active is not None or not self.waiting:
            return
        repo_id = self.waiting.pop(0)
        job = self.jobs[repo_id]
        job.state = "running"
        self.active = repo_id
        self.cancel = threading.Event()
        self.worker = threading.Thread(
            target=self._work,
            args=(repo_id, job.file, self.cancel),
            name=f"download {repo_id}",
            daemon=True,
        )
        self.worker.start()
        self.changed.emit(repo_id)

    def _work(self, repo_id: str, file: str | None, cancel: threading.Event) -> None:
        """On the worker thread: check the repo, download it; results go back as signals."""
        outcome: object
        try:
            plan = library.plan(repo_id, file=file)
            outcome = library.Downloader(plan, self._progress.emit, cancel, **self.options).run()
        except LibraryError as exc:
            outcome = exc
        except Exception as exc:  # a bug must not kill the thread silently
            outcome = LibraryError(f"{repo_id}: {exc}")
        self._done.emit(repo_id, outcome)

    def _on_progress(self, progress: Progress) -> None:
        job = self.jobs.get(progress.repo_id)
        if job is not None and job.busy:
            job.progress = progress
            self.changed.emit(progress.repo_id)

    def _on_done(self, repo_id: str, outcome: object) -> None:
        job = self.jobs[repo_id]
        self.active, self.worker = None, None
        if isinstance(outcome, Downloaded):
            job.state, job.result, job.message = "done", outcome, ""
        elif isinstance(outcome, library.Cancelled):
            job.state, job.message = "paused", str(outcome)
        else:
            job.state, job.message = "failed", str(outcome)
        self.changed.emit(repo_id)
        self.finished.emit(repo_id, outcome if isinstance(outcome, Downloaded) else job.message)
        self._next()


class DownloadStatus(QWidget):
    """The status bar's view of the download under way: a short line and a bar."""

    def __init__(self, manager: DownloadManager, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("download_status")
        self.manager = manager
        self.label = QLabel()
        self.bar = QProgressBar()
        self.bar.setMaximumWidth(120)
        self.bar.setMaximumHeight(14)
        self.bar.setTextVisible(False)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.label)
        row.addWidget(self.bar)
        manager.changed.connect(self._update)
        self.setVisible(False)

    def _update(self, repo_id: str) -> None:
        job = self.manager.job(repo_id)
        if job is None:
            return
        if job.busy:
            p = job.progress
            state = p.text() if p else self.tr("starting…")
            self.label.setText(f"{repo_id}: {state}")
            self.bar.setValue(round(1000 * p.fraction) if p else 0)
            self.bar.setMaximum(1000)
            self.setVisible(True)
        elif self.manager.active is None:
            self.setVisible(False)


def attach_status(host: Any, manager: DownloadManager | None = None) -> DownloadStatus | None:
    """Show downloads in `host`'s status bar (a main window's `add_status_widget`), once."""
    if host is None or not hasattr(host, "add_status_widget") or not isinstance(host, QWidget):
        return None
    existing = host.findChild(DownloadStatus, "download_status")
    if existing is not None:
        return existing
    widget = DownloadStatus(manager or DownloadManager.instance())
    getattr(host, "add_status_widget")(widget)  # noqa: B009 (the window API, duck-typed)
    return widget


class PlanCheck(QObject):
    """Asks the Hub about a repo on a thread; `finished` brings a Plan or a message."""

    finished = Signal(str, object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.running = 0

    def start(self, repo_id: str, file: str | None = None) -> None:
        self.running += 1
        threading.Thread(target=self._run, args=(repo_id, file), daemon=True).start()

    def _run(self, repo_id: str, file: str | None) -> None:
        try:
            outcome: object = library.plan(repo_id, file=file)
        except LibraryError as exc:
            outcome = str(exc)
        except Exception as exc:  # reported, never raised on a thread
            outcome = f"{repo_id}: {exc}"
        self.finished.emit(repo_id, outcome)


def _is_gguf(entry: CatalogEntry | None, plan: Plan | None) -> bool:
    if plan is not None:
        return plan.kind == "gguf"
    return entry is not None and entry.is_gguf


class ModelLibraryDialog(QDialog):
    """The catalog and the downloads; `use_model` brings the spec of a model to switch to."""

    use_model = Signal(str)
    models_changed = Signal()  # something was downloaded or removed

    def __init__(
        self,
        parent: QWidget | None = None,
        manager: DownloadManager | None = None,
        device: str = "auto",
        current: str = "",
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Get Models"))
        self.setObjectName("model_library")
        self.manager = manager or DownloadManager.instance()
        self.device, self.current = device, current
        self.entries: dict[str, CatalogEntry | None] = {}
        self.plans: dict[str, Plan] = {}
        self.local: dict[str, LocalRepo] = {}
        self.offline = library.offline_reason()
        try:
            self.catalog = catalog.load_catalog()
            catalog_problem = ""
        except (OSError, catalog.CatalogError) as exc:
            self.catalog = []
            catalog_problem = self.tr("The catalog could not be read: {reason}").format(reason=exc)
        self.here = catalog.machine()

        self.intro = QLabel()
        self.intro.setObjectName("intro")
        self.intro.setWordWrap(True)
        self.intro.setOpenExternalLinks(True)
        self.offline_note = QLabel(self.offline or catalog_problem)
        self.offline_note.setObjectName("offline")
        self.offline_note.setWordWrap(True)
        self.offline_note.setStyleSheet("color: #c62828;")
        self.offline_note.setVisible(bool(self.offline or catalog_problem))

        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setObjectName("catalog")
        self.table.setHorizontalHeaderLabels(
            [QCoreApplication.translate("ModelLibraryColumns", name) for name in COLUMNS]
        )
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(COLUMNS.index("Status"), QHeaderView.ResizeMode.Stretch)

        self.details = QLabel()
        self.details.setObjectName("details")
        self.details.setWordWrap(True)
        self.details.setOpenExternalLinks(True)
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
        self.gguf = QComboBox()
        self.gguf.setObjectName("gguf_file")
        self.gguf.setToolTip(self.tr("Which quantisation of this GGUF model to download"))
        self.list_files = QPushButton(self.tr("List Files"))
        self.list_files.setToolTip(self.tr("Ask the Hub which GGUF files this repo has"))
        gguf_row = QHBoxLayout()
        self.gguf_label = QLabel(self.tr("GGUF file"))
        gguf_row.addWidget(self.gguf_label)
        gguf_row.addWidget(self.gguf, 1)
        gguf_row.addWidget(self.list_files)

        self.repo_box = QLineEdit()
        self.repo_box.setObjectName("repo_id")
        self.repo_box.setPlaceholderText(
            self.tr("Any Hugging Face repo id, e.g. Qwen/Qwen2.5-7B-Instruct")
        )
        self.check_button = QPushButton(self.tr("Check"))
        self.check_button.setToolTip(
            self.tr("Ask the Hub what this repo has and whether Writer can use it")
        )
        other_row = QHBoxLayout()
        other_row.addWidget(QLabel(self.tr("Other model")))
        other_row.addWidget(self.repo_box, 1)
        other_row.addWidget(self.check_button)

        self.bar = QProgressBar()
        self.bar.setObjectName("progress")
        self.bar.setMaximum(1000)
        self.bar.setTextVisible(False)
        self.progress = QLabel()
        self.progress.setObjectName("progress_text")
        self.progress.setWordWrap(True)

        self.download_button = QPushButton(self.tr("Download"))
        self.download_button.setObjectName("download")
        self.pause_button = QPushButton(self.tr("Pause"))
        self.pause_button.setObjectName("pause")
        self.pause_button.setToolTip(self.tr("Stop now; Download later continues where it stopped"))
        self.use_button = QPushButton(self.tr("Use This Model"))
        self.use_button.setObjectName("use")
        self.remove_button = QPushButton(self.tr("Remove"))
        self.remove_button.setObjectName("remove")
        self.remove_button.setToolTip(
            self.tr("Delete it from the Hugging Face cache to free the space")
        )
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        buttons = QHBoxLayout()
        for b in (self.download_button, self.pause_button, self.use_button, self.remove_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        buttons.addWidget(close)

        column = QVBoxLayout(self)
        column.addWidget(self.intro)
        column.addWidget(self.offline_note)
        column.addWidget(self.table, 1)
        column.addLayout(other_row)
        column.addWidget(self.details)
        column.addLayout(gguf_row)
        column.addWidget(self.bar)
        column.addWidget(self.progress)
        column.addLayout(buttons)

        self.checker = PlanCheck(self)
        self.checker.finished.connect(self._checked)
        self.table.itemSelectionChanged.connect(self._selected)
        self.download_button.clicked.connect(self.download)
        self.pause_button.clicked.connect(self.pause)
        self.use_button.clicked.connect(self.use)
        self.remove_button.clicked.connect(self.remove)
        self.check_button.clicked.connect(self.check)
        self.repo_box.returnPressed.connect(self.check)
        self.list_files.clicked.connect(self._list_files)
        self.gguf.currentIndexChanged.connect(lambda _i: self._refresh_buttons())
        self.manager.changed.connect(self._job_changed)
        self.manager.finished.connect(self._job_finished)

        for entry in self.catalog:
            self.entries[entry.repo] = entry
        self.refresh()
        if self.table.rowCount():
            self.table.selectRow(0)
        self.resize(980, 620)

    # ------------------------------------------------------------------ state

    @property
    def selected(self) -> str:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return ""
        item = self.table.item(rows[0].row(), 0)
        return str(item.data(Qt.ItemDataRole.UserRole)) if item is not None else ""

    def _intro_text(self) -> str:
        where = library.hub_cache()
        token = (
            self.tr("A Hugging Face token was found (for gated models).")
            if library.has_token()
            else self.tr("No Hugging Face token: gated models need `hf auth login` or HF_TOKEN.")
        )
        return self.tr(
            "Models download from the Hugging Face Hub into its shared cache ({folder}, {free} "
            "free), only when you click Download. Safetensors only; model code is never run. "
            "{token}"
        ).format(folder=where, free=catalog.gb(self.here.disk_free), token=token)

    def refresh(self) -> None:
        """Re-read the cache and redraw every row (after a download or a removal)."""
        self.here = catalog.machine()
        self.intro.setText(self._intro_text())
        self.local = {r.repo_id: r for r in library.local_repos()}
        for repo_id in self.local:
            self.entries.setdefault(repo_id, None)
        for repo_id in self.plans:
            self.entries.setdefault(repo_id, None)
        keep = self.selected
        self.table.blockSignals(True)
        self.table.setRowCount(len(self.entries))
        for row, (repo_id, entry) in enumerate(self.entries.items()):
            self._fill_row(row, repo_id, entry)
        self.table.blockSignals(False)
        if keep:
            self.select(keep)
        self._selected()

    def _row_of(self, repo_id: str) -> int:
        for row in range(self.table.rowCount()):
            item = self.table.item(row, 0)
            if item is not None and item.data(Qt.ItemDataRole.UserRole) == repo_id:
                return row
        return -1

    def select(self, repo_id: str) -> None:
        row = self._row_of(repo_id)
        if row >= 0:
            self.table.selectRow(row)

    def _fill_row(self, row: int, repo_id: str, entry: CatalogEntry | None) -> None:
        plan = self.plans.get(repo_id)
        cells: list[str]
        fit_level = ""
        if entry is not None:
            fits = catalog.fit(entry, self.here, self.device)
            fit_level = fits.level
            memory = catalog.gb(entry.memory("float32"))
            memory += f" (int4 {catalog.gb(entry.memory('int4'))})"
            cells = [
                entry.name + (" 🔒" if entry.gated else ""),
                library.format_size(entry.download_bytes),
                memory,
                f"{entry.context:,}",
                entry.license,
                entry.languages_text(),
                {"good": self.tr("Yes"), "tight": self.tr("Tight"), "no": self.tr("No")}[
                    fits.level
                ],
            ]
            tips = [entry.good_for, "", self._memory_tip(entry), "", "", "", fits.text]
        else:
            size = library.format_size(plan.total_bytes) if plan else ""
            cells = [repo_id, size, "", "", plan.license if plan else "", "", ""]
            tips = ["", "", "", "", "", "", ""]
        cells.append(self._status_text(repo_id))
        tips.append("")
        for column, (text, tip) in enumerate(zip(cells, tips, strict=True)):
            item = self.table.item(row, column)
            if item is None:
                item = QTableWidgetItem()
                self.table.setItem(row, column, item)
            item.setText(text)
            item.setToolTip(tip)
            if column == 0:
                item.setData(Qt.ItemDataRole.UserRole, repo_id)
            if column == COLUMNS.index("Fits here") and fit_level:
                item.setForeground(QColor(FIT_COLORS[fit_level]))

    def _memory_tip(self, entry: CatalogEntry) -> str:
        sizes = ", ".join(f"{p} {catalog.gb(entry.memory(p))}" for p in catalog.PRECISIONS)
        return self.tr(
            "Memory once loaded: {sizes}. On the CPU, Writer loads float32 first, so that "
            "much must be free while loading."
        ).format(sizes=sizes)

    def _status_text(self, repo_id: str) -> str:
        job = self.manager.job(repo_id)
        if job is not None and job.busy:
            if job.state == "queued":
                return self.tr("Waiting…")
            if job.state == "pausing":
                return self.tr("Pausing…")
            p = job.progress
            return f"{round(100 * p.fraction)}% · {p.text()}" if p else self.tr("Starting…")
        local = self.local.get(repo_id)
        if job is not None and job.state == "failed":
            return self.tr("Failed: {reason}").format(reason=job.message)
        if local is not None and (local.usable or local.gguf_files):
            return self.tr("Downloaded · {size} on disk").format(
                size=library.format_size(local.size_on_disk)
            )
        if local is not None and local.partial_bytes:
            return self.tr("Paused · {size} downloaded").format(
                size=library.format_size(local.partial_bytes)
            )
        return ""

    # ------------------------------------------------------------------ selection

    def _entry(self) -> CatalogEntry | None:
        return self.entries.get(self.selected)

    def _chosen_file(self) -> str | None:
        """The GGUF file to download (None: not a GGUF repo)."""
        repo_id = self.selected
        entry, plan = self.entries.get(repo_id), self.plans.get(repo_id)
        is_gguf = (entry is not None and entry.is_gguf) or (
            plan is not None and plan.kind == "gguf"
        )
        if not is_gguf:
            return None
        data = self.gguf.currentData()
        if data:
            return str(data)
        if plan is not None and plan.kind == "gguf":
            return plan.gguf_file
        return entry.gguf_file if entry is not None else None

    def _selected(self) -> None:
        repo_id = self.selected
        entry, plan = self.entries.get(repo_id), self.plans.get(repo_id)
        self._fill_gguf(repo_id, entry, plan)
        self.details.setText(self._details_html(repo_id, entry, plan))
        self._show_progress(repo_id)
        self._refresh_buttons()

    def _fill_gguf(self, repo_id: str, entry: CatalogEntry | None, plan: Plan | None) -> None:
        is_gguf = (entry is not None and entry.is_gguf) or (
            plan is not None and plan.kind == "gguf"
        )
        for w in (self.gguf, self.gguf_label, self.list_files):
            w.setVisible(is_gguf)
        self.gguf.blockSignals(True)
        self.gguf.clear()
        if plan is not None and plan.gguf_files:
            for f in plan.gguf_files:
                self.gguf.addItem(f"{f.name} ({library.format_size(f.size)})", f.name)
            self.gguf.setCurrentIndex(max(0, self.gguf.findData(plan.gguf_file)))
        elif entry is not None and entry.is_gguf:
            self.gguf.addItem(entry.gguf_file, entry.gguf_file)
        self.gguf.blockSignals(False)

    def _details_html(self, repo_id: str, entry: CatalogEntry | None, plan: Plan | None) -> str:
        if not repo_id:
            return ""
        link = f'<a href="{library.repo_url(repo_id)}">{repo_id}</a>'
        lines: list[str] = []
        if entry is not None:
            fits = catalog.fit(entry, self.here, self.device)
            color = FIT_COLORS[fits.level]
            lines.append(f"<b>{entry.name}</b> ({link}) — {entry.good_for}")
            lines.append(
                self.tr(
                    "{parameters}B parameters · about {size} to download · context {context} "
                    "tokens · {license} · {languages}"
                ).format(
                    parameters=f"{entry.parameters / 1e9:.2f}",
                    size=library.format_size(entry.download_bytes),
                    context=f"{entry.context:,}",
                    license=entry.license,
                    languages=entry.languages_text(),
                )
            )
            lines.append(self._memory_tip(entry))
            lines.append(f'<span style="color:{color}">{fits.text}</span>')
            if entry.notes:
                lines.append(entry.notes)
        else:
            lines.append(f"<b>{link}</b>")
        if plan is not None:
            lines.append(plan.summary())
            lines.extend(plan.notes)
        return "<br>".join(lines)

    def _show_progress(self, repo_id: str) -> None:
        job = self.manager.job(repo_id)
        p = job.progress if job is not None else None
        if job is not None and job.busy:
            self.bar.setValue(round(1000 * p.fraction) if p else 0)
            self.progress.setText(p.text() if p else self.tr("Starting…"))
        elif job is not None and job.message:
            self.bar.setValue(round(1000 * p.fraction) if p and job.state == "paused" else 0)
            self.progress.setText(job.message)
        elif job is not None and job.state == "done":
            self.bar.setValue(1000)
            self.progress.setText(self.tr("{repo} is ready.").format(repo=repo_id))
        else:
            self.bar.setValue(0)
            self.progress.setText("")

    def _have(self, repo_id: str) -> bool:
        """The selected thing (the chosen GGUF file, or the model folder) is on disk."""
        local = self.local.get(repo_id)
        if local is None:
            return False
        file = self._chosen_file()
        if file is not None:
            return any(p.name == file for p in local.gguf_files)
        return local.usable

    def _refresh_buttons(self) -> None:
        repo_id = self.selected
        job = self.manager.job(repo_id) if repo_id else None
        busy = job is not None and job.busy
        local = self.local.get(repo_id)
        have = self._have(repo_id)
        self.download_button.setEnabled(
            bool(repo_id) and not self.offline and not busy and not have
        )
        partial = local is not None and local.partial_bytes > 0
        self.download_button.setText(
            self.tr("Resume") if partial and not have else self.tr("Download")
        )
        self.pause_button.setEnabled(busy and job is not None and job.state != "pausing")
        self.use_button.setEnabled(have and not busy)
        self.remove_button.setEnabled(local is not None and not busy)
        self.check_button.setEnabled(not self.offline)
        self.list_files.setEnabled(not self.offline)

    # ------------------------------------------------------------------ actions

    def download(self) -> None:
        repo_id = self.selected
        if not repo_id or self.offline:
            return
        self.manager.start(repo_id, self._chosen_file())

    def pause(self) -> None:
        if self.selected:
            self.manager.pause(self.selected)

    def use(self) -> None:
        local = self.local.get(self.selected)
        if local is None:
            return
        file = self._chosen_file()
        if file is not None:
            spec = next((str(p) for p in local.gguf_files if p.name == file), "")
        else:
            spec = local.repo_id if local.usable else ""
        if spec:
            self.use_model.emit(spec)

    def remove(self) -> None:
        repo_id = self.selected
        local = self.local.get(repo_id)
        if local is None:
            return
        size = library.format_size(local.size_on_disk + local.partial_bytes)
        in_use = self.current in (repo_id, *(str(p) for p in local.gguf_files))
        text = self.tr("Delete {repo} ({size}) from the Hugging Face cache?").format(
            repo=repo_id, size=size
        )
        if in_use:
            text = self.tr(
                "{question} It is the model Writer uses now; choose another one afterwards."
            ).format(question=text)
        box = QMessageBox(
            QMessageBox.Icon.Question,
            self.tr("Remove Model"),
            text,
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            self,
        )
        box.setObjectName("confirm_remove")
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.finished.connect(
            lambda result: (
                self._remove(repo_id) if result == QMessageBox.StandardButton.Yes else None
            )
        )
        box.open()

    def _remove(self, repo_id: str) -> None:
        try:
            freed = library.remove(repo_id)
        except (LibraryError, OSError) as exc:
            self.progress.setText(str(exc))
            return
        self.manager.jobs.pop(repo_id, None)
        if self.entries.get(repo_id) is None and repo_id not in self.plans:
            self.entries.pop(repo_id, None)
        self.refresh()
        self.progress.setText(
            self.tr("Removed {repo}: {size} freed.").format(
                repo=repo_id, size=library.format_size(freed)
            )
        )
        self.models_changed.emit()

    def check(self) -> None:
        repo_id = self.repo_box.text().strip()
        if not repo_id or self.offline:
            return
        self.progress.setText(self.tr("Asking the Hub about {repo}…").format(repo=repo_id))
        self.check_button.setEnabled(False)
        self.checker.start(repo_id)

    def _list_files(self) -> None:
        repo_id = self.selected
        if repo_id and not self.offline:
            self.progress.setText(
                self.tr("Asking the Hub for the files of {repo}…").format(repo=repo_id)
            )
            self.checker.start(repo_id, self._chosen_file())

    def _checked(self, repo_id: str, outcome: object) -> None:
        self.checker.running -= 1
        self.check_button.setEnabled(not self.offline)
        if isinstance(outcome, str):
            self.progress.setText(outcome)
            return
        assert isinstance(outcome, Plan)
        self.plans[repo_id] = outcome
        self.entries.setdefault(repo_id, None)
        self.refresh()
        self.select(repo_id)
        self._selected()
        self.progress.setText(outcome.summary())

    def _job_changed(self, repo_id: str) -> None:
        row = self._row_of(repo_id)
        if row >= 0:
            item = self.table.item(row, COLUMNS.index("Status"))
            if item is not None:
                item.setText(self._status_text(repo_id))
        if repo_id == self.selected:
            self._show_progress(repo_id)
            self._refresh_buttons()

    def _job_finished(self, repo_id: str, _outcome: object) -> None:
        self.refresh()
        self.models_changed.emit()
