"""The fake ComfyUI's extras for watchdog tests: print a line, grow its memory.

Behaviour keys (fake_comfyui.json, or the environment):
  print_after     [{"after_ms": N, "line": "...", "stream": "stdout"|"stderr"}]: print each line
                  once, N ms after listening (e.g. "CUDA error: an illegal memory access was
                  encountered")                                        FAKE_COMFYUI_PRINT_LINE +
                                                                     FAKE_COMFYUI_PRINT_AFTER_MS
  grow_rss_mb_per_s  grow the resident memory by this many MB every second   FAKE_COMFYUI_GROW_MB_PER_S
On request:
  POST /fake/print {"line", "stream"?}   prints the line now (stdout by default)
  POST /fake/grow {"mb"}                 grows the resident memory by mb MB now
Each print and growth is recorded (`printed`, `grew` with rss_mb).
"""

import os
import sys
import threading

HELD = []
LOCK = threading.Lock()


def rss_mb():
    try:
        with open("/proc/self/statm") as f:
            pages = int(f.read().split()[1])
        return round(pages * os.sysconf("SC_PAGE_SIZE") / (1024 * 1024), 1)
    except (OSError, ValueError, IndexError):
        return None


def grow(record, mb):
    # Bytes filled with a non-zero value are written page by page, so they are resident.
    with LOCK:
        HELD.append(b"\x5a" * int(mb * 1024 * 1024))
    record("grew", mb=mb, rss_mb=rss_mb())


def print_line(record, line, stream="stdout"):
    out = sys.stderr if stream == "stderr" else sys.stdout
    out.write(line + "\n")
    out.flush()
    record("printed", line=line, stream=stream)


def start(behaviour, record):
    """Arms the timed prints and the steady growth the behaviour asks for."""
    for item in behaviour.get("print_after") or []:
        if isinstance(item, dict) and isinstance(item.get("line"), str):
            delay = max(0, int(item.get("after_ms", 0) or 0)) / 1000.0
            timer = threading.Timer(delay, print_line, args=(record, item["line"], item.get("stream", "stdout")))
            timer.daemon = True
            timer.start()
    per_second = behaviour.get("grow_rss_mb_per_s")
    if isinstance(per_second, (int, float)) and per_second > 0:
        def steady():
            stop = threading.Event()
            while not stop.wait(1.0):
                grow(record, per_second)
        threading.Thread(target=steady, daemon=True).start()


def env_overrides(environ):
    """The extras' keys from environment variables."""
    out = {}
    if "FAKE_COMFYUI_PRINT_LINE" in environ:
        out["print_after"] = [{"line": environ["FAKE_COMFYUI_PRINT_LINE"],
                               "after_ms": int(environ.get("FAKE_COMFYUI_PRINT_AFTER_MS", "0") or 0)}]
    if "FAKE_COMFYUI_GROW_MB_PER_S" in environ:
        out["grow_rss_mb_per_s"] = float(environ["FAKE_COMFYUI_GROW_MB_PER_S"])
    return out


def handle_post(path, body, record):
    """(status, answer) for /fake/print and /fake/grow; None for any other path."""
    body = body if isinstance(body, dict) else {}
    if path == "/fake/print":
        if not isinstance(body.get("line"), str):
            return 400, {"error": "line must be a string"}
        print_line(record, body["line"], body.get("stream", "stdout"))
        return 200, {"printed": True}
    if path == "/fake/grow":
        mb = body.get("mb")
        if isinstance(mb, bool) or not isinstance(mb, (int, float)) or not 0 < mb <= 4096:
            return 400, {"error": "mb must be a number in (0, 4096]"}
        grow(record, mb)
        return 200, {"rss_mb": rss_mb()}
    return None
