#!/usr/bin/env python3
"""Crash safety: the clearinghouse under concurrent activations is killed
with SIGKILL at random moments, restarted, and checked: every activation a
client got a 200 for is in the database with its confirmation ID; no key
holds more hardware baselines than its policy allows; PRAGMA
integrity_check is ok; the server comes back without manual steps. Then
the same for a CLI command killed mid-transaction.

usage: crash_test.py ACTSIM HW_DIR WORKDIR [CYCLES]"""
import json
import os
import random
import signal
import sqlite3
import ssl
import subprocess
import sys
import threading
import time
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                ".."))
from taplib import finish, report, run_cli  # noqa: E402

actsim, hw_dir, work = sys.argv[1], sys.argv[2], sys.argv[3]
cycles = int(sys.argv[4]) if len(sys.argv) > 4 else 20
lab = os.path.join(work, "lab")
env = dict(os.environ, ACTSIM_LAB=lab)
seed = int(os.environ.get("CRASH_SEED", "20261121"))
rng = random.Random(seed)
print("# random seed %d" % seed)



def cli(*args):
    return run_cli(actsim, env, args, timeout=120)


subprocess.run([actsim, "lab", "init", "--seed", "5"], env=env, check=True,
               capture_output=True)
# 6 retail keys, 5 machines each on distinct hardware: at most 2 may be
# granted per key; 2 OEM keys, 3 machines each: at most 1.
iids = []
for k in range(8):
    channel = "retail" if k < 6 else "oem"
    _, doc = cli("key", "gen", "--sku", "standard", "--channel", channel,
                 "--platform", "x86")
    key = doc["keys"][0]["key"]
    for m in range(5 if channel == "retail" else 3):
        name = "k%dm%d" % (k, m)
        prof = os.path.join(work, name + ".json")
        json.dump({"volume_serial": name + "v", "nic_mac": name + "n",
                   "hdd": name + "h", "cdrom": name + "c",
                   "display": name + "d", "cpu_serial": name + "s",
                   "ide": name + "i", "cpu_model": name + "m"},
                  open(prof, "w"))
        cli("machine", "create", name, "--key", key, "--hw", prof)
        _, doc = cli("machine", "iid", name)
        iids.append((key, channel, doc["installation_id"]))

acked = {}  # IID -> confirmation ID, from 200 answers
acked_ids = set()  # activation IDs from 200 answers
lock = threading.Lock()


def client(url, ctx, stop):
    while not stop.is_set():
        key, channel, iid = rng.choice(iids)
        req = urllib.request.Request(
            url + "/v1/activations", method="POST",
            data=json.dumps({"installation_id": iid}).encode(),
            headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, context=ctx, timeout=5) as r:
                doc = json.loads(r.read())
                if r.status == 200:
                    with lock:
                        acked[iid] = doc["confirmation_id"]
                        acked_ids.add(doc["activation_id"])
        except Exception:
            pass  # refusals, and the moment of the kill


def check_db(cycle):
    db = sqlite3.connect(os.path.join(lab, "lab.db"))
    ok = db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    report(ok, "cycle %d: integrity_check ok" % cycle)
    rows = {r[0]: r[1] for r in db.execute(
        "SELECT installation_id, confirmation_id FROM activations "
        "WHERE result = 'OK'")}
    ids = {r[0] for r in db.execute(
        "SELECT id FROM activations WHERE result = 'OK'")}
    with lock:
        missing = [i for i, c in acked.items() if rows.get(i) != c]
        lost = sorted(acked_ids - ids)
    report(not missing and not lost,
           "cycle %d: all %d acknowledged activations present"
           % (cycle, len(acked_ids)),
           "missing: %s, lost ids: %s" % (missing[:3], lost[:5]))
    over = []
    for key, channel, _ in set((k, c, None) for k, c, _ in iids):
        n = db.execute("SELECT count(*) FROM activations WHERE key = ? AND "
                       "result = 'OK' AND counted = 1", (key,)).fetchone()[0]
        if n > (2 if channel == "retail" else 1):
            over.append((key, n))
    report(not over, "cycle %d: no key over its policy" % cycle, str(over))
    db.close()


ctx = ssl.create_default_context()
for cycle in range(1, cycles + 1):
    srv = subprocess.Popen([actsim, "server", "--listen", "127.0.0.1:0"],
                           env=env, stdout=subprocess.PIPE,
                           stderr=subprocess.DEVNULL, text=True)
    line = srv.stdout.readline()
    report(line.startswith("listening on"),
           "cycle %d: the server comes back by itself" % cycle, line)
    url = line.strip().split(" ")[-1]
    ctx = ssl.create_default_context(cafile=os.path.join(lab, "tls",
                                                         "ca.pem"))
    stop = threading.Event()
    threads = [threading.Thread(target=client, args=(url, ctx, stop))
               for _ in range(8)]
    for t in threads:
        t.start()
    time.sleep(rng.uniform(0.05, 0.4))
    srv.send_signal(signal.SIGKILL)
    srv.wait()
    stop.set()
    for t in threads:
        t.join()
    # a clean restart also removes the stale server.json left by the kill
    check_db(cycle)

# A CLI command killed mid-transaction: all of its keys or none.
counts = []
for attempt in range(5):
    p = subprocess.Popen([actsim, "key", "gen", "--sku", "web", "--channel",
                          "volume", "--platform", "x86", "--count", "20000",
                          "--seed", str(attempt)], env=env,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(rng.uniform(0.05, 1.5))
    p.send_signal(signal.SIGKILL)
    p.wait()
    db = sqlite3.connect(os.path.join(lab, "lab.db"))
    ok = db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    n = db.execute("SELECT count(*) FROM keys WHERE channel = 'volume'"
                   ).fetchone()[0]
    db.close()
    counts.append(n)
    report(ok and n % 20000 == 0,
           "killed key gen %d: integrity ok, all or nothing (%d keys)"
           % (attempt, n), "integrity %s, %d keys" % (ok, n))
rc, doc = cli("lab", "show")
report(rc == 0, "the lab opens after the kills", json.dumps(doc)[:200])
print("# %d kill cycles, %d acknowledged activations (%d installations), "
      "key gen counts %s" % (cycles, len(acked_ids), len(acked), counts))
finish()
