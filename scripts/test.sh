#!/usr/bin/env bash
# The test suite against real PostgreSQL and Redis (started on loopback, stopped afterwards),
# a real Celery worker, Chromium and ffmpeg. Sets the machine up first when needed.
# Extra arguments go to pytest, e.g. `bash scripts/test.sh tests/products -x`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh --test
.venv/bin/ruff check .
# shellcheck source=scripts/services.sh
source scripts/services.sh
.venv/bin/pytest "$@"
