# Python for Home Assistant, provisioned without touching the system; sourced by scripts/setup
# and scripts/compat, so every Python version comes the same way.
#
#   . scripts/lib/python.sh
#   PY=$(python_for 3.13 "${PYTHON:-}")  # the real path of a CPython 3.13 (>= 3.13.2)
#   venv_for 3.13 "$PY" "$VENV"          # (re)create $VENV unless it already runs that Python
#   "$UV" pip install ...                # $UV: uv, installed into $CACHE_ROOT/tools when missing
#
# Interpreter, in this order:
#   1. the candidate given (e.g. $PYTHON), then python3.X on PATH;
#   2. one provisioned earlier into $CACHE_ROOT/python3.X;
#   3. `uv python install 3.X` (needs python-build-standalone downloads);
#   4. Debian hosts without those downloads: Debian's own python3.X packages (3.13 from trixie,
#      3.14 from forky), unpacked into a private root under $CACHE_ROOT/python3.X and run on
#      their own glibc (patchelf). Nothing under /usr or /etc/apt is changed.
# shellcheck shell=bash

CACHE_ROOT=${CACHE_ROOT:-${XDG_CACHE_HOME:-$HOME/.cache}/smscentre}
DEBIAN_MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
export UV_CACHE_DIR=${UV_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/uv}
mkdir -p "$CACHE_ROOT"

log() { printf '[%s] %s\n' "${LOG_NAME:-python}" "$*" >&2; }

python_floor() {  # the oldest patch release Home Assistant accepts on this minor version
  case $1 in
    3.13) echo 3.13.2 ;;
    3.14) echo 3.14.2 ;;
    *) log "no recipe for Python $1"; return 1 ;;
  esac
}

debian_suite() {  # the Debian suite whose python3.X is that minor version
  case $1 in
    3.13) echo trixie ;;
    3.14) echo forky ;;
    *) return 1 ;;
  esac
}

py_ok() {  # py_ok 3.13 PATH: a CPython 3.13.x >= the floor with the stdlib modules HA needs
  local floor
  [ -n "${2:-}" ] && [ -x "$2" ] || return 1
  floor=$(python_floor "$1") || return 1
  "$2" - "$1" "$floor" <<'PY' >/dev/null 2>&1
import sys
minor, floor = sys.argv[1], tuple(int(p) for p in sys.argv[2].split("."))
assert f"{sys.version_info[0]}.{sys.version_info[1]}" == minor, sys.version
assert sys.version_info >= floor, sys.version
import ssl, sqlite3, ctypes, zlib, bz2, lzma, uuid, venv
PY
}

ensure_apt_pkgs() {  # install missing host packages only (root)
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  [ "$(id -u)" = 0 ] || { log "please install: ${missing[*]}"; return 1; }
  log "apt-get install ${missing[*]}"
  apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null 2>&1 \
    || { apt-get update >/dev/null && apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null; }
}

private_apt() {  # private_apt DIR SUITE args...: apt-get with its own config, lists and status
  local a=$1 suite=$2
  shift 2
  if [ ! -f "$a/apt.conf" ]; then
    mkdir -p "$a/lists/partial" "$a/archives/partial" "$a/cache" "$a/sources.list.d" "$a/prefs.d"
    cat > "$a/sources.list" <<SRC
deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $DEBIAN_MIRROR $suite main
SRC
    : > "$a/status"  # empty: apt resolves the whole closure, glibc included
    cat > "$a/apt.conf" <<CONF
Dir::Etc::sourcelist "$a/sources.list";
Dir::Etc::sourceparts "$a/sources.list.d";
Dir::Etc::preferences "/dev/null";
Dir::Etc::preferencesparts "$a/prefs.d";
Dir::State::Lists "$a/lists";
Dir::State::status "$a/status";
Dir::Cache "$a/cache";
Dir::Cache::archives "$a/archives";
APT::Architecture "amd64";
APT::Install-Recommends "false";
APT::Sandbox::User "root";
CONF
  fi
  APT_CONFIG=$a/apt.conf apt-get -q "$@"
}

install_from_debs() {  # install_from_debs 3.13: Debian's python3.13 into $CACHE_ROOT/python3.13
  local v=$1 home=$CACHE_ROOT/python$1 suite root lib d
  suite=$(debian_suite "$v") || return 1
  root=$home/debroot
  command -v dpkg-deb >/dev/null || { log "no dpkg-deb: install Python $v yourself"; return 1; }
  ensure_apt_pkgs patchelf ca-certificates debian-archive-keyring || return 1
  log "fetching Debian $suite's python$v into $root"
  private_apt "$home/apt" "$suite" update >/dev/null 2>&1 || return 1
  private_apt "$home/apt" "$suite" install -y --download-only \
    "python$v" "python$v-venv" "python$v-dev" >/dev/null || return 1
  rm -rf "$root" && mkdir -p "$root"
  for d in "$home"/apt/archives/*.deb; do dpkg-deb -x "$d" "$root" || return 1; done
  lib=$root/usr/lib/x86_64-linux-gnu
  # run on the suite's own glibc; DT_RPATH also covers the lib-dynload modules
  patchelf --set-interpreter "$lib/ld-linux-x86-64.so.2" --force-rpath --set-rpath "$lib" \
    "$root/usr/bin/python$v" || return 1
  # ensurepip looks for its wheels at an absolute /usr/share/python-wheels
  sed -i "s|'WHEEL_PKG_DIR': '/usr/share/python-wheels/'|'WHEEL_PKG_DIR': '$root/usr/share/python-wheels/'|" \
    "$root/usr/lib/python$v"/_sysconfigdata__*.py
  # the multiarch pyconfig.h wrapper includes a path outside the -I that C builds use
  cp "$root/usr/include/x86_64-linux-gnu/python$v/pyconfig.h" "$root/usr/include/python$v/pyconfig.h"
  ln -sfn "$root/usr/bin/python$v" "$home/python$v"
}

# ---- uv ---------------------------------------------------------------------------------------
UV=$(command -v uv || true)
if [ -z "$UV" ]; then
  UV=$CACHE_ROOT/tools/bin/uv
  if [ ! -x "$UV" ]; then
    log "installing uv into $CACHE_ROOT/tools"
    python3 -m venv "$CACHE_ROOT/tools"
    "$CACHE_ROOT/tools/bin/pip" install -q uv
  fi
fi

python_for() {  # python_for 3.13 [CANDIDATE]: print the real path of a usable CPython 3.13
  local v=$1 candidate=${2:-} floor next found py=""
  floor=$(python_floor "$v") || return 1
  next=${v%.*}.$((${v#*.} + 1))
  if py_ok "$v" "$candidate"; then
    py=$candidate
  elif found=$(command -v "python$v") && py_ok "$v" "$found"; then
    py=$found
  elif py_ok "$v" "$CACHE_ROOT/python$v/python$v"; then
    py=$CACHE_ROOT/python$v/python$v
  elif found=$("$UV" python find ">=$floor,<$next" 2>/dev/null) && py_ok "$v" "$found"; then
    py=$found
  elif timeout 120 "$UV" python install "$v" >/dev/null 2>&1 \
       && found=$("$UV" python find ">=$floor,<$next" 2>/dev/null) && py_ok "$v" "$found"; then
    py=$found
  else
    install_from_debs "$v" || { log "could not provision Python >= $floor"; return 1; }
    py=$CACHE_ROOT/python$v/python$v
    py_ok "$v" "$py" || { log "provisioned interpreter $py is not usable"; return 1; }
  fi
  readlink -f "$py"  # venvs must point at the real file, not a symlink elsewhere
}

venv_for() {  # venv_for 3.13 PYTHON VENV: a venv on that Python, kept when it already is one
  py_ok "$1" "$3/bin/python" && return 0
  rm -rf "$3"
  "$UV" venv -q --seed --python "$2" "$3"
}
