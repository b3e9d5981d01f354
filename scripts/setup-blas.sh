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

if [ "$native" = 1 ]; then
  # Fused causal attention kernel (src/model/attentionFused.ts loads it through koffi). Rebuilt when the source
  # is newer than the library. -march=native: built on the machine that runs it (native/build/ is not committed).
  src="$root/native/attention.c"
  out="$root/native/build/libstructprune_attention.so"
  cc="${CC:-$(command -v cc || command -v gcc || command -v clang || true)}"
  if [ -z "$cc" ]; then
    echo "setup-blas.sh: no C compiler: fused native attention not built (the tfjs attention path is used)" >&2
  elif [ ! -f "$out" ] || [ "$src" -nt "$out" ]; then
    mkdir -p "$root/native/build"
    if "$cc" -O3 -march=native -fopenmp-simd -shared -fPIC -pthread -o "$out.tmp" "$src" -lm; then
      mv "$out.tmp" "$out"
      echo "setup-blas.sh: built $out"
    else
      rm -f "$out.tmp"
      echo "setup-blas.sh: compiling $src failed: the tfjs attention path is used" >&2
    fi
  else
    echo "setup-blas.sh: $out is up to date"
  fi
fi
