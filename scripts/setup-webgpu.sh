#!/usr/bin/env bash
# Software Vulkan for the webgpu backend: Mesa >= 25 lavapipe (Debian <codename>-backports) and the Vulkan
# loader, unpacked into the project's ignored folder .webgpu/ (apt-get download + dpkg -x). Nothing is
# installed into the system and the system's Mesa is left alone: apt runs with a private source list,
# package lists and cache under .webgpu/apt (the backports mirror is derived from the machine's own apt
# sources), and only the packages that apt says the system lacks are unpacked.
#
# Writes .webgpu/vulkan.json, which src/backend.ts reads when STRUCTPRUNE_BACKEND=webgpu: the lavapipe ICD
# file (for VK_ICD_FILENAMES) and the unpacked libraries to load before Dawn starts, so no wrapper and no
# LD_LIBRARY_PATH is needed. Also writes .webgpu/env.sh (VK_ICD_FILENAMES + LD_LIBRARY_PATH) for other tools.
# Idempotent: does nothing when .webgpu/vulkan.json is there and its files exist (--force redoes it).
# Waits for the dpkg lock instead of failing. Used by .ci/run. Needs Debian/Ubuntu with apt-get and dpkg.
set -euo pipefail

force=0
for arg in "$@"; do
  case "$arg" in
    --force) force=1 ;;
    -h|--help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "setup-webgpu.sh: unknown option $arg (use --force or --help)" >&2; exit 2 ;;
  esac
done

root="$(cd "$(dirname "$0")/.." && pwd)"
dir="$root/.webgpu"
cfg="$dir/vulkan.json"

if [ "$force" = 0 ] && [ -f "$cfg" ] && node -e '
  const c = require(process.argv[1]); const fs = require("fs");
  process.exit([c.icd, ...c.preload].every((f) => fs.existsSync(f)) ? 0 : 1);' "$cfg" 2>/dev/null; then
  echo "setup-webgpu.sh: already set up ($cfg)"
  exit 0
fi

for tool in apt-get dpkg ldd node; do
  command -v "$tool" >/dev/null 2>&1 || { echo "setup-webgpu.sh: needs $tool (Debian/Ubuntu); not found" >&2; exit 1; }
done

# Codename and a mirror of the main archive, taken from the machine's apt sources (deb822 or one-line).
. /etc/os-release
codename="${VERSION_CODENAME:-}"
[ -n "$codename" ] || { echo "setup-webgpu.sh: /etc/os-release has no VERSION_CODENAME" >&2; exit 1; }
read -r mirror keyring < <(
  python3 - "$codename" <<'PY' 2>/dev/null || true
import glob, re, sys
code = sys.argv[1]
files = ["/etc/apt/sources.list"] + sorted(glob.glob("/etc/apt/sources.list.d/*.list")) + sorted(glob.glob("/etc/apt/sources.list.d/*.sources"))
for f in files:
    try:
        text = open(f).read()
    except OSError:
        continue
    if f.endswith(".sources"):
        for stanza in re.split(r"\n\s*\n", text):
            fields = {}
            for line in stanza.splitlines():
                if line.startswith("#") or ":" not in line:
                    continue
                k, v = line.split(":", 1)
                fields[k.strip().lower()] = v.strip()
            if "deb" in fields.get("types", "").split() and code in fields.get("suites", "").split():
                print(fields["uris"].split()[0], fields.get("signed-by", "-"))
                sys.exit(0)
    else:
        for line in text.splitlines():
            m = re.match(r"\s*deb\s+(\[[^\]]*\]\s+)?(\S+)\s+(\S+)\s", line)
            if m and m.group(3) == code:
                sb = re.search(r"signed-by=(\S+?)[\s\]]", m.group(1) or "")
                print(m.group(2), sb.group(1) if sb else "-")
                sys.exit(0)
PY
)
if [ -z "${mirror:-}" ]; then
  # No python3: one-line sources only.
  mirror="$(grep -hE "^\s*deb\s" /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null \
    | awk -v c="$codename" '{ i = 2; if ($2 ~ /^\[/) { while ($i !~ /\]$/) i++; i++ } if ($(i+1) == c) { print $i; exit } }')"
  keyring="-"
fi
[ -n "${mirror:-}" ] || { echo "setup-webgpu.sh: no apt source for suite $codename found in /etc/apt/sources.list*" >&2; exit 1; }
opts="arch=$(dpkg --print-architecture)"
if [ "${keyring:-"-"}" != "-" ]; then opts="$opts signed-by=$keyring"; fi

apt_dir="$dir/apt"
mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial" "$apt_dir/parts" "$dir/debs"
{
  echo "deb [$opts] $mirror $codename main"
  echo "deb [$opts] $mirror $codename-updates main"
  echo "deb [$opts] $mirror $codename-backports main"
} > "$apt_dir/sources.list"
apt=(apt-get -q -o DPkg::Lock::Timeout=600
  -o Dir::Etc::SourceList="$apt_dir/sources.list" -o Dir::Etc::SourceParts="$apt_dir/parts"
  -o Dir::State::Lists="$apt_dir/lists" -o Dir::Cache="$apt_dir/cache"
  -o APT::Get::List-Cleanup=0)

echo "setup-webgpu.sh: apt lists for $codename{,-updates,-backports} from $mirror (private, under $apt_dir)"
"${apt[@]}" update >"$apt_dir/update.log" 2>&1 || { cat "$apt_dir/update.log" >&2; exit 1; }

# What the system lacks for lavapipe + loader (backports Mesa), as apt would install it; -s needs no lock.
sim="$("${apt[@]}" -s -t "$codename-backports" install mesa-vulkan-drivers libvulkan1 2>&1)" \
  || { echo "$sim" >&2; exit 1; }
mapfile -t pkgs < <(echo "$sim" | awk '/^Inst /{ v = $3; if (v ~ /^\[/) v = $4; gsub(/[()]/, "", v); print $2 "=" v }')
[ ${#pkgs[@]} -gt 0 ] || { echo "setup-webgpu.sh: apt proposes nothing to unpack:"; echo "$sim" | tail -5; } >&2
mesa_ver="$(printf '%s\n' "${pkgs[@]}" | awk -F= '$1 ~ /^mesa-vulkan-drivers/ { print $2 }')"
case "$mesa_ver" in
  2[5-9].*|[3-9][0-9].*) ;;
  *) echo "setup-webgpu.sh: need Mesa >= 25 from $codename-backports, apt offers '${mesa_ver:-none}'" >&2; exit 1 ;;
esac

echo "setup-webgpu.sh: unpacking ${#pkgs[@]} packages (mesa-vulkan-drivers $mesa_ver) into $dir/root"
rm -rf "$dir/root" "$dir/debs"
mkdir -p "$dir/root" "$dir/debs"
(cd "$dir/debs" && "${apt[@]}" download "${pkgs[@]}" >"$apt_dir/download.log" 2>&1) \
  || { cat "$apt_dir/download.log" >&2; exit 1; }
for deb in "$dir"/debs/*.deb; do dpkg -x "$deb" "$dir/root"; done

multiarch="$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || echo "$(uname -m)-linux-gnu")"
libdir="$dir/root/usr/lib/$multiarch"
lvp="$libdir/libvulkan_lvp.so"
[ -f "$lvp" ] || { echo "setup-webgpu.sh: $lvp missing after unpacking" >&2; exit 1; }
icd_src="$(ls "$dir"/root/usr/share/vulkan/icd.d/lvp_icd*.json | head -1)"
icd="$dir/lvp_icd.json"
node -e '
  const fs = require("fs"); const [src, dst, lib] = process.argv.slice(1);
  const j = JSON.parse(fs.readFileSync(src, "utf8")); j.ICD.library_path = lib;
  fs.writeFileSync(dst, JSON.stringify(j, null, 2) + "\n");' "$icd_src" "$icd" "$lvp"

# Libraries to load before Dawn: lavapipe's dependencies found only in the unpacked tree, lavapipe itself,
# and the unpacked loader when the system has none.
mapfile -t deps < <(LD_LIBRARY_PATH="$libdir" ldd "$lvp" | awk -v d="$dir/root" '$3 ~ "^"d { print $3 }')
if [ -e "$libdir/libvulkan.so.1" ]; then deps+=("$(readlink -f "$libdir/libvulkan.so.1")"); fi
missing="$(LD_LIBRARY_PATH="$libdir" ldd "$lvp" | grep "not found" || true)"
[ -z "$missing" ] || { echo "setup-webgpu.sh: unresolved libraries of lavapipe:" >&2; echo "$missing" >&2; exit 1; }
node -e '
  const fs = require("fs"); const [cfg, icd, libdir, mesa, ...preload] = process.argv.slice(1);
  fs.writeFileSync(cfg, JSON.stringify({ mesa, icd, libdir, preload: [...preload, libdir + "/libvulkan_lvp.so"] }, null, 2) + "\n");' \
  "$cfg" "$icd" "$libdir" "$mesa_ver" "${deps[@]}"
printf 'export VK_ICD_FILENAMES=%q\nexport LD_LIBRARY_PATH=%q${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}\n' "$icd" "$libdir" > "$dir/env.sh"
rm -rf "$dir/debs" "$apt_dir/cache"
echo "setup-webgpu.sh: lavapipe (Mesa $mesa_ver) ready: $cfg"
