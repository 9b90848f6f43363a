"""wrk, the HTTP load tool the request-rate benchmarks drive, and its figures.

wrk = _wrk.ensure()                      # its path (installs Debian's package as root)
runs, cpu = site.alternate_runs(3, [("page", lambda: _wrk.run(wrk, url)), ...])
print(_wrk.rates_summary(runs["page"]))  # "2900 requests/s (median; runs: …)"
"""

import os
import re
import resource
import shutil
import statistics
import subprocess


def ensure():
    """The path of wrk, installing Debian's package when it is missing (CI runs as root)."""
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        raise SystemExit("wrk is needed: install it (Debian: apt-get install -y wrk).")
    print("Installing wrk (apt-get install -y wrk) …", flush=True)
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.STDOUT, "timeout": 300}
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    if subprocess.run(["apt-get", "install", "-y", "wrk"], env=env, **quiet).returncode:  # noqa: S603, S607
        subprocess.run(["apt-get", "update"], env=env, **quiet)  # noqa: S603, S607
        subprocess.run(["apt-get", "install", "-y", "wrk"], env=env, check=True, **quiet)  # noqa: S603, S607
    return shutil.which("wrk")


# What one wrk run is, unless a benchmark says otherwise.
THREADS = 2
CONNECTIONS = 64
SECONDS = 6


def settings_line(rounds, threads=THREADS, connections=CONNECTIONS):
    return (
        f"wrk: {threads} threads, {connections} connections, {SECONDS} s a run, "
        f"{rounds} runs each, alternately"
    )


def run(
    wrk,
    url,
    *,
    threads=THREADS,
    connections=CONNECTIONS,
    seconds=SECONDS,
    script=None,
    script_args=(),
    headers=(),
):
    """One wrk run (with --latency): requests/s, requests, latency p50/p99 (as wrk prints
    them), non-2xx/3xx answers, socket errors, wrk's own CPU seconds, and its whole output
    (and error output) for a Lua script's own figures. `headers`: "Name: value" strings
    sent with each request."""
    command = [wrk, f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency"]
    for header in headers:
        command += ["-H", header]
    if script is not None:
        command += ["-s", str(script)]
    command.append(url)
    if script_args:
        command += ["--", *script_args]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    result = subprocess.run(  # noqa: S603
        command, capture_output=True, text=True, timeout=seconds + 30, check=True
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = result.stdout
    percentiles = dict(re.findall(r"^\s+(50|99)%\s+(\S+)", out, re.MULTILINE))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(r"Socket errors: (.*)", out)
    return {
        "rate": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "requests": int(re.search(r"(\d+) requests in", out).group(1)),
        "p50": percentiles.get("50"),
        "p99": percentiles.get("99"),
        "non_2xx": int(bad.group(1)) if bad else 0,
        "socket_errors": socket_errors.group(1).strip() if socket_errors else "",
        # wrk's own CPU seconds (it is this process's only child while it runs), so that a
        # bench can tell the load tool's share of the machine from everything else's.
        "cpu": (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime),
        "output": out,
        "stderr": result.stderr,
    }


def run_line(n, run):
    """One line about wrk's nth run: its requests, latency and any errors."""
    errors = f", {run['non_2xx']} non-2xx" if run["non_2xx"] else ""
    errors += f", socket errors {run['socket_errors']}" if run["socket_errors"] else ""
    return (
        f"run {n}: {run['requests']:,} requests, latency p50 {run['p50']}, p99 {run['p99']}{errors}"
    )


def rates_summary(runs, width=7):
    """ "<median> requests/s (median; runs: <each>)" of wrk runs."""
    rates = [run["rate"] for run in runs]
    each = ", ".join(f"{rate:.0f}" for rate in rates)
    return f"{statistics.median(rates):{width}.0f} requests/s (median; runs: {each})"


def print_runs(runs, indent):
    for n, run in enumerate(runs, 1):
        print(" " * indent + run_line(n, run))


def ratios_by_round(runs, reference, key="rate"):
    """Each round's `key` over the reference's in the same round, and their median:
    (median, "<median> (rounds: <each>)")."""
    ratios = [run[key] / ref[key] for run, ref in zip(runs, reference, strict=True)]
    median = statistics.median(ratios)
    return median, f"{median:.2f} (rounds: {', '.join(f'{r:.2f}' for r in ratios)})"
