#!/usr/bin/env python3
"""A fake ComfyUI for comfyvisor's tests and demo (Python 3 standard library only).

It behaves like ComfyUI where a supervisor can see it: it starts from an environment's
`ComfyUI/` folder, serves HTTP on --port (GET /system_stats answers once it is ready), exits with
the code it is asked for (POST /exit/<code>: 42 restart, 43 switch), and dies on SIGTERM.
POST /hang makes a serving fake hang from then on (HTTP silent, process alive).

Behaviour comes from `fake_comfyui.json` beside this file (read at every start), overridden by
environment variables:
  mode            serve | crash | hang | slow | busy | hung   FAKE_COMFYUI_MODE
                  hang: never listens; busy: serves while its main thread "generates"
                  (CPU work and long blocking sleeps); hung: serves, then goes silent
  hang_after_ms   hung mode: serve this long, then hang (0)   FAKE_COMFYUI_HANG_AFTER_MS
  hang_file       hang as soon as this file exists           FAKE_COMFYUI_HANG_FILE
  busy_block_ms   busy mode: each blocking step (2000)       FAKE_COMFYUI_BUSY_BLOCK_MS
  crash_code      exit code of crash mode (1)        FAKE_COMFYUI_CRASH_CODE
  start_delay_ms  delay before listening (slow)      FAKE_COMFYUI_START_DELAY_MS
  start_gate_file listen only once this file exists (records `gated` while it waits)
  ignore_sigterm  record SIGTERM but keep running    FAKE_COMFYUI_IGNORE_SIGTERM=1
  spawn_child     start a child process of its own   FAKE_COMFYUI_SPAWN_CHILD=1
  exit_after_ms   exit by itself after this long     FAKE_COMFYUI_EXIT_AFTER_MS
  exit_code       the code for exit_after_ms (0)     FAKE_COMFYUI_EXIT_CODE
  crash_unless_args  crash (like mode crash) when any of these args is present (a list)
  crash_once_file    crash only when this file is missing, creating it (then serve)

Every step is appended as a JSON line to $FAKE_COMFYUI_EVENTS, or else to
<workspace>/fake-comfyui-events.jsonl when the workspace (a folder holding environments/) is
found above the working directory: started, listening, sigterm, exited, child_started, busy,
hung, hanging (hang mode, where it would have listened), and the job server's and the extras'.

Beside main.py, fake_jobs.py makes it a job server (GET/POST /queue, POST /prompt, /interrupt,
/free; one prompt at a time, printing `got prompt` and `Prompt executed in N.NN seconds`) and
fake_extras.py adds timed or requested output lines and memory growth; see their docstrings.
  block_http      every prompt blocks HTTP while it runs     FAKE_COMFYUI_BLOCK_HTTP=1
The demo ships main.py alone, which then serves without them.

A hung fake keeps its listening socket open (the kernel still accepts connections) but answers
nothing: requests in flight block forever and the accept loop stops, like a ComfyUI whose event
loop is stuck. It still dies on SIGTERM (unless told to ignore it).
"""

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.dont_write_bytecode = True  # no __pycache__ beside the test kit's sources
try:  # beside main.py in the test kit; the demo ships main.py alone and goes without them
    import fake_extras
    import fake_jobs
except ImportError:
    fake_extras = fake_jobs = None

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


def load_behaviour():
    behaviour = {}
    config_file = os.path.join(HERE, "fake_comfyui.json")
    try:
        with open(config_file) as f:
            loaded = json.load(f)
            if isinstance(loaded, dict):
                behaviour.update(loaded)
    except (OSError, ValueError):
        pass
    overrides = {
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
    for key, (var, convert) in overrides.items():
        if var in os.environ:
            behaviour[key] = convert(os.environ[var])
    if fake_extras is not None:
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


def exit_now(code):
    record("exited", code=code)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


HUNG = threading.Event()
NEVER = threading.Event()
SERVER = None
JOBS = {"done": 0, "running": False}
QUEUE = None  # the job server (fake_jobs.JobServer) once listening


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


class Handler(BaseHTTPRequestHandler):
    server_version = "FakeComfyUI/1.0"

    def handle_one_request(self):
        if HUNG.is_set():
            NEVER.wait()
        if QUEUE is not None:
            QUEUE.wait_http()
        super().handle_one_request()

    def log_message(self, format, *args):  # keep the output quiet and useful
        pass

    def reply(self, status, body):
        data = json.dumps(body).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
        self.wfile.flush()

    def route(self):
        path = self.path.split("?")[0]
        return path[len("/api"):] if path.startswith("/api/") else path

    def body(self):
        try:
            length = int(self.headers.get("Content-Length") or 0)
            return json.loads(self.rfile.read(length) or b"null") if length else None
        except ValueError:
            return None

    def do_GET(self):
        if QUEUE is not None and self.route() == "/queue":
            self.reply(200, QUEUE.queue())
        elif QUEUE is not None and self.route() == "/prompt":
            self.reply(200, {"exec_info": {"queue_remaining": QUEUE.remaining()}})
        elif self.route() == "/system_stats":
            self.reply(200, {
                "argv": sys.argv,
                "environment": ENV,
                "supervised": os.environ.get("COMFYGIT_SUPERVISED"),
                "pid": os.getpid(),
                "system": {"os": os.name, "python_version": sys.version, "comfyui_version": "fake"},
                "devices": [],
                "busy": JOBS["running"],
                "jobs_done": JOBS["done"],
            })
        elif self.path == "/":
            data = ("<!doctype html><title>fake ComfyUI</title><h1>fake ComfyUI (%s)</h1>" % ENV).encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        else:
            self.reply(404, {"error": "not found"})

    def do_POST(self):
        path = self.route()
        jobs = {"/prompt": "post_prompt", "/queue": "post_queue", "/interrupt": "interrupt", "/free": "free"}
        if QUEUE is not None and path in jobs:
            self.reply(*getattr(QUEUE, jobs[path])(self.body()))
            return
        extra = fake_extras.handle_post(path, self.body(), record) if fake_extras and path.startswith("/fake/") else None
        if extra is not None:
            self.reply(*extra)
        elif path.startswith("/exit/"):
            try:
                code = int(path[len("/exit/"):])
            except ValueError:
                self.reply(400, {"error": "exit code must be an integer"})
                return
            self.reply(200, {"exiting": code})
            threading.Timer(0.01, exit_now, args=(code,)).start()
        elif path == "/hang":
            self.reply(200, {"hanging": True})
            hang_now("request")
        elif path in ("/manager/reboot", "/v2/manager/reboot"):
            session = os.environ.get("__COMFY_CLI_SESSION__")
            if session:
                open(session + ".reboot", "w").close()
            self.reply(200, {"rebooting": True, "marker": bool(session)})
            threading.Timer(0.01, exit_now, args=(0,)).start()
        else:
            self.reply(404, {"error": "not found"})


def main():
    args = sys.argv[1:]
    behaviour = load_behaviour()
    seen = {k: v for k, v in os.environ.items()
            if k.startswith("TEST_") or k in ("CUDA_VISIBLE_DEVICES", "PYTORCH_CUDA_ALLOC_CONF", "PYTHONIOENCODING")}
    record("started", argv=sys.argv, supervised=os.environ.get("COMFYGIT_SUPERVISED"),
           cwd=os.getcwd(), pgid=os.getpgid(0) if hasattr(os, "getpgid") else None, env_seen=seen)

    def on_sigterm(signum, frame):
        record("sigterm")
        if behaviour.get("ignore_sigterm"):
            print("[fake ComfyUI] got SIGTERM and ignores it", flush=True)
            return
        exit_now(0)

    signal.signal(signal.SIGTERM, on_sigterm)

    if behaviour.get("spawn_child"):
        child = subprocess.Popen([sys.executable, "-c", "import time\nwhile True: time.sleep(1)"])
        record("child_started", child_pid=child.pid)

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

    if mode == "crash":
        code = int(behaviour.get("crash_code", 1))
        print("Traceback (most recent call last):", file=sys.stderr)
        print("  File \"main.py\", line 1, in <module>", file=sys.stderr)
        print("RuntimeError: fake ComfyUI crashed on purpose (exit %d)" % code, file=sys.stderr)
        exit_now(code)
    if mode == "hang":
        record("hanging")  # where it would listen: a marker that comes after "no listening"
        print("[fake ComfyUI] hanging without listening", flush=True)
        while True:
            time.sleep(3600)

    gate = behaviour.get("start_gate_file")
    if gate:
        record("gated", file=gate)
        while not os.path.exists(gate):
            time.sleep(0.02)

    delay = int(behaviour.get("start_delay_ms", 0) or 0)
    if mode == "slow" and delay == 0:
        delay = 2000
    if delay:
        time.sleep(delay / 1000.0)

    global SERVER, QUEUE
    host, port = parse_args(args)
    ThreadingHTTPServer.allow_reuse_address = True
    # A client that gave up (a probe's timeout) breaks the pipe: say nothing, so no traceback
    # lands in the middle of a line a supervisor watches for.
    ThreadingHTTPServer.handle_error = lambda self, request, address: None
    if ":" in host:
        ThreadingHTTPServer.address_family = socket.AF_INET6
    server = ThreadingHTTPServer((host, port), Handler)
    server.daemon_threads = True
    SERVER = server
    record("listening", port=server.server_address[1], host=host)
    print("fake ComfyUI (%s) listening on http://%s:%d" % (ENV or "no environment", host, server.server_address[1]),
          flush=True)

    if fake_jobs is not None:
        QUEUE = fake_jobs.JobServer(record, fake_jobs.log_stream(args), bool(behaviour.get("block_http")))
        fake_extras.start(behaviour, record)

    exit_after = behaviour.get("exit_after_ms")
    if exit_after is not None:
        threading.Timer(int(exit_after) / 1000.0, exit_now, args=(int(behaviour.get("exit_code", 0)),)).start()

    if mode == "hung":
        threading.Timer(int(behaviour.get("hang_after_ms", 0) or 0) / 1000.0, hang_now, args=("hang_after_ms",)).start()
    if behaviour.get("hang_file"):
        threading.Thread(target=watch_hang_file, args=(behaviour["hang_file"],), daemon=True).start()

    try:
        if mode == "busy":
            threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
            generate(int(behaviour.get("busy_block_ms", 2000) or 2000))
        server.serve_forever(poll_interval=0.05)
        # serve_forever returns only when hung: the socket stays open, nothing answers.
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        exit_now(0)


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


if __name__ == "__main__":
    main()
