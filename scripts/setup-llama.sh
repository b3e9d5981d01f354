#!/usr/bin/env bash
# Install llama.cpp for `eval --engine llama.cpp` and the GGUF tests: node-llama-cpp 3.22.1 with only its
# prebuilt CPU package @node-llama-cpp/linux-x64 (≈ 85 MB), into tools/llama/node_modules, from the pinned
# tools/llama/package-lock.json. Its own folder, because node-llama-cpp lists 14 prebuilt variants (CUDA,
# Vulkan, …, ≈ 725 MB) as optional dependencies: `--omit=optional` here drops them without touching the main
# project's optional dependencies. No compiler and no download besides the npm registry (the postinstall
# step that could fetch llama.cpp sources is skipped). Idempotent: does nothing when the pinned version is
# there. Used by .ci/run. Other platforms: run `npm install` in tools/llama (picks that platform's prebuilt).
set -euo pipefail
dir="$(cd "$(dirname "$0")/.." && pwd)/tools/llama"
want=3.22.1
have() { node -e "process.exit(require('$dir/node_modules/$1/package.json').version === '$want' ? 0 : 1)" 2>/dev/null; }
if have node-llama-cpp && have @node-llama-cpp/linux-x64; then
  echo "setup-llama.sh: node-llama-cpp $want already installed in $dir"
  exit 0
fi
if [ "$(uname -s)-$(uname -m)" != "Linux-x86_64" ]; then
  echo "setup-llama.sh: the pinned prebuilt is @node-llama-cpp/linux-x64; on $(uname -s)-$(uname -m) run 'npm install' in $dir" >&2
  exit 1
fi
cd "$dir"
# `npm install --no-save` with the committed lock installs the locked versions and leaves the lock as is.
# (Not `npm ci`: it insists that every optional variant be in the lock, and registries that do not serve
# all 14 of them, like the development machines' one, leave some out.)
NODE_LLAMA_CPP_SKIP_DOWNLOAD=true npm install --omit=optional --no-save --no-audit --no-fund
echo "setup-llama.sh: installed node-llama-cpp $want ($(du -sh node_modules | cut -f1)) in $dir"
