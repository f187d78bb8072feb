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
  pkg-config
  gcc
  libc6-dev
  imagemagick        # import (screenshots) and convert (PNG -> PPM)
  tesseract-ocr      # OCR of typed text
  tesseract-ocr-eng
  x11-utils          # xdpyinfo: wait for Xvfb
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

export DOTNET_CLI_TELEMETRY_OPTOUT=1
export DOTNET_NOLOGO=1
export DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

# The gadget VM test (GadgetVmTests) runs the server in a QEMU VM as the Native AOT binary it ships as. Built here,
# before the tests, so that its minutes on a busy machine do not count against the per-test hang timeout.
vm_server=artifacts/vm-server
dotnet publish Server -c Release -r linux-x64 -p:PublishAot=true -p:CppCompilerAndLinker=gcc -o "$vm_server" --nologo -v quiet
export KVMPI_VM_SERVER="$PWD/$vm_server/kvmpi-vnc"

# One line per test plus a summary per test assembly; a hung test run is aborted (and named) after 10 minutes.
dotnet test KvmPi.Vnc.sln -c Release \
  --logger "console;verbosity=normal" \
  --blame-hang-timeout 10m --blame-hang-dump-type none \
  "$@"
