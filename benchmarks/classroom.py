"""A room under load: N simulated learners at once, each in their own classroom project.

Every learner does a notebook's hands-on work through openstacksdk, as a student would in
notebooks 05-08, in ten cells: look at flavors, images and networks; make a security group;
boot a server and wait for it; give it a floating IP; create, attach and detach a volume; put,
list and get objects in Swift; then delete all of it.  Before each cell a learner reads for a
while: by default the time the agenda gives a code cell in those notebooks (``--think``, about
a minute).  That is still a dense room: these ten cells are the heavy ones among the 99 code
cells the agenda spreads over 100 minutes, and here they come one a minute.  All learners
start within the first ``--think`` seconds, so the room moves through the cells roughly
together, as it does behind an instructor.  Faster rooms are stress tests: ``--think 20`` (three
times the agenda's pace) and ``--think 0`` (every learner runs every cell back to back, all at
once).  Every HTTP request's latency is recorded (until the response headers arrive, as
``requests`` measures it).

    python3 benchmarks/classroom.py                   # 30 learners at the agenda's pace
    python3 benchmarks/classroom.py --think 20        # a room three times faster
    python3 benchmarks/classroom.py --think 0         # all 30 run every cell at once
    python3 benchmarks/classroom.py --learners 10 --think 20 --time-limit 600

Prints p50 / p95 / max latency, by service and for the slowest calls, the CPU each lab
process used, the errors, and what was left behind (the room is torn down at the end and
must report 0).  Goals are printed beside, never asserted: 30 learners, 0 errors,
p95 <= 2 s, 0 leftovers.  Loopback only: the lab listens on 127.0.0.1.  To try other API
worker settings: ``LABSETUP_WORKERS=neutron=2x4,nova-api=2x8 python3 -m labsetup up`` (after
``down``), then run this.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import sys
import threading
import time
import traceback
import uuid
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor, as_completed
from concurrent.futures import TimeoutError as FuturesTimeout
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
MAX_LEARNERS = 60
GOALS = {"errors": 0, "p95 (s)": 2.0, "leftovers": 0}


def course_python() -> None:
    """Re-run in the course environment (openstacksdk) when started with another Python."""
    try:
        import openstack  # noqa: F401
    except ImportError:
        sys.path.insert(0, str(REPO))
        from labsetup.config import Lab
        py = Lab.load().paths.course_bin("python")
        os.execv(str(py), [str(py), *sys.argv])


class Recorder:
    """Collects (service, method, seconds) of every response, from many threads."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.samples: list[tuple[str, str, float]] = []

    def hook(self, response: Any, *args: Any, **kwargs: Any) -> None:
        parts = response.url.split("?")[0].split("/")
        port = parts[2].rsplit(":", 1)[-1]
        path = "/".join("{id}" if ID.fullmatch(x) or x.startswith("load-") else x
                        for x in parts[3:])
        call = f"{response.request.method} /{path}"
        with self.lock:
            self.samples.append((PORT_NAMES.get(port, port), call,
                                 response.elapsed.total_seconds()))


#: a path segment that names one resource (a UUID, a hex id, a file name) rather than a kind
ID = re.compile(r"[0-9a-f]{32}|[0-9a-f-]{36}|AUTH_[0-9a-f]+|file\d+\.txt")


PORT_NAMES: dict[str, str] = {}


def learner(lab: Any, student: Any, recorder: Recorder, deadline: float,
            think: float) -> list[str]:
    """One learner's notebook work, cell by cell; returns what could not be cleaned (should be
    []).  Before each cell the learner reads for ``think`` seconds on average (0: none)."""
    from labsetup import classroom as C
    from osworkshop.classroom import inventory

    def cell() -> None:  # reading the text above the next code cell, then running it
        if think:
            time.sleep(random.uniform(0.5 * think, 1.5 * think))
        if time.monotonic() > deadline:  # what this learner made, teardown removes
            raise TimeoutError("--time-limit passed before this learner's next cell")

    time.sleep(random.uniform(0, think or 5))  # a room does not press Enter in the same instant
    conn = C.student_conn(lab, student)
    conn.session.session.hooks["response"].append(recorder.hook)
    wait = max(30, int(deadline - time.monotonic()))
    name = f"load-{uuid.uuid4().hex[:6]}"
    before = inventory(conn)  # the starting network, router and their ports

    # 05: what is there to boot from
    flavor = conn.compute.find_flavor("m1.tiny", ignore_missing=False)
    image = conn.image.find_image("lab-image", ignore_missing=False)
    net = conn.network.find_network("demo-net", ignore_missing=False)
    public = conn.network.find_network("public", ignore_missing=False)
    list(conn.compute.flavors())
    list(conn.image.images())
    cell()  # 07: a security group that lets the web in
    group = conn.network.create_security_group(name=f"{name}-web")
    conn.network.create_security_group_rule(security_group_id=group.id, direction="ingress",
                                            protocol="tcp", port_range_min=80,
                                            port_range_max=80, remote_ip_prefix="0.0.0.0/0")
    cell()  # 05: boot a server and wait for it
    server = conn.compute.create_server(name=name, flavor_id=flavor.id, image_id=image.id,
                                        networks=[{"uuid": net.id}],
                                        security_groups=[{"name": group.name}])
    server = conn.compute.wait_for_server(server, wait=wait)
    cell()  # 07: a floating IP for it
    port = next(conn.network.ports(device_id=server.id))
    fip = conn.network.create_ip(floating_network_id=public.id, port_id=port.id)
    cell()  # 08: a volume
    volume = conn.block_storage.create_volume(name=name, size=1)
    conn.block_storage.wait_for_status(volume, "available", wait=wait)
    cell()  # 08: attach it
    conn.compute.create_volume_attachment(server, volume_id=volume.id)
    conn.block_storage.wait_for_status(volume, "in-use", wait=wait)
    cell()  # 08: detach it
    conn.compute.delete_volume_attachment(server, volume.id)
    conn.block_storage.wait_for_status(volume, "available", wait=wait)
    cell()  # 08: objects in Swift
    conn.object_store.create_container(name=name)
    for i in range(3):
        conn.object_store.upload_object(container=name, name=f"file{i}.txt",
                                        data=f"learner data {i}".encode())
    cell()  # 08: read them back
    list(conn.object_store.objects(name))
    conn.object_store.download_object("file0.txt", container=name)

    cell()  # cleanup, as the notebooks do it
    conn.network.delete_ip(fip)
    conn.compute.delete_server(server)
    conn.block_storage.delete_volume(volume)
    for i in range(3):
        conn.object_store.delete_object(f"file{i}.txt", container=name)
    conn.object_store.delete_container(name)
    conn.compute.wait_for_delete(server, wait=wait)
    conn.network.delete_security_group(group)
    conn.block_storage.wait_for_delete(volume, wait=wait)
    after = inventory(conn)
    return [f"{kind}: {sorted(set(names) - set(before.get(kind, [])))}"
            for kind, names in after.items() if set(names) - set(before.get(kind, []))]


#: the hands-on cells learner() runs (the first needs no reading: the learner starts there)
CELLS = 10


def agenda_seconds_per_cell() -> float:
    """How long the agenda gives a code cell in the notebooks learner() follows (05, 07, 08)."""
    import json

    import yaml
    outline = yaml.safe_load((REPO / "data" / "outline.yaml").read_text())
    minutes = sum(n["minutes"] for n in outline if n["number"] in ("05", "07", "08"))
    cells = sum(sum(c["cell_type"] == "code" for c in json.loads(f.read_text())["cells"])
                for n in ("05", "07", "08") for f in (REPO / "notebooks").glob(f"{n}-*.ipynb"))
    return 60 * minutes / cells


def cpu_seconds(lab: Any) -> dict[str, float]:
    """CPU time (user + system) used so far by each lab daemon and what it started."""
    from labsetup.lab import processes
    tick = os.sysconf("SC_CLK_TCK")
    result: dict[str, float] = {}
    for daemon, pids in processes(lab, per_daemon=True).items():
        total = 0.0
        for p in pids:
            try:
                fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += (int(fields[11]) + int(fields[12])) / tick
        result[daemon] = total
    return result


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> int:
    course_python()
    sys.path.insert(0, str(REPO))
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--learners", type=int, default=30, help="simulated learners (30)")
    parser.add_argument("--time-limit", type=int, default=1200,
                        help="seconds for the learners' work (1200)")
    agenda = agenda_seconds_per_cell()
    parser.add_argument("--think", type=float, default=round(agenda),
                        help="mean seconds a learner reads before each hands-on cell (default: "
                        f"what the agenda gives a code cell, {agenda:.0f} s); "
                        "0 = every learner runs every cell back to back, at once")
    args = parser.parse_args()
    if not 1 <= args.learners <= MAX_LEARNERS:
        parser.error(f"--learners must be between 1 and {MAX_LEARNERS}")
    if not 0 <= args.think <= 300:
        parser.error("--think must be between 0 and 300 seconds")

    tag = uuid.uuid4().hex[:6]
    os.environ["LABSETUP_CLASSROOM"] = f"bench-{tag}"
    from labsetup import classroom as C
    from labsetup.config import PORTS, Lab
    from labsetup.proc import LabError
    PORT_NAMES.update({str(port): name for name, port in PORTS.items()})
    lab = Lab.load()
    print(f"room {os.environ['LABSETUP_CLASSROOM']}: creating {args.learners} students ...",
          flush=True)
    if args.think:
        print(f"pace: before each of {CELLS - 1} cells a learner reads "
              f"{args.think / 2:.0f}-{1.5 * args.think:.0f} s (mean {args.think:.0f} s); "
              f"the agenda gives a code cell {agenda:.0f} s (notebooks 05, 07, 08)", flush=True)
    else:
        print("pace: none - every learner runs every cell back to back (the worst case)",
              flush=True)
    try:  # user names are global: this room's own, so that two runs never meet
        students, seconds = C.create(lab, [f"load {tag} {i:02d}"
                                           for i in range(1, args.learners + 1)])
    except LabError as exc:
        print(f"cannot create the room: {exc}", file=sys.stderr)
        return 1
    print(f"classroom create: {seconds:.1f} s for {len(students)} students "
          f"({seconds / len(students):.2f} s each)", flush=True)

    recorder, errors, leftovers = Recorder(), [], []
    cpu_before, own_before = cpu_seconds(lab), os.times()
    started = time.monotonic()
    deadline = started + args.time_limit
    try:
        with ThreadPoolExecutor(max_workers=args.learners) as pool:
            futures = {pool.submit(learner, lab, s, recorder, deadline, args.think): s
                       for s in students}
            try:
                for future in as_completed(futures, timeout=args.time_limit + 60):
                    who = futures[future].slug
                    try:
                        leftovers += [f"{who}: {x}" for x in future.result()]
                    except Exception as exc:  # noqa: BLE001 - counted and printed, not hidden
                        errors.append(f"{who}: {type(exc).__name__}: {str(exc)[:300]}")
                        if os.environ.get("BENCH_DEBUG"):
                            traceback.print_exc()
            except FuturesTimeout:
                late = sorted(s.slug for f, s in futures.items() if not f.done())
                errors.append(f"--time-limit {args.time_limit} s passed with {len(late)} "
                              f"learner(s) still working ({', '.join(late[:5])}"
                              f"{', ...' if len(late) > 5 else ''}); they stop at their next "
                              "wait, then the room is torn down")
                print(f"time limit passed: waiting for {len(late)} learner(s) to stop...",
                      flush=True)
        wall = time.monotonic() - started
        cpu_used = {k: v - cpu_before.get(k, 0.0) for k, v in cpu_seconds(lab).items()}
        own = os.times()
        client_cpu = own.user + own.system - own_before.user - own_before.system
    finally:
        t0 = time.monotonic()
        left = C.teardown(lab, students)
        teardown_s = time.monotonic() - t0

    latencies = [s for _, _, s in recorder.samples]
    if not latencies:
        print(f"\nno API request finished; errors: {errors[:5]}; left after teardown: "
              f"{sum(left.values())}")
        return 1
    by_service: dict[str, list[float]] = defaultdict(list)
    for service, _call, secs in recorder.samples:
        by_service[service].append(secs)
    p95 = percentile(latencies, 0.95) if latencies else float("nan")
    print(f"\n{args.learners} learners, {len(latencies)} API requests in {wall:.0f} s "
          f"({len(latencies) / wall:.1f} requests/s)")
    print(f"latency: p50 {statistics.median(latencies):.3f} s, p95 {p95:.3f} s "
          f"(goal <= {GOALS['p95 (s)']} s, ratio {p95 / GOALS['p95 (s)']:.2f}), "
          f"max {max(latencies):.3f} s")
    print(f"\n{'service':<12} {'requests':>8} {'p50 s':>7} {'p95 s':>7} {'max s':>7}")
    for service, values in sorted(by_service.items()):
        print(f"{service:<12} {len(values):8d} {statistics.median(values):7.3f} "
              f"{percentile(values, 0.95):7.3f} {max(values):7.3f}")
    busy = sorted(cpu_used.items(), key=lambda kv: -kv[1])
    by_call: dict[tuple[str, str], list[float]] = defaultdict(list)
    for service, call, secs in recorder.samples:
        by_call[service, call].append(secs)
    slowest = sorted(by_call.items(), key=lambda kv: -percentile(kv[1], 0.95))
    print(f"\n{'slowest calls (by p95)':<58} {'n':>5} {'p50 s':>7} {'p95 s':>7}")
    for (service, call), values in slowest[:10]:
        print(f"{(service + ' ' + call)[:58]:<58} {len(values):5d} "
              f"{statistics.median(values):7.3f} {percentile(values, 0.95):7.3f}")
    print(f"\nCPU seconds while learners worked ({os.cpu_count()} cores x {wall:.0f} s = "
          f"{(os.cpu_count() or 1) * wall:.0f} available): {sum(cpu_used.values()):.0f} used")
    for name, secs in busy[:8]:
        print(f"  {name:<24} {secs:7.1f} s  ({secs / wall:.2f} cores)")
    print(f"  {'(the simulated learners)':<24} {client_cpu:7.1f} s  ({client_cpu / wall:.2f} cores;"
          " in a room they run on the learners' laptops)")
    print(f"\nerrors: {len(errors)} (goal 0)")
    for e in errors[:10]:
        print("  " + e)
    print(f"left by learners: {len(leftovers)} (goal 0)")
    for x in leftovers[:10]:
        print("  " + x)
    print(f"classroom teardown: {teardown_s:.1f} s; left after it: {sum(left.values())} "
          f"({', '.join(f'{k} {v}' for k, v in left.items() if v) or 'nothing'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
