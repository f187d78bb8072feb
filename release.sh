#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Builds the release tarballs: kvmpi-vnc-VERSION-linux-arm64.tar.gz and kvmpi-vnc-VERSION-linux-x64.tar.gz, each
# with a .sha256 beside it, in artifacts/release/ (or --output DIR). Each holds the Native AOT binary `kvmpi-vnc`,
# the browser console (wwwroot/), install.sh, the default config, the systemd units, the udev rule, README.md and
# LICENSE. Installs the compilers Native AOT needs (clang; for arm64 on another machine Debian's aarch64 cross gcc
# and libc) with apt when they are missing, so a second run starts at once.
#
#   ./release.sh                         both architectures
#   ./release.sh --rid linux-arm64       one (repeatable)
#   ./release.sh --print-staging-dir     also print the unpacked tree's path last (install.sh uses this)
set -euo pipefail
cd "$(dirname "$0")"
repo=$(pwd)

rids=() output="$repo/artifacts/release" print_staging=0
while (( $# )); do
  case "$1" in
    --rid) rids+=("${2:?--rid needs linux-arm64 or linux-x64}"); shift 2 ;;
    --output) output=${2:?--output needs a directory}; shift 2 ;;
    --print-staging-dir) print_staging=1; shift ;;
    -h|--help) sed -n '3,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "release.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
(( ${#rids[@]} )) || rids=(linux-arm64 linux-x64)
for rid in "${rids[@]}"; do
  [[ $rid == linux-arm64 || $rid == linux-x64 ]] || { echo "release.sh: unsupported --rid $rid (linux-arm64 or linux-x64)" >&2; exit 2; }
done
mkdir -p "$output"
output=$(cd "$output" && pwd)
log() { echo "release.sh: $*" >&2; }

# --- Toolchain ----------------------------------------------------------------------------------------------
host=$(uname -m)
packages=(clang)
for rid in "${rids[@]}"; do
  if [[ $rid == linux-arm64 && $host != aarch64 ]]; then
    # clang --target=aarch64-linux-gnu picks up Debian's cross gcc, binutils and libc on its own; a --sysroot does
    # not work because the cross libc.so linker scripts hold absolute paths.
    packages+=(gcc-aarch64-linux-gnu binutils-aarch64-linux-gnu libc6-dev-arm64-cross)
  fi
  if [[ $rid == linux-x64 && $host != x86_64 ]]; then
    packages+=(gcc-x86-64-linux-gnu binutils-x86-64-linux-gnu libc6-dev-amd64-cross)
  fi
done
missing=()
for p in "${packages[@]}"; do
  [[ "$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null)" == installed ]] || missing+=("$p")
done
if (( ${#missing[@]} )); then
  log "installing ${missing[*]}"
  SUDO=""; [[ $(id -u) -eq 0 ]] || SUDO=sudo
  $SUDO apt-get update -q >&2
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
fi
command -v dotnet >/dev/null || { log "the .NET SDK (dotnet) is not installed"; exit 1; }

# --- Browser console ----------------------------------------------------------------------------------------
# When the repository has a web client (web/package.json), its npm packages must be in place before publishing:
# the Server project copies them into wwwroot/. Its absence in the output is an error, not a quiet omission.
web_expected=0
if [[ -f web/package.json ]]; then
  web_expected=1
  if [[ -x web/npm-ci.sh ]]; then
    web/npm-ci.sh >&2
  else
    (cd web && npm ci --no-audit --no-fund --loglevel=error >&2)
  fi
fi

version=$(sed -n 's:.*<Version>\(.*\)</Version>.*:\1:p' Directory.Build.props | head -n 1)
[[ -n $version ]] || { log "no <Version> in Directory.Build.props"; exit 1; }
commit=$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
if [[ -n $(git status --porcelain 2>/dev/null) ]]; then commit+="-dirty"; fi
# Reproducible archives: file times from the last commit.
epoch=$(git log -1 --format=%ct 2>/dev/null || date +%s)

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
staging_dir=""
for rid in "${rids[@]}"; do
  arch=${rid#linux-}
  deb_arch=$([[ $arch == x64 ]] && echo amd64 || echo arm64)
  name="kvmpi-vnc-$version-$rid"
  publish="$output/obj/$rid"
  stage="$output/$name"
  log "publishing $rid (Native AOT)"
  start=$(date +%s)
  rm -rf "$publish"
  dotnet publish Server/KvmPi.Vnc.Server.csproj -c Release -r "$rid" -p:PublishAot=true -p:StripSymbols=true \
    -o "$publish" -nologo -v quiet -clp:ErrorsOnly >&2
  log "published $rid in $(( $(date +%s) - start )) s"
  [[ -x $publish/kvmpi-vnc ]] || { log "dotnet publish made no $publish/kvmpi-vnc"; exit 1; }
  if (( web_expected )) && [[ ! -f $publish/wwwroot/novnc/core/rfb.js ]]; then
    log "the browser console is missing from the $rid build ($publish/wwwroot/novnc/core/rfb.js): web/package.json exists, so web/node_modules must hold noVNC (web/npm-ci.sh)"
    exit 1
  fi

  rm -rf "$stage"
  mkdir -p "$stage"
  install -m 0755 "$publish/kvmpi-vnc" "$stage/kvmpi-vnc"
  [[ -d $publish/wwwroot ]] && cp -r "$publish/wwwroot" "$stage/wwwroot"
  install -m 0755 install.sh "$stage/install.sh"
  install -m 0644 deploy/kvmpi-vnc.conf "$stage/kvmpi-vnc.conf"
  cp -r deploy/systemd deploy/udev deploy/modules-load.d "$stage/"
  install -m 0644 README.md LICENSE deploy/THIRD-PARTY-NOTICES.md "$stage/"
  printf 'version=%s\narch=%s\nrid=%s\ncommit=%s\n' "$version" "$deb_arch" "$rid" "$commit" > "$stage/VERSION"

  tarball="$output/$name.tar.gz"
  tar --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$epoch" --mode='u+rwX,go+rX,go-w' \
    -C "$output" -cf - "$name" | gzip -n -9 > "$tarball.tmp"
  mv "$tarball.tmp" "$tarball"
  (cd "$output" && sha256sum "$name.tar.gz" > "$name.tar.gz.sha256")
  log "wrote $tarball ($(stat -c %s "$tarball") bytes; binary $(stat -c %s "$stage/kvmpi-vnc") bytes) and $name.tar.gz.sha256"
  staging_dir=$stage
done
if (( print_staging )); then echo "$staging_dir"; fi
