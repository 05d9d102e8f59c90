#!/usr/bin/env python3
"""Concurrency against the clearinghouse: many clients at once on one key
(the channel's policy holds exactly), on distinct keys (all granted), and
mixed with admin blocks and resets (only the documented answers, the
server survives); a flood of idle connections (capped, the connected
client still served), idle and slow clients (timed out, no worker held).
Run against a ThreadSanitizer build by `make tsan`.

usage: concurrency.py ACTSIM WORKDIR"""
import http.client
import json
import os
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
import urllib.request

from taplib import finish, report, run_cli
from concurrent.futures import ThreadPoolExecutor

actsim, work = sys.argv[1], sys.argv[2]
lab = os.path.join(work, "lab")
env = dict(os.environ, ACTSIM_LAB=lab)



def cli(*args):
    return run_cli(actsim, env, args)[1]


def machines(prefix, key, n):
    out = []
    for m in range(n):
        name = "%s%d" % (prefix, m)
        prof = os.path.join(work, name + ".json")
        json.dump({"volume_serial": name + "v", "nic_mac": name + "n",
                   "hdd": name + "h", "cdrom": name + "c",
                   "display": name + "d", "cpu_serial": name + "s",
                   "ide": name + "i", "cpu_model": name + "m"},
                  open(prof, "w"))
        cli("machine", "create", name, "--key", key, "--hw", prof)
        out.append(cli("machine", "iid", name)["installation_id"])
    return out


def key(channel):
    return cli("key", "gen", "--sku", "enterprise", "--channel", channel,
               "--platform", "x64")["keys"][0]["key"]


subprocess.run([actsim, "lab", "init", "--seed", "9"], env=env, check=True,
               capture_output=True)
token = open(os.path.join(lab, "admin-token")).read().strip()
retail = key("retail")
msdn = key("msdn")
oem = key("oem")
retail_iids = machines("r", retail, 32)
msdn_iids = machines("m", msdn, 24)
oem_iids = machines("o", oem, 8)
distinct = [machines("d%d_" % i, key("retail"), 1)[0] for i in range(16)]

srv = subprocess.Popen([actsim, "server", "--listen", "127.0.0.1:0",
                        "--threads", "2"], env=env, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True)
url = srv.stdout.readline().strip().split(" ")[-1]
ctx = ssl.create_default_context(cafile=os.path.join(lab, "tls", "ca.pem"))


def call(method, path, body=None, admin=False):
    headers = {"Content-Type": "application/json"}
    if admin:
        headers["Authorization"] = "Bearer " + token
    req = urllib.request.Request(url + path, method=method,
                                 data=json.dumps(body).encode() if body
                                 is not None else None, headers=headers)
    try:
        with urllib.request.urlopen(req, context=ctx, timeout=60) as r:
            return r.status, json.loads(r.read() or b"{}")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"{}")


def activate(iid):
    return call("POST", "/v1/activations", {"installation_id": iid})[0]


def burst(iids):
    with ThreadPoolExecutor(max_workers=len(iids)) as pool:
        return list(pool.map(activate, iids))


codes = burst(retail_iids)
granted = [i for i, c in zip(retail_iids, codes) if c == 200]
report(codes.count(200) == 2 and codes.count(409) == 30,
       "32 at once on one retail key: exactly 2 granted", str(codes))
codes = burst(msdn_iids)
report(codes.count(200) == 10 and codes.count(409) == 14,
       "24 at once on one MSDN key: exactly 10 granted", str(codes))
codes = burst(oem_iids)
report(codes.count(200) == 1 and codes.count(409) == 7,
       "8 at once on one OEM key: exactly 1 granted", str(codes))
codes = burst(distinct)
report(codes == [200] * 16, "16 distinct keys at once: all granted",
       str(codes))
codes = burst(granted * 8)
report(codes == [200] * 16, "the granted installations again: all granted",
       str(codes))

# mixed: activations while the key is blocked, unblocked and the lab reset
answers = []
stop = threading.Event()


def admin_loop():
    while not stop.is_set():
        call("POST", "/v1/admin/blocks", {"product_key": retail}, admin=True)
        call("DELETE", "/v1/admin/blocks/" + retail, admin=True)
        call("POST", "/v1/admin/reset", admin=True)


def client_loop(iids):
    for _ in range(4):
        for iid in iids:
            answers.append(activate(iid))


admin = threading.Thread(target=admin_loop)
admin.start()
clients = [threading.Thread(target=client_loop, args=(retail_iids[i::4],))
           for i in range(4)]
for c in clients:
    c.start()
for c in clients:
    c.join()
stop.set()
admin.join()
report(set(answers) <= {200, 403, 409} and 200 in answers,
       "mixed with blocks and resets: only 200, 403 and 409 (%d answers)"
       % len(answers), str(sorted(set(answers))))
call("DELETE", "/v1/admin/blocks/" + retail, admin=True)
call("POST", "/v1/admin/reset", admin=True)
codes = burst(retail_iids)
report(codes.count(200) == 2, "after the storm the policy still holds",
       str(codes))
status, doc = call("GET", "/v1/admin/activations?product_key=" + retail,
                   admin=True)
report(status == 200 and len(doc["activations"]) == 2,
       "and the records agree", json.dumps(doc)[:200])
srv.send_signal(signal.SIGTERM)
out, err = srv.communicate(timeout=120)
report(srv.returncode == 0 and "ThreadSanitizer" not in err,
       "the server stops cleanly with no sanitizer report",
       "exit %d: %s" % (srv.returncode, err[-2000:]))

# Connections: a flood of idle sockets stays under --max-connections and
# does not starve a client already connected; idle and slow clients time
# out and hold no worker (one thread here).
srv = subprocess.Popen([actsim, "server", "--listen", "127.0.0.1:0",
                        "--threads", "1", "--max-connections", "8",
                        "--timeout", "3"], env=env, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True)
url = srv.stdout.readline().strip().split(" ")[-1]
host, port = url.split("//")[1].split(":")
port = int(port)


def server_fds():
    return len(os.listdir("/proc/%d/fd" % srv.pid))


def timed_get(conn):
    t = time.monotonic()
    conn.request("GET", "/healthz")
    r = conn.getresponse()
    r.read()
    return r.status, time.monotonic() - t


def fresh_get():
    conn = http.client.HTTPSConnection(host, port, context=ctx, timeout=20)
    try:
        return timed_get(conn)
    finally:
        conn.close()


keep = http.client.HTTPSConnection(host, port, context=ctx, timeout=20)
timed_get(keep)
base = server_fds()
flood = [socket.create_connection((host, port)) for _ in range(60)]
time.sleep(0.5)
held = server_fds() - base
report(held <= 7, "60 idle connections: the server holds at most the cap "
       "(%d more descriptors)" % held, "held %d" % held)
status, secs = timed_get(keep)
report(status == 200 and secs < 1.5,
       "the client already connected is still served (%.3f s)" % secs,
       "status %d after %.3f s" % (status, secs))
for f in flood:
    f.close()
status, secs = fresh_get()
report(status == 200, "after the flood a new client is served (%.3f s)"
       % secs, "status %d" % status)
keep.close()

idle = socket.create_connection((host, port))
t = time.monotonic()
idle.settimeout(15)
try:
    closed = idle.recv(1) == b""
except OSError:
    closed = True
secs = time.monotonic() - t
idle.close()
report(closed and 2 <= secs < 8, "an idle connection is closed after "
       "--timeout (%.1f s)" % secs, "closed %s after %.1f s" % (closed, secs))

slow = socket.create_connection((host, port))
slow.sendall(b"\x16\x03\x01")  # the first bytes of a TLS hello, no more
status, secs = fresh_get()
report(status == 200 and secs < 1.5, "a slow client holds no worker "
       "(another served in %.3f s on one thread)" % secs,
       "status %d after %.3f s" % (status, secs))
slow.close()
srv.send_signal(signal.SIGTERM)
out, err = srv.communicate(timeout=120)
report(srv.returncode == 0 and "ThreadSanitizer" not in err,
       "and stops cleanly", "exit %d: %s" % (srv.returncode, err[-2000:]))
finish()
