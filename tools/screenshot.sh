#!/usr/bin/env bash
# Take docs/screenshot.png: the real editor window under Xvfb, with ghost text showing.
# Needs: apt-get install xvfb xdotool imagemagick libxcb-cursor0 (and the .venv from `make`).
set -euo pipefail
cd "$(dirname "$0")/.."
export DISPLAY=:97 HF_HUB_OFFLINE=1
Xvfb "$DISPLAY" -screen 0 1100x760x24 >/dev/null 2>&1 &
xvfb=$!
doc=$(mktemp --suffix=.md)
printf '# The Lighthouse\n\n' > "$doc"
.venv/bin/writer-app "$doc" >/dev/null 2>&1 &
app=$!
trap 'kill $app $xvfb 2>/dev/null; rm -f "$doc"' EXIT
sleep 8  # window up, model loaded and warmed up
xdotool mousemove 300 300 click 1 key ctrl+End
xdotool type --delay 40 "${1:-Every evening the old keeper climbed the narrow stairs to the lamp room. He wiped the salt from the glass and}"
sleep 8
import -window root png:- | convert - -trim +repage docs/screenshot.png  # crop the black screen
echo "wrote docs/screenshot.png"
