#!/usr/bin/env python3
"""Latency of `malphas lsp` as an editor sees it: the time from sending a request on the
server's standard input to reading its reply, over the pipe, for hover and completion at
every name of a file (and for a change, until its diagnostics arrive).

    python3 bench/lsp/latency.py [--malphas PATH] [FILE...]

Defaults: the release build (.build/release/malphas) and the largest example.
Prints one line per file and request kind: count, median, 95th percentile and maximum.
"""
import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


class Server:
    def __init__(self, binary):
        self.process = subprocess.Popen([binary, "lsp"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=subprocess.DEVNULL)
        self.next_id = 1

    def send(self, message):
        body = json.dumps(message).encode()
        self.process.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.process.stdin.flush()

    def receive(self):
        header = b""
        while not header.endswith(b"\r\n\r\n"):
            byte = self.process.stdout.read(1)
            if not byte:
                raise RuntimeError("the server closed its output")
            header += byte
        length = int(re.search(rb"Content-Length: *(\d+)", header).group(1))
        return json.loads(self.process.stdout.read(length))

    def request(self, method, params):
        request_id = self.next_id
        self.next_id += 1
        self.send({"jsonrpc": "2.0", "id": request_id, "method": method, "params": params})
        while True:
            reply = self.receive()
            if reply.get("id") == request_id:
                return reply

    def notify_and_wait_for_diagnostics(self, method, params):
        self.send({"jsonrpc": "2.0", "method": method, "params": params})
        while True:
            message = self.receive()
            if message.get("method") == "textDocument/publishDiagnostics":
                return message

    def close(self):
        self.request("shutdown", None)
        self.send({"jsonrpc": "2.0", "method": "exit"})
        self.process.wait(timeout=10)


def names(text):
    """(line, character) of every identifier, skipping comments and strings roughly."""
    positions = []
    for line_number, line in enumerate(text.split("\n")):
        code = re.sub(r'"(\\.|[^"\\])*"', lambda m: " " * len(m.group(0)), line.split("//")[0])
        for match in re.finditer(r"[A-Za-z_][A-Za-z0-9_]*", code):
            positions.append((line_number, match.start() + 1))
    return positions


def summary(label, samples):
    samples = sorted(samples)
    p95 = samples[min(len(samples) - 1, int(len(samples) * 0.95))]
    return "%-34s n=%4d  median %6.2f ms  p95 %6.2f ms  max %6.2f ms" % (
        label, len(samples), statistics.median(samples), p95, samples[-1])


def measure(server, path):
    text = open(path).read()
    uri = "file://" + os.path.abspath(path)
    document = {"uri": uri}
    start = time.perf_counter()
    server.notify_and_wait_for_diagnostics("textDocument/didOpen", {
        "textDocument": {"uri": uri, "languageId": "malphas", "version": 1, "text": text}})
    opened = (time.perf_counter() - start) * 1000
    changes = []
    for version in range(2, 12):
        start = time.perf_counter()
        server.notify_and_wait_for_diagnostics("textDocument/didChange", {
            "textDocument": {"uri": uri, "version": version}, "contentChanges": [{"text": text}]})
        changes.append((time.perf_counter() - start) * 1000)
    results = {"hover": [], "completion": [], "definition": []}
    for line, character in names(text):
        params = {"textDocument": document, "position": {"line": line, "character": character}}
        for kind in results:
            start = time.perf_counter()
            reply = server.request("textDocument/" + kind, params)
            results[kind].append((time.perf_counter() - start) * 1000)
            if "error" in reply:
                raise RuntimeError("%s failed: %s" % (kind, reply["error"]))
    name = os.path.relpath(path, ROOT)
    print("%s (%d lines)" % (name, text.count("\n")))
    print("  %-32s %6.2f ms" % ("open, until diagnostics", opened))
    print("  " + summary("change, until diagnostics", changes))
    for kind, samples in results.items():
        print("  " + summary(kind, samples))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--malphas", default=os.path.join(ROOT, ".build", "release", "malphas"))
    parser.add_argument("files", nargs="*")
    arguments = parser.parse_args()
    files = arguments.files
    if not files:
        examples = []
        for directory, _, names_ in os.walk(os.path.join(ROOT, "examples")):
            examples += [os.path.join(directory, n) for n in names_ if n.endswith(".mal")]
        files = [max(examples, key=os.path.getsize)]
    server = Server(arguments.malphas)
    server.request("initialize", {"capabilities": {}})
    server.send({"jsonrpc": "2.0", "method": "initialized", "params": {}})
    for path in files:
        measure(server, path)
    server.close()


if __name__ == "__main__":
    sys.exit(main())
