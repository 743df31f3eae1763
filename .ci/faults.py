#!/usr/bin/env python3
"""Faults the reference app must survive, over real sockets, against its debug build.

    python3 .ci/faults.py BINARY [POSTGRES_URL]

1. Half-sent bodies: 100 clients announce a body and send one byte; every other request still
   answers, with p99 under 100 ms.
2. Aborted logins: 1000 logins, each abandoned 10 ms after it was sent; the server's peak RSS
   stays under 512 MB and it keeps answering.
3. (with POSTGRES_URL) PostgreSQL restarted under a write load: requests during the outage answer
   503 quickly, the app recovers by itself within seconds of the database's return, and every
   write it acknowledged (201) is there afterwards.

Only 127.0.0.1 is contacted. Exits non-zero on the first broken promise.
"""

import http.client
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time

BINARY = sys.argv[1]
POSTGRES_URL = sys.argv[2] if len(sys.argv) > 2 else None
SECRET = "faults-secret-faults-secret-faults-secret-0123"


def fail(message):
    print(f"faults: FAILED: {message}", file=sys.stderr)
    sys.exit(1)


class Server:
    def __init__(self, port, database_url, **env):
        self.port = port
        self.workdir = tempfile.mkdtemp()
        environment = dict(os.environ, PORT=str(port), SECRET_KEY=SECRET, DATABASE_URL=database_url,
                           RUST_LOG="warn", **env)
        self.process = subprocess.Popen([BINARY], cwd=self.workdir, env=environment,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.1)
        fail(f"the server on port {port} did not start")

    def request(self, method, path, body=None, token=None, form=False, timeout=10):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        headers = {}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        if body is not None and form:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        elif body is not None:
            headers["Content-Type"] = "application/json"
            body = json.dumps(body)
        started = time.monotonic()
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        data = response.read()
        elapsed = time.monotonic() - started
        connection.close()
        return response.status, data, elapsed

    def login(self, name):
        self.request("POST", "/auth/register",
                     {"email": f"{name}@example.com", "username": name, "password": "long enough password"})
        status, data, _ = self.request("POST", "/auth/token",
                                       f"username={name}&password=long+enough+password", form=True)
        if status != 200:
            fail(f"login answered {status}: {data!r}")
        return json.loads(data)["access_token"]

    def peak_rss_mb(self):
        with open(f"/proc/{self.process.pid}/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
        return 0.0

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=30)


def half_sent_bodies(server, token):
    stalled = []
    for _ in range(100):
        s = socket.create_connection(("127.0.0.1", server.port))
        s.sendall(b"POST /items HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                  b"Authorization: Bearer " + token.encode() + b"\r\nContent-Length: 1000\r\n\r\n{")
        stalled.append(s)
    time.sleep(0.2)
    latencies = []
    for n in range(200):
        if n % 4 == 0:
            status, data, elapsed = server.request("POST", "/items", {"name": f"n{n}", "price": 1}, token)
            expected = 201
        else:
            status, data, elapsed = server.request("GET", "/items?limit=5")
            expected = 200
        if status != expected:
            fail(f"with 100 half-sent bodies a request answered {status}: {data!r}")
        latencies.append(elapsed)
    latencies.sort()
    p99 = latencies[int(len(latencies) * 0.99) - 1] * 1000
    for s in stalled:
        s.close()
    if p99 >= 100:
        fail(f"with 100 half-sent bodies p99 was {p99:.1f} ms")
    print(f"faults: 100 half-sent bodies: 200 other requests answered, p99 {p99:.1f} ms")


def aborted_logins(server):
    body = b"username=someone&password=long+enough+password"
    request = (b"POST /auth/token HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
               b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
    for _ in range(10):
        wave = []
        for _ in range(100):
            s = socket.create_connection(("127.0.0.1", server.port))
            s.sendall(request)
            wave.append(s)
        time.sleep(0.01)
        for s in wave:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
            s.close()
    status, _, _ = server.request("GET", "/items?limit=1")
    if status != 200:
        fail(f"after 1000 aborted logins GET /items answered {status}")
    time.sleep(2)
    peak = server.peak_rss_mb()
    if peak >= 512:
        fail(f"1000 aborted logins raised peak RSS to {peak:.0f} MB")
    server.login("after")
    print(f"faults: 1000 aborted logins: peak RSS {peak:.0f} MB, still answering")


def postgres_restart(server, token):
    acknowledged, outcomes, stop = [], [], threading.Event()

    def writer():
        n = 0
        while not stop.is_set():
            n += 1
            try:
                status, data, elapsed = server.request("POST", "/items", {"name": f"w{n}", "price": 1}, token,
                                                       timeout=15)
            except OSError as error:
                outcomes.append((time.monotonic(), "error", str(error), 0))
                time.sleep(0.05)
                continue
            outcomes.append((time.monotonic(), status, data, elapsed))
            if status == 201:
                acknowledged.append(json.loads(data)["id"])
            else:
                time.sleep(0.05)

    threads = [threading.Thread(target=writer) for _ in range(4)]
    for thread in threads:
        thread.start()
    time.sleep(2)
    cluster = sorted(os.listdir("/etc/postgresql"))[0]
    subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", cluster, "main", "stop", "-m", "fast"],
                   check=True)
    down = time.monotonic()
    time.sleep(3)
    restarting = time.monotonic()
    subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", cluster, "main", "start"], check=True)
    up = time.monotonic()
    recovered = None
    while time.monotonic() < up + 30:
        if any(t > up and s == 201 for t, s, _, _ in outcomes):
            recovered = min(t for t, s, _, _ in outcomes if t > up and s == 201) - up
            break
        time.sleep(0.1)
    time.sleep(1)
    stop.set()
    for thread in threads:
        thread.join()
    if recovered is None:
        fail("the app did not recover within 30 s of PostgreSQL's return")
    # Requests sent after the server was down and answered before it was started again.
    during = [(s, d, e) for t, s, d, e in outcomes if t - e > down and t < restarting]
    if not during:
        fail("no request answered during the outage")
    for status, data, elapsed in during:
        if status != 503:
            fail(f"during the outage a write answered {status}: {data!r}")
        if elapsed > 2.5:
            fail(f"during the outage a 503 took {elapsed:.1f} s")
    for item in acknowledged:
        status, _, _ = server.request("GET", f"/items/{item}")
        if status != 200:
            fail(f"acknowledged item {item} is missing after the restart ({status})")
    print(f"faults: PostgreSQL restarted under load: {len(during)} requests answered 503 during the outage, "
          f"recovered {recovered:.1f} s after its return, {len(acknowledged)} acknowledged writes all kept")


def main():
    directory = tempfile.mkdtemp()
    server = Server(18090, f"sqlite://{directory}/faults.db")
    try:
        token = server.login("faulty")
        half_sent_bodies(server, token)
        aborted_logins(server)
    finally:
        server.stop()
    if POSTGRES_URL:
        server = Server(18091, POSTGRES_URL, DATABASE_ACQUIRE_TIMEOUT_SECONDS="1")
        try:
            postgres_restart(server, server.login("pgfault"))
        finally:
            server.stop()
    print("faults: ok")


main()
