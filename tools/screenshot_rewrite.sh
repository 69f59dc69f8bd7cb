#!/usr/bin/env bash
# Take docs/rewrite.png: the real window under Xvfb, a paragraph being rewritten Formal.
# Needs: apt-get install xvfb xdotool imagemagick libxcb-cursor0 (and the .venv from `make`).
set -euo pipefail
cd "$(dirname "$0")/.."
export DISPLAY=:98 HF_HUB_OFFLINE=1
Xvfb "$DISPLAY" -screen 0 1100x760x24 >/dev/null 2>&1 &
xvfb=$!
doc=$(mktemp --suffix=.md)
printf '# Status update\n\nhey team, the launch is gonna slip a week cause the tests keep failing lol.\n' > "$doc"
.venv/bin/writer-app "$doc" >/dev/null 2>&1 &
app=$!
trap 'kill $app $xvfb 2>/dev/null; rm -f "$doc"' EXIT
sleep 10  # window up, model loaded and warmed up
xdotool mousemove 300 300 click 1 key ctrl+End Left shift+Home  # select the paragraph (one line)
sleep 0.5
xdotool key ctrl+shift+r
sleep 1
xdotool key Down Return  # the first style: Formal
sleep "${1:-25}"
import -window root png:- | convert - -trim +repage docs/rewrite.png  # crop the black screen
echo "wrote docs/rewrite.png"
