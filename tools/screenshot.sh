#!/usr/bin/env bash
# Take the README's screenshots of the real window under Xvfb:
#   tools/screenshot.sh          docs/screenshot.png: ghost text after the cursor
#   tools/screenshot.sh rewrite  docs/rewrite.png: a paragraph being rewritten Formal
# Needs: apt-get install xvfb xdotool imagemagick libxcb-cursor0 (and the .venv from `make`).
set -euo pipefail
cd "$(dirname "$0")/.."
export DISPLAY=:97 HF_HUB_OFFLINE=1
Xvfb "$DISPLAY" -screen 0 1100x760x24 >/dev/null 2>&1 &
xvfb=$!
doc=$(mktemp --suffix=.md)
if [ "${1:-}" = rewrite ]; then
  printf '# Status update\n\nhey team, the launch is gonna slip a week cause the tests keep failing lol.\n' > "$doc"
  out=docs/rewrite.png
else
  printf '# The Lighthouse\n\n' > "$doc"
  out=docs/screenshot.png
fi
.venv/bin/writer-app "$doc" >/dev/null 2>&1 &
app=$!
trap 'kill $app $xvfb 2>/dev/null; rm -f "$doc"' EXIT
sleep 10  # window up, model loaded and warmed up
if [ "${1:-}" = rewrite ]; then
  xdotool mousemove 300 300 click 1 key ctrl+End Left shift+Home  # select the paragraph
  sleep 0.5
  xdotool key ctrl+shift+r
  sleep 1
  xdotool key Down Return  # the first style: Formal
  sleep 20
else
  xdotool mousemove 300 300 click 1 key ctrl+End
  xdotool type --delay 40 "Every evening the old keeper climbed the narrow stairs to the lamp room. He wiped the salt from the glass and"
  sleep 8
fi
import -window root png:- | convert - -trim +repage "$out"  # crop the black screen
echo "wrote $out"
