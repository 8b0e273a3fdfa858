#!/usr/bin/env bash
# The main job on embedded defaults (SQLite, no broker, local files, CPU): serve the built-in
# demo shop on loopback and turn its products into finished 9:16 ads in ./out.
# Extra arguments go to make_ad, e.g. `bash scripts/demo.sh --format 1:1 --language zh-Hans`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
exec .venv/bin/python manage.py make_ad --demo --out out "$@"
