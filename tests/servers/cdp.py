#!/usr/bin/env python3
"""cdp.py - drive headless Chromium over the DevTools protocol, standard
library only (a minimal RFC 6455 websocket client), for the dashboard's
browser tests.

    cdp.py [--chromium PATH] [--profile DIR] STEP...

Steps run in order; the first that fails prints why and exits 1:

    open URL            navigate and wait for the load event
    size WxH[:mobile]   the viewport (e.g. 1280x800, 390x844:mobile)
    sh CMD              run a shell command (it drives the spool)
    wait JS [SECONDS]   wait until the expression is truthy (default 60 s)
    eval JS             print "eval: <JSON of the value>"
    shot FILE           a PNG of the whole page
    nojs                the page's own scripts are off from now on
    errors              print "errors: <JSON list>" of the page's uncaught
                        exceptions and console errors so far

Chromium is started with its own profile and an ephemeral debugging port
(read back from DevToolsActivePort) and killed at the end.
"""
import base64
import json
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
import urllib.request


class WebSocket:
    def __init__(self, url):
        assert url.startswith("ws://")
        hostport, _, path = url[5:].partition("/")
        host, _, port = hostport.partition(":")
        self.sock = socket.create_connection((host, int(port)), timeout=60)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall((
            "GET /%s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\n"
            "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\n"
            "Sec-WebSocket-Version: 13\r\n\r\n" % (path, hostport, key)).encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise OSError("websocket handshake: connection closed")
            head += chunk
        head, _, self.buf = head.partition(b"\r\n\r\n")
        if b" 101 " not in head.split(b"\r\n")[0]:
            raise OSError("websocket handshake: %r" % head.split(b"\r\n")[0])

    def _read(self, n):
        while len(self.buf) < n:
            chunk = self.sock.recv(1 << 16)
            if not chunk:
                raise OSError("websocket closed")
            self.buf += chunk
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def send(self, text):
        data = text.encode()
        head = bytes([0x81])
        n = len(data)
        if n < 126:
            head += bytes([0x80 | n])
        elif n < 1 << 16:
            head += bytes([0x80 | 126]) + struct.pack(">H", n)
        else:
            head += bytes([0x80 | 127]) + struct.pack(">Q", n)
        mask = os.urandom(4)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(data))
        self.sock.sendall(head + mask + masked)

    def recv(self):
        message = b""
        while True:
            b0, b1 = self._read(2)
            n = b1 & 0x7F
            if n == 126:
                n = struct.unpack(">H", self._read(2))[0]
            elif n == 127:
                n = struct.unpack(">Q", self._read(8))[0]
            mask = self._read(4) if b1 & 0x80 else None
            data = self._read(n)
            if mask:
                data = bytes(b ^ mask[i % 4] for i, b in enumerate(data))
            op = b0 & 0x0F
            if op == 0x8:
                raise OSError("websocket closed by the browser")
            if op in (0x9, 0xA):
                continue        # ping/pong: the browser does not ping us
            message += data
            if b0 & 0x80:
                return message.decode()


class Page:
    def __init__(self, ws):
        self.ws = ws
        self.next_id = 0
        self.events = []
        self.errors = []

    def call(self, method, **params):
        self.next_id += 1
        mid = self.next_id
        self.ws.send(json.dumps({"id": mid, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == mid:
                if "error" in msg:
                    raise RuntimeError("%s: %s" % (method, msg["error"]))
                return msg.get("result", {})
            self.note(msg)

    def note(self, msg):
        m = msg.get("method")
        if m == "Runtime.exceptionThrown":
            d = msg["params"]["exceptionDetails"]
            self.errors.append(d.get("exception", {}).get("description") or d.get("text"))
        elif m == "Runtime.consoleAPICalled" and msg["params"].get("type") == "error":
            self.errors.append(" ".join(str(a.get("value", a.get("description")))
                                        for a in msg["params"].get("args", [])))
        elif m == "Log.entryAdded" and msg["params"]["entry"].get("level") == "error":
            self.errors.append(msg["params"]["entry"].get("text"))
        self.events.append(m)

    def wait_event(self, name, timeout):
        self.ws.sock.settimeout(timeout)
        try:
            while True:
                msg = json.loads(self.ws.recv())
                self.note(msg)
                if msg.get("method") == name:
                    return
        finally:
            self.ws.sock.settimeout(60)

    def evaluate(self, expr):
        r = self.call("Runtime.evaluate", expression=expr, returnByValue=True,
                      awaitPromise=True)
        if "exceptionDetails" in r:
            raise RuntimeError("eval %r: %s" % (expr, r["exceptionDetails"].get("text")))
        return r["result"].get("value")


def start_chromium(path, profile):
    port_file = os.path.join(profile, "DevToolsActivePort")
    proc = subprocess.Popen(
        [path, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--no-default-browser-check", "--disable-extensions", "--hide-scrollbars",
         "--disable-background-networking", "--disable-component-update",
         "--user-data-dir=" + profile, "--remote-debugging-port=0", "about:blank"],
        stdout=subprocess.DEVNULL, stderr=open(os.path.join(profile, "chromium.log"), "w"),
        start_new_session=True)
    deadline = time.time() + 60
    while time.time() < deadline:
        if os.path.exists(port_file):
            lines = open(port_file).read().split()
            if len(lines) >= 2:
                return proc, int(lines[0])
        if proc.poll() is not None:
            raise RuntimeError("chromium exited with %s" % proc.returncode)
        time.sleep(0.05)
    raise RuntimeError("chromium did not start its DevTools server")


def main(argv):
    chromium = os.environ.get("CHROMIUM", "chromium")
    profile = None
    while argv and argv[0].startswith("--"):
        if argv[0] == "--chromium":
            chromium = argv[1]
        elif argv[0] == "--profile":
            profile = argv[1]
        argv = argv[2:]
    own_profile = profile is None
    if own_profile:
        profile = tempfile.mkdtemp(prefix="mend-chromium.")
    os.makedirs(profile, exist_ok=True)
    proc, port = start_chromium(shutil.which(chromium) or chromium, profile)
    try:
        req = urllib.request.Request("http://127.0.0.1:%d/json/new?about:blank" % port,
                                     method="PUT")
        target = json.load(urllib.request.urlopen(req, timeout=30))
        page = Page(WebSocket(target["webSocketDebuggerUrl"]))
        page.call("Page.enable")
        page.call("Runtime.enable")
        page.call("Log.enable")
        i = 0
        while i < len(argv):
            step = argv[i]
            if step == "open":
                page.call("Page.navigate", url=argv[i + 1])
                page.wait_event("Page.loadEventFired", 30)
                i += 2
            elif step == "size":
                dims, _, mobile = argv[i + 1].partition(":")
                w, h = (int(x) for x in dims.split("x"))
                page.call("Emulation.setDeviceMetricsOverride", width=w, height=h,
                          deviceScaleFactor=1, mobile=mobile == "mobile")
                i += 2
            elif step == "sh":
                rc = subprocess.call(argv[i + 1], shell=True)
                if rc != 0:
                    print("cdp: sh %r: exit %d" % (argv[i + 1], rc))
                    return 1
                i += 2
            elif step == "wait":
                expr = argv[i + 1]
                i += 2
                limit = 60.0
                if i < len(argv) and argv[i].replace(".", "", 1).isdigit():
                    limit = float(argv[i])
                    i += 1
                deadline = time.time() + limit
                while not page.evaluate("!!(%s)" % expr):
                    if time.time() > deadline:
                        print("cdp: waited %.0f s for: %s" % (limit, expr))
                        print("cdp: page: %s" % page.evaluate(
                            "document.body ? document.body.innerText.slice(0, 2000) : ''"))
                        return 1
                    time.sleep(0.05)
                print("wait: %s" % expr)
            elif step == "eval":
                print("eval: %s" % json.dumps(page.evaluate(argv[i + 1])))
                i += 2
            elif step == "shot":
                m = page.call("Page.getLayoutMetrics")
                size = m.get("cssContentSize") or m["contentSize"]
                shot = page.call("Page.captureScreenshot", format="png",
                                 captureBeyondViewport=True, clip={
                                     "x": 0, "y": 0, "width": size["width"],
                                     "height": min(size["height"], 4000), "scale": 1})
                with open(argv[i + 1], "wb") as f:
                    f.write(base64.b64decode(shot["data"]))
                print("shot: %s" % argv[i + 1])
                i += 2
            elif step == "nojs":
                page.call("Emulation.setScriptExecutionDisabled", value=True)
                i += 1
            elif step == "errors":
                print("errors: %s" % json.dumps(page.errors))
                i += 1
            else:
                print("cdp: unknown step %r" % step)
                return 64
            sys.stdout.flush()
        return 0
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except OSError:
            pass
        proc.wait()
        if own_profile:
            shutil.rmtree(profile, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
