# shellcheck shell=bash
# Shared by every script in scripts/: where the toolchain lives and how to run a command in it.
#
# Two modes, chosen by scripts/setup and remembered in $PU_CACHE/mode:
#   host  - the machine already has a Python new enough for Home Assistant; a venv beside it.
#   root  - it does not (Debian 12 ships 3.11): a Debian testing root made by debootstrap holds
#           Python 3.14 and the venv; commands run in it through unshare + chroot, with the repo
#           bind-mounted at the same absolute path, so paths in output are the same either way.
# The toolchain lives outside the clone so a fresh clone on the same machine reuses it; it is
# keyed by the hash of requirements_test.txt, so a changed pin rebuilds the venv.

set -euo pipefail

PU_REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
PU_CACHE="${PREPAID_UTILITY_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/prepaid_utility}"
PU_ROOT="$PU_CACHE/root-testing"
PU_MIN_PYTHON="3.14.2"
PU_REQUIREMENTS="$PU_REPO/requirements_test.txt"

pu_log() { printf '[%s] %s\n' "$(basename "$0")" "$*" >&2; }

pu_requirements_hash() {
    cat "$PU_REQUIREMENTS" "$PU_REPO/scripts/setup" | sha256sum | cut -c1-16
}

pu_mode() { cat "$PU_CACHE/mode" 2>/dev/null || true; }

# The venv path as seen by the command that runs in it.
pu_venv() {
    if [ "$(pu_mode)" = root ]; then echo /opt/venv; else echo "$PU_CACHE/venv-host"; fi
}

pu_ready() {
    local stamp
    case "$(pu_mode)" in
        root) stamp="$PU_ROOT/opt/venv/.stamp" ;;
        host) stamp="$PU_CACHE/venv-host/.stamp" ;;
        *) return 1 ;;
    esac
    [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$(pu_requirements_hash)" ]
}

pu_ensure_setup() {
    if ! pu_ready; then
        "$PU_REPO/scripts/setup"
    fi
}

# Run "$@" with the project's Python first on PATH, in the repo folder.
pu_run() {
    local venv
    venv="$(pu_venv)"
    local -a keep=(
        "PATH=$venv/bin:/usr/local/bin:/usr/bin:/bin"
        "VIRTUAL_ENV=$venv"
        "HOME=${HOME:-/root}"
        "LANG=C.UTF-8"
        "PYTHONPATH=$PU_REPO"
        "PU_REPO=$PU_REPO"
        "PYTHONDONTWRITEBYTECODE=1"
    )
    # Home Assistant installs missing requirements with uv, which must trust the same CA bundle
    # pip does (machines behind a TLS-inspecting proxy).
    if [ -f /etc/ssl/certs/ca-certificates.crt ]; then
        keep+=("SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt" "UV_NATIVE_TLS=true")
    fi
    local var
    for var in CI TERM PREPAID_UTILITY_PG_URL PREPAID_UTILITY_SEED PYTEST_ADDOPTS; do
        if [ -n "${!var:-}" ]; then keep+=("$var=${!var}"); fi
    done
    if [ "$(pu_mode)" != root ]; then
        (cd "$PU_REPO" && env -i "${keep[@]}" "$@")
        return
    fi
    # Mounts made inside unshare's private namespace vanish with it: nothing leaks into the host,
    # and no host /dev is ever bound into the root.
    unshare --mount --propagation private -- /bin/bash -c '
        set -e
        root="$1"; repo="$2"; shift 2
        mount -t proc proc "$root/proc"
        mount -t tmpfs -o mode=1777 tmpfs "$root/dev/shm"
        mkdir -p "$root/dev/pts"
        mount -t devpts -o newinstance,ptmxmode=0666,mode=0620 devpts "$root/dev/pts"
        ln -sf pts/ptmx "$root/dev/ptmx"
        mkdir -p "$root$repo"
        mount --bind "$repo" "$root$repo"
        if [ -d "$repo/../shared" ]; then
            mkdir -p "$root$repo/../shared"
            mount --bind -o ro "$repo/../shared" "$root$repo/../shared" 2>/dev/null || true
        fi
        cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
        exec chroot "$root" /bin/sh -c "cd \"$repo\" && exec \"\$@\"" sh "$@"
    ' pu "$PU_ROOT" "$PU_REPO" env -i "${keep[@]}" "$@"
}

# What the toolchain holds, one "name version (pinned|floats)" line each: the pinned Python stack
# and the Debian packages that move with testing (printed by scripts/setup and scripts/test).
pu_versions() {
    pu_run python - <<'PY'
import platform, shutil, subprocess
from importlib import metadata
print(f"  python {platform.python_version()} (floats: Debian testing's python3.14)")
for name in ("homeassistant", "pytest-homeassistant-custom-component", "pymodbus", "psycopg",
             "SQLAlchemy", "playwright", "home-assistant-frontend", "pytest-xdist"):
    print(f"  {name} {metadata.version(name)} (pinned)")
chromium = shutil.which("chromium")
found = subprocess.run([chromium, "--version"], capture_output=True, text=True).stdout.split()
print(f"  chromium {next((w for w in found if w[:1].isdigit()), '?')} (floats: Debian)"
      if chromium else "  chromium not installed")
PY
    local bindir
    for bindir in /usr/lib/postgresql/*/bin; do
        [ -x "$bindir/postgres" ] && echo "  postgresql $("$bindir/postgres" --version | awk '{print $3}') (floats: the host's Debian)"
    done
    command -v node >/dev/null && echo "  node $(node --version) (floats: the host's)"
    return 0
}
