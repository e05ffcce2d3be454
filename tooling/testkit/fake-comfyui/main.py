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
  block_http      every prompt blocks HTTP while it runs     FAKE_COMFYUI_BLOCK_HTTP=1

Every step is appended as a JSON line (where: see fake_base.py): started, listening, sigterm,
exited, child_started, busy, hung, hanging (hang mode, where it would have listened), and the
job server's and the extras'.

It imports the other .py files beside it (whatever copies the fake copies all of them): fake_base.py
(records, behaviour, exiting, hanging), fake_jobs.py, the job server (GET/POST /queue, POST /prompt,
/interrupt, /free; one prompt at a time, printing `got prompt` and `Prompt executed in N.NN
seconds`) and fake_extras.py, timed or requested output lines and memory growth (see each).

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
import fake_base  # noqa: E402 (the files beside main.py; see the docstring)
import fake_extras  # noqa: E402
import fake_jobs  # noqa: E402
from fake_base import ENV, HUNG, JOBS, NEVER, exit_now, hang_now, record  # noqa: E402

QUEUE = None  # the job server (fake_jobs.JobServer) once listening


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
        extra = fake_extras.handle_post(path, self.body(), record) if path.startswith("/fake/") else None
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


def on_sigterm(behaviour):
    def handle(signum, frame):
        record("sigterm")
        if behaviour.get("ignore_sigterm"):
            print("[fake ComfyUI] got SIGTERM and ignores it", flush=True)
            return
        exit_now(0)

    signal.signal(signal.SIGTERM, handle)


def before_listening(mode, behaviour):
    """crash and hang modes end here; a start gate and a start delay hold the start back."""
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


def listen(args):
    host, port = fake_base.parse_args(args)
    ThreadingHTTPServer.allow_reuse_address = True
    # A client that gave up (a probe's timeout) breaks the pipe: say nothing, so no traceback
    # lands in the middle of a line a supervisor watches for.
    ThreadingHTTPServer.handle_error = lambda self, request, address: None
    if ":" in host:
        ThreadingHTTPServer.address_family = socket.AF_INET6
    server = ThreadingHTTPServer((host, port), Handler)
    server.daemon_threads = True
    fake_base.SERVER = server
    record("listening", port=server.server_address[1], host=host)
    print("fake ComfyUI (%s) listening on http://%s:%d" % (ENV or "no environment", host, server.server_address[1]),
          flush=True)
    return server


def start_timers(mode, behaviour):
    exit_after = behaviour.get("exit_after_ms")
    if exit_after is not None:
        threading.Timer(int(exit_after) / 1000.0, exit_now, args=(int(behaviour.get("exit_code", 0)),)).start()
    if mode == "hung":
        threading.Timer(int(behaviour.get("hang_after_ms", 0) or 0) / 1000.0, hang_now, args=("hang_after_ms",)).start()
    if behaviour.get("hang_file"):
        threading.Thread(target=fake_base.watch_hang_file, args=(behaviour["hang_file"],), daemon=True).start()


def main():
    global QUEUE
    args = sys.argv[1:]
    behaviour = fake_base.load_behaviour()
    seen = {k: v for k, v in os.environ.items()
            if k.startswith("TEST_") or k in ("CUDA_VISIBLE_DEVICES", "PYTORCH_CUDA_ALLOC_CONF", "PYTHONIOENCODING")}
    record("started", argv=sys.argv, supervised=os.environ.get("COMFYGIT_SUPERVISED"),
           cwd=os.getcwd(), pgid=os.getpgid(0) if hasattr(os, "getpgid") else None, env_seen=seen)
    on_sigterm(behaviour)
    if behaviour.get("spawn_child"):
        child = subprocess.Popen([sys.executable, "-c", "import time\nwhile True: time.sleep(1)"])
        record("child_started", child_pid=child.pid)

    mode = fake_base.choose_mode(behaviour, args)
    before_listening(mode, behaviour)
    server = listen(args)
    QUEUE = fake_jobs.JobServer(record, fake_jobs.log_stream(args), bool(behaviour.get("block_http")))
    fake_extras.start(behaviour, record)
    start_timers(mode, behaviour)

    try:
        if mode == "busy":
            threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
            fake_base.generate(int(behaviour.get("busy_block_ms", 2000) or 2000))
        server.serve_forever(poll_interval=0.05)
        # serve_forever returns only when hung: the socket stays open, nothing answers.
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        exit_now(0)


if __name__ == "__main__":
    main()
