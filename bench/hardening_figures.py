#!/usr/bin/env python3
"""The figures of docs/reliability.md, "Hostile clients and a busy lab":
clients dripping requests, descriptors running out under a running
server, a lab held by another process, a 30-second flood of 404s against
the default --request-log-max, and the requests the HTTP parser refuses.
Prints one line per figure. Takes a few minutes.

usage: bench/hardening_figures.py BUILD_DIR [FLOOD_SECONDS]"""
import json
import os
import resource
import socket
import sqlite3
import ssl
import subprocess
import sys
import tempfile
import threading
import time

build = sys.argv[1] if len(sys.argv) > 1 else "build"
flood_secs = int(sys.argv[2]) if len(sys.argv) > 2 else 30
actsim = os.path.join(os.path.abspath(build), "actsim")
work = tempfile.mkdtemp()
lab = os.path.join(work, "lab")
env = dict(os.environ, ACTSIM_LAB=lab)
subprocess.run([actsim, "lab", "init", "--seed", "1"], env=env, check=True,
               capture_output=True)
here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", "tests"))
from driplib import drip  # noqa: E402


def start(*args):
    srv = subprocess.Popen([actsim, "server", "--listen", "127.0.0.1:0"] +
                           list(args), env=env, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True)
    line = srv.stdout.readline().strip()
    return srv, line.split(" ")[-1], int(line.rsplit(":", 1)[1])


def stop(srv):
    srv.terminate()
    return srv.communicate(timeout=60)[1]


def connect(port, timeout=10.0):
    ctx = ssl.create_default_context(cafile=os.path.join(lab, "tls",
                                                         "ca.pem"))
    return ctx.wrap_socket(socket.create_connection(("127.0.0.1", port),
                                                    timeout=timeout),
                           server_hostname="127.0.0.1")


def request(port, data, timeout=10.0):
    s = connect(port, timeout)
    try:
        s.sendall(data)
        out = b""
        while True:
            try:
                chunk = s.recv(65536)
            except OSError:
                break
            if not chunk:
                break
            out += chunk
        return out
    finally:
        s.close()


def status_of(out):
    try:
        return int(out.split(b" ", 2)[1])
    except (IndexError, ValueError):
        return None


def cpu_seconds(pid):
    f = open("/proc/%d/stat" % pid).read().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")


def metrics(port):
    out = request(port, b"GET /metrics HTTP/1.1\r\nHost: x\r\n"
                  b"Connection: close\r\n\r\n")
    return out.partition(b"\r\n\r\n")[2].decode()


def metric(port, name):
    for line in metrics(port).splitlines():
        if line.startswith(name + " "):
            return int(float(line.split()[1]))
    return None


# --- drip clients -----------------------------------------------------------
srv, url, port = start("--threads", "2", "--max-connections", "16",
                       "--timeout", "5")
body = b"{" + b" " * 62 + b"}"
req = (b"POST /v1/activations HTTP/1.1\r\nHost: x\r\nContent-Length: 64\r\n"
       b"\r\n" + body)
drips = []
for _ in range(16):
    s = connect(port)
    s.settimeout(0.0)
    drips.append(s)
state = drip(drips, req, time.monotonic() + 30, 0.5)
lasted = sorted(d[0] for d in state if d[0] is not None)
t = time.monotonic()
st = status_of(request(port, b"GET /healthz HTTP/1.1\r\nHost: x\r\n"
                       b"Connection: close\r\n\r\n"))
print("drip: %d clients sending a byte every 0.5 s (the whole "
      "--max-connections 16, --timeout 5): each closed after %.1f to "
      "%.1f s, having sent %d to %d bytes; then a new client: %s in %.2f s"
      % (len(drips), lasted[0], lasted[-1], min(d[1] for d in state),
         max(d[1] for d in state), st, time.monotonic() - t))
for s in drips:
    s.close()
stop(srv)

# --- descriptors ------------------------------------------------------------
srv, url, port = start("--threads", "2", "--max-connections", "1024")
hard = resource.prlimit(srv.pid, resource.RLIMIT_NOFILE)[1]
fds = len(os.listdir("/proc/%d/fd" % srv.pid))
resource.prlimit(srv.pid, resource.RLIMIT_NOFILE, (fds + 32, hard))
idle = []
for _ in range(1100):
    try:
        idle.append(socket.create_connection(("127.0.0.1", port), timeout=2))
    except OSError:
        break
time.sleep(0.5)
c0 = cpu_seconds(srv.pid)
time.sleep(10)
cpu = cpu_seconds(srv.pid) - c0
for s in idle:
    s.close()
t = time.monotonic()
st = None
while st != 200 and time.monotonic() - t < 10:
    try:
        st = status_of(request(port, b"GET /healthz HTTP/1.1\r\nHost: x\r\n"
                               b"Connection: close\r\n\r\n", 5))
    except OSError:
        time.sleep(0.1)
secs = time.monotonic() - t
errors = metric(port, "actsim_accept_errors_total")
err = stop(srv)
lines = [l for l in err.splitlines() if "cannot accept" in l]
print("descriptors: %d connections against a server left %d free "
      "descriptors (prlimit): %.2f s of CPU in 10 s, %d accept errors, %d "
      "warning lines (%d bytes) in about %.0f s; after they close a client "
      "is served in %.2f s (%s)" % (len(idle), 32, cpu, errors, len(lines),
                                    len(err), 11 + secs, secs, st))

# --- a lab held by another process ---------------------------------------
k = subprocess.run([actsim, "key", "gen", "--sku", "standard", "--channel",
                    "msdn", "--platform", "x86"], env=env,
                   capture_output=True, text=True).stdout.strip()
subprocess.run([actsim, "machine", "create", "b1", "--key", k, "--hw",
                os.path.join(here, "..", "fixtures", "hardware",
                             "pe2850.json")], env=env, check=True,
               capture_output=True)
iid = subprocess.run([actsim, "machine", "iid", "b1"], env=env,
                     capture_output=True, text=True).stdout.strip()
act = json.dumps({"installation_id": iid}).encode()
act_req = (b"POST /v1/activations HTTP/1.1\r\nHost: x\r\nConnection: close"
           b"\r\nContent-Type: application/json\r\nContent-Length: %d\r\n"
           b"\r\n" % len(act) + act)
db = os.path.join(lab, "lab.db")
srv, url, port = start("--threads", "2")


def log_rows():
    c = sqlite3.connect(db, timeout=60)
    n = c.execute("SELECT count(*) FROM request_log").fetchone()[0]
    c.close()
    return n


rows0 = log_rows()
counts = {}
sent = [0]
lock = threading.Lock()
stop_at = time.monotonic() + 14


def client():
    while time.monotonic() < stop_at:
        out = request(port, act_req, 30)
        st = status_of(out)
        code = ""
        if st != 200:
            try:
                code = json.loads(out.partition(b"\r\n\r\n")[2])["error"][
                    "code"]
            except (ValueError, KeyError):
                code = "?"
        with lock:
            sent[0] += 1
            counts["%s %s" % (st, code)] = counts.get("%s %s" % (st, code),
                                                      0) + 1


threads = [threading.Thread(target=client) for _ in range(4)]
for th in threads:
    th.start()
time.sleep(2)
holder = sqlite3.connect(db, isolation_level=None)
holder.execute("BEGIN IMMEDIATE")
time.sleep(10)
holder.execute("COMMIT")
holder.close()
for th in threads:
    th.join()
deadline = time.monotonic() + 30
while log_rows() - rows0 < sent[0] and time.monotonic() < deadline:
    time.sleep(0.2)
rows = log_rows() - rows0
c = sqlite3.connect(db)
decisions = c.execute("SELECT count(*) FROM request_log WHERE route = "
                      "'/v1/activations' AND status = 200").fetchone()[0]
c.close()
stop(srv)
print("busy lab: 4 clients activating for 14 s, the lab held 10 s of it "
      "by another process: %s; request-log rows %d for %d requests"
      % (", ".join("%s x%d" % (k, v) for k, v in sorted(counts.items())),
         rows, sent[0]))

# --- a flood of 404s --------------------------------------------------------
def db_bytes():
    return sum(os.path.getsize(os.path.join(lab, f))
               for f in ("lab.db", "lab.db-wal", "lab.db-shm")
               if os.path.exists(os.path.join(lab, f)))


def log_rows():
    c = sqlite3.connect(db)
    n, top = c.execute("SELECT count(*), coalesce(max(id), 0) "
                       "FROM request_log").fetchone()
    c.close()
    return n, top


before = db_bytes()
rows_before, top_before = log_rows()
srv, url, port = start("--threads", "2")
out = subprocess.run(["wrk", "-t2", "-c32", "-d%ds" % flood_secs,
                      url + "/no-such-route"], capture_output=True,
                     text=True).stdout
reqs = [l for l in out.splitlines() if "requests in" in l]
time.sleep(2)
trimmed = metric(port, "actsim_request_log_trimmed_total")
stop(srv)
c = sqlite3.connect(db)
c.execute("PRAGMA wal_checkpoint(TRUNCATE)")
c.close()
# ids only grow: every row written since the start is counted, trimmed
# or not
n, top = log_rows()
print("flood: wrk -t2 -c32 -d%ds on a 404 route (default "
      "--request-log-max 100000): %s; %d rows logged in all (what wrk "
      "counted, the requests in flight when it stopped and the metrics "
      "request), %d trimmed (%d counted in metrics 2 s after the flood, "
      "the rest as the writer caught up); request log %d rows; lab.db "
      "%.1f MB before, %.1f MB after" % (
          flood_secs, reqs[0].strip() if reqs else out[-200:],
          top - top_before, rows_before + (top - top_before) - n, trimmed,
          n, before / 1e6, db_bytes() / 1e6))

# --- refusals -----------------------------------------------------------------
srv, url, port = start("--threads", "2")
kinds = [
    (b"FROB /healthz HTTP/1.1\r\nHost: x\r\n\r\n"),
    (b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"b" * 9000 +
     b"\r\n\r\n"),
    (b"POST /v1/activations HTTP/1.1\r\nHost: x\r\nContent-Length: 70000"
     b"\r\n\r\n"),
    (b"GET\r\n\r\n"),
    (b"TRACE /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"),
]
seen = {}
t = time.monotonic()
for data in kinds:
    for _ in range(200):
        out = request(port, data)
        head, _, body = out.partition(b"\r\n\r\n")
        try:
            code = json.loads(body)["error"]["code"]
        except (ValueError, KeyError):
            code = "not JSON"
        key = "%s %s" % (status_of(out), code)
        seen[key] = seen.get(key, 0) + 1
secs = time.monotonic() - t
counted = [l for l in metrics(port).splitlines()
           if l.startswith("actsim_protocol_errors_total{")]
stop(srv)
print("refusals: %d requests in %.1f s: %s; /metrics: %s" % (
    sum(seen.values()), secs,
    ", ".join("%s x%d" % (k, v) for k, v in sorted(seen.items())),
    ", ".join(l.replace("actsim_protocol_errors_total", "") for l in counted)))
subprocess.run(["rm", "-rf", work])
