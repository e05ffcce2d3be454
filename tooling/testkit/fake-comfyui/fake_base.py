"""The fake ComfyUI's groundwork: where it is, what it records, how it is told to behave, how it
exits and hangs, and busy mode's "generations". main.py (beside it) serves HTTP on top of this.

Every step is appended as a JSON line to $FAKE_COMFYUI_EVENTS, or else to
<workspace>/fake-comfyui-events.jsonl when the workspace (a folder holding environments/) is
found above the working directory.
"""

import json
import os
import sys
import threading
import time

import fake_extras

HERE = os.path.dirname(os.path.abspath(__file__))


def env_name():
    cwd = os.getcwd()
    parts = cwd.replace("\\", "/").rstrip("/").split("/")
    if len(parts) >= 3 and parts[-1] == "ComfyUI" and parts[-3] == "environments":
        return parts[-2]
    return None


def events_path():
    path = os.environ.get("FAKE_COMFYUI_EVENTS")
    if path:
        return path
    current = os.getcwd()
    while True:
        if os.path.isdir(os.path.join(current, "environments")):
            return os.path.join(current, "fake-comfyui-events.jsonl")
        parent = os.path.dirname(current)
        if parent == current:
            return None
        current = parent


EVENTS = events_path()
ENV = env_name()


def record(event, **fields):
    line = {"event": event, "pid": os.getpid(), "env": ENV, "time": time.time()}
    line.update(fields)
    if EVENTS is None:
        return
    data = (json.dumps(line) + "\n").encode("utf-8")
    fd = os.open(EVENTS, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, data)
    finally:
        os.close(fd)


OVERRIDES = {
    "mode": ("FAKE_COMFYUI_MODE", str),
    "crash_code": ("FAKE_COMFYUI_CRASH_CODE", int),
    "start_delay_ms": ("FAKE_COMFYUI_START_DELAY_MS", int),
    "ignore_sigterm": ("FAKE_COMFYUI_IGNORE_SIGTERM", lambda v: v == "1"),
    "spawn_child": ("FAKE_COMFYUI_SPAWN_CHILD", lambda v: v == "1"),
    "exit_after_ms": ("FAKE_COMFYUI_EXIT_AFTER_MS", int),
    "exit_code": ("FAKE_COMFYUI_EXIT_CODE", int),
    "hang_after_ms": ("FAKE_COMFYUI_HANG_AFTER_MS", int),
    "hang_file": ("FAKE_COMFYUI_HANG_FILE", str),
    "busy_block_ms": ("FAKE_COMFYUI_BUSY_BLOCK_MS", int),
    "block_http": ("FAKE_COMFYUI_BLOCK_HTTP", lambda v: v == "1"),
}


def load_behaviour():
    """fake_comfyui.json beside this file (read at every start), overridden by the environment."""
    behaviour = {}
    config_file = os.path.join(HERE, "fake_comfyui.json")
    try:
        with open(config_file) as f:
            loaded = json.load(f)
            if isinstance(loaded, dict):
                behaviour.update(loaded)
    except (OSError, ValueError):
        pass
    for key, (var, convert) in OVERRIDES.items():
        if var in os.environ:
            behaviour[key] = convert(os.environ[var])
    behaviour.update(fake_extras.env_overrides(os.environ))
    return behaviour


def parse_args(argv):
    host, port = "127.0.0.1", 8188
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg == "--port" and i + 1 < len(argv):
            port = int(argv[i + 1])
            i += 1
        elif arg.startswith("--port="):
            port = int(arg.split("=", 1)[1])
        elif arg == "--listen":
            if i + 1 < len(argv) and not argv[i + 1].startswith("--"):
                host = argv[i + 1].split(",")[0]
                i += 1
            else:
                host = "0.0.0.0"
        elif arg.startswith("--listen="):
            host = arg.split("=", 1)[1].split(",")[0]
        i += 1
    return host, port


def choose_mode(behaviour, args):
    """The start mode: crash_unless_args and crash_once_file override `mode` (serve by default)."""
    mode = behaviour.get("mode", "serve")
    crash_unless = behaviour.get("crash_unless_args")
    if isinstance(crash_unless, list) and any(a in args for a in crash_unless):
        mode = "crash"
    once = behaviour.get("crash_once_file")
    if once:
        if os.path.exists(once):
            mode = "serve"
        else:
            open(once, "w").close()
            mode = "crash"
    return mode


def exit_now(code):
    record("exited", code=code)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


HUNG = threading.Event()
NEVER = threading.Event()
SERVER = None  # the HTTP server once listening (main.py sets it): hang_now stops its accept loop
JOBS = {"done": 0, "running": False}  # busy mode's generations, shown by GET /system_stats


def hang_now(reason):
    """From now on answer nothing: block every handler and stop accepting (the socket stays open)."""
    if HUNG.is_set():
        return
    HUNG.set()
    record("hung", reason=reason)
    print("[fake ComfyUI] hung (%s): HTTP is silent from now on" % reason, flush=True)
    if SERVER is not None:
        threading.Thread(target=SERVER.shutdown, daemon=True).start()


def watch_hang_file(path):
    while not HUNG.is_set():
        if os.path.exists(path):
            hang_now("hang_file")
            return
        time.sleep(0.02)


def generate(block_ms):
    """Busy mode's main thread: endless "generations", each CPU work then a long blocking call."""
    record("busy", block_ms=block_ms)
    while True:
        JOBS["running"] = True
        deadline = time.time() + 0.2
        n = 0
        while time.time() < deadline:  # holds the GIL in slices, like Python-side work
            n += sum(i * i for i in range(1000))
        time.sleep(block_ms / 1000.0)  # like a long GPU kernel: blocks, releases the GIL
        JOBS["done"] += 1
