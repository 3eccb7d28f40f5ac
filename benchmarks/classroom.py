"""A room under load: N simulated learners at once, each in their own classroom project.

Every learner does a notebook's hands-on work through openstacksdk, as a student would in
notebooks 05-08: look at flavors, images and networks; make a security group; boot a server
and wait for it; give it a floating IP; create, attach, detach and delete a volume; put, list
and get objects in Swift; then delete all of it.  Every HTTP request's latency is recorded
(until the response headers arrive, as ``requests`` measures it).

    python3 benchmarks/classroom.py                   # 30 learners
    python3 benchmarks/classroom.py --learners 10 --time-limit 600

Prints p50 / p95 / max latency, by service too, the errors, and what was left behind (the
room is torn down at the end and must report 0).  Goals are printed beside, never asserted:
30 learners, 0 errors, p95 <= 2 s, 0 leftovers.  Loopback only: the lab listens on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import threading
import time
import traceback
import uuid
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor, as_completed
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
        port = response.url.split("/")[2].rsplit(":", 1)[-1]
        with self.lock:
            self.samples.append((PORT_NAMES.get(port, port), response.request.method,
                                 response.elapsed.total_seconds()))


PORT_NAMES: dict[str, str] = {}


def learner(lab: Any, student: Any, recorder: Recorder, deadline: float) -> list[str]:
    """One learner's notebook work; returns what could not be cleaned (should be [])."""
    from labsetup import classroom as C
    from osworkshop.classroom import inventory

    time.sleep(random.uniform(0, 5))  # a room does not press Enter in the same millisecond
    conn = C.student_conn(lab, student)
    conn.session.session.hooks["response"].append(recorder.hook)
    wait = max(30, int(deadline - time.monotonic()))
    name = f"load-{uuid.uuid4().hex[:6]}"
    before = inventory(conn)  # the starting network, router and their ports

    flavor = conn.compute.find_flavor("m1.tiny", ignore_missing=False)
    image = conn.image.find_image("lab-image", ignore_missing=False)
    net = conn.network.find_network("demo-net", ignore_missing=False)
    public = conn.network.find_network("public", ignore_missing=False)
    list(conn.compute.flavors())
    list(conn.image.images())
    group = conn.network.create_security_group(name=f"{name}-web")
    conn.network.create_security_group_rule(security_group_id=group.id, direction="ingress",
                                            protocol="tcp", port_range_min=80,
                                            port_range_max=80, remote_ip_prefix="0.0.0.0/0")
    server = conn.compute.create_server(name=name, flavor_id=flavor.id, image_id=image.id,
                                        networks=[{"uuid": net.id}],
                                        security_groups=[{"name": group.name}])
    server = conn.compute.wait_for_server(server, wait=wait)
    port = next(conn.network.ports(device_id=server.id))
    fip = conn.network.create_ip(floating_network_id=public.id, port_id=port.id)
    volume = conn.block_storage.create_volume(name=name, size=1)
    conn.block_storage.wait_for_status(volume, "available", wait=wait)
    conn.compute.create_volume_attachment(server, volume_id=volume.id)
    conn.block_storage.wait_for_status(volume, "in-use", wait=wait)
    conn.compute.delete_volume_attachment(server, volume.id)
    conn.block_storage.wait_for_status(volume, "available", wait=wait)
    conn.object_store.create_container(name=name)
    for i in range(3):
        conn.object_store.upload_object(container=name, name=f"file{i}.txt",
                                        data=f"learner data {i}".encode())
    list(conn.object_store.objects(name))
    conn.object_store.download_object("file0.txt", container=name)

    # cleanup, as the notebooks do it
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


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> int:
    course_python()
    sys.path.insert(0, str(REPO))
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--learners", type=int, default=30, help="simulated learners (30)")
    parser.add_argument("--time-limit", type=int, default=900, help="seconds for the run (900)")
    args = parser.parse_args()
    if not 1 <= args.learners <= MAX_LEARNERS:
        parser.error(f"--learners must be between 1 and {MAX_LEARNERS}")

    os.environ["LABSETUP_CLASSROOM"] = f"bench-{uuid.uuid4().hex[:6]}"
    from labsetup import classroom as C
    from labsetup.config import PORTS, Lab
    PORT_NAMES.update({str(port): name for name, port in PORTS.items()})
    lab = Lab.load()
    print(f"room {os.environ['LABSETUP_CLASSROOM']}: creating {args.learners} students ...",
          flush=True)
    students, seconds = C.create(lab, C.numbered(args.learners))
    print(f"classroom create: {seconds:.1f} s for {len(students)} students "
          f"({seconds / len(students):.2f} s each)", flush=True)

    recorder, errors, leftovers = Recorder(), [], []
    started = time.monotonic()
    deadline = started + args.time_limit
    try:
        with ThreadPoolExecutor(max_workers=args.learners) as pool:
            futures = {pool.submit(learner, lab, s, recorder, deadline): s for s in students}
            for future in as_completed(futures, timeout=args.time_limit + 60):
                who = futures[future].slug
                try:
                    leftovers += [f"{who}: {x}" for x in future.result()]
                except Exception as exc:  # noqa: BLE001 - counted and printed, not hidden
                    errors.append(f"{who}: {type(exc).__name__}: {str(exc)[:300]}")
                    if os.environ.get("BENCH_DEBUG"):
                        traceback.print_exc()
        wall = time.monotonic() - started
    finally:
        t0 = time.monotonic()
        left = C.teardown(lab, students)
        teardown_s = time.monotonic() - t0

    latencies = [s for _, _, s in recorder.samples]
    by_service: dict[str, list[float]] = defaultdict(list)
    for service, _method, secs in recorder.samples:
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
