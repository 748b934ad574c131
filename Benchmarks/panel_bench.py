#!/usr/bin/env python3
"""The panel's speed on a big list (issue 18, item 6): signs in as a panel user, then asks for the
list's first page, its last page and a number search, 20 times each, one request at a time on one
keep-alive connection, and prints one JSON line per row: the median and 90th percentile of the
time from sending the request to the last byte of the page (over loopback, so an upper bound of the
server's own time), and the server's CPU per request (utime+stime of SERVER_PID from /proc over the
row's requests).

Usage: panel_bench.py BASE_URL USER PASSWORD SERVER_PID NUMBER_COUNT SEARCHED_NUMBER [--repeat N]
The password may be given as '-' to read it from standard input's first line.
"""
import argparse
import http.client
import json
import os
import re
import statistics
import sys
import time
import urllib.parse

TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    # Fields 14 and 15 of /proc/PID/stat, after the command's closing parenthesis.
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


class Browser:
    """One keep-alive connection that keeps the panel's cookies, as a browser would."""

    def __init__(self, base):
        parsed = urllib.parse.urlsplit(base)
        self.connection = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=60)
        self.cookies = {}

    def request(self, method, path, form=None):
        headers = {"Accept-Language": "en"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        self.connection.request(method, path, body=body, headers=headers)
        response = self.connection.getresponse()
        page = response.read()
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                pair = value.split(";", 1)[0]
                key, _, cookie = pair.partition("=")
                if cookie:
                    self.cookies[key] = cookie
                else:
                    self.cookies.pop(key, None)
        return response.status, response.getheader("Location"), page.decode("utf-8", "replace")


def sign_in(browser, user, password):
    status, _, page = browser.request("GET", "/panel/sign-in")
    if status != 200:
        sys.exit(f"panel_bench: the sign-in page answered {status}")
    hidden = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page))
    form = dict(hidden, user=user, password=password)
    status, location, _ = browser.request("POST", "/panel/sign-in", form)
    if status != 303 or location is None or "sign-in" in location:
        sys.exit(f"panel_bench: signing in as {user} failed (status {status}, location {location})")


def measure(browser, label, path, expect, repeat, pid):
    # One request first, unmeasured: the connection and the server's caches are warm for all rows.
    status, _, page = browser.request("GET", path)
    if status != 200 or expect not in page:
        sys.exit(f"panel_bench: {path} answered {status} without {expect!r}")
    times = []
    cpu_before = cpu_seconds(pid)
    for _ in range(repeat):
        started = time.perf_counter()
        status, _, page = browser.request("GET", path)
        times.append((time.perf_counter() - started) * 1000)
        if status != 200:
            sys.exit(f"panel_bench: {path} answered {status}")
    cpu = (cpu_seconds(pid) - cpu_before) / repeat * 1e6
    times.sort()
    return {
        "kind": "panel", "label": label, "requests": repeat,
        "median_ms": statistics.median(times), "p90_ms": times[int(0.9 * (len(times) - 1))],
        "cpu_us_per_request": cpu, "bytes": len(page.encode()),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("base")
    parser.add_argument("user")
    parser.add_argument("password")
    parser.add_argument("pid", type=int)
    parser.add_argument("count", type=int, help="how many numbers the account lists")
    parser.add_argument("searched", help="a listed number to search for")
    parser.add_argument("--repeat", type=int, default=20)
    arguments = parser.parse_args()
    password = sys.stdin.readline().rstrip("\n") if arguments.password == "-" else arguments.password
    browser = Browser(arguments.base)
    sign_in(browser, arguments.user, password)
    last = max(1, (arguments.count + 99) // 100)
    rows = [
        ("panel list, first page", "/panel/list", "<table"),
        ("panel list, last page", f"/panel/list?page={last}", "<table"),
        ("panel number search", "/panel/search?number=" + urllib.parse.quote(arguments.searched), "<dl"),
    ]
    for label, path, expect in rows:
        print(json.dumps(measure(browser, label, path, expect, arguments.repeat, arguments.pid)))


if __name__ == "__main__":
    main()
