"""Clients that drip a request: shared by tests/hardening.py and
bench/hardening_figures.py."""
import ssl
import time


def drip(socks, data, until, interval):
    """Sends DATA to each non-blocking TLS socket in SOCKS one byte every
    INTERVAL seconds until the server closes it or time.monotonic() passes
    UNTIL. Returns one [seconds the socket lasted or None if still open,
    bytes sent] per socket, in order."""
    start = time.monotonic()
    state = [[None, 0] for _ in socks]
    while time.monotonic() < until and any(d[0] is None for d in state):
        for s, d in zip(socks, state):
            if d[0] is not None:
                continue
            try:
                if d[1] < len(data):
                    s.send(data[d[1]:d[1] + 1])
                    d[1] += 1
                if s.recv(1) == b"":
                    d[0] = time.monotonic() - start
            except (ssl.SSLWantReadError, ssl.SSLWantWriteError):
                pass
            except OSError:
                d[0] = time.monotonic() - start
        time.sleep(interval)
    return state
