"""A stand-in for the editor in the crash test: types into a document and autosaves it.

    python recovery_typist.py FOLDER SCRIPT.json

SCRIPT.json holds {"base": the document's text when typing starts, "typed": what to type,
"seed": for the rhythm, "slow_disk_s": extra seconds each fsync takes (to be killed mid-save
more often)}. Keys come in bursts (one every CHAR_INTERVAL_S) with pauses between;
the document is saved to a RecoveryStore in FOLDER once typing has paused for DEBOUNCE_S, or
at the latest MAX_WAIT_S after the first unsaved key, as the app does. It types until it is
killed (or runs out of text).

On stdout, unbuffered: "R" once ready, "K<t>;" after each key, "W;" as a save starts and
"S<t>;" once it is done, where <t> is the time.monotonic() of the key, or at which the saved
text was taken.
"""

from __future__ import annotations

import json
import os
import random
import sys
import time
from pathlib import Path
from typing import Any

from writer_app.documents import TextFormat
from writer_app.recovery import RecoveryStore

CHAR_INTERVAL_S = 0.005
DEBOUNCE_S = 0.2
MAX_WAIT_S = 0.5
DOC_ID = "doc-1"


def main() -> None:
    folder, script_file = Path(sys.argv[1]), Path(sys.argv[2])
    script = json.loads(script_file.read_text(encoding="utf-8"))
    base: str = script["base"]
    typed: str = script["typed"]
    rng = random.Random(script["seed"])
    if script.get("slow_disk_s"):
        real_fsync, delay = os.fsync, float(script["slow_disk_s"])

        def slow_fsync(fd: Any) -> None:
            time.sleep(delay)
            real_fsync(fd)

        os.fsync = slow_fsync
    store = RecoveryStore(folder)
    fmt = TextFormat("utf-8", False, "\r\n")
    count = 0  # keys typed
    burst = rng.randint(3, 40)
    last_key = first_unsaved = None
    next_key = time.monotonic()
    os.write(1, b"R")
    while count < len(typed):
        now = time.monotonic()
        if first_unsaved is not None and last_key is not None:
            save_at = min(last_key + DEBOUNCE_S, first_unsaved + MAX_WAIT_S)
            if save_at <= now or save_at <= next_key:
                time.sleep(max(0.0, save_at - now))
                taken = time.monotonic()
                os.write(1, b"W;")
                store.save(
                    DOC_ID, base + typed[:count], path="/tmp/story.txt", fmt=fmt, title="story.txt"
                )
                os.write(1, f"S{taken:.6f};".encode())
                first_unsaved = None
                continue
        time.sleep(max(0.0, next_key - now))
        count += 1
        last_key = time.monotonic()
        os.write(1, f"K{last_key:.6f};".encode())
        if first_unsaved is None:
            first_unsaved = last_key
        burst -= 1
        if burst > 0:
            next_key = last_key + CHAR_INTERVAL_S
        else:  # a pause: sometimes shorter, sometimes longer than the debounce
            burst = rng.randint(3, 40)
            next_key = last_key + rng.uniform(0.02, 0.4)
    time.sleep(3600)


if __name__ == "__main__":
    main()
