"""Judge the candidates stored by `exp_rewrite_candidates.py --json OUT` again with the current
rules (no model): greedy pass rate, best-of-k pass rate, and the failure reasons seen most.

    .venv/bin/python tools/quality/rejudge_candidates.py OUT.json [OUT2.json ...]
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from writer_app.tasks import quality


def main(paths: list[str]) -> int:
    for path in paths:
        rows = json.loads(Path(path).read_text())
        greedy = best = 0
        reasons: Counter[str] = Counter()
        for row in rows:
            correct = False if row["style"] == "Fix grammar and spelling" else None
            if row["source"].startswith("The recipe needs"):
                correct = True
            verdicts = [
                quality.judge_rewrite(row["source"], out, row["style"], source_is_correct=correct)
                for out in row["outputs"]
            ]
            greedy += verdicts[0].passed
            best += any(v.passed for v in verdicts)
            for v in verdicts:
                reasons.update({re.sub(r" (?:the|for|\d|“).*", "", r) for r in v.reasons})
        n, k = len(rows), len(rows[0]["outputs"]) if rows else 0
        print(f"{path}: {n} passages, {k} candidates each")
        print(f"  greedy pass {greedy}/{n} ({100 * greedy / n:.0f}%)")
        print(f"  best-of-{k} pass {best}/{n} ({100 * best / n:.0f}%)")
        print("  reasons (candidates with each):", dict(reasons.most_common(8)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
