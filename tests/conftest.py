"""Shared fixtures: isolated app folders, a tiny random model, the real built-in model,
and an asyncio loop running inside Qt (qasync) for GUI tests."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import pytest

if TYPE_CHECKING:
    from pytestqt.qtbot import QtBot

    from writer_app.assistant import Assistant
    from writer_app.config import Settings
    from writer_app.ui.editor import GhostTextEditor
    from writer_app.ui.main_window import MainWindow

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["HF_HUB_DISABLE_TELEMETRY"] = "1"

TINY_CORPUS = [
    "The quick brown fox jumps over the lazy dog. A writer writes words, sentences and "
    "paragraphs. The morning was cold and the river was quiet.",
    "She opened the door and looked outside. It was raining again, and the street was empty.",
    "def add(a, b):\n    return a + b\n\nprint(add(1, 2))\n",
]


@pytest.fixture(autouse=True)
def app_dirs(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Each test gets its own config, data and state folders (never the user's)."""
    root = tmp_path_factory.mktemp("home")
    for var in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME"):
        monkeypatch.setenv(var, str(root / var.lower()))
    return root


def _build_tiny_model(folder: Path) -> None:
    import torch
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

    specials = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=400,
        special_tokens=specials,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator(TINY_CORPUS, trainer)
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=tok,
        unk_token=specials[0],
        bos_token=specials[1],
        eos_token=specials[2],
        pad_token=specials[2],
    )
    config = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=2,
        num_key_value_heads=1,
        max_position_embeddings=1024,
        bos_token_id=1,
        eos_token_id=2,
        pad_token_id=2,
        tie_word_embeddings=False,
    )
    torch.manual_seed(0)
    model = LlamaForCausalLM(config)
    # Sharp, random preferences among plain printable tokens only; never the end of text,
    # control bytes or bare whitespace. Its output is readable, never empty, and greedy
    # decoding is deterministic.
    with torch.no_grad():
        model.lm_head.weight.mul_(20.0)
        for i in range(len(tokenizer)):
            text = tokenizer.decode([i])
            assert isinstance(text, str)
            if i < len(specials) or not (text.isascii() and text.isprintable() and text.strip()):
                model.lm_head.weight[i] = 0.0
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 2-layer random Llama with a small BPE tokenizer, saved as safetensors."""
    folder = tmp_path_factory.mktemp("tiny-model")
    _build_tiny_model(folder)
    return folder


@pytest.fixture(scope="session")
def tiny_lm(tiny_model_dir: Path):
    from writer_app.engine.loader import load_model

    return load_model(str(tiny_model_dir), "cpu")


@pytest.fixture(scope="session")
def real_lm():
    """The built-in model (converted once into the user's cache, like the app does)."""
    from writer_app.engine.loader import load_model

    return load_model("builtin", "cpu")


@pytest.fixture(scope="session")
def tiny_backend(tiny_lm):
    """The tiny model behind the backend interface the features use."""
    from writer_app.engine.local import LocalBackend

    return LocalBackend(tiny_lm)


@pytest.fixture(scope="session")
def real_backend(real_lm):
    """The built-in model behind the backend interface the features use."""
    from writer_app.engine.local import LocalBackend

    return LocalBackend(real_lm)


@pytest.fixture
def aio(qapp):
    """An asyncio loop driven by Qt's event loop, as in the app (qasync), for one test."""
    import qasync

    loop = qasync.QEventLoop(qapp, already_running=True)
    asyncio.set_event_loop(loop)
    yield loop
    for task in asyncio.all_tasks(loop):
        task.cancel()
    qapp.processEvents()
    qapp.aboutToQuit.disconnect(loop._after_run_forever)
    # Mark it stopped without loop.stop(): that calls QApplication.exit(), which would
    # make every later Qt event loop in this process return at once.
    loop._QEventLoop__is_running = False
    loop._after_run_forever()
    asyncio.events._set_running_loop(None)
    loop.close()
    asyncio.set_event_loop(None)


@pytest.fixture
def run_async(aio, qtbot):
    """Run a coroutine to completion while Qt processes events."""

    def run(coro, timeout: float = 60.0):
        task = asyncio.ensure_future(coro)
        qtbot.waitUntil(task.done, timeout=int(timeout * 1000))
        return task.result()

    return run


@pytest.fixture
def assistant(aio) -> Iterator[Assistant]:
    from writer_app.assistant import Assistant

    a = Assistant()
    a.start()
    yield a
    a.shutdown()


@pytest.fixture
def make_window(qtbot: QtBot, assistant: Assistant) -> Iterator[Callable[..., MainWindow]]:
    """Main windows that are closed without a "save changes?" question at teardown."""
    from writer_app.ui.main_window import MainWindow

    made: list[MainWindow] = []

    def make(settings: Settings, **kwargs: Any) -> MainWindow:
        w = MainWindow(assistant, settings, **kwargs)
        made.append(w)
        w.show()
        qtbot.waitExposed(w)
        w.editor.setFocus()
        return w

    yield make
    for w in made:
        for tab in w.documents():
            tab.editor.document().setModified(False)
        w.close()
        w.deleteLater()


@pytest.fixture
def shown_editor(qtbot: QtBot) -> GhostTextEditor:
    """A ghost-text editor on screen, with the focus."""
    from writer_app.ui.editor import GhostTextEditor

    e = GhostTextEditor()
    qtbot.addWidget(e)
    e.resize(500, 300)
    e.show()
    qtbot.waitExposed(e)
    e.setFocus()
    return e


@pytest.fixture
def suggestion_settings() -> Settings:
    """Settings for quick suggestions from the tiny model: a short pause, a few tokens."""
    from writer_app.config import Settings
    from writer_app.options import Decoding

    s = Settings()
    s.editor.delay_ms = 30
    s.editor.suggestion_length = "length"
    # Feature sections are added at runtime; mypy lets them be read, not assigned.
    cast(Any, s).continuation = Decoding(max_new_tokens=6, alternatives=1)
    return s


@pytest.fixture(scope="session")
def llama_server() -> Iterator[str]:
    """llama.cpp's OpenAI-compatible server (llama-cpp-python) on the built-in model's GGUF
    file, for the whole session; its /v1 URL."""
    from servers import start_llama_server

    with start_llama_server() as url:
        yield url


@pytest.fixture
def server_backend(llama_server: str):
    """A fresh connection to the real server (a backend as the app opens one)."""
    from servers import MODEL_ALIAS

    from writer_app.engine.remote import RemoteBackend

    return RemoteBackend.connect(llama_server, MODEL_ALIAS, timeout=60.0)
