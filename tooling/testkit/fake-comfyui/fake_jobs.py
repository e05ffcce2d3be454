"""The fake ComfyUI's job server: ComfyUI's /prompt, /queue, /interrupt and /free, faked.

A prompt is a dict of nodes, as in ComfyUI. The fake knows two node types:
  FakeSleep   inputs: seconds (a number >= 0, the time this node "runs"), block_http (true: HTTP
              answers nothing while the node runs, like a custom node holding the GIL), label (a
              string copied into the records, so a test can find a prompt again after a re-post)
  FakeInvalid fails validation: POST /prompt answers 400 with node_errors for it, as ComfyUI does
Any other class_type is refused as a node that does not exist (400, "invalid_prompt").
A prompt runs for the sum of its FakeSleep seconds; one prompt at a time, lowest number first.

It prints ComfyUI's lines (to stderr, or stdout with --log-stdout, as ComfyUI's logger does):
`got prompt` when a prompt is queued, `Processing interrupted` when one is interrupted and
`Prompt executed in N.NN seconds` when one ends. It records prompt_queued, prompt_started,
prompt_executed, prompt_interrupted, prompt_deleted, interrupt and freed events.
"""

import sys
import threading
import time
import uuid


class JobServer:
    def __init__(self, record, log_stream, block_http_always=False):
        self.record = record
        self.log = log_stream
        self.block_http_always = block_http_always
        self.cond = threading.Condition()
        self.pending = []
        self.running = None
        self.number = 0
        self.interrupted = threading.Event()
        self.http_open = threading.Event()
        self.http_open.set()
        self.done = 0
        threading.Thread(target=self.work, daemon=True).start()

    def say(self, line):
        self.log.write(line + "\n")
        self.log.flush()

    def wait_http(self):
        """Called by every HTTP handler: blocks while a prompt holds the "GIL"."""
        self.http_open.wait()

    # --- HTTP ---------------------------------------------------------------------------------

    def queue(self):
        with self.cond:
            running = [self.running] if self.running is not None else []
            return {"queue_running": running, "queue_pending": sorted(self.pending, key=lambda i: i[0])}

    def remaining(self):
        with self.cond:
            return len(self.pending) + (1 if self.running is not None else 0)

    def post_prompt(self, body):
        """POST /prompt: (status, answer). ComfyUI says `got prompt` first, even for a bad one."""
        self.say("got prompt")
        if not isinstance(body, dict) or "prompt" not in body:
            return 400, invalid("no_prompt", "No prompt provided")
        prompt = body["prompt"]
        if not isinstance(prompt, dict):
            return 400, invalid("invalid_prompt", "Invalid prompt: not a dict of nodes")
        node_errors, duration, block_http, label = check_nodes(prompt)
        if isinstance(node_errors, str):
            return 400, invalid("invalid_prompt", node_errors)
        if node_errors:
            answer = invalid("prompt_outputs_failed_validation", "Prompt outputs failed validation")
            answer["node_errors"] = node_errors
            self.record("prompt_rejected", label=label, node_errors=node_errors)
            return 400, answer
        prompt_id = body.get("prompt_id") if isinstance(body.get("prompt_id"), str) else str(uuid.uuid4())
        extra_data = body.get("extra_data") if isinstance(body.get("extra_data"), dict) else {}
        if isinstance(body.get("client_id"), str):
            extra_data = dict(extra_data, client_id=body["client_id"])
        with self.cond:
            number = self.number
            if isinstance(body.get("number"), (int, float)):
                number = body["number"]
            elif body.get("front"):
                number = -number
            self.number += 1
            outputs = [node for node in prompt]
            item = [number, prompt_id, prompt, extra_data, outputs]
            self.pending.append(item)
            self.record("prompt_queued", prompt_id=prompt_id, number=number, label=label,
                        duration_s=duration, block_http=block_http)
            self.cond.notify_all()
        return 200, {"prompt_id": prompt_id, "number": number, "node_errors": {}}

    def post_queue(self, body):
        """POST /queue: {"clear": true} and/or {"delete": [prompt ids]} remove pending prompts."""
        if not isinstance(body, dict):
            return 400, {"error": "body must be a JSON object"}
        with self.cond:
            if body.get("clear"):
                for item in self.pending:
                    self.record("prompt_deleted", prompt_id=item[1], label=label_of(item[2]), reason="clear")
                self.pending = []
            delete = body.get("delete")
            if isinstance(delete, list):
                kept = []
                for item in self.pending:
                    if item[1] in delete:
                        self.record("prompt_deleted", prompt_id=item[1], label=label_of(item[2]), reason="delete")
                    else:
                        kept.append(item)
                self.pending = kept
        return 200, {}

    def interrupt(self, body):
        """POST /interrupt: stops the running prompt (only that one when body names a prompt_id)."""
        wanted = body.get("prompt_id") if isinstance(body, dict) else None
        with self.cond:
            running = self.running[1] if self.running is not None else None
            hit = running is not None and (wanted is None or wanted == running)
            self.record("interrupt", prompt_id=running, requested=wanted, hit=hit)
            if hit:
                self.interrupted.set()
        return 200, {}

    def free(self, body):
        body = body if isinstance(body, dict) else {}
        self.record("freed", unload_models=bool(body.get("unload_models")),
                    free_memory=bool(body.get("free_memory")))
        return 200, {}

    # --- the prompt worker --------------------------------------------------------------------

    def work(self):
        while True:
            with self.cond:
                while not self.pending:
                    self.cond.wait()
                self.pending.sort(key=lambda i: i[0])
                item = self.pending.pop(0)
                self.running = item
                self.interrupted.clear()
            self.execute(item)

    def execute(self, item):
        number, prompt_id, prompt = item[0], item[1], item[2]
        _, duration, block_http, label = check_nodes(prompt)
        block = block_http or self.block_http_always
        self.record("prompt_started", prompt_id=prompt_id, number=number, label=label, block_http=block)
        start = time.perf_counter()
        if block:
            self.http_open.clear()
        interrupted = self.interrupted.wait(duration)
        self.http_open.set()
        elapsed = time.perf_counter() - start
        with self.cond:
            self.running = None
            self.done += 1
        if interrupted:
            self.say("Processing interrupted")
        self.record("prompt_interrupted" if interrupted else "prompt_executed", prompt_id=prompt_id,
                    number=number, label=label, seconds=round(elapsed, 3))
        self.say("Prompt executed in %.2f seconds" % elapsed)


def invalid(kind, message):
    return {"error": {"type": kind, "message": message, "details": "", "extra_info": {}}, "node_errors": {}}


def label_of(prompt):
    return check_nodes(prompt)[3]


def check_nodes(prompt):
    """(node_errors, seconds, block_http, label); node_errors is a message for an unknown node."""
    errors, seconds, block, label = {}, 0.0, False, None
    for node_id, node in prompt.items():
        if not isinstance(node, dict) or "class_type" not in node:
            return "Cannot execute because node %s has no class_type." % node_id, 0, False, None
        kind, inputs = node.get("class_type"), node.get("inputs")
        inputs = inputs if isinstance(inputs, dict) else {}
        if kind == "FakeInvalid":
            errors[node_id] = node_error(kind, "value_not_in_list", "Value not in list")
        elif kind == "FakeSleep":
            value = inputs.get("seconds", 0)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
                errors[node_id] = node_error(kind, "invalid_input_type", "seconds must be a number >= 0")
                continue
            seconds += value
            block = block or inputs.get("block_http") is True
            if isinstance(inputs.get("label"), str) and label is None:
                label = inputs["label"]
        else:
            return "Cannot execute because node %s does not exist." % kind, 0, False, None
    return errors, seconds, block, label


def node_error(kind, error_type, message):
    return {"errors": [{"type": error_type, "message": message, "details": "", "extra_info": {}}],
            "dependent_outputs": [], "class_type": kind}


def log_stream(argv):
    return sys.stdout if "--log-stdout" in argv else sys.stderr
