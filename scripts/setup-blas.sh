#!/usr/bin/env bash
# Install the system BLAS/LAPACK that src/linalg/blas.ts loads through koffi, when missing:
#   libopenblas0-pthread   OpenBLAS (BLAS + LAPACK, pthreads) under /usr/lib/<triplet>/openblas-pthread/
# Optional: --native also compiles the fused causal-attention kernel (native/attention.c → native/build/)
# when a C compiler is present; without one the project uses its wasm path (nothing fails).
# Idempotent: does nothing when the library is there. Waits up to 10 minutes for the dpkg lock.
# Used by .ci/run. Needs root or sudo on Debian/Ubuntu; elsewhere it prints what to install and exits 0
# (the TypeScript linear algebra is the fallback; STRUCTPRUNE_BLAS=ts forces it).
# OpenBLAS reads OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE / OPENBLAS_NUM_THREADS from the environment; this
# script never sets them (see README, "Host linear algebra").
set -euo pipefail

native=0
for arg in "$@"; do
  case "$arg" in
    --native) native=1 ;;
    -h|--help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "setup-blas.sh: unknown option $arg (use --native or --help)" >&2; exit 2 ;;
  esac
done
root="$(cd "$(dirname "$0")/.." && pwd)"

have_lib() { ls /usr/lib/*/openblas-pthread/libopenblas.so.0 >/dev/null 2>&1 || ldconfig -p 2>/dev/null | grep -q 'libopenblas\.so\.0'; }

if ! have_lib; then
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "setup-blas.sh: OpenBLAS not found and this is not Debian/Ubuntu: install OpenBLAS (with LAPACK) and" >&2
    echo "  point STRUCTPRUNE_BLAS_LIB at libopenblas.so, or run with STRUCTPRUNE_BLAS=ts" >&2
    exit 0
  fi
  sudo=""
  if [ "$(id -u)" != 0 ]; then
    if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
      echo "setup-blas.sh: need root to apt-get install libopenblas0-pthread (no sudo)" >&2; exit 1
    fi
  fi
  echo "setup-blas.sh: installing libopenblas0-pthread"
  $sudo apt-get -o DPkg::Lock::Timeout=600 update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends libopenblas0-pthread
fi
have_lib || { echo "setup-blas.sh: libopenblas.so.0 still missing" >&2; exit 1; }
echo "setup-blas.sh: OpenBLAS ready ($(ls /usr/lib/*/openblas-pthread/libopenblas.so.0 2>/dev/null | head -1))"
