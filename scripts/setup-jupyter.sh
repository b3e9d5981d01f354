#!/usr/bin/env bash
# Install the Debian pieces the notebooks, their tests and the kernel conformance test need, when missing:
#   jupyter-client jupyter-nbconvert python3-nbclient   execute notebooks headless, convert them to HTML
#   python3-jupyter-kernel-test                        kernel conformance (kernel/test_kernel.py)
#   jupyter-console                                    `jupyter console --kernel structprune-ts` (kernel tests)
#   chromium fonts-liberation                          render the HTML and check every plot drew (DOM check)
# With --ui also jupyter-notebook (the browser UI). Idempotent: does nothing when everything is there.
# The kernel itself is kernel/tslab (a fork of tslab's, on npm pieces from `npm ci`); its spec is kernel/ — point
# JUPYTER_PATH at it (printed at the end). Jupyter's Python modules live under Debian's /usr/bin/python3,
# not a pyenv/conda `python3`: the runners call /usr/bin/python3 explicitly.
# Used by .ci/run. Needs root or sudo on Debian/Ubuntu; elsewhere it prints what to install.
set -euo pipefail

ui=0
for arg in "$@"; do
  case "$arg" in
    --ui) ui=1 ;;
    -h|--help) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "setup-jupyter.sh: unknown option $arg (use --ui or --help)" >&2; exit 2 ;;
  esac
done

root="$(cd "$(dirname "$0")/.." && pwd)"
py=/usr/bin/python3
missing=()

have_py_modules() { [ -x "$py" ] && "$py" -c "import $1" >/dev/null 2>&1; }
have_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }

have_py_modules "jupyter_client, nbformat" || missing+=(jupyter-client)
have_py_modules "nbconvert" || missing+=(jupyter-nbconvert)
have_py_modules "nbclient" || missing+=(python3-nbclient)
have_py_modules "jupyter_kernel_test" || missing+=(python3-jupyter-kernel-test)
have_py_modules "jupyter_console" || missing+=(jupyter-console)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
if command -v dpkg-query >/dev/null 2>&1; then have_pkg fonts-liberation || missing+=(fonts-liberation); fi
if [ "$ui" = 1 ]; then have_py_modules "notebook" || missing+=(jupyter-notebook); fi

if [ ${#missing[@]} -gt 0 ]; then
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "setup-jupyter.sh: missing ${missing[*]}; this is not a Debian/Ubuntu system: install Jupyter (jupyter_client," >&2
    echo "  nbconvert, nbclient, jupyter_kernel_test) for $py and a Chromium, then rerun" >&2
    exit 1
  fi
  sudo=""
  if [ "$(id -u)" != 0 ]; then
    if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
      echo "setup-jupyter.sh: need root to apt-get install ${missing[*]} (no sudo)" >&2; exit 1
    fi
  fi
  echo "setup-jupyter.sh: installing ${missing[*]}"
  $sudo apt-get -o DPkg::Lock::Timeout=600 update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends "${missing[@]}"
fi

# Check the result the way the runners use it.
"$py" -c "import jupyter_client, nbformat, nbclient, nbconvert, jupyter_kernel_test, jupyter_console" || { echo "setup-jupyter.sh: Jupyter modules still missing under $py" >&2; exit 1; }
command -v chromium >/dev/null 2>&1 || { echo "setup-jupyter.sh: chromium still missing" >&2; exit 1; }
if [ ! -d "$root/node_modules/zeromq" ] || [ ! -d "$root/node_modules/typescript" ]; then
  echo "setup-jupyter.sh: note: the kernel's npm pieces (typescript, zeromq, tsx) are not installed yet; run \`npm ci\` in $root" >&2
fi
echo "setup-jupyter.sh: Jupyter ready. Kernel spec: export JUPYTER_PATH=\"$root/kernel\${JUPYTER_PATH:+:\$JUPYTER_PATH}\""
