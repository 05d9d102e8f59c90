#!/usr/bin/env python3
"""The clearinghouse at the HTTP and TLS level: what libevent's parser
refuses (unknown methods, oversized request lines, headers and bodies,
malformed requests) is answered in JSON with a documented code and
counted; HEAD is served wherever GET is; and the server's own closes end
with a TLS close_notify, not a cut.

usage: protocol.py ACTSIM WORKDIR"""
import json
import os
import socket
import ssl
import subprocess
import sys
import time

from taplib import finish, report

actsim, work = sys.argv[1], sys.argv[2]
lab = os.path.join(work, "lab")
env = dict(os.environ, ACTSIM_LAB=lab)
subprocess.run([actsim, "lab", "init", "--seed", "7"], env=env, check=True,
               capture_output=True)
token = open(os.path.join(lab, "admin-token")).read().strip()


def start(*args):
    srv = subprocess.Popen([actsim, "server", "--listen", "127.0.0.1:0",
                            "--threads", "2"] + list(args), env=env,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           text=True)
    line = srv.stdout.readline().strip()
    if not line.startswith("listening on "):
        print("Bail out! the server did not start: " + srv.stderr.read())
        sys.exit(1)
    return srv, line.split(" ")[-1], int(line.rsplit(":", 1)[1])


def stop(srv):
    srv.terminate()
    return srv.communicate(timeout=60)


def connect(port, timeout=10.0):
    # A ragged end (no close_notify) raises SSLEOFError instead of
    # reading as the end of the stream.
    ctx = ssl.create_default_context(cafile=os.path.join(lab, "tls",
                                                         "ca.pem"))
    raw = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    return ctx.wrap_socket(raw, server_hostname="127.0.0.1",
                           suppress_ragged_eofs=False)


def read_to_end(s):
    """(bytes, how the stream ended): "close_notify", "ragged",
    "timeout" or the error."""
    out = b""
    while True:
        try:
            chunk = s.recv(65536)
        except ssl.SSLEOFError:
            return out, "ragged"
        except socket.timeout:
            return out, "timeout"
        except (ssl.SSLError, OSError) as e:
            return out, "error %r" % e
        if not chunk:
            return out, "close_notify"
        out += chunk


def exchange(port, data):
    s = connect(port)
    try:
        s.sendall(data)
        return read_to_end(s)
    finally:
        s.close()


def parse(out):
    """(status, headers with lower-case names, body)."""
    head, _, body = out.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    try:
        status = int(lines[0].split(" ", 2)[1])
    except (IndexError, ValueError):
        status = None
    headers = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        headers[k.strip().lower()] = v.strip()
    return status, headers, body


def error_code(body):
    try:
        return json.loads(body)["error"]["code"]
    except (ValueError, KeyError, TypeError):
        return None


srv, url, port = start()

# --- what libevent's parser refuses ---------------------------------------
close = b"Connection: close\r\n"
refusals = [
    ("TRACE on a known path", b"TRACE /healthz HTTP/1.1\r\nHost: x\r\n" +
     close + b"\r\n", 405, "METHOD_NOT_ALLOWED"),
    ("CONNECT on a known path", b"CONNECT /healthz HTTP/1.1\r\nHost: x\r\n" +
     close + b"\r\n", 405, "METHOD_NOT_ALLOWED"),
    ("TRACE on an unknown path", b"TRACE /nope HTTP/1.1\r\nHost: x\r\n" +
     close + b"\r\n", 404, "NOT_FOUND"),
    ("CONNECT host:port", b"CONNECT example.com:443 HTTP/1.1\r\nHost: x\r\n" +
     close + b"\r\n", 404, "NOT_FOUND"),
    ("CONNECT, the client not asking to close",
     b"CONNECT example.com:443 HTTP/1.1\r\nHost: x\r\n\r\n", 404,
     "NOT_FOUND"),
    ("an unknown method", b"FROB /healthz HTTP/1.1\r\nHost: x\r\n\r\n", 501,
     "NOT_IMPLEMENTED"),
    ("a body over 64 KiB", b"POST /v1/activations HTTP/1.1\r\nHost: x\r\n"
     b"Content-Type: application/json\r\nContent-Length: 70000\r\n\r\n",
     413, "BODY_TOO_LARGE"),
    ("a body over 64 KiB, Expect: 100-continue",
     b"POST /v1/activations HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n"
     b"Content-Length: 70000\r\n\r\n", 413, "BODY_TOO_LARGE"),
    ("a header of 9,000 bytes", b"GET /healthz HTTP/1.1\r\nHost: x\r\n"
     b"X-Big: " + b"b" * 9000 + b"\r\n\r\n", 431, "HEADERS_TOO_LARGE"),
    ("150 headers of 60 bytes", b"GET /healthz HTTP/1.1\r\nHost: x\r\n" +
     b"".join(b"X-H%d: %s\r\n" % (i, b"v" * 60) for i in range(150)) +
     b"\r\n", 431, "HEADERS_TOO_LARGE"),
    ("a request line of 9,000 bytes", b"GET /" + b"a" * 9000 +
     b" HTTP/1.1\r\nHost: x\r\n\r\n", 431, "HEADERS_TOO_LARGE"),
    ("a request line with no end", b"GET /" + b"a" * 12000, 431,
     "HEADERS_TOO_LARGE"),
    ("a request line without a version", b"GET\r\n\r\n", 400,
     "MALFORMED_REQUEST"),
    ("a header line without a colon", b"GET /healthz HTTP/1.1\r\nHost: x\r\n"
     b"no colon here\r\n\r\n", 400, "MALFORMED_REQUEST"),
    ("a Content-Length that is not a number",
     b"POST /v1/activations HTTP/1.1\r\nHost: x\r\nContent-Length: ten\r\n"
     b"\r\n", 400, "MALFORMED_REQUEST"),
    ("a corrupt chunk size", b"POST /v1/activations HTTP/1.1\r\nHost: x\r\n"
     b"Transfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n", 400,
     "MALFORMED_REQUEST"),
    ("a chunk without its CRLF", b"POST /v1/activations HTTP/1.1\r\n"
     b"Host: x\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}XX0\r\n\r\n",
     400, "MALFORMED_REQUEST"),
    ("a chunk that would take the body past 64 KiB (libevent cannot tell "
     "it from a corrupt one)", b"POST /v1/activations HTTP/1.1\r\n"
     b"Host: x\r\nTransfer-Encoding: chunked\r\n\r\n11170\r\n", 400,
     "MALFORMED_REQUEST"),
    ("two Content-Lengths that disagree, the first over 64 KiB",
     b"POST /v1/activations HTTP/1.1\r\nHost: x\r\nContent-Length: 70000\r\n"
     b"Content-Length: 5\r\n\r\n{}", 400, "MALFORMED_REQUEST"),
    ("two Content-Lengths that disagree",
     b"POST /v1/activations HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n"
     b"Content-Length: 40\r\n\r\n{}", 400, "MALFORMED_REQUEST"),
    ("an Expect other than 100-continue",
     b"POST /v1/activations HTTP/1.1\r\nHost: x\r\nExpect: teapot\r\n"
     b"Content-Length: 2\r\n\r\n", 417, "EXPECTATION_FAILED"),
]
counted = {}
for name, data, want, code in refusals:
    out, end = exchange(port, data)
    status, headers, body = parse(out)
    ok = (status == want and error_code(body) == code and
          headers.get("content-type") == "application/json" and
          headers.get("content-length") == str(len(body)))
    if want not in (404, 405):
        counted[(want, code)] = counted.get((want, code), 0) + 1
    if want not in (404, 405) or data.startswith(b"CONNECT"):
        ok = ok and headers.get("connection") == "close"
    if want == 405:
        ok = ok and headers.get("allow") == "GET, HEAD"
    report(ok and end == "close_notify", "%s: %d %s, in JSON" %
           (name, want, code), "%s %s" % (end, out[:400]))

metrics = exchange(port, b"GET /metrics HTTP/1.1\r\nHost: x\r\n" + close +
                   b"\r\n")[0].decode()
for (status, code), n in sorted(counted.items()):
    series = ('actsim_protocol_errors_total{status="%d",code="%s"} %d' %
              (status, code, n))
    report(series in metrics.splitlines(), "counted in /metrics: " + series,
           [l for l in metrics.splitlines() if "protocol" in l])

# --- HEAD wherever GET -----------------------------------------------------
admin = b"Authorization: Bearer " + token.encode() + b"\r\n"
for path, extra in ((b"/healthz", b""), (b"/", b""), (b"/app.js", b""),
                    (b"/app.css", b""), (b"/v1/admin/clock", admin),
                    (b"/v1/admin/faults", b""), (b"/nope", b"")):
    g = parse(exchange(port, b"GET " + path + b" HTTP/1.1\r\nHost: x\r\n" +
                       extra + close + b"\r\n")[0])
    out, end = exchange(port, b"HEAD " + path + b" HTTP/1.1\r\nHost: x\r\n" +
                        extra + close + b"\r\n")
    h = parse(out)
    same = (g[0] == h[0] and
            set(g[1]) - {"date"} == set(h[1]) - {"date"} and
            all(g[1][k] == h[1][k] for k in g[1] if k != "date"))
    report(same and h[2] == b"" and
           h[1].get("content-length") == str(len(g[2])),
           "HEAD %s: GET's status %s and headers, Content-Length %s, no body"
           % (path.decode(), h[0], h[1].get("content-length")),
           "GET %r\nHEAD %r" % (g[:2], out[:600]))
for path in (b"/v1/activations", b"/v1/admin/reset"):
    out, _ = exchange(port, b"HEAD " + path + b" HTTP/1.1\r\nHost: x\r\n" +
                      close + b"\r\n")
    status, headers, body = parse(out)
    report(status == 405 and headers.get("allow") == "POST" and body == b"",
           "HEAD %s (no GET there): 405, Allow: POST" % path.decode(),
           out[:400])
# A HEAD on a keep-alive connection leaves it usable: no body is sent
# that the next answer would be read from.
s = connect(port)
s.sendall(b"HEAD /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
          b"GET /healthz HTTP/1.1\r\nHost: x\r\n" + close + b"\r\n")
out, end = read_to_end(s)
s.close()
report(out.count(b"HTTP/1.1 200 OK") == 2 and out.endswith(b'"ok"}\n'),
       "HEAD then GET on one connection", out[-300:])

# --- the server's closes end with a TLS close_notify ----------------------
out, end = exchange(port, b"GET /healthz HTTP/1.1\r\nHost: x\r\n" + close +
                    b"\r\n")
report(end == "close_notify" and parse(out)[0] == 200,
       "an answer with Connection: close ends with close_notify", end)
stop(srv)

srv, url, port = start("--timeout", "1")
s = connect(port)
s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
t = time.monotonic()
out, end = read_to_end(s)
s.close()
report(end == "close_notify" and parse(out)[0] == 200 and
       time.monotonic() - t < 5,
       "a keep-alive connection closed for idleness: close_notify after "
       "%.1f s" % (time.monotonic() - t), "%s %r" % (end, out[:100]))
s = connect(port)
t = time.monotonic()
out, end = read_to_end(s)
s.close()
report(end == "close_notify" and out == b"" and time.monotonic() - t < 5,
       "a connection that never sent a request: close_notify after %.1f s"
       % (time.monotonic() - t), "%s %r" % (end, out[:100]))
stop(srv)

srv, url, port = start()
held = connect(port, timeout=30)
held.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
first = held.recv(65536)
srv.terminate()
out, end = read_to_end(held)
held.close()
srv.communicate(timeout=60)
report(first.startswith(b"HTTP/1.1 200") and end == "close_notify" and
       srv.returncode == 0,
       "the server stopping closes an idle connection with close_notify",
       "%s, exit %s" % (end, srv.returncode))

# --- a stop while faults hold requests -------------------------------------
# Under the ASan build (make asan) a leak fails the server's exit status
# and shows in its stderr.
srv, url, port = start()
faults = [b'{"route": "/healthz", "kind": "latency", "delay_ms": 30000}',
          b'{"route": "/v1/keys/validate", "kind": "timeout", '
          b'"hold_ms": 30000}',
          b'{"route": "/metrics", "kind": "slow", "rate": 20}']
for f in faults:
    out, _ = exchange(port, b"PUT /v1/admin/faults HTTP/1.1\r\nHost: x\r\n" +
                      admin + close + b"Content-Type: application/json\r\n"
                      b"Content-Length: %d\r\n\r\n" % len(f) + f)
    report(parse(out)[0] == 200, "fault set: " + f.decode(), out[:300])
held = []
for req in (b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n",
            b"POST /v1/keys/validate HTTP/1.1\r\nHost: x\r\n"
            b"Content-Length: 2\r\n\r\n{}",
            b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n") * 2:
    s = connect(port, timeout=30)
    s.sendall(req)
    held.append(s)
first = held[2].recv(10)  # the slow answer has begun
t = time.monotonic()
srv.terminate()
_, err = srv.communicate(timeout=60)
secs = time.monotonic() - t
for s in held:
    s.close()
report(srv.returncode == 0 and "Sanitizer" not in err and len(first) > 0,
       "SIGTERM with latency, timeout and slow faults holding requests: "
       "exit 0, nothing leaked (%.1f s)" % secs,
       "exit %s: %s" % (srv.returncode, err[-3000:]))

finish()
