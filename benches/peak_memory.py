#!/usr/bin/env python3
"""Runs a command and reports its peak memory, as BENCHMARKS.md "Peak memory (issue 12)" quotes it.

    benches/peak_memory.py [--limit-s S] -- COMMAND [ARGS...]

Polls /proc/PID/status every 10 ms while the command runs (Linux only) and prints one line:
wall time, exit status, and the peaks of
  - VmHWM:   peak resident memory, the figure `/usr/bin/time -v` calls "Maximum resident set
             size" (it includes the pages of mapped input files the command has touched);
  - RssAnon: peak of the command's own memory (heap, stacks), without mapped files;
  - VmPeak:  peak address space, which counts memory allocated but never touched.
With --limit-s the command is stopped (SIGKILL) after S seconds and reported as such.
"""
import os, signal, subprocess, sys, time

def main():
    args = sys.argv[1:]
    limit = None
    if args[:1] == ["--limit-s"]:
        limit = float(args[1])
        args = args[2:]
    if args[:1] == ["--"]:
        args = args[1:]
    start = time.time()
    p = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peaks = {"VmHWM": 0, "RssAnon": 0, "VmPeak": 0}
    killed = False
    while p.poll() is None:
        try:
            with open(f"/proc/{p.pid}/status") as f:
                for line in f:
                    key = line.split(":")[0]
                    if key in peaks:
                        peaks[key] = max(peaks[key], int(line.split()[1]))
        except (FileNotFoundError, ProcessLookupError, ValueError, IndexError):
            pass
        if limit is not None and time.time() - start > limit:
            p.send_signal(signal.SIGKILL)
            killed = True
            break
        time.sleep(0.01)
    err = p.stderr.read().decode(errors="replace").strip().splitlines()
    p.wait()
    wall = time.time() - start
    mb = lambda kb: f"{kb / 1024:.0f} MB"
    status = f"stopped after {limit:.0f} s" if killed else f"exit {p.returncode}"
    print(f"{wall:.1f} s, {status}, VmHWM {mb(peaks['VmHWM'])}, RssAnon {mb(peaks['RssAnon'])}, "
          f"VmPeak {mb(peaks['VmPeak'])}" + (f" | {err[-1][:160]}" if err else ""))

if __name__ == "__main__":
    main()
