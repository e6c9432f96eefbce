# Sourced by the project's install scripts (tools/brokers, tools/toolchains, tools/browser):
# installs missing Debian packages, or says exactly what to run when it cannot.
#   apt_install <script-name> <script-path> <package>…
# Exits the calling script with 1 when not root or without apt-get; refreshes the package
# lists first, as they may be absent or stale on a fresh machine.

apt_install() {
  local name=$1 script=$2
  shift 2
  if [[ "$(id -u)" != 0 ]]; then
    echo "$name: missing $*; installing needs root." >&2
    echo "$name: run:  sudo bash $script" >&2
    echo "$name: (or:  sudo apt-get install --no-install-recommends $*)" >&2
    exit 1
  fi
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "$name: missing $* and no apt-get here; install them with your package manager." >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  echo "$name: installing $*"
  apt-get update -q
  apt-get install -y -q --no-install-recommends "$@"
}
