#!/usr/bin/env bash
# Builds the linux/amd64 release archive of kubectl-agentgateway for Krew and
# writes a copy of krew/agentgateway.yaml with the archive's sha256 filled in.
#
#   scripts/release-krew.sh [--version vX.Y.Z] [--out DIR]
#                           [--skip-build] [--binary PATH]
#
# Outputs (DIR defaults to dist/ in the repository root):
#   DIR/kubectl-agentgateway_linux_amd64.tar.gz   deterministic tar.gz
#   DIR/agentgateway.yaml                         manifest with sha256 set
#
# krew/agentgateway.yaml itself is never modified.
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: scripts/release-krew.sh [options]

Options:
  --version vX.Y.Z  version to release (sets spec.version and the download
                    uri in the output manifest); default: spec.version of
                    krew/agentgateway.yaml
  --out DIR         output directory (default: dist in the repository root)
  --skip-build      do not build; package --binary, or
                    build-release/kubectl-agentgateway if --binary is not given
  --binary PATH     package this executable instead of building (implies
                    --skip-build)
  -h, --help        show this help
EOF
}

die() {
  echo "release-krew: error: $*" >&2
  exit 1
}

# Absolute form of a path given relative to the directory the script was
# started from (the path itself need not exist yet).
abspath() {
  case "$1" in
    /*) printf '%s\n' "$1" ;;
    *) printf '%s\n' "$PWD/$1" ;;
  esac
}

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
manifest_src="$repo_root/krew/agentgateway.yaml"
plugin_bin="kubectl-agentgateway"
archive_name="kubectl-agentgateway_linux_amd64.tar.gz"
build_dir="$repo_root/build-release"

version=""
out_dir="$repo_root/dist"
skip_build=0
binary=""

while [ "$#" -gt 0 ]; do
  case "$1" in
    --version)
      [ "$#" -ge 2 ] || die "--version needs a value"
      version="$2"; shift 2 ;;
    --version=*) version="${1#*=}"; shift ;;
    --out)
      [ "$#" -ge 2 ] || die "--out needs a value"
      out_dir="$(abspath "$2")"; shift 2 ;;
    --out=*) out_dir="$(abspath "${1#*=}")"; shift ;;
    --skip-build) skip_build=1; shift ;;
    --binary)
      [ "$#" -ge 2 ] || die "--binary needs a value"
      binary="$(abspath "$2")"; skip_build=1; shift 2 ;;
    --binary=*) binary="$(abspath "${1#*=}")"; skip_build=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; die "unknown argument: $1" ;;
  esac
done

for tool in tar gzip sha256sum awk; do
  command -v "$tool" >/dev/null 2>&1 || die "$tool is required"
done
[ -f "$manifest_src" ] || die "manifest not found: $manifest_src"

# Default version: spec.version of the source manifest.
if [ -z "$version" ]; then
  version="$(awk '/^  version:/ { v = $2; gsub(/["'\'']/, "", v); print v; exit }' "$manifest_src")"
  [ -n "$version" ] || die "could not read spec.version from $manifest_src"
fi
# Krew requires a semantic version with a leading 'v'.
semver_re='^v(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$'
[[ "$version" =~ $semver_re ]] || die "version must look like vX.Y.Z, got: $version"

cd "$repo_root"

# 1. Build (or pick up) the binary.
if [ "$skip_build" -eq 0 ]; then
  command -v cmake >/dev/null 2>&1 || die "cmake is required"
  cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release
  cmake --build "$build_dir"
  binary="$build_dir/$plugin_bin"
elif [ -z "$binary" ]; then
  binary="$build_dir/$plugin_bin"
fi
[ -f "$binary" ] || die "binary not found: $binary"
[ -x "$binary" ] || die "binary is not executable: $binary"

# 2. Stage the archive contents with fixed permissions.
stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT

cp "$binary" "$stage/$plugin_bin"
# Debug information is most of a RelWithDebInfo or Debug build (hundreds of MB) and no use to a
# user: the archive carries the program without it.
if command -v strip >/dev/null 2>&1; then
  strip --strip-debug "$stage/$plugin_bin"
fi
chmod 0755 "$stage/$plugin_bin"
files=("$plugin_bin")
if [ -f LICENSE ]; then
  cp LICENSE "$stage/LICENSE"
  chmod 0644 "$stage/LICENSE"
  files+=(LICENSE)
else
  echo "release-krew: warning: no LICENSE in $repo_root; the krew-index requires one in the archive" >&2
fi
if [ -f README.md ]; then
  cp README.md "$stage/README.md"
  chmod 0644 "$stage/README.md"
  files+=(README.md)
else
  echo "release-krew: warning: no README.md in $repo_root; packaging without it" >&2
fi

# 3. Deterministic tar.gz: sorted names, fixed owner and mtime, no gzip
#    name/timestamp. Members are given in C-locale order on the command line.
mkdir -p "$out_dir"
archive="$out_dir/$archive_name"
mapfile -t sorted < <(printf '%s\n' "${files[@]}" | LC_ALL=C sort)
LC_ALL=C tar --format=gnu --sort=name --owner=0 --group=0 --numeric-owner \
  --mtime=@0 -C "$stage" -cf - "${sorted[@]}" | gzip -9 -n >"$archive.tmp"
mv "$archive.tmp" "$archive"

sha256="$(sha256sum "$archive" | awk '{ print $1 }')"
[[ "$sha256" =~ ^[a-f0-9]{64}$ ]] || die "unexpected sha256 output: $sha256"

# 4. Manifest copy: set spec.version, and in the linux/amd64 platform entry set
#    the uri's release tag and the sha256. Each platform item (a line starting
#    with "  - " inside spec.platforms) is buffered until it ends, then
#    rewritten if its selector names os: linux and arch: amd64.
manifest_out="$out_dir/agentgateway.yaml"
awk -v version="$version" -v sha="$sha256" '
  function flush(   i, line) {
    if (n == 0) return
    for (i = 1; i <= n; i++) {
      line = buf[i]
      if (is_linux && is_amd64) {
        if (line ~ /^    sha256:/) {
          line = "    sha256: \"" sha "\""
          sha_done++
        } else if (line ~ /^    uri:/) {
          sub(/\/releases\/download\/[^\/]+\//, "/releases/download/" version "/", line)
          uri_done++
        }
      }
      print line
    }
    n = 0; is_linux = 0; is_amd64 = 0
  }
  # spec.version (two-space indent, directly under spec)
  /^  version:/ && !in_platforms { print "  version: " version; ver_done++; next }
  /^  platforms:/ { in_platforms = 1; print; next }
  in_platforms && /^  - / { flush(); buf[++n] = $0; next }
  # any other line at indent <= 2 (and not a comment/blank) ends platforms
  in_platforms && /^ ? ?[^ #-]/ { flush(); in_platforms = 0; print; next }
  in_platforms && n > 0 {
    if ($0 ~ /^ +os: *"?linux"?[ \t]*$/) is_linux = 1
    if ($0 ~ /^ +arch: *"?amd64"?[ \t]*$/) is_amd64 = 1
    buf[++n] = $0
    next
  }
  { print }
  END {
    flush()
    if (ver_done != 1 || sha_done != 1 || uri_done != 1) {
      printf "release-krew: manifest rewrite failed (version=%d sha256=%d uri=%d replacements)\n", \
        ver_done, sha_done, uri_done > "/dev/stderr"
      exit 1
    }
  }
' "$manifest_src" >"$manifest_out.tmp" || { rm -f "$manifest_out.tmp"; die "could not write $manifest_out"; }
mv "$manifest_out.tmp" "$manifest_out"

echo "archive:  $archive"
echo "sha256:   $sha256"
echo "manifest: $manifest_out"
echo "version:  $version"
