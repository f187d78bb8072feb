#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Figures for the release note, measured on a kvmpi-vnc binary (default: the linux-x64 Native AOT one that
./release.sh left in artifacts/release):

  binary size; start-up time from exec to an accepting listener (median and min of --runs starts);
  resident memory (VmRSS) when idle, and the peak (VmHWM) and final RSS while 4 libvncclient viewers (the
  integration tests' rfbprobe, ZRLE) receive a 1920x1080 Motion-JPEG video at 30 fps for --seconds.

Needs gcc, pkg-config, libvncserver-dev, libturbojpeg0 and ImageMagick's convert (./test.sh installs them all).
Run: python3 tools/release/measure.py [--binary PATH] [--runs 20] [--seconds 20]
"""
import argparse
import glob
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def status_kb(pid, field):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"no {field} for pid {pid}")


def server_args(binary, port, extra):
    args = [binary, "--listen", f"127.0.0.1:{port}"] + extra
    if "--http" in subprocess.run([binary, "--help"], capture_output=True, text=True).stdout:
        args += ["--http", "off"]  # the browser console is not what is measured here
    return args


def start(binary, extra, timeout=30.0):
    """Starts the server; returns (process, port, seconds from exec to the first accepted connection)."""
    port = free_port()
    args = server_args(binary, port, extra)
    t0 = time.perf_counter()
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    while True:
        if proc.poll() is not None:
            raise RuntimeError("server exited: " + proc.stderr.read().decode(errors="replace"))
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return proc, port, time.perf_counter() - t0
        except OSError:
            if time.perf_counter() - t0 > timeout:
                proc.kill()
                raise RuntimeError("server did not listen in time")
            time.sleep(0.0005)


def stop(proc):
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def build_probe(tmp):
    source = os.path.join(REPO, "Tests", "KvmPi.Vnc.IntegrationTests", "Clients", "rfbprobe.c")
    flags = subprocess.run(["pkg-config", "--cflags", "--libs", "libvncclient"], check=True, capture_output=True, text=True).stdout.split()
    probe = os.path.join(tmp, "rfbprobe")
    subprocess.run(["gcc", "-O2", "-o", probe, source] + flags, check=True)
    return probe


def make_video(tmp, frames=30):
    """A 1080p Motion-JPEG loop: a gradient with blocks that move every frame (changes in every frame, like a
    desktop with activity, neither a still image nor noise)."""
    parts = []
    for i in range(frames):
        jpg = os.path.join(tmp, f"f{i:03}.jpg")
        x = 60 * i
        subprocess.run(["convert", "-size", "1920x1080", "gradient:#203040-#a0b0c0",
                        "-fill", "#e0e0e0", "-draw", f"rectangle {x},100 {x + 400},400",
                        "-fill", "#402020", "-draw", f"rectangle {1800 - x},600 {1900 - x},1000",
                        "-quality", "85", jpg], check=True)
        parts.append(jpg)
    video = os.path.join(tmp, "1080p.mjpeg")
    with open(video, "wb") as out:
        for jpg in parts:
            with open(jpg, "rb") as f:
                out.write(f.read())
    return video


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    default = sorted(glob.glob(os.path.join(REPO, "artifacts", "release", "kvmpi-vnc-*-linux-x64", "kvmpi-vnc")))
    ap.add_argument("--binary", default=default[-1] if default else None)
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--seconds", type=float, default=20.0)
    ap.add_argument("--viewers", type=int, default=4)
    a = ap.parse_args()
    if not a.binary or not os.path.exists(a.binary):
        sys.exit("no binary: run ./release.sh --rid linux-x64 first, or pass --binary")
    for tool in ("gcc", "pkg-config", "convert"):
        if not shutil.which(tool):
            sys.exit(f"{tool} is missing (./test.sh installs it)")

    print(f"binary: {a.binary}")
    print(f"binary size: {os.path.getsize(a.binary)} bytes ({os.path.getsize(a.binary) / 1048576:.2f} MiB)")

    times = []
    for _ in range(a.runs):
        proc, _, t = start(a.binary, [])
        times.append(t)
        stop(proc)
    print(f"start-up to listening (demo target, {a.runs} runs): median {statistics.median(times) * 1000:.1f} ms, "
          f"min {min(times) * 1000:.1f} ms, max {max(times) * 1000:.1f} ms")

    with tempfile.TemporaryDirectory(prefix="kvmpi-measure-") as tmp:
        probe = build_probe(tmp)
        video = make_video(tmp)

        proc, port, t = start(a.binary, ["--video", video, "--fps", "30"])
        try:
            time.sleep(3)
            print(f"RSS idle, 1080p video at 30 fps, no viewer: {status_kb(proc.pid, 'VmRSS') / 1024:.1f} MiB "
                  f"(start-up with the video: {t * 1000:.0f} ms)")
            viewers = [subprocess.Popen([probe, "-e", "zrle hextile raw", "-t", str(a.seconds), "127.0.0.1", str(port)],
                                        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
                       for _ in range(a.viewers)]
            peak = 0
            deadline = time.monotonic() + a.seconds + 15
            while any(v.poll() is None for v in viewers) and time.monotonic() < deadline:
                peak = max(peak, status_kb(proc.pid, "VmRSS"))
                time.sleep(0.2)
            during = status_kb(proc.pid, "VmRSS")
            hwm = status_kb(proc.pid, "VmHWM")
            results = []
            for v in viewers:
                out, _ = v.communicate(timeout=30)
                results += [line for line in out.splitlines() if line.startswith("RESULT")]
            updates = [int(r.split("updates=")[1].split()[0]) for r in results]
            print(f"RSS with {a.viewers} viewers (ZRLE) on 1080p at 30 fps for {a.seconds:.0f} s: peak sampled "
                  f"{peak / 1024:.1f} MiB, VmHWM {hwm / 1024:.1f} MiB, at the end {during / 1024:.1f} MiB; "
                  f"updates per viewer {updates} ({[round(u / a.seconds, 1) for u in updates]} /s)")
        finally:
            stop(proc)


if __name__ == "__main__":
    main()
