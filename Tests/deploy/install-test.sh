#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Installs a release in a throwaway Debian 12 root (a copy of the cached debootstrap tree from debian-root.sh) with a
# fake Raspberry Pi boot partition, the way a freshly flashed Pi OS Lite looks to the installer: systemd installed
# but not running, no terminal, /boot/firmware/config.txt with Pi OS's own "dtoverlay=dwc2,dr_mode=host" under
# [cm5] as its last section.
#
#   install-test.sh installer TARBALL   install.sh: refusals, rollback, install, re-run, upgrade, --uninstall
#   install-test.sh ansible TARBALL     the Ansible role (connection: chroot): install, second run changed=0
#
# Prints "ok: ..." per check; the first failed check prints "FAIL: ..." and exits 1. Needs root, debootstrap,
# systemd (systemd-analyze) and, for the role, ansible.
set -euo pipefail
mode=${1:?installer or ansible}
tarball=$(realpath "${2:?release tarball}")
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)

base=$("$here/debian-root.sh")
work=$(mktemp -d /tmp/kvmpi-install-test.XXXXXX)
cleanup() { rm -rf "$work"; }
trap cleanup EXIT
root=$work/root
cp -a "$base" "$root"

ok() { echo "ok: $*"; }
fail() { echo "FAIL: $*" >&2; exit 1; }

# Everything the installation may touch, with owner, mode and content; not what changes on its own or belongs to
# the test's tools (/tmp, /run, logs, apt lists, the "-" backups shadow-utils keeps, Ansible's remote temp).
snapshot() {
  local prune=(\( -path ./proc -o -path ./sys -o -path ./dev -o -path ./run -o -path ./tmp -o -path ./var/cache
               -o -path ./var/log -o -path ./var/lib/apt -o -path ./root/.ansible -o -path './etc/*-' \) -prune)
  (cd "$root" && find . -xdev "${prune[@]}" -o -printf '%p %y %m %U %G %l\n' | LC_ALL=C sort)
  (cd "$root" && find . -xdev "${prune[@]}" -o -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum)
}
same_tree() {  # same_tree SNAPSHOT WHAT
  if ! diff -u "$1" <(snapshot) > "$work/tree.diff"; then
    head -n 40 "$work/tree.diff" >&2
    fail "$2"
  fi
}

# The boot partition of a current Raspberry Pi OS image, ending in its [cm5] section (the trap: a line appended to
# the file would apply to CM5 boards only).
mkdir -p "$root/boot/firmware"
cat > "$root/boot/firmware/config.txt" <<'EOF'
# For more options and information see
# http://rptl.io/configtxt
# Some settings may impact device functionality. See link above for details

# Uncomment some or all of these to enable the optional hardware interfaces
#dtparam=i2c_arm=on
#dtparam=spi=on

# Enable audio (loads snd_bcm2835)
dtparam=audio=on

# Automatically load overlays for detected cameras
camera_auto_detect=1

# Automatically load overlays for detected DSI displays
display_auto_detect=1

# Automatically load initramfs files, if found
auto_initramfs=1

# Enable DRM VC4 V3D driver
dtoverlay=vc4-kms-v3d
max_framebuffers=2

# Don't have the firmware create an initial video= setting in cmdline.txt.
# Use the kernel's default instead.
disable_fw_kms_setup=1

# Run in 64-bit mode
arm_64bit=1

# Disable compensation for displays with overscan
disable_overscan=1

# Run as fast as firmware / SD allows
arm_boost=1

[cm4]
# Enable host mode on the 2711 built-in XHCI USB controller.
# This line should be removed if the legacy DWC2 controller is required
# (e.g. for USB device mode) or if USB support is not required.
otg_mode=1

[cm5]
dtoverlay=dwc2,dr_mode=host
EOF
cp "$root/boot/firmware/config.txt" "$work/config.txt.orig"
snapshot > "$work/pristine"

# A Raspberry Pi 4 as the device tree names it (sysfs is not mounted in the root, so this is a plain file).
pretend_pi() {
  mkdir -p "$root/sys/firmware/devicetree/base"
  printf 'Raspberry Pi 4 Model B Rev 1.5\0' > "$root/sys/firmware/devicetree/base/model"
}

check_installed() {  # the effect both the installer and the role must have
  local config_txt=$root/boot/firmware/config.txt
  cmp -s "$work/config.txt.orig" <(head -c "$(stat -c %s "$work/config.txt.orig")" "$config_txt") \
    || fail "config.txt's existing lines changed"
  [[ $(grep -cx 'dtoverlay=dwc2,dr_mode=peripheral' "$config_txt") == 1 ]] || fail "config.txt should have the gadget overlay exactly once"
  [[ $(grep -vE '^[[:space:]]*(#|$)' "$config_txt" | grep -B1 -x 'dtoverlay=dwc2,dr_mode=peripheral' | head -n 1) == "[all]" ]] \
    || fail "the gadget overlay is not in an [all] section"
  grep -qx 'dtoverlay=dwc2,dr_mode=host' "$config_txt" || fail "the [cm5] line is gone"
  ok "config.txt: existing lines untouched, dtoverlay=dwc2,dr_mode=peripheral once, under [all]"

  [[ $(chroot "$root" stat -c '%a %U %G' /etc/kvmpi-vnc/password) == "600 kvmpi-vnc kvmpi-vnc" ]] || fail "password file is not 0600 kvmpi-vnc"
  [[ $(chroot "$root" stat -c '%a %U %G' /etc/kvmpi-vnc) == "750 root kvmpi-vnc" ]] || fail "/etc/kvmpi-vnc is not 0750 root:kvmpi-vnc"
  chroot "$root" id -nG kvmpi-vnc | tr ' ' '\n' | grep -qx video || fail "kvmpi-vnc is not in the video group"
  [[ $(chroot "$root" getent passwd kvmpi-vnc | cut -d: -f7) == /usr/sbin/nologin ]] || fail "kvmpi-vnc can log in"
  ok "system user kvmpi-vnc (no login, group video); /etc/kvmpi-vnc 0750, password 0600"

  # The service's own view: as kvmpi-vnc, the config parses (--help exits 0 only after the file parsed) and the
  # password is readable.
  chroot --userspec=kvmpi-vnc:kvmpi-vnc "$root" /opt/kvmpi-vnc/kvmpi-vnc --config /etc/kvmpi-vnc/kvmpi-vnc.conf --help >/dev/null \
    || fail "kvmpi-vnc --config /etc/kvmpi-vnc/kvmpi-vnc.conf does not parse as the service user"
  chroot --userspec=kvmpi-vnc:kvmpi-vnc "$root" head -c 1 /etc/kvmpi-vnc/password >/dev/null || fail "the service user cannot read its password"
  ok "the installed binary runs in Debian 12 and reads its config as the service user"

  chroot "$root" systemctl is-enabled kvmpi-vnc.service kvmpi-vnc-gadget.service >/dev/null || fail "units not enabled"
  local verify
  verify=$(chroot "$root" systemd-analyze verify /etc/systemd/system/kvmpi-vnc.service /etc/systemd/system/kvmpi-vnc-gadget.service 2>&1) \
    || fail "systemd-analyze verify: $verify"
  [[ -z $verify ]] || fail "systemd-analyze verify complains: $verify"
  ok "units enabled offline; systemd-analyze verify accepts them"
  local exposure
  exposure=$(chroot "$root" systemd-analyze security --offline=true kvmpi-vnc.service 2>&1 | sed -n 's/.*Overall exposure level for kvmpi-vnc.service: \([0-9.]*\).*/\1/p')
  [[ -n $exposure ]] || fail "no exposure level from systemd-analyze security"
  awk -v e="$exposure" 'BEGIN { exit !(e <= 5.0) }' || fail "systemd-analyze security scores kvmpi-vnc.service $exposure (> 5.0)"
  ok "systemd-analyze security --offline=true: kvmpi-vnc.service exposure $exposure (<= 5.0)"
  [[ -f $root/etc/udev/rules.d/70-kvmpi-vnc.rules && -f $root/etc/modules-load.d/kvmpi-vnc.conf ]] || fail "udev rule or modules-load.d file missing"
  grep -qx dwc2 "$root/etc/modules-load.d/kvmpi-vnc.conf" && grep -qx libcomposite "$root/etc/modules-load.d/kvmpi-vnc.conf" \
    || fail "dwc2 and libcomposite are not loaded at boot"
  ok "udev rule for /dev/hidg*; dwc2 and libcomposite at boot"
}

case "$mode" in
installer)
  mkdir -p "$root/tmp/release"
  tar -xzf "$tarball" -C "$root/tmp/release"
  inst=$(cd "$root" && ls -d tmp/release/kvmpi-vnc-*/install.sh)
  inst=/$inst
  run() { chroot "$root" "$inst" "$@" </dev/null > "$work/out" 2>&1; }

  if chroot --userspec=65534:65534 "$root" "$inst" </dev/null > "$work/out" 2>&1; then fail "ran as non-root"; fi
  grep -q 'root' "$work/out" && grep -q 'sudo' "$work/out" || fail "non-root message does not say root/sudo: $(cat "$work/out")"
  same_tree "$work/pristine" "a refused non-root run changed the tree"
  ok "refuses to run as non-root, saying root/sudo: $(cat "$work/out")"

  if run; then fail "installed on a machine that is not a Pi without --force"; fi
  grep -q 'not a Raspberry Pi' "$work/out" && grep -q -- '--force' "$work/out" || fail "not-a-Pi message: $(cat "$work/out")"
  same_tree "$work/pristine" "the refused non-Pi run changed the tree"
  ok "refuses a machine that is not a Pi unless --force: $(cat "$work/out")"

  mv "$root/etc/os-release" "$work/os-release.saved"
  printf 'ID=fedora\nVERSION_ID=40\nPRETTY_NAME="Fedora Linux 40"\n' > "$root/etc/os-release"
  if run --force; then fail "installed on Fedora"; fi
  rm -f "$root/etc/os-release"; mv "$work/os-release.saved" "$root/etc/os-release"
  grep -q 'unsupported OS' "$work/out" || fail "unsupported-OS message: $(cat "$work/out")"
  same_tree "$work/pristine" "the refused unsupported-OS run changed the tree"
  ok "refuses an unsupported OS: $(cat "$work/out")"

  # The overlay is already enabled (so this boot should have a UDC) but there is none.
  printf '\n[all]\ndtoverlay=dwc2\n' >> "$root/boot/firmware/config.txt"
  if run --force; then fail "installed with no UDC"; fi
  cp "$work/config.txt.orig" "$root/boot/firmware/config.txt"
  grep -q 'no USB device controller (UDC)' "$work/out" || fail "no-UDC message: $(cat "$work/out")"
  same_tree "$work/pristine" "the refused no-UDC run changed the tree"
  ok "refuses when config.txt enables the overlay but there is no UDC: $(cat "$work/out")"

  # A failure part-way (the udev rules directory is a file): everything done before it is undone.
  rules_was_dir=0
  if [[ -d $root/etc/udev/rules.d ]]; then rules_was_dir=1; mv "$root/etc/udev/rules.d" "$work/rules.d.saved"; fi
  echo "not a directory" > "$root/etc/udev/rules.d"
  if run --force; then fail "installed although /etc/udev/rules.d is a file"; fi
  rm -f "$root/etc/udev/rules.d"
  (( rules_was_dir )) && mv "$work/rules.d.saved" "$root/etc/udev/rules.d"
  grep -q 'nothing was installed' "$work/out" || fail "rollback message: $(cat "$work/out")"
  same_tree "$work/pristine" "a failed install left something behind"
  ok "a failure part-way leaves nothing installed"

  pretend_pi
  run || fail "install failed: $(cat "$work/out")"
  cat "$work/out"
  grep -q 'REBOOT NEEDED' "$work/out" || fail "does not say a reboot is needed"
  grep -q 'systemd is not running' "$work/out" || fail "does not say that starting was skipped"
  password=$(sed -n 's/.*VNC password (shown only this once[^)]*): \([^ ]*\)$/\1/p' "$work/out")
  [[ ${#password} == 8 ]] || fail "no generated 8-character password printed"
  [[ $(cat "$root/etc/kvmpi-vnc/password") == "$password" ]] || fail "the printed password is not the stored one"
  ok "installs on a Pi with no terminal: generated password printed once, reboot announced, start skipped with a note"
  check_installed
  snapshot > "$work/installed"

  run || fail "second run failed: $(cat "$work/out")"
  grep -q 'nothing changed' "$work/out" || fail "second run did not say nothing changed: $(cat "$work/out")"
  if grep -q 'VNC password' "$work/out"; then fail "second run printed the password again"; fi
  grep -q 'REBOOT NEEDED' "$work/out" || fail "second run (same boot) forgot the pending reboot"
  same_tree "$work/installed" "the second run changed the tree"
  ok "second run changes nothing, prints no password, still says the reboot is needed"

  # Upgrade: a newer default config ships; the user's edits stay.
  echo "name = Edited by the user" >> "$root/etc/kvmpi-vnc/kvmpi-vnc.conf"
  echo "# a key added in a newer release" >> "$(dirname "$root$inst")/kvmpi-vnc.conf"
  run || fail "upgrade run failed: $(cat "$work/out")"
  grep -qx 'name = Edited by the user' "$root/etc/kvmpi-vnc/kvmpi-vnc.conf" || fail "the upgrade overwrote the config"
  if grep -q 'newer release' "$root/etc/kvmpi-vnc/kvmpi-vnc.conf"; then fail "the upgrade rewrote the config"; fi
  grep -q 'newer release' "$root/opt/kvmpi-vnc/kvmpi-vnc.conf.default" || fail "the new default config is not beside the binary"
  [[ $(cat "$root/etc/kvmpi-vnc/password") == "$password" ]] || fail "the upgrade changed the password"
  [[ $(grep -cx 'dtoverlay=dwc2,dr_mode=peripheral' "$root/boot/firmware/config.txt") == 1 ]] || fail "overlay added twice"
  ok "an upgrade keeps /etc/kvmpi-vnc/kvmpi-vnc.conf and the password, and leaves config.txt alone"

  chroot "$root" /opt/kvmpi-vnc/install.sh --uninstall </dev/null > "$work/out" 2>&1 || fail "--uninstall failed: $(cat "$work/out")"
  same_tree "$work/pristine" "--uninstall did not restore the tree"
  ok "--uninstall restores the tree, config.txt byte for byte"
  ;;

ansible)
  export ANSIBLE_CONFIG=$repo/deploy/ansible/ansible.cfg ANSIBLE_NOCOLOR=1 ANSIBLE_FORCE_COLOR=0
  export ANSIBLE_LOCAL_TEMP=$work/ansible-local ANSIBLE_HOME=$work/ansible-home
  play() {
    ansible-playbook --inventory "$root," --connection community.general.chroot "$repo/deploy/ansible/playbook.yml" \
      -e "kvmpi_vnc_release_tarball=$tarball" -e kvmpi_vnc_force=true \
      -e '{"kvmpi_vnc_config": {"listen": "0.0.0.0:5900", "name": "Set by Ansible", "no-auth": false}}' \
      </dev/null > "$work/out" 2>&1
  }
  recap() { sed -n "s|^$root *: ||p" "$work/out"; }

  play || fail "first playbook run failed: $(tail -n 40 "$work/out")"
  echo "first run: $(recap)"
  [[ $(recap) =~ changed=[1-9] && $(recap) =~ failed=0 ]] || fail "first run changed nothing: $(recap)"
  grep -q 'VNC password (shown only this once' "$work/out" || fail "the role did not show the generated password"
  check_installed
  grep -qx 'name = Set by Ansible' "$root/etc/kvmpi-vnc/kvmpi-vnc.conf" || fail "kvmpi_vnc_config.name not in the config"
  grep -qx 'no-auth = false' "$root/etc/kvmpi-vnc/kvmpi-vnc.conf" || fail "kvmpi_vnc_config.no-auth not in the config"
  ok "role installs from the tarball; kvmpi_vnc_config keys land in /etc/kvmpi-vnc/kvmpi-vnc.conf"
  snapshot > "$work/installed"

  play || fail "second playbook run failed: $(tail -n 40 "$work/out")"
  echo "second run: $(recap)"
  [[ $(recap) =~ (^| )changed=0( |$) && $(recap) =~ failed=0 ]] || fail "second run reported changes: $(recap); $(grep -B2 'changed:' "$work/out" | head -n 30)"
  if grep -q '"msg": "VNC password' "$work/out"; then fail "second run showed the password again"; fi
  same_tree "$work/installed" "the second playbook run changed the tree"
  ok "second run: changed=0, tree unchanged"

  chroot "$root" /opt/kvmpi-vnc/install.sh --uninstall </dev/null > "$work/out" 2>&1 || fail "--uninstall failed: $(cat "$work/out")"
  same_tree "$work/pristine" "install.sh --uninstall did not restore the tree after the role"
  ok "install.sh --uninstall removes the role's installation too, config.txt byte for byte"
  ;;
*) fail "unknown mode $mode" ;;
esac
echo "PASS: $mode"
