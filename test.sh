#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Installs what the test suites need (idempotent; no apt traffic when everything is present),
# then builds and runs every test project in the solution.
set -euo pipefail
cd "$(dirname "$0")"

packages=(
  libturbojpeg0      # runtime: MJPEG decode in the server, MJPEG generation in the tests
  tigervnc-viewer    # real viewer (xtigervncviewer) under Xvfb
  xvfb               # headless X display for the viewer
  xdotool            # keyboard focus and typing into the viewer
  gvncviewer         # gvnccapture: headless PNG capture client
  vncsnapshot        # a real RFB 3.3 client (JPEG snapshots)
  libnet-vnc-perl    # vnccapture: a client that offers no Hextile or ZRLE (Raw fallback)
  xtightvncviewer    # TightVNC's viewer: Hextile through an independent decoder
  libvncserver-dev   # libvncclient for the C probe client
  libxkbcommon-dev   # the keyboard-layout oracle (Clients/xkboracle.c) and tools/keymaps/layoutgen.py
  libxkbcommon-tools # xkbcli how-to-type, for checking a layout by hand
  xkb-data           # xkeyboard-config: the layouts themselves
  libx11-data        # the en_US.UTF-8 Compose table (dead keys)
  pkg-config
  gcc
  libc6-dev
  imagemagick        # import (screenshots) and convert (PNG -> PPM); the load tool's desktop sequences
  fonts-dejavu-core  # the load tool's terminal and editor text (Benchmarks/LoadTest)
  tesseract-ocr      # OCR of typed text
  tesseract-ocr-eng
  xauth
  qemu-system-x86    # Tests/vm: throwaway VM with the real kernel's USB gadget and V4L2 drivers
  busybox-static
  bash-static
  cpio
  kmod
  clang                        # ./release.sh: Native AOT links with clang
  gcc-aarch64-linux-gnu        # ... and cross-links linux-arm64 with Debian's cross toolchain and libc
  binutils-aarch64-linux-gnu
  libc6-dev-arm64-cross
  qemu-user-static             # runs the arm64 release binary (qemu-aarch64-static)
  debootstrap                  # a Debian 12 root for install.sh and the Ansible role (Tests/deploy)
  systemd                      # systemd-analyze verify / security for the units
  ansible                      # the Ansible role, connection: chroot
  git
  chromium           # headless browser for the web console tests (driven by playwright-core from web/)
)

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "installed" ]] || missing+=("$p")
done
if (( ${#missing[@]} > 0 )); then
  echo "test.sh: installing missing packages: ${missing[*]}"
  SUDO=""
  if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# The browser console's npm packages (noVNC, and playwright-core for its tests), pinned in web/package-lock.json:
# installed before the build, which copies noVNC's modules next to the server. A no-op when already current
# (it installs nodejs and npm first when there is no npm).
web/npm-ci.sh

export DOTNET_CLI_TELEMETRY_OPTOUT=1
export DOTNET_NOLOGO=1
export DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

# Built here, before the tests, so that their minutes on a busy machine do not count against the per-test hang
# timeout: the release tarballs (./release.sh: Native AOT linux-arm64 and linux-x64, for ReleaseTests), whose x64
# binary is also what the gadget VM test (GadgetVmTests) runs in its QEMU VM, and the cached Debian 12 root the
# install tests copy (Tests/deploy/debian-root.sh; instant once made).
x64_release=$(./release.sh --output artifacts/release --print-staging-dir | tail -n 1)
export KVMPI_RELEASE_DIR="$PWD/artifacts/release"
export KVMPI_VM_SERVER="$x64_release/kvmpi-vnc"
Tests/deploy/debian-root.sh >/dev/null

# One line per test plus a summary per test assembly; a hung test run is aborted (and named) after 10 minutes.
dotnet test KvmPi.Vnc.sln -c Release \
  --logger "console;verbosity=normal" \
  --blame-hang-timeout 10m --blame-hang-dump-type none \
  "$@"
