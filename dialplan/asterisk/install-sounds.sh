#!/bin/bash
# Installs pbxverify language packs into an Asterisk sounds directory:
#   <sounds>/pbxverify/<lang>/<prompt-id>.wav   (8 kHz, mono, 16-bit PCM WAV)
#   <sounds>/pbxverify/silence/<ms>.wav         (1600 800 400 200 100 50: src/prompts/media.ts)
# The driver plays them as sound:pbxverify/<lang>/<id> and sound:pbxverify/silence/<ms>.
#
# usage: install-sounds.sh SOUNDS_DIR [LANG...]          (default: every pack under sounds/)
#        install-sounds.sh --speak SOUNDS_DIR LANG...    (no recorded/generated WAVs yet: speak the
#                                                         manifest texts with espeak-ng, for testing)
# needs: sox; node (reads manifest.json); espeak-ng for --speak
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
SPEAK=0
if [ "${1:-}" = "--speak" ]; then SPEAK=1; shift; fi
DEST="${1:?usage: install-sounds.sh [--speak] SOUNDS_DIR [LANG...]}"; shift
LANGS=("$@")
if [ ${#LANGS[@]} -eq 0 ]; then
  for m in "$ROOT"/sounds/*/manifest.json; do LANGS+=("$(basename "$(dirname "$m")")"); done
fi

mkdir -p "$DEST/pbxverify/silence"
for ms in 1600 800 400 200 100 50; do
  # exact length: ms as seconds.milliseconds
  sox -n -r 8000 -c 1 -b 16 -e signed-integer "$DEST/pbxverify/silence/$ms.wav" trim 0 "$(printf "%d.%03d" $((ms / 1000)) $((ms % 1000)))"
done

for lang in "${LANGS[@]}"; do
  src="$ROOT/sounds/$lang"
  [ -f "$src/manifest.json" ] || { echo "no pack sounds/$lang" >&2; exit 1; }
  out="$DEST/pbxverify/$lang"
  mkdir -p "$out"
  voice="$(node -e 'const m=require(process.argv[1]); process.stdout.write(m.voice||process.argv[2])' "$src/manifest.json" "$lang")"
  node -e 'const m=require(process.argv[1]); for (const [id,t] of Object.entries(m.prompts)) console.log(id+"\t"+t)' "$src/manifest.json" |
  while IFS=$'\t' read -r id text; do
    if [ -f "$src/$id.wav" ]; then
      sox "$src/$id.wav" -r 8000 -c 1 -b 16 -e signed-integer "$out/$id.wav"
    elif [ $SPEAK -eq 1 ]; then
      tmp="$(mktemp --suffix=.wav)"
      espeak-ng -v "$voice" -s 150 -w "$tmp" "$text"
      sox "$tmp" -r 8000 -c 1 -b 16 -e signed-integer "$out/$id.wav" norm -3
      rm -f "$tmp"
    else
      echo "sounds/$lang/$id.wav is missing (use --speak for a temporary spoken pack)" >&2; exit 1
    fi
  done
  echo "installed $lang -> $out ($(ls "$out" | wc -l) files)"
done
echo "silence parts -> $DEST/pbxverify/silence"
