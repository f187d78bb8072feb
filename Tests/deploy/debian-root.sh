#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Prints the path of a cached Debian 12 (bookworm) root made with debootstrap, creating it on first use:
# minbase plus what a Raspberry Pi OS Lite image has and the installer/role rely on (systemd, udev, kmod,
# python3 and python3-apt for Ansible, libturbojpeg0). The cache lives outside the repository (~/.cache/kvmpi-vnc/debootstrap)
# so repeated test runs copy it instead of downloading it again. Needs root and debootstrap.
set -euo pipefail
cache="${KVMPI_DEBOOTSTRAP_CACHE:-$HOME/.cache/kvmpi-vnc/debootstrap}"
arch=$(dpkg --print-architecture)
root="$cache/bookworm-$arch"
include=systemd,udev,kmod,python3,python3-apt,libturbojpeg0,ca-certificates
mirror="${KVMPI_DEBIAN_MIRROR:-http://deb.debian.org/debian}"

if [[ -f "$root/.kvmpi-complete" && "$(cat "$root/.kvmpi-complete")" == "$include" ]]; then
  echo "$root"
  exit 0
fi
mkdir -p "$cache"
exec 9>"$cache/.lock"
flock 9
if [[ -f "$root/.kvmpi-complete" && "$(cat "$root/.kvmpi-complete")" == "$include" ]]; then
  echo "$root"
  exit 0
fi
rm -rf "$root" "$root.tmp"
debootstrap --variant=minbase --include="$include" bookworm "$root.tmp" "$mirror" >&2
rm -rf "$root.tmp/var/cache/apt/archives/"*.deb
echo "$include" > "$root.tmp/.kvmpi-complete"
mv "$root.tmp" "$root"
echo "$root"
