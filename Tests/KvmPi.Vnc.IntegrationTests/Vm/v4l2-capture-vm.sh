#!/bin/bash
# Runs inside the test VM (Tests/vm/run-vm) with kvmpi-vnc (Native AOT) in /payload and vivid as /dev/video0.
# One boot, many checks: devices (text and --json), snapshot (PNG and JPEG), then a server on vivid with three
# viewers (rfb-watch) that stay connected while vivid's source switches mode, loses its signal, comes back, and
# the device is unbound and bound again (as a USB dongle unplugged and replugged). Results go to $VM_OUT.
set -euo pipefail
OUT=${VM_OUT:-/tmp}
BIN=/payload/kvmpi-vnc
export LD_LIBRARY_PATH=/payload/lib
step() { echo "== $*"; }
fail() { echo "FAIL: $*"; exit 1; }
wait_for() {   # wait_for FILE SECONDS
    local i=0
    while [ ! -e "$1" ]; do
        sleep 0.5; i=$((i + 1))
        [ $i -lt $(($2 * 2)) ] || { echo "--- server log:"; tail -40 "$OUT/server.log"; fail "timed out waiting for $1"; }
    done
}

step "devices"
$BIN devices | tee "$OUT/devices.txt"
grep -q 'driver vivid' "$OUT/devices.txt" || fail "devices: no vivid"
grep -q 'format YUYV' "$OUT/devices.txt" || fail "devices: no YUYV"
grep -q 'dv-timings: current 1280x720p60' "$OUT/devices.txt" || fail "devices: no DV timings"
$BIN devices --json > "$OUT/devices.json"
grep -q '"fourcc": "YUYV"' "$OUT/devices.json" || fail "devices --json: no YUYV"
echo "ok: devices"

step "snapshot"
$BIN snapshot --device /dev/video0 -o "$OUT/snapshot.png"
$BIN snapshot -o "$OUT/snapshot.jpg"
[ "$(head -c 8 "$OUT/snapshot.png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] || fail "snapshot.png is not a PNG"
[ "$(head -c 2 "$OUT/snapshot.jpg" | od -An -tx1 | tr -d ' \n')" = ffd8 ] || fail "snapshot.jpg is not a JPEG"
echo "ok: snapshot"

step "server on vivid, three viewers"
$BIN --device /dev/video0 --listen 127.0.0.1:5900 --keyboard /tmp/keyboard.bin --mouse /tmp/mouse.bin \
    --log-level debug 2> "$OUT/server.log" &
SERVER=$!
M=/tmp/marks
mkdir -p $M
# A: DesktopSize only. Follows every change.
rfb-watch -e raw,ds 127.0.0.1 5900 \
    size 1280x720 120 bars 60 save "$OUT/a-720p.ppm" mark $M/a1 \
    size 1920x1080 120 bars 60 save "$OUT/a-1080p.ppm" mark $M/a2 \
    flat 90 60 save "$OUT/a-nosignal.ppm" mark $M/a3 \
    bars 60 mark $M/a4 \
    flat 90 60 save "$OUT/a-unplugged.ppm" mark $M/a5 \
    bars 120 save "$OUT/a-back.ppm" mark $M/a6 > "$OUT/viewer-a.txt" 2>&1 &
A=$!
# B: ExtendedDesktopSize only.
rfb-watch -e raw,eds 127.0.0.1 5900 size 1280x720 120 mark $M/b1 size 1920x1080 120 bars 60 mark $M/b2 \
    > "$OUT/viewer-b.txt" 2>&1 &
B=$!
# C: neither: stays at 1280x720 and gets a message frame instead of the new mode.
rfb-watch -e raw 127.0.0.1 5900 size 1280x720 120 bars 60 mark $M/c1 wait $M/go-1080 60 \
    flat 80 120 save "$OUT/c-notice.ppm" size 1280x720 5 > "$OUT/viewer-c.txt" 2>&1 &
C=$!
wait_for $M/a1 180; wait_for $M/b1 60; wait_for $M/c1 60
echo "ok: three viewers see the 1280x720 test pattern"

step "the source switches to 1920x1080p60"
v4l2-probe ctrl "DV Timings=1920x1080p60" ctrl "DV Timings Signal Mode=Selected DV Timings"
touch $M/go-1080
wait_for $M/a2 180; wait_for $M/b2 60
wait $C || { cat "$OUT/viewer-c.txt"; fail "viewer C (no resize support)"; }
echo "ok: DesktopSize and ExtendedDesktopSize viewers follow to 1920x1080, the other one got a notice"

step "no signal"
v4l2-probe ctrl "DV Timings Signal Mode=No Signal"
wait_for $M/a3 90
step "signal back"
v4l2-probe ctrl "DV Timings Signal Mode=Selected DV Timings"
wait_for $M/a4 90

step "device unplugged (vivid unbound) and back"
echo vivid.0 > /sys/bus/platform/drivers/vivid/unbind
wait_for $M/a5 90
sleep 2
echo vivid.0 > /sys/bus/platform/drivers/vivid/bind
wait_for $M/a6 180

wait $A || { cat "$OUT/viewer-a.txt"; fail "viewer A"; }
wait $B || { cat "$OUT/viewer-b.txt"; fail "viewer B"; }
kill -0 $SERVER || fail "server died"
kill -TERM $SERVER
wait $SERVER || true
cat "$OUT/viewer-a.txt" "$OUT/viewer-b.txt" "$OUT/viewer-c.txt"
echo "ok: all V4L2 checks passed"
