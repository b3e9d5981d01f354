#!/usr/bin/env bash
# The webgpu check on a GPU machine without network: run from the folder `npm run device:bundle` wrote.
#   bash device-check.sh [--quick] [--icd FILE] [--only STEP[,STEP…]]   (steps: forward,ppl,prune,memory)
# Prints the adapter, then on webgpu and on wasm: forward tokens/s (both attention layouts), full
# TinyStories-val perplexity + time, one StructPrune prune at s = 0.3 with timings, the memory experiment
# (GPU bytes on webgpu): one JSON line each (stdout; progress on stderr). Budget: 8 minutes on a GPU.
# --quick: reduced sizes (perplexity on 8 windows, prune with 4 windows × 64 tokens and 3 iterations, memory
# on 2 sizes), for software Vulkan where the full run takes too long.
# Vulkan: VK_ICD_FILENAMES if set, else --icd FILE, else the NVIDIA ICD at /usr/local/nvidia/share/vulkan/icd.d/
# nvidia_icd.json, /usr/share/vulkan/icd.d/nvidia_icd.json or /etc/vulkan/icd.d/nvidia_icd.json (its driver
# libraries: /usr/local/nvidia/lib64 is added to LD_LIBRARY_PATH). The loader libvulkan.so.1: the system's,
# else the one in debs/ unpacked into ./vulkan-loader.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here"

quick=0
only=",forward,ppl,prune,memory,"
icd="${VK_ICD_FILENAMES:-}"
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) quick=1 ;;
    --icd) icd="$2"; shift ;;
    --only) only=",$2,"; shift ;;
    -h|--help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "device-check.sh: unknown option $1 (use --quick, --icd FILE or --help)" >&2; exit 2 ;;
  esac
  shift
done
t_start=$(date +%s)
log() { echo "device-check: $*" >&2; }

# 1. Node and Dawn, unpacked once
if [ ! -x ./node ]; then xz -dc node.xz > node.tmp && chmod +x node.tmp && mv node.tmp node; fi
if [ ! -f ./dawn.node ]; then xz -dc dawn.node.xz > dawn.node.tmp && mv dawn.node.tmp dawn.node; fi

# 2. Vulkan ICD
if [ -z "$icd" ]; then
  for f in /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json /usr/share/vulkan/icd.d/nvidia_icd.json /etc/vulkan/icd.d/nvidia_icd.json; do
    if [ -f "$f" ]; then icd="$f"; break; fi
  done
fi
if [ -n "$icd" ]; then export VK_ICD_FILENAMES="$icd"; else log "no Vulkan ICD given or found; relying on the loader's own search"; fi
for d in /usr/local/nvidia/lib64 /usr/local/nvidia/lib; do
  if [ -d "$d" ]; then export LD_LIBRARY_PATH="$d${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"; fi
done

# 3. the Vulkan loader: system's, else the carried .deb
have_loader() { ldconfig -p 2>/dev/null | grep -q 'libvulkan\.so\.1 ' || { [ -n "${LD_LIBRARY_PATH:-}" ] && for d in ${LD_LIBRARY_PATH//:/ }; do [ -e "$d/libvulkan.so.1" ] && return 0; done; false; }; }
if ! have_loader; then
  deb="$(ls debs/libvulkan1_*.deb 2>/dev/null | head -1 || true)"
  [ -n "$deb" ] || { echo "device-check.sh: no libvulkan.so.1 on this machine and no debs/libvulkan1_*.deb in the bundle" >&2; exit 1; }
  if [ ! -d vulkan-loader ]; then
    mkdir -p vulkan-loader.tmp
    if command -v dpkg-deb >/dev/null 2>&1; then dpkg-deb -x "$deb" vulkan-loader.tmp
    else (cd vulkan-loader.tmp && ar x "../$deb" && tar -xf data.tar.* && rm -f data.tar.* control.tar.* debian-binary); fi
    mv vulkan-loader.tmp vulkan-loader
  fi
  libdir="$(dirname "$(find "$here/vulkan-loader" -name 'libvulkan.so.1' | head -1)")"
  export LD_LIBRARY_PATH="$libdir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  log "using the carried Vulkan loader ($libdir)"
fi

export STRUCTPRUNE_DAWN_NODE="$here/dawn.node"
export STRUCTPRUNE_DATA="$here/data"
run() { # backend step args...
  local b="$1"; shift
  STRUCTPRUNE_BACKEND="$b" ./node structprune.js device-check "$@"
}

if [ "$quick" = 1 ]; then
  ppl=(--max-windows 8); prune=(--samples 4 --seqlen 64 --iterations 3); mem=(--sizes 2 --iterations 1); fwd=(--tokens 256 --rounds 2)
else
  ppl=(); prune=(--samples 16 --seqlen 256 --iterations 10); mem=(--sizes 3 --iterations 2); fwd=(--tokens 512 --rounds 5)
fi

failed=0
run webgpu adapter
for step in forward ppl prune memory; do
  case "$only" in *",$step,"*) ;; *) continue ;; esac
  case "$step" in forward) a=("${fwd[@]}") ;; ppl) a=("${ppl[@]}") ;; prune) a=("${prune[@]}") ;; memory) a=("${mem[@]}") ;; esac
  for b in webgpu wasm; do
    log "$step on $b ($(( $(date +%s) - t_start )) s so far)"
    run "$b" "$step" ${a[@]+"${a[@]}"} || { rc=$?; failed=1; echo "{\"step\":\"$step\",\"backend\":\"$b\",\"error\":\"exit $rc (see stderr)\"}"; }
  done
done
log "done in $(( $(date +%s) - t_start )) s"
exit "$failed"
