#!/usr/bin/env bash
# Starts kvmpi-vnc on its built-in demo target on 127.0.0.1:5900, with the browser console on http://127.0.0.1:8080/
# (extra arguments are passed on, e.g. --listen).
# Connect with any VNC viewer: xtigervncviewer 127.0.0.1::5900, gvncviewer 127.0.0.1:0, or a libvncclient program.
set -euo pipefail
cd "$(dirname "$0")"

# Runtime packages: TurboJPEG decodes --video files. Installed only when missing, so a second run is instant.
need=()
for pkg in libturbojpeg0; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
  echo "demo.sh: installing ${need[*]}" >&2
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

# The browser console's noVNC modules (pinned npm package; a no-op when already installed).
web/npm-ci.sh --omit=dev

dotnet build Server/KvmPi.Vnc.Server.csproj -c Release -nologo -v quiet -clp:ErrorsOnly >&2
# The demo target even on a machine that has a capture device (a webcam, a dongle), unless the arguments name a source.
source_given=0
for arg in "$@"; do
  case "$arg" in --video|--video=*|--device|--device=*|--demo) source_given=1 ;; esac
done
if [ "$source_given" -eq 0 ]; then set -- --demo "$@"; fi
exec dotnet Server/bin/Release/net10.0/kvmpi-vnc.dll "$@"
