"""Adapt to My Writing…: choose documents or folders, see how much text that is and about how
long it takes, train an adapter in the background (a child process: the editor and its
suggestions stay responsive), follow its progress, cancel at once (a later start resumes
from the last checkpoint), and use the result for suggestions.

The documents never leave the machine; the adapter keeps their names, sizes and hashes.
This module imports no torch: training runs in `engine.training`, in its own process.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QCoreApplication, QTimer, Signal
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from writer_app.engine import adapters
from writer_app.engine.training_process import (
    Corpus,
    DocumentsError,
    TrainingRun,
    TrainSettings,
    default_threads,
    job,
    read_corpus,
)
from writer_app.translatable import QT_TRANSLATE_NOOP

if TYPE_CHECKING:
    from writer_app.config import Settings

POLL_MS = 200  # how often the child's reports are read (non-blocking)
FILTERS = QT_TRANSLATE_NOOP(
    "AdaptDialog", "Text, Markdown and Python (*.txt *.md *.markdown *.rst *.py);;All files (*)"
)


def _clock(seconds: float | None) -> str:
    if seconds is None or not math.isfinite(seconds):
        return "?"
    minutes, secs = divmod(int(seconds), 60)
    return f"{minutes}:{secs:02d}"


def _progress_line(event: dict[str, Any]) -> str:
    parts = [
        QCoreApplication.translate("AdaptDialog", "Step {step}").format(step=event["step"]),
        QCoreApplication.translate("AdaptDialog", "{tokens} tokens").format(
            tokens=f"{event['tokens']:,}"
        ),
        QCoreApplication.translate("AdaptDialog", "loss {loss}").format(
            loss=f"{event['loss']:.2f}"
        ),
    ]
    before, now = event.get("perplexity_before"), event.get("perplexity")
    if before is not None and now is not None:
        parts.append(
            QCoreApplication.translate(
                "AdaptDialog", "held-out perplexity {before} → {after}"
            ).format(before=f"{before:.1f}", after=f"{now:.1f}")
        )
    parts.append(
        QCoreApplication.translate("AdaptDialog", "{time} left").format(
            time=_clock(event.get("left"))
        )
    )
    return " · ".join(parts)


class AdaptDialog(QDialog):
    """Learn my writing: train an adapter on the user's documents, then use it."""

    finished_run = Signal(object)  # the adapter's manifest, or None (failed or cancelled)

    def __init__(
        self,
        settings: Settings,
        apply: Callable[[Settings], None] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Adapt to My Writing"))
        self.settings = settings
        self.apply = apply
        self.run: TrainingRun | None = None
        self.corpus: Corpus | None = None
        self.manifest: dict[str, Any] | None = None
        intro = QLabel(
            self.tr(
                "Writer learns your voice, vocabulary and format from your own documents (.txt, "
                ".md; .py for code), so its suggestions continue the way you write. Training "
                "runs in the background on this computer: your documents never leave it, and "
                "you can keep writing."
            )
        )
        intro.setWordWrap(True)
        self.paths = QListWidget()
        self.paths.setObjectName("documents")
        add_files = QPushButton(self.tr("Add Files…"))
        add_folder = QPushButton(self.tr("Add Folder…"))
        self.remove = QPushButton(self.tr("Remove"))
        row = QHBoxLayout()
        for button in (add_files, add_folder, self.remove):
            row.addWidget(button)
        row.addStretch(1)
        self.summary = QLabel(self.tr("Choose documents or a folder of your writing."))
        self.summary.setObjectName("summary")
        self.summary.setWordWrap(True)
        self.name = QLineEdit("my-writing")
        self.name.setObjectName("name")
        self.minutes = QSpinBox()
        self.minutes.setRange(1, 240)
        self.minutes.setValue(10)
        self.minutes.setSuffix(self.tr(" min"))
        self.minutes.setToolTip(
            self.tr("At most this long; it stops sooner once it stops improving")
        )
        form = QFormLayout()
        form.addRow(self.tr("Adapter name"), self.name)
        form.addRow(self.tr("Train for at most"), self.minutes)
        self.progress = QProgressBar()
        self.progress.setTextVisible(False)
        self.status = QLabel("")
        self.status.setObjectName("status")
        self.status.setWordWrap(True)
        self.start_button = QPushButton(self.tr("Start"))
        self.cancel_button = QPushButton(self.tr("Cancel Training"))
        self.use_button = QPushButton(self.tr("Use for Suggestions"))
        close = QPushButton(self.tr("Close"))
        buttons = QHBoxLayout()
        for button in (self.start_button, self.cancel_button, self.use_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        for part in (intro, self.paths):
            layout.addWidget(part)
        layout.addLayout(row)
        layout.addWidget(self.summary)
        layout.addLayout(form)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addLayout(buttons)
        self.timer = QTimer(self)
        self.timer.setInterval(POLL_MS)
        self.timer.timeout.connect(self._poll)
        add_files.clicked.connect(self._choose_files)
        add_folder.clicked.connect(self._choose_folder)
        self.remove.clicked.connect(self._remove_selected)
        self.start_button.clicked.connect(self.start)
        self.cancel_button.clicked.connect(self.cancel)
        self.use_button.clicked.connect(self.use)
        close.clicked.connect(self.reject)
        self.name.textChanged.connect(self._update_buttons)
        self.resize(620, 520)
        self._update_buttons()

    # ------------------------------------------------------------ documents

    def _choose_files(self) -> None:
        names, _ = QFileDialog.getOpenFileNames(
            self,
            self.tr("Add Documents"),
            str(Path.home()),
            QCoreApplication.translate("AdaptDialog", FILTERS),
        )
        self.add_paths(names)

    def _choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, self.tr("Add a Folder of Documents"))
        if folder:
            self.add_paths([folder])

    def _remove_selected(self) -> None:
        for item in self.paths.selectedItems():
            self.paths.takeItem(self.paths.row(item))
        self._read()

    def add_paths(self, paths: Sequence[str | Path]) -> None:
        have = {self.paths.item(i).text() for i in range(self.paths.count())}
        for path in paths:
            if str(path) not in have:
                self.paths.addItem(str(path))
        self._read()

    def chosen(self) -> list[str]:
        return [self.paths.item(i).text() for i in range(self.paths.count())]

    def _read(self) -> None:
        """Read the chosen documents (to count them) and say how much text and time."""
        self.corpus = None
        if not self.chosen():
            self.summary.setText(self.tr("Choose documents or a folder of your writing."))
        else:
            try:
                self.corpus = read_corpus(self.chosen())
            except DocumentsError as exc:
                self.summary.setText(str(exc))
            else:
                docs = len(self.corpus.documents)
                minutes = self.corpus.estimated_seconds() / 60
                documents = (
                    self.tr("%n document", "", docs)
                    if docs == 1
                    else self.tr("%n documents", "", docs)
                )
                text = self.tr(
                    "{documents}, about {tokens} tokens: about {minutes} minutes to learn well "
                    "(two passes over the text)"
                ).format(
                    documents=documents,
                    tokens=f"{self.corpus.estimated_tokens:,}",
                    minutes=max(1, round(minutes)),
                )
                if self.corpus.skipped:
                    text = self.tr("{summary}; {skipped} files left out").format(
                        summary=text, skipped=len(self.corpus.skipped)
                    )
                self.summary.setText(text)
        self._update_buttons()

    # ------------------------------------------------------------- training

    @property
    def running(self) -> bool:
        return self.run is not None and self.run.outcome is None

    def _update_buttons(self) -> None:
        self.start_button.setEnabled(
            not self.running and self.corpus is not None and bool(self.name.text().strip())
        )
        self.cancel_button.setEnabled(self.running)
        self.use_button.setEnabled(self.manifest is not None and not self.running)
        for widget in (self.name, self.minutes, self.paths, self.remove):
            widget.setEnabled(not self.running)

    def start(self) -> bool:
        """Start training (or resume a run of the same name, documents and settings)."""
        if self.running or self.corpus is None:
            return False
        try:
            name = adapters.check_name(self.name.text())
        except adapters.AdapterError as exc:
            self.status.setText(str(exc))
            return False
        model = self.settings.model
        settings = TrainSettings(max_seconds=self.minutes.value() * 60.0)
        threads = model.threads or default_threads()
        replace = adapters.adapter_dir(name).exists()  # the dialog says so when it is done
        self.manifest = None
        self.run = TrainingRun(
            job(name, model.model, self.corpus, settings, threads=threads, replace=replace)
        )
        self.run.start()
        self.progress.setRange(0, int(settings.max_seconds))
        self.progress.setValue(0)
        self.status.setText(self.tr("Starting…"))
        self.timer.start()
        self._update_buttons()
        return True

    def _poll(self) -> None:
        run = self.run
        if run is None:
            return
        for event in run.events(0):
            kind = event.get("event")
            if kind == "status":
                self.status.setText(str(event["message"]))
            elif kind == "start" and event.get("resumed_step"):
                self.status.setText(
                    self.tr("Resuming from step {step}…").format(step=event["resumed_step"])
                )
            elif kind == "progress":
                self.progress.setValue(min(self.progress.maximum(), int(event["elapsed"])))
                self.status.setText(_progress_line(event))
        if run.outcome is not None:
            self._finished()

    def _finished(self) -> None:
        self.timer.stop()
        outcome = self.run.outcome if self.run is not None else None
        if outcome is None:
            return
        self.manifest = outcome.manifest
        if outcome.manifest is not None:
            self.progress.setValue(self.progress.maximum())
            ppl = outcome.manifest["perplexity"]
            before, after = ppl["before"], ppl["after"]
            ready = self.tr(
                "Adapter “{name}” is ready: held-out perplexity {before} → {after} ({change})."
            ).format(
                name=outcome.manifest["name"],
                before=f"{before:.1f}",
                after=f"{after:.1f}",
                change=f"{(after / before - 1) * 100:+.0f}%",
            )
            if after >= before:
                ready = self.tr("{ready} Your text is no surprise to the model already.").format(
                    ready=ready
                )
            self.status.setText(ready)
        else:
            self.status.setText(outcome.message)
        self._update_buttons()
        self.finished_run.emit(outcome.manifest)

    def cancel(self) -> None:
        """Stop training at once; its last checkpoint stays (Start resumes from it)."""
        if self.run is None or not self.running:
            return
        self.run.cancel()
        self.timer.stop()
        self.status.setText(
            self.tr("Training cancelled. Start resumes it from its last checkpoint.")
        )
        self._update_buttons()
        self.finished_run.emit(None)

    def use(self) -> None:
        """Use the new adapter for suggestions (Settings → Model & Device → Adapter)."""
        if self.manifest is None:
            return
        new = copy.deepcopy(self.settings)
        new.model.adapter = str(self.manifest["name"])
        if self.apply is not None:
            self.apply(new)
        self.settings = new
        self.status.setText(
            self.tr("Suggestions now use the adapter “{name}”.").format(name=new.model.adapter)
        )

    def done(self, result: int) -> None:
        self.cancel()  # closing stops training; its checkpoint stays
        super().done(result)
