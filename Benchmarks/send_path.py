#!/usr/bin/env python3
"""The send path's rows of issue 16, against a running Engel server: checks of 1,000 and 50,000
numbers (half of them listed), bulk adds of 50,000 new numbers, and the first and last get-blacklist
pages of 100, each row many requests in turn on one keep-alive connection. Prints one JSON line per row: the median and 90th percentile of the
requests' times, and the server's CPU per request (utime+stime of its process over the row, from
/proc/PID/stat).

Usage: send_path.py URL KEY HASH SERVER_PID SEEDED_COUNT [--repeat N]
                    [--rows check1k,check50k,bulkadd,firstpage,lastpage] (the first three by default)
The list must hold 905320000000 + i for i below SEEDED_COUNT (what scripts/bench-send seeds).
"""
import http.client
import json
import os
import statistics
import sys
import time
import urllib.parse

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def main():
    url, key, hash_, pid, seeded = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
    repeat = int(sys.argv[sys.argv.index("--repeat") + 1]) if "--repeat" in sys.argv else 20
    chosen = sys.argv[sys.argv.index("--rows") + 1].split(",") if "--rows" in sys.argv else [
        "check1k", "check50k", "bulkadd"]
    target = urllib.parse.urlparse(url)
    connection = http.client.HTTPConnection(target.hostname, target.port, timeout=120)

    def post(method, numbers):
        return post_blacklist(method, {"numbers": numbers})

    def post_blacklist(method, blacklist):
        body = json.dumps({"request": {"authentication": {"key": key, "hash": hash_},
                                       "blacklist": blacklist}}, separators=(",", ":"))
        started = time.perf_counter()
        connection.request("POST", f"/v1/{method}/json", body=body, headers={"Content-Type": "application/json"})
        response = connection.getresponse()
        answer = response.read()
        elapsed = time.perf_counter() - started
        if response.status != 200:
            raise SystemExit(f"send_path: {method} answered {response.status}: {answer[:200]!r}")
        return elapsed, json.loads(answer)["response"]["blacklist"]

    def row(label, method, batches, check, send=None):
        send = send or post
        # One request first, outside the figures: the connection and the server's caches warm up.
        send(method, batches[0])
        times = []
        before = cpu_seconds(pid)
        for numbers in batches[1:]:
            elapsed, answer = send(method, numbers)
            check(numbers, answer)
            times.append(elapsed)
        cpu = cpu_seconds(pid) - before
        print(json.dumps({
            "label": label, "requests": len(times), "numbers": len(batches[1]) if isinstance(batches[1], list) else 0,
            "median_ms": round(statistics.median(times) * 1000, 2),
            "p90_ms": round(statistics.quantiles(times, n=10)[-1] * 1000, 2),
            "cpu_ms_per_request": round(cpu * 1000 / len(times), 2),
        }), flush=True)

    def mixed(size, offset):
        """`size` numbers, half listed (spread over the list) and half not, interleaved."""
        listed = [905320000000 + (offset + i * 7919) % seeded for i in range(size // 2)]
        unlisted = [905300000000 + offset * size + i for i in range(size - size // 2)]
        numbers = []
        for pair in zip(listed, unlisted):
            numbers.extend(str(n) for n in pair)
        return numbers

    def expect_half_listed(numbers, answer):
        if answer["count"] != len(numbers) // 2 or answer["invalid"]:
            raise SystemExit(f"send_path: a check found {answer['count']} of {len(numbers) // 2} listed")

    def expect_all_added(numbers, answer):
        if answer["added"] != len(numbers) or answer["alreadyListed"] or answer["invalid"]:
            raise SystemExit(f"send_path: a bulk add added {answer['added']} of {len(numbers)}")

    if "check1k" in chosen:
        row("check-blacklist, 1,000 numbers (half listed)", "check-blacklist",
            [mixed(1000, i) for i in range(repeat + 1)], expect_half_listed)
    if "check50k" in chosen:
        row("check-blacklist, 50,000 numbers (half listed)", "check-blacklist",
            [mixed(50_000, i) for i in range(repeat + 1)], expect_half_listed)
    if "bulkadd" in chosen:
        # New numbers, from a block the list and the checks never use.
        row("bulk-add-blacklist, 50,000 new numbers", "bulk-add-blacklist",
            [[str(905400000000 + i * 50_000 + n) for n in range(50_000)] for i in range(repeat + 1)],
            expect_all_added)
    last_page = (seeded + 99) // 100

    def expect_page(page):
        def check(_, answer):
            numbers = answer.get("number") or []
            wanted = 100 if page < last_page else seeded - (last_page - 1) * 100
            if int(answer["count"]) != seeded or len(numbers) != wanted:
                raise SystemExit(f"send_path: page {page} had {len(numbers)} numbers of {answer['count']}")
        return check

    for row_name, which, page in (("firstpage", "first", 1), ("lastpage", "last", last_page)):
        if row_name in chosen:
            row(f"get-blacklist {which} page ({page:,} of {last_page:,}, 100 rows)", "get-blacklist",
                [{"page": str(page), "rowCount": "100"}] * (repeat + 1), expect_page(page), send=post_blacklist)


if __name__ == "__main__":
    main()
