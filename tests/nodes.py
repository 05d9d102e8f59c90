#!/usr/bin/env python3
"""Two clearinghouse nodes on one PostgreSQL lab: the per-key policy holds
exactly across nodes (retail 2, MSDN 10, OEM 1 out of many at once);
kill -9 of one node under load loses nothing acknowledged, the other keeps
answering and the restarted node rejoins; the database stopped and started
under load gives 503 DATABASE_UNAVAILABLE with Retry-After, then recovery,
with nothing acknowledged lost.

usage: nodes.py ACTSIM WORKDIR
environment: ACTSIM_DATABASE (the cluster's URI), PG_CTL_STOP and
PG_CTL_START (shell commands that stop and start it), PG_PSQL (psql with
its connection options, taking the SQL as its last argument)"""
import json
import os
import shlex
import shutil
import signal
import ssl
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

from taplib import finish, report, run_cli

actsim, work = sys.argv[1], sys.argv[2]
lab_a = os.path.join(work, "node-a")
lab_b = os.path.join(work, "node-b")
env_a = dict(os.environ, ACTSIM_LAB=lab_a)
env_b = dict(os.environ, ACTSIM_LAB=lab_b)


def cli(*args):
    return run_cli(actsim, env_a, args)[1]


def profile(name):
    path = os.path.join(work, name + ".json")
    json.dump({"volume_serial": name + "v", "nic_mac": name + "n",
               "hdd": name + "h", "cdrom": name + "c",
               "display": name + "d", "cpu_serial": name + "s",
               "ide": name + "i", "cpu_model": name + "m"}, open(path, "w"))
    return path


def machines(prefix, key, n):
    out = []
    for m in range(n):
        name = "%s%d" % (prefix, m)
        cli("machine", "create", name, "--key", key, "--hw", profile(name))
        out.append(cli("machine", "iid", name)["installation_id"])
    return out


def key(channel):
    return cli("key", "gen", "--sku", "enterprise", "--channel", channel,
               "--platform", "x64")["keys"][0]["key"]


class Node:
    def __init__(self, lab, env):
        self.lab, self.env, self.proc, self.url = lab, env, None, None

    def start(self):
        self.proc = subprocess.Popen(
            [actsim, "server", "--listen", "127.0.0.1:0", "--threads", "2"],
            env=self.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True)
        line = self.proc.stdout.readline().strip()
        if not line.startswith("listening on "):
            raise SystemExit("node did not start: %s %s"
                             % (line, self.proc.stderr.read()))
        self.url = line.split(" ")[-1]

    def kill(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()


r = run_cli(actsim, env_a, ["lab", "init", "--seed", "15"])
report(r[0] == 0 and os.path.exists(os.path.join(lab_a, "database.json"))
       and not os.path.exists(os.path.join(lab_a, "lab.db")),
       "lab init with ACTSIM_DATABASE keeps its records in PostgreSQL",
       str(r))
token = open(os.path.join(lab_a, "admin-token")).read().strip()
retail, msdn, oem = key("retail"), key("msdn"), key("oem")
retail_iids = machines("r", retail, 32)
msdn_iids = machines("m", msdn, 24)
oem_iids = machines("o", oem, 8)
load_keys = [key("retail") for _ in range(12)]
load_iids = [machines("l%d_" % i, k, 1)[0] for i, k in enumerate(load_keys)]

a = Node(lab_a, env_a)
a.start()  # makes the lab's TLS files; node B gets a copy of the lab
# a copy of the lab, without node A's server.json (which says a server
# runs on that directory)
shutil.copytree(lab_a, lab_b, ignore=shutil.ignore_patterns("server.json"))
b = Node(lab_b, env_b)
b.start()
ctx = ssl.create_default_context(cafile=os.path.join(lab_a, "tls", "ca.pem"))


def call(url, method, path, body=None, admin=False, timeout=60):
    headers = {"Content-Type": "application/json"}
    if admin:
        headers["Authorization"] = "Bearer " + token
    req = urllib.request.Request(url + path, method=method,
                                 data=json.dumps(body).encode() if body
                                 is not None else None, headers=headers)
    try:
        with urllib.request.urlopen(req, context=ctx, timeout=timeout) as r:
            return r.status, json.loads(r.read() or b"{}"), r.headers
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"{}"), e.headers
    except (OSError, ValueError) as e:
        return 0, {"transport": str(e)}, {}


def activate(url, iid):
    return call(url, "POST", "/v1/activations", {"installation_id": iid})


def spread(iids):
    """All at once, alternating between the two nodes."""
    jobs = [((a.url, b.url)[i % 2], iid) for i, iid in enumerate(iids)]
    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        return [c for c, _, _ in pool.map(lambda j: activate(*j), jobs)]


codes = spread(retail_iids)
report(codes.count(200) == 2 and codes.count(409) == 30,
       "32 at once on one retail key over two nodes: exactly 2 granted",
       str(codes))
codes = spread(msdn_iids)
report(codes.count(200) == 10 and codes.count(409) == 14,
       "24 at once on one MSDN key over two nodes: exactly 10 granted",
       str(codes))
codes = spread(oem_iids)
report(codes.count(200) == 1 and codes.count(409) == 7,
       "8 at once on one OEM key over two nodes: exactly 1 granted",
       str(codes))
status, doc, _ = call(b.url, "GET", "/v1/admin/activations?product_key="
                      + retail, admin=True)
report(status == 200 and len(doc.get("activations", [])) == 2,
       "node B lists the 2 retail grants node A or B made", str(doc)[:300])


schema = json.load(open(os.path.join(lab_a, "database.json")))["schema"]


def stored_ids():
    """Every activation ID in the lab's schema, straight from PostgreSQL."""
    p = subprocess.run(shlex.split(os.environ["PG_PSQL"]) +
                       ["SELECT id FROM %s.activations" % schema],
                       capture_output=True, text=True)
    return p.returncode, {int(x) for x in p.stdout.split()}


class Load:
    """Clients activating the load keys on the given nodes until stopped;
    keeps every acknowledged (200) activation ID and every status."""

    def __init__(self, urls):
        self.urls, self.acked, self.codes = urls, [], []
        self.headers = []
        self.stop = threading.Event()
        self.threads = [threading.Thread(target=self.loop, args=(i,))
                        for i in range(6)]
        for t in self.threads:
            t.start()

    def loop(self, i):
        n = i
        while not self.stop.is_set():
            url = self.urls()[n % len(self.urls())]
            c, doc, h = activate(url, load_iids[n % len(load_iids)])
            self.codes.append(c)
            if c == 200:
                self.acked.append(doc["activation_id"])
            elif c == 503:
                self.headers.append((doc.get("error", {}).get("code"),
                                     h.get("Retry-After")))
            n += 1

    def finish(self):
        self.stop.set()
        for t in self.threads:
            t.join()


# kill -9 of node B under load
nodes = [a.url, b.url]
load = Load(lambda: nodes)
time.sleep(1.0)
b.kill()
killed_at = len(load.codes)
deadline = time.time() + 30
while time.time() < deadline and load.codes[killed_at:].count(200) < 20:
    time.sleep(0.1)
load.finish()
after = load.codes[killed_at:]
report(after.count(200) >= 20,
       "node A keeps answering after node B is killed (%d grants after)"
       % after.count(200), str(after[:40]))
status, ids = stored_ids()
missing = [x for x in load.acked if x not in ids]
report(status == 0 and load.acked and not missing,
       "every acknowledged activation is stored (%d acknowledged)"
       % len(load.acked), "missing %s" % missing[:10])
b.start()
codes = [activate(b.url, iid)[0] for iid in load_iids[:4]]
report(codes == [200] * 4, "restarted node B rejoins and answers",
       str(codes))

# the database stopped and started under load
nodes = [a.url, b.url]
load = Load(lambda: nodes)
time.sleep(1.0)
subprocess.run(os.environ["PG_CTL_STOP"], shell=True, check=True)
stopped_at = len(load.codes)
deadline = time.time() + 30
while time.time() < deadline and load.codes[stopped_at:].count(503) < 10:
    time.sleep(0.1)
down = load.codes[stopped_at:]
subprocess.run(os.environ["PG_CTL_START"], shell=True, check=True)
started_at = len(load.codes)
deadline = time.time() + 60
while time.time() < deadline and load.codes[started_at:].count(200) < 20:
    time.sleep(0.1)
load.finish()
up = load.codes[started_at:]
report(down.count(503) >= 10 and set(down) <= {200, 503},
       "database stopped: 503 answers, no other error (%d of %d)"
       % (down.count(503), len(down)), str(sorted(set(down))))
report(load.headers and all(c == "DATABASE_UNAVAILABLE" and ra == "1"
                            for c, ra in load.headers),
       "each 503 is DATABASE_UNAVAILABLE with Retry-After",
       str(load.headers[:5]))
report(up.count(200) >= 20,
       "database back: both nodes recover by themselves (%d grants)"
       % up.count(200), str(up[-40:]))
status, ids = stored_ids()
missing = [x for x in load.acked if x not in ids]
report(status == 0 and not missing,
       "nothing acknowledged was lost (%d acknowledged)" % len(load.acked),
       "missing %s" % missing[:10])

# the CLI with the database away: exit 3, naming the host
subprocess.run(os.environ["PG_CTL_STOP"], shell=True, check=True)
p = subprocess.run([actsim, "lab", "show"], env=env_a, capture_output=True,
                   text=True)
host = os.environ["ACTSIM_DATABASE"].split("@")[1].split("/")[0]
report(p.returncode == 3 and host in p.stderr,
       "a command with the database away exits 3 naming %s" % host,
       "exit %d: %s" % (p.returncode, p.stderr))
subprocess.run(os.environ["PG_CTL_START"], shell=True, check=True)

a.stop()
b.stop()
finish()
