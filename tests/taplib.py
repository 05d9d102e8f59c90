"""Shared by the Python test programs: TAP output and running actsim."""
import json
import subprocess
import sys

_counts = {"passed": 0, "failed": 0}


def report(ok, name, detail=""):
    """Prints one TAP test point; detail explains a failure."""
    _counts["passed" if ok else "failed"] += 1
    n = _counts["passed"] + _counts["failed"]
    if ok:
        print("ok %d - %s" % (n, name))
    else:
        print("not ok %d - %s\n#   %s" % (n, name, detail))


def finish():
    """Prints the plan and the totals, and exits 1 if any point failed."""
    print("1..%d" % (_counts["passed"] + _counts["failed"]))
    print("%d passed, %d failed" % (_counts["passed"], _counts["failed"]))
    sys.exit(1 if _counts["failed"] else 0)


def run_cli(actsim, env, args, stdin=None, cwd=None, timeout=300):
    """Runs `actsim --json ARGS`; returns (exit status, parsed stdout), the
    document {} when stdout is empty and {"unparsable": TEXT} when it is
    not JSON."""
    p = subprocess.run([actsim, "--json"] + list(args), env=env, cwd=cwd,
                       capture_output=True, text=True, input=stdin,
                       timeout=timeout)
    try:
        doc = json.loads(p.stdout) if p.stdout.strip() else {}
    except ValueError:
        doc = {"unparsable": p.stdout}
    return p.returncode, doc
