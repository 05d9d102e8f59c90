#!/usr/bin/env python3
"""The clearinghouse against hostile clients and a busy lab: one server
per lab, an exact connection cap, clients that drip a request, running out
of descriptors, a lab held by a CLI command, a request-log flood, and
answers that are always JSON.

usage: hardening.py ACTSIM WORKDIR"""
import json
import os
import resource
import socket
import ssl
import subprocess
import sys
import time

from driplib import drip
from taplib import finish, report, run_cli

actsim, work = sys.argv[1], sys.argv[2]
lab = os.path.join(work, "lab")
env = dict(os.environ, ACTSIM_LAB=lab)
subprocess.run([actsim, "lab", "init", "--seed", "12"], env=env, check=True,
               capture_output=True)
token = open(os.path.join(lab, "admin-token")).read().strip()
servers = []


def start(*args, preexec=None, umask=None):
    def pre():
        if umask is not None:
            os.umask(umask)
        if preexec is not None:
            preexec()
    srv = subprocess.Popen([actsim, "server", "--listen", "127.0.0.1:0"] +
                           list(args), env=env, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True,
                           preexec_fn=pre)
    servers.append(srv)
    line = srv.stdout.readline().strip()
    if not line.startswith("listening on "):
        srv.wait(timeout=30)
        return srv, None, None
    url = line.split(" ")[-1]
    return srv, url, int(url.rsplit(":", 1)[1])


def stop(srv):
    srv.terminate()
    out, err = srv.communicate(timeout=60)
    return srv.returncode, err


def tls_connect(port, timeout=5.0):
    # The lab's CA exists once a server has started.
    ctx = ssl.create_default_context(cafile=os.path.join(lab, "tls",
                                                         "ca.pem"))
    raw = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    return ctx.wrap_socket(raw, server_hostname="127.0.0.1")


def get(port, path="/healthz", timeout=5.0):
    s = tls_connect(port, timeout)
    try:
        s.sendall(("GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
                   % path).encode())
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
        return int(data.split(b" ", 2)[1])
    finally:
        s.close()


def cpu_seconds(pid):
    f = open("/proc/%d/stat" % pid).read().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")


def idle_flood(srv, port, n, secs):
    """Opens up to n idle TCP connections, measures the server's CPU
    seconds over secs, closes them: (connections made, CPU seconds)."""
    idle = []
    for _ in range(n):
        try:
            idle.append(socket.create_connection(("127.0.0.1", port),
                                                 timeout=2))
        except OSError:
            break
    time.sleep(0.5)
    c0 = cpu_seconds(srv.pid)
    time.sleep(secs)
    cpu = cpu_seconds(srv.pid) - c0
    for s in idle:
        s.close()
    return len(idle), cpu


# --- one server per lab --------------------------------------------------
srv, url, port = start("--threads", "1", umask=0o077)
info = os.path.join(lab, "server.json")
mode = os.stat(info).st_mode & 0o777
report(mode == 0o644, "server.json is 0644 under umask 077",
       "mode %o" % mode)
second, url2, _ = start("--threads", "1")
if url2 is not None:
    second.terminate()
_, err2 = second.communicate(timeout=60)
report(second.returncode == 3 and str(srv.pid) in err2 and url in err2,
       "a second server on the lab refuses (exit 3, naming pid and URL)",
       "exit %s: %s" % (second.returncode, err2.strip()))
report(json.load(open(info))["pid"] == srv.pid,
       "and leaves the running one's server.json", open(info).read())
srv.kill()
srv.wait()
srv, url, port = start("--threads", "1")
report(url is not None and json.load(open(info))["pid"] == srv.pid,
       "a stale server.json (its process killed) is replaced",
       "url %s" % url)
rc, err = stop(srv)
report(rc == 0 and not os.path.exists(info),
       "stopping removes it", "exit %d, exists %s" % (rc, os.path.exists(info)))
# a dead server's pid taken by another process (here pid 1, alive and no
# server of this lab) does not block the lab
with open(info, "w") as f:
    f.write('{"url": "https://127.0.0.1:1", "pid": 1}\n')
srv, url, port = start("--threads", "1")
report(url is not None and json.load(open(info))["pid"] == srv.pid,
       "a server.json whose pid now belongs to another process is replaced",
       "url %s, %s" % (url, open(info).read()))
stop(srv)

# --- --max-connections is exact whatever --threads ------------------------
srv, url, port = start("--threads", "4", "--max-connections", "1",
                       "--timeout", "30")
first = tls_connect(port)
waiting = []
served = 0
for _ in range(3):
    try:
        waiting.append(tls_connect(port, timeout=1.0))
        served += 1
    except (socket.timeout, ssl.SSLError, OSError):
        pass
report(served == 0, "--max-connections 1 --threads 4: a second client "
       "waits while one is connected", "%d more served" % served)
first.close()
t = time.monotonic()
try:
    status = get(port, timeout=5.0)
except OSError as e:
    status = str(e)
secs = time.monotonic() - t
report(status == 200 and secs < 1.0,
       "at the cap, a new client is served within a second of a slot "
       "freeing (%.2f s)" % secs, "status %s after %.2f s" % (status, secs))
stop(srv)

# --- clients that drip a request ------------------------------------------
TIMEOUT = 2
srv, url, port = start("--threads", "1", "--max-connections", "6",
                       "--timeout", str(TIMEOUT))
request = (b"POST /v1/activations HTTP/1.1\r\nHost: x\r\n"
           b"Content-Type: application/json\r\nContent-Length: 64\r\n\r\n" +
           b"{" + b" " * 62 + b"}")
drips = []
for _ in range(5):
    s = tls_connect(port)
    s.settimeout(0.0)
    drips.append(s)
lasted = [d[0] for d in drip(drips, request,
                             time.monotonic() + 4 * TIMEOUT + 4, 0.25)]
report(all(x is not None and x < TIMEOUT + 1.5 for x in lasted),
       "5 clients dripping a request a byte every 0.25 s are closed "
       "within --timeout %d s of their first byte (%s s)"
       % (TIMEOUT, ", ".join("%.1f" % x if x else "open" for x in lasted)),
       "lasted %s" % lasted)
for s in drips:
    s.close()
drips = [tls_connect(port) for _ in range(6)]  # the whole cap
for s in drips:
    s.settimeout(0.0)
t = time.monotonic()
status = None
while time.monotonic() - t < TIMEOUT + 3 and status != 200:
    for s in drips:
        try:
            s.send(b"G")
        except (ssl.SSLWantWriteError, ssl.SSLWantReadError, OSError):
            pass
    try:
        status = get(port, timeout=0.5)
    except OSError:
        time.sleep(0.2)
secs = time.monotonic() - t
report(status == 200 and secs < TIMEOUT + 1.5,
       "with the cap taken by drippers a new client is served after "
       "%.1f s (--timeout %d)" % (secs, TIMEOUT),
       "status %s after %.1f s" % (status, secs))
for s in drips:
    s.close()

# A keep-alive client dripping its next request below TLS: the bytes of
# one TLS record, which give no plaintext until the record is whole.
tctx = ssl.create_default_context(cafile=os.path.join(lab, "tls", "ca.pem"))
raw = socket.create_connection(("127.0.0.1", port), timeout=5)
inc, out = ssl.MemoryBIO(), ssl.MemoryBIO()
tobj = tctx.wrap_bio(inc, out, server_hostname="127.0.0.1")
while True:
    try:
        tobj.do_handshake()
        break
    except ssl.SSLWantReadError:
        raw.sendall(out.read())
        inc.write(raw.recv(65536))
raw.sendall(out.read())
tobj.write(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
raw.sendall(out.read())
answer = b""
while b'{"status":"ok"}' not in answer:
    try:
        answer += tobj.read(65536)
    except ssl.SSLWantReadError:
        inc.write(raw.recv(65536))
tobj.write(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
record = out.read()
raw.settimeout(0.05)
t = time.monotonic()
closed = None
for i in range(len(record) - 1):
    try:
        raw.sendall(record[i:i + 1])
        if raw.recv(4096) == b"":
            closed = time.monotonic() - t
            break
    except socket.timeout:
        pass
    except OSError:
        closed = time.monotonic() - t
        break
    time.sleep(0.25)
raw.close()
report(closed is not None and closed < TIMEOUT + 1.5,
       "a keep-alive client dripping its next request's TLS record (%d "
       "bytes) a byte every 0.25 s is closed within --timeout %d s of its "
       "first byte (%s)" % (len(record), TIMEOUT,
                            "%.1f s" % closed if closed else "open"),
       "closed %s" % closed)
metrics = subprocess.run(["curl", "-s", "--cacert",
                          os.path.join(lab, "tls", "ca.pem"),
                          url + "/metrics"], capture_output=True,
                         text=True).stdout
timed_out = [l for l in metrics.splitlines()
             if l.startswith("actsim_connections_timed_out_total ")]
report(timed_out and int(timed_out[0].split()[1]) >= 6,
       "counted in /metrics (%s)" % (timed_out[0] if timed_out else "-"),
       metrics[-500:])
stop(srv)

# --- descriptors: a cap above ulimit -n -----------------------------------
def low_fd_limit():
    resource.setrlimit(resource.RLIMIT_NOFILE, (128, 128))


srv, url, port = start("--threads", "2", "--max-connections", "1024",
                       "--timeout", "30", preexec=low_fd_limit)
time.sleep(0.2)
nidle, cpu = idle_flood(srv, port, 300, 3)
t = time.monotonic()
try:
    status = get(port, timeout=10)
except OSError as e:
    status = str(e)
secs = time.monotonic() - t
rc, err = stop(srv)
report("lowered from 1024" in err and "ulimit -n" in err,
       "--max-connections above ulimit -n is lowered, and says so",
       err[:300])
report(cpu < 0.5, "%d idle connections over the limit: %.2f s of CPU in "
       "3 s" % (nidle, cpu), "cpu %.2f s" % cpu)
report(len(err) < 4096, "stderr stays short (%d bytes)" % len(err),
       err[:500])
report(status == 200, "then a client is served (%.2f s)" % secs,
       "status %s" % status)

import sqlite3
import threading
import urllib.request


def https(url, method="GET", body=None, timeout=30):
    ctx = ssl.create_default_context(cafile=os.path.join(lab, "tls",
                                                         "ca.pem"))
    req = urllib.request.Request(url, method=method, data=body,
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, context=ctx, timeout=timeout) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


def log_rows():
    db = sqlite3.connect(os.path.join(lab, "lab.db"), timeout=60)
    n = db.execute("SELECT count(*) FROM request_log").fetchone()[0]
    db.close()
    return n


def metric(url, name):
    for line in https(url + "/metrics")[2].decode().splitlines():
        if line.startswith(name + " "):
            return int(float(line.split()[1]))
    return None


# --- descriptors run out under a running server (accept fails) -----------
# The cap fits the limit the server started with; lowering the limit of
# the running process (prlimit) makes accept() itself fail with EMFILE.
srv, url, port = start("--threads", "2", "--max-connections", "1024",
                       "--timeout", "30")
open_fds = len(os.listdir("/proc/%d/fd" % srv.pid))
hard = resource.prlimit(srv.pid, resource.RLIMIT_NOFILE)[1]
resource.prlimit(srv.pid, resource.RLIMIT_NOFILE, (open_fds + 16, hard))
nidle, cpu = idle_flood(srv, port, 200, 4)
t = time.monotonic()
status = None
while status != 200 and time.monotonic() - t < 10:
    try:
        status = get(port, timeout=5)
    except OSError as e:
        status = str(e)
        time.sleep(0.2)
secs = time.monotonic() - t
accept_errors = [l for l in https(url + "/metrics")[2].decode().splitlines()
                 if l.startswith("actsim_accept_errors_total ")]
rc, err = stop(srv)
warned = [l for l in err.splitlines() if "cannot accept" in l]
report(len(warned) >= 3 and "Too many open files" in warned[0],
       "accept() failing with EMFILE is reported (%d lines)" % len(warned),
       err[:500])
report(cpu < 0.5, "%d connections beyond the descriptors: %.2f s of CPU "
       "in 4 s (the server backs off)" % (nidle, cpu), "cpu %.2f s" % cpu)
report(len(warned) <= 7 and
       any("more in the last second" in l for l in warned),
       "warnings rate-limited to a line a second, with a count: %d lines "
       "in about 5 s, %d bytes" % (len(warned), len(err)), err[:800])
report(status == 200 and secs < 5,
       "descriptors free again: a client is served (%.2f s)" % secs,
       "status %s" % status)
report(accept_errors and int(accept_errors[0].split()[1]) >= 3,
       "counted in /metrics (%s)" % (accept_errors[0] if accept_errors
                                      else "-"), "%s" % accept_errors)

# --- 401 and TLS groups -------------------------------------------------
srv, url, port = start("--threads", "1")
status, headers, body = https(url + "/v1/admin/faults")
report(status == 401 and headers.get("WWW-Authenticate") == "Bearer",
       "401 answers carry WWW-Authenticate: Bearer", "%s %s" % (status, headers))


def s_client(*args):
    return subprocess.run(["openssl", "s_client", "-connect",
                           "127.0.0.1:%d" % port] + list(args),
                          input="", capture_output=True, text=True,
                          timeout=30).stdout


for group in ("ffdhe2048", "ffdhe3072"):
    out = s_client("-tls1_3", "-groups", group)
    report("Server Temp Key" not in out and "Cipher is (NONE)" in out,
           "TLS 1.3 refuses %s" % group, out[-300:])
for group, shown in (("X25519", "X25519"), ("P-256", "prime256v1"),
                     ("P-384", "secp384r1")):
    out = s_client("-tls1_3", "-groups", group)
    report(("Server Temp Key: " + shown) in out.replace("ECDH, ", ""),
           "TLS 1.3 offers %s" % group, out[-300:])
stop(srv)

# --- a lab held by another process ---------------------------------------
k = run_cli(actsim, env, ["key", "gen", "--sku", "standard", "--channel",
                          "msdn", "--platform", "x86"])[1]["keys"][0]["key"]
hw = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..",
                  "fixtures", "hardware", "pe2850.json")
run_cli(actsim, env, ["machine", "create", "busy1", "--key", k, "--hw", hw])
iid = run_cli(actsim, env, ["machine", "iid", "busy1"])[1]["installation_id"]
activation = json.dumps({"installation_id": iid}).encode()
srv, url, port = start("--threads", "2")
before = log_rows()
holder = sqlite3.connect(os.path.join(lab, "lab.db"), isolation_level=None)
holder.execute("BEGIN IMMEDIATE")
results = []


def activate():
    results.append(https(url + "/v1/activations", "POST", activation))


threads = [threading.Thread(target=activate) for _ in range(8)]
t = time.monotonic()
for th in threads:
    th.start()
misses = [https(url + "/no-such-route")[0] for _ in range(40)]
for th in threads:
    th.join()
held = time.monotonic() - t
holder.execute("COMMIT")
holder.close()
busy = [r for r in results if r[0] == 503]
report(len(busy) == 8 and
       all(json.loads(r[2])["error"]["code"] == "LAB_BUSY" and
           r[1].get("Retry-After") == "1" for r in busy),
       "while a CLI command holds the lab, writes answer 503 LAB_BUSY with "
       "Retry-After (%d of 8, in %.1f s)" % (len(busy), held),
       "%s" % [(r[0], r[2][:80]) for r in results])
report(misses == [404] * 40, "reads are answered meanwhile", "%s" % misses)
status = https(url + "/v1/activations", "POST", activation)[0]
report(status == 200, "once the lab is free the write goes through",
       "status %s" % status)
deadline = time.monotonic() + 20
while time.monotonic() < deadline and log_rows() < before + 49:
    time.sleep(0.2)
rows = log_rows() - before
report(rows >= 49, "no request-log row was lost: %d rows for 49 requests "
       "(the busy batches were retried)" % rows, "%d rows" % rows)
stop(srv)

# --- the write queue is bounded --------------------------------------------
srv, url, port = start("--threads", "2", "--write-queue-max", "2")
rss0 = int(open("/proc/%d/statm" % srv.pid).read().split()[1]) * 4096
holder = sqlite3.connect(os.path.join(lab, "lab.db"), isolation_level=None)
holder.execute("BEGIN IMMEDIATE")
results = []
threads = [threading.Thread(target=activate) for _ in range(40)]
for th in threads:
    th.start()
for th in threads:
    th.join()
rss1 = int(open("/proc/%d/statm" % srv.pid).read().split()[1]) * 4096
holder.execute("COMMIT")
holder.close()
full = [r for r in results if r[0] == 503 and
        json.loads(r[2])["error"]["code"] == "SERVER_BUSY"]
busy = [r for r in results if r[0] == 503 and
        json.loads(r[2])["error"]["code"] == "LAB_BUSY"]
report(len(full) >= 30 and len(full) + len(busy) == 40 and
       all(r[1].get("Retry-After") == "1" for r in full),
       "--write-queue-max 2, 40 writes while the lab is held: %d answered "
       "503 SERVER_BUSY with Retry-After, %d LAB_BUSY" % (len(full),
                                                          len(busy)),
       "%s" % [(r[0], r[2][:60]) for r in results])
report(metric(url, "actsim_write_queue_full_total") == len(full),
       "counted in /metrics (%s)" % metric(url,
                                            "actsim_write_queue_full_total"))
# (Loose: ThreadSanitizer's shadow memory alone adds 20 MB here.)
report(rss1 - rss0 < 64 << 20, "memory stays bounded: RSS %.1f -> %.1f MB"
       % (rss0 / 1e6, rss1 / 1e6))
status = https(url + "/v1/activations", "POST", activation)[0]
report(status == 200, "once the lab is free a retried write goes through",
       "status %s" % status)
stop(srv)

# --- the request log keeps its newest rows -------------------------------
srv, url, port = start("--threads", "2", "--request-log-max", "100")
for _ in range(300):
    https(url + "/no-such-route")
time.sleep(1)
https(url + "/no-such-route")
time.sleep(1)
rows = log_rows()
trimmed = metric(url, "actsim_request_log_trimmed_total")
report(rows <= 100 and rows >= 90,
       "--request-log-max 100: after 300 requests the log holds %d rows"
       % rows, "%d rows" % rows)
report(trimmed is not None and trimmed >= 200,
       "trimmed rows counted in /metrics (%s)" % trimmed, "%s" % trimmed)
stop(srv)

finish()
