#!/usr/bin/env bash
# Contact sheets of rendered ads: two frames a second, tiled, one PNG per video, to look at
# an ad's motion, layout and text at a glance (issue 15's review).
#   bash scripts/contact_sheets.sh [VIDEO_DIR (default out)] [SHEET_DIR (default out/contact)]
set -euo pipefail
cd "$(dirname "$0")/.."
src="${1:-out}"
dst="${2:-out/contact}"
mkdir -p "$dst"
ffmpeg="$(.venv/bin/python -c 'import imageio_ffmpeg; print(imageio_ffmpeg.get_ffmpeg_exe())')"
shopt -s nullglob
for video in "$src"/*.mp4; do
    name="$(basename "${video%.mp4}")"
    # Tiles 270 px on their long side; 10 across (15 s at 2 fps = 30 tiles = 3 rows).
    "$ffmpeg" -v error -y -i "$video" \
        -vf "fps=2,scale='if(gt(iw,ih),480,-2)':'if(gt(iw,ih),-2,480)',tile=10x4:padding=4:color=white" \
        -frames:v 1 "$dst/$name.png"
    echo "$dst/$name.png"
done
