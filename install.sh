#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Installs kvmpi-vnc as a systemd service on a Raspberry Pi (64-bit Raspberry Pi OS / Debian 11 or later):
# the binary and its browser console in /opt/kvmpi-vnc, a `kvmpi-vnc` system user, /etc/kvmpi-vnc/kvmpi-vnc.conf
# (never overwritten), a VNC password (asked for, or generated and printed once), the USB gadget and server
# units, a udev rule for /dev/hidgN, dwc2 + libcomposite at boot and `dtoverlay=dwc2,dr_mode=peripheral` in
# config.txt's [all] section (once, however often this runs). Re-running upgrades in place and changes nothing
# else. `install.sh --uninstall` removes all of it and leaves config.txt as it found it.
#
# Run from an unpacked release tarball (kvmpi-vnc-VERSION-linux-ARCH.tar.gz), or from a checkout of the
# repository, where it first builds that tarball with ./release.sh (needs the .NET SDK).
set -euo pipefail
umask 022

readonly PREFIX=/opt/kvmpi-vnc
readonly LINK=/usr/local/bin/kvmpi-vnc
readonly ETC=/etc/kvmpi-vnc
readonly CONF=$ETC/kvmpi-vnc.conf
readonly PASSWORD_FILE=$ETC/password
readonly STATE=/var/lib/kvmpi-vnc-install
readonly UNIT_DIR=/etc/systemd/system
readonly UNITS=(kvmpi-vnc-gadget.service kvmpi-vnc.service)
readonly UDEV_RULE=/etc/udev/rules.d/70-kvmpi-vnc.rules
readonly MODULES_CONF=/etc/modules-load.d/kvmpi-vnc.conf
readonly REBOOT_MARKER=/run/kvmpi-vnc-reboot-required
readonly SERVICE_USER=kvmpi-vnc
readonly OVERLAY_LINE="dtoverlay=dwc2,dr_mode=peripheral"
readonly BLOCK_BEGIN="# >>> kvmpi-vnc: USB gadget mode on the OTG port (install.sh --uninstall removes this block)"
readonly BLOCK_END="# <<< kvmpi-vnc"

usage() {
  cat <<EOF
Usage: sudo $0 [--force] [--no-start]
       sudo $0 --uninstall

Installs kvmpi-vnc as a systemd service (see the README). Run as root.
  --force       install on a machine that is not a Raspberry Pi
  --no-start    enable the services but do not start them now
  --uninstall   remove everything this script installed; config.txt is left as it was found
  -h, --help    show this help
The VNC password is asked for on a terminal (empty: generate one). Without a terminal it comes from the
environment variable KVMPI_VNC_PASSWORD, or is generated and printed once. An existing password is kept.
EOF
}

say() { printf 'kvmpi-vnc install: %s\n' "$*"; }
die() { printf 'kvmpi-vnc install: error: %s\n' "$*" >&2; exit 1; }

force=0 uninstall=0 start=1 generated=0
for arg in "$@"; do
  case "$arg" in
    --force) force=1 ;;
    --uninstall) uninstall=1 ;;
    --no-start) start=0 ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; printf 'kvmpi-vnc install: error: unknown argument %s\n' "$arg" >&2; exit 2 ;;
  esac
done

[[ $(id -u) -eq 0 ]] || die "must run as root: try 'sudo $0 $*'"

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

systemd_running() { [[ -d /run/systemd/system ]]; }

# ---------------------------------------------------------------------------------------------------------------
# Uninstall: driven by what the install recorded in $STATE, so only what this script made is removed.
# ---------------------------------------------------------------------------------------------------------------
if (( uninstall )); then
  if [[ ! -d $STATE && ! -e $PREFIX && ! -e $UNIT_DIR/kvmpi-vnc.service ]]; then
    say "kvmpi-vnc is not installed; nothing to do"
    exit 0
  fi
  if command -v systemctl >/dev/null; then
    if systemd_running; then
      systemctl disable --now "${UNITS[@]}" >/dev/null 2>&1 || true
    else
      systemctl disable "${UNITS[@]}" >/dev/null 2>&1 || true
    fi
  fi
  for unit in "${UNITS[@]}"; do rm -f "$UNIT_DIR/$unit"; done
  rm -f "$UDEV_RULE" "$MODULES_CONF" "$LINK" "$REBOOT_MARKER"
  rm -rf "$PREFIX" "$ETC"
  if [[ -f $STATE/config-txt-path ]]; then
    config_txt=$(cat "$STATE/config-txt-path")
    if [[ -f $config_txt ]] && grep -qxF "$BLOCK_BEGIN" "$config_txt"; then
      added_size=$(stat -c %s "$STATE/config-txt-added" 2>/dev/null || echo 0)
      total_size=$(stat -c %s "$config_txt")
      if (( added_size > 0 && total_size >= added_size )) && tail -c "$added_size" "$config_txt" | cmp -s - "$STATE/config-txt-added"; then
        # Exactly what install.sh appended is still at the end: cut it off, byte for byte.
        truncate -s $((total_size - added_size)) "$config_txt"
      else
        # Added by the Ansible role, or something was appended after it: remove only the marked block.
        awk -v begin="$BLOCK_BEGIN" -v end="$BLOCK_END" '$0 == begin { skip = 1 } !skip { print } skip && $0 == end { skip = 0 }' \
          "$config_txt" > "$config_txt.kvmpi-new"
        cat "$config_txt.kvmpi-new" > "$config_txt"
        rm -f "$config_txt.kvmpi-new"
      fi
      say "removed the gadget overlay from $config_txt (takes effect at the next reboot)"
    fi
  fi
  if [[ -f $STATE/user-created ]] && id "$SERVICE_USER" >/dev/null 2>&1; then
    userdel "$SERVICE_USER" >/dev/null 2>&1 || true
    getent group "$SERVICE_USER" >/dev/null && groupdel "$SERVICE_USER" >/dev/null 2>&1 || true
  fi
  rm -rf "$STATE"
  if systemd_running; then
    systemctl daemon-reload || true
    command -v udevadm >/dev/null && udevadm control --reload >/dev/null 2>&1 || true
  fi
  say "kvmpi-vnc is uninstalled"
  exit 0
fi

# ---------------------------------------------------------------------------------------------------------------
# Where the files come from: an unpacked tarball (kvmpi-vnc beside this script), or a checkout (build one).
# ---------------------------------------------------------------------------------------------------------------
if [[ ! -x $here/kvmpi-vnc ]]; then
  if [[ -f $here/KvmPi.Vnc.sln && -x $here/release.sh ]]; then
    command -v dotnet >/dev/null || die "this is a checkout without a built kvmpi-vnc, and the .NET SDK (dotnet) is not installed: install it, or run install.sh from a release tarball"
    case "$(uname -m)" in aarch64) rid=linux-arm64 ;; x86_64) rid=linux-x64 ;; *) die "unsupported OS: no kvmpi-vnc build for $(uname -m) (64-bit Raspberry Pi OS is needed)" ;; esac
    say "building the $rid release from this checkout (./release.sh --rid $rid)"
    staged=$("$here/release.sh" --rid "$rid" --print-staging-dir | tail -n 1)
    [[ -x $staged/install.sh ]] || die "the build did not produce $staged/install.sh"
    exec "$staged/install.sh" "$@"
  fi
  die "kvmpi-vnc not found beside $0: run this script from an unpacked release tarball or from a checkout"
fi
for f in VERSION kvmpi-vnc.conf systemd/kvmpi-vnc.service systemd/kvmpi-vnc-gadget.service udev/70-kvmpi-vnc.rules modules-load.d/kvmpi-vnc.conf; do
  [[ -f $here/$f ]] || die "the release is incomplete: $here/$f is missing"
done
version=$(sed -n 's/^version=//p' "$here/VERSION")
payload_arch=$(sed -n 's/^arch=//p' "$here/VERSION")

# ---------------------------------------------------------------------------------------------------------------
# Checks. Nothing is changed before all of them pass.
# ---------------------------------------------------------------------------------------------------------------
[[ -r /etc/os-release ]] || die "unsupported OS: /etc/os-release is missing (Raspberry Pi OS or Debian 11 or later is needed)"
os_id=$(. /etc/os-release; echo "${ID:-}") os_like=$(. /etc/os-release; echo "${ID_LIKE:-}")
os_version=$(. /etc/os-release; echo "${VERSION_ID:-0}") os_name=$(. /etc/os-release; echo "${PRETTY_NAME:-$ID}")
if [[ ! " $os_id $os_like " =~ \ (debian|raspbian)\  ]] || (( ${os_version%%.*} < 11 )); then
  die "unsupported OS: $os_name (Raspberry Pi OS or Debian 11 (bullseye) or later is needed)"
fi
dpkg_arch=$(dpkg --print-architecture)
[[ $dpkg_arch == "$payload_arch" ]] || die "unsupported OS: this release is for $payload_arch but $os_name is $dpkg_arch$([[ $dpkg_arch == armhf ]] && echo ' (32-bit): install the 64-bit Raspberry Pi OS')"
command -v systemctl >/dev/null || die "unsupported OS: systemd is not installed"

model=""
for f in /sys/firmware/devicetree/base/model /proc/device-tree/model; do
  [[ -r $f ]] && { model=$(tr -d '\0' < "$f"); break; }
done
is_pi=0
[[ $model == *"Raspberry Pi"* ]] && is_pi=1
if (( ! is_pi && ! force )); then
  die "this is not a Raspberry Pi (model: ${model:-unknown}); kvmpi-vnc needs a Pi's USB OTG port. Use --force to install anyway"
fi
(( is_pi )) || say "not a Raspberry Pi (model: ${model:-unknown}); installing anyway because of --force"

config_txt=""
for f in /boot/firmware/config.txt /boot/config.txt; do
  [[ -f $f ]] && { config_txt=$f; break; }
done
(( is_pi )) && [[ -z $config_txt ]] && die "no config.txt in /boot/firmware or /boot: is the boot partition mounted?"

# Is the gadget overlay already in effect for all boards? Our own block, or a plain dwc2 overlay in an [all]
# part of the file (before any [filter], or after [all]). A dwc2 line under [cm5] or another filter does not count.
overlay_present() {
  awk -v begin="$BLOCK_BEGIN" '
    BEGIN { all = 1 }
    $0 == begin { found = 1 }
    /^[ \t]*\[/ { section = tolower($0); gsub(/[ \t\r]/, "", section); all = (section == "[all]"); next }
    all && /^[ \t]*dtoverlay[ \t]*=[ \t]*dwc2[ \t]*(,[ \t]*dr_mode[ \t]*=[ \t]*(peripheral|otg)[ \t]*)?\r?$/ { found = 1 }
    END { exit !found }' "$1"
}
overlay_was_present=0
if [[ -n $config_txt ]] && overlay_present "$config_txt"; then overlay_was_present=1; fi

udc_count=0
[[ -d /sys/class/udc ]] && udc_count=$(find /sys/class/udc -mindepth 1 -maxdepth 1 | wc -l)
if (( udc_count == 0 && overlay_was_present )) && [[ ! -e $REBOOT_MARKER ]]; then
  die "no USB device controller (UDC) in /sys/class/udc although $config_txt enables $OVERLAY_LINE: reboot if you have not since it was added; otherwise this board's USB port cannot be a gadget (use a Pi 4/5's USB-C port or a Zero 2 W's USB data port)"
fi

# ---------------------------------------------------------------------------------------------------------------
# Install, with every change recorded so that a failure part-way undoes all of them.
# ---------------------------------------------------------------------------------------------------------------
work=$(mktemp -d /tmp/kvmpi-vnc-install.XXXXXX)
undo=()
committed=0
finish() {
  local status=$?
  if (( status != 0 && ! committed )); then
    printf 'kvmpi-vnc install: failed; undoing the changes made so far\n' >&2
    local i
    for (( i = ${#undo[@]} - 1; i >= 0; i-- )); do eval "${undo[i]}" >/dev/null 2>&1 || true; done
    printf 'kvmpi-vnc install: nothing was installed\n' >&2
  fi
  rm -rf "$work"
  exit "$status"
}
trap finish EXIT

# Before PATH changes: keep a copy (or remember that it did not exist) so the change can be undone.
n=0
remember() {
  local path=$1
  if [[ -e $path || -L $path ]]; then
    n=$((n + 1))
    mkdir -p "$work/backup/$n"
    cp -a "$path" "$work/backup/$n/"
    undo+=("rm -rf '$path'; cp -a '$work/backup/$n/$(basename "$path")' '$path'")
  else
    undo+=("rm -rf '$path'")
  fi
}

# mkdir -p that can be undone: the topmost directory it creates is remembered.
ensure_dir() {
  local dir=$1 top=""
  while [[ ! -e $dir ]]; do top=$dir; dir=$(dirname "$dir"); done
  if [[ -n $top ]]; then
    remember "$top"
    mkdir -p "$1"
  fi
}

changed=()
# Installs SRC as DEST (mode, owner:group) unless DEST already has exactly that content.
put() {
  local src=$1 dest=$2 mode=$3 owner=$4
  if [[ -f $dest ]] && cmp -s "$src" "$dest"; then
    chmod "$mode" "$dest"; chown "$owner" "$dest"
    return 0
  fi
  ensure_dir "$(dirname "$dest")"
  remember "$dest"
  install -m "$mode" -o "${owner%%:*}" -g "${owner##*:}" "$src" "$dest.kvmpi-new"
  mv -f "$dest.kvmpi-new" "$dest"
  changed+=("$dest")
}

[[ -d $STATE ]] || { remember "$STATE"; mkdir -p "$STATE"; }

# Runtime library: TurboJPEG decodes the capture dongle's Motion-JPEG.
if ! dpkg-query -W -f='${db:Status-Status}' libturbojpeg0 2>/dev/null | grep -qx installed; then
  say "installing libturbojpeg0 (apt)"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends libturbojpeg0 >/dev/null \
    || die "apt-get install libturbojpeg0 failed (no network? run 'apt-get update' first)"
fi

# The service user: no login, no home; the hidg devices through the udev rule, capture devices through 'video'.
if ! id "$SERVICE_USER" >/dev/null 2>&1; then
  for f in /etc/passwd /etc/group /etc/shadow /etc/gshadow; do [[ -e $f ]] && remember "$f"; done
  useradd --system --user-group --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin \
    --comment "KvmPi.Vnc service" "$SERVICE_USER"
  touch "$STATE/user-created"
  undo+=("rm -f '$STATE/user-created'")
  changed+=("user $SERVICE_USER")
fi
if getent group video >/dev/null && ! id -nG "$SERVICE_USER" | tr ' ' '\n' | grep -qx video; then
  for f in /etc/group /etc/gshadow; do [[ -e $f ]] && remember "$f"; done
  usermod -a -G video "$SERVICE_USER"
  changed+=("user $SERVICE_USER in group video")
fi

# Program files. The binary finds its browser console in wwwroot/ beside it.
put "$here/kvmpi-vnc" "$PREFIX/kvmpi-vnc" 0755 root:root
put "$here/install.sh" "$PREFIX/install.sh" 0755 root:root
put "$here/VERSION" "$PREFIX/VERSION" 0644 root:root
put "$here/kvmpi-vnc.conf" "$PREFIX/kvmpi-vnc.conf.default" 0644 root:root
if [[ -d $here/wwwroot ]]; then
  if ! diff -rq "$here/wwwroot" "$PREFIX/wwwroot" >/dev/null 2>&1; then
    ensure_dir "$PREFIX"
    remember "$PREFIX/wwwroot"
    rm -rf "$PREFIX/wwwroot.kvmpi-new"
    cp -r "$here/wwwroot" "$PREFIX/wwwroot.kvmpi-new"
    chown -R root:root "$PREFIX/wwwroot.kvmpi-new"
    rm -rf "$PREFIX/wwwroot"
    mv "$PREFIX/wwwroot.kvmpi-new" "$PREFIX/wwwroot"
    changed+=("$PREFIX/wwwroot")
  fi
fi
if [[ "$(readlink "$LINK" 2>/dev/null)" != "$PREFIX/kvmpi-vnc" ]]; then
  ensure_dir "$(dirname "$LINK")"
  remember "$LINK"
  ln -sfn "$PREFIX/kvmpi-vnc" "$LINK"
  changed+=("$LINK")
fi

# Settings: written only when missing, so an upgrade keeps the user's changes.
if [[ ! -d $ETC ]]; then
  remember "$ETC"
  install -d -m 0750 -o root -g "$SERVICE_USER" "$ETC"
fi
if [[ ! -e $CONF ]]; then
  put "$here/kvmpi-vnc.conf" "$CONF" 0640 "root:$SERVICE_USER"
fi
new_password=""
if [[ ! -e $PASSWORD_FILE ]]; then
  if [[ -n ${KVMPI_VNC_PASSWORD:-} ]]; then
    new_password=$KVMPI_VNC_PASSWORD
  elif [[ -t 0 && -t 1 ]]; then
    while :; do
      read -r -s -p "VNC password for viewers (6-8 characters; empty: generate one): " p1; echo
      [[ -z $p1 ]] && break
      read -r -s -p "Again: " p2; echo
      if [[ $p1 != "$p2" ]]; then echo "They differ; try again."; continue; fi
      if (( ${#p1} < 6 )); then echo "Too short; at least 6 characters."; continue; fi
      new_password=$p1
      break
    done
  fi
  if [[ -z $new_password ]]; then
    # 8 characters (all VNC Authentication uses), from an alphabet without look-alikes.
    alphabet=ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789
    while (( ${#new_password} < 8 )); do
      byte=$(od -An -N1 -tu1 /dev/urandom | tr -d ' ')
      (( byte < 4 * ${#alphabet} )) && new_password+=${alphabet:byte % ${#alphabet}:1}
    done
    generated=1
  fi
  remember "$PASSWORD_FILE"
  (umask 077; printf '%s\n' "$new_password" > "$PASSWORD_FILE.kvmpi-new")
  chown "$SERVICE_USER:$SERVICE_USER" "$PASSWORD_FILE.kvmpi-new"
  chmod 0600 "$PASSWORD_FILE.kvmpi-new"
  mv -f "$PASSWORD_FILE.kvmpi-new" "$PASSWORD_FILE"
  changed+=("$PASSWORD_FILE")
fi

# systemd units, udev rule, modules at boot.
for unit in "${UNITS[@]}"; do put "$here/systemd/$unit" "$UNIT_DIR/$unit" 0644 root:root; done
put "$here/udev/70-kvmpi-vnc.rules" "$UDEV_RULE" 0644 root:root
put "$here/modules-load.d/kvmpi-vnc.conf" "$MODULES_CONF" 0644 root:root

# config.txt: the gadget overlay for every board, appended once in its own [all] section. Existing lines (such as
# Raspberry Pi OS's own "dtoverlay=dwc2,dr_mode=host" under [cm5]) are left exactly as they are.
reboot_needed=0
if [[ -n $config_txt ]] && (( ! overlay_was_present )); then
  remember "$config_txt"
  {
    # Start on a line of its own, after a blank line.
    if [[ -s $config_txt && -n $(tail -c 1 "$config_txt") ]]; then printf '\n'; fi
    printf '\n%s\n[all]\n%s\n%s\n' "$BLOCK_BEGIN" "$OVERLAY_LINE" "$BLOCK_END"
  } > "$work/config-txt-added"
  cat "$work/config-txt-added" >> "$config_txt"
  cp "$work/config-txt-added" "$STATE/config-txt-added"
  printf '%s\n' "$config_txt" > "$STATE/config-txt-path"
  undo+=("rm -f '$STATE/config-txt-added' '$STATE/config-txt-path'")
  changed+=("$config_txt")
  reboot_needed=1
elif [[ -z $config_txt ]]; then
  say "no config.txt: the OTG port's gadget mode is left as it is"
fi
if (( reboot_needed )); then
  ensure_dir "$(dirname "$REBOOT_MARKER")"
  : > "$REBOOT_MARKER"
  undo+=("rm -f '$REBOOT_MARKER'")
fi
[[ -e $REBOOT_MARKER ]] && reboot_needed=1

# Enable: works offline too (in a chroot, or when systemd is installed but not running).
enabled_before=()
for unit in "${UNITS[@]}"; do
  if systemctl is-enabled --quiet "$unit" 2>/dev/null; then enabled_before+=("$unit"); fi
done
if (( ${#enabled_before[@]} < ${#UNITS[@]} )); then
  undo+=("systemctl disable ${UNITS[*]}")
  systemctl enable "${UNITS[@]}" >/dev/null 2>&1 || systemctl enable "${UNITS[@]}"
  changed+=("enabled ${UNITS[*]}")
fi

committed=1

if systemd_running; then
  systemctl daemon-reload
  if command -v udevadm >/dev/null; then
    udevadm control --reload || true
    udevadm trigger --subsystem-match=hidg || true
  fi
  modprobe libcomposite 2>/dev/null || true
  if (( start )); then
    if (( reboot_needed )); then
      say "the USB gadget starts after the reboot; starting the VNC server now"
      systemctl restart kvmpi-vnc.service || say "warning: kvmpi-vnc.service did not start; see 'journalctl -u kvmpi-vnc'"
    elif (( ${#changed[@]} > 0 )) || ! systemctl is-active --quiet kvmpi-vnc.service; then
      systemctl restart kvmpi-vnc-gadget.service || say "warning: the USB gadget did not come up; see 'journalctl -u kvmpi-vnc-gadget'"
      systemctl restart kvmpi-vnc.service || say "warning: kvmpi-vnc.service did not start; see 'journalctl -u kvmpi-vnc'"
    fi
  fi
else
  say "note: systemd is not running here, so nothing was started; the services are enabled and start at the next boot"
fi

if (( ${#changed[@]} == 0 )); then
  say "kvmpi-vnc $version is already installed; nothing changed"
else
  say "installed kvmpi-vnc $version; changed:"
  printf '  %s\n' "${changed[@]}"
fi
if [[ -n $new_password ]] && (( generated )); then
  say "VNC password (shown only this once; it is in $PASSWORD_FILE): $new_password"
fi
if (( reboot_needed )); then
  say "REBOOT NEEDED: $config_txt now enables the OTG port's gadget mode; run 'sudo reboot'"
fi
say "settings: $CONF (after a change: systemctl restart kvmpi-vnc); viewers connect to port 5900"
