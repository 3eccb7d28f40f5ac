"""Mark what a notebook creates, list what is left, and clean it all up again.

A resource belongs to a notebook when its tags contain the notebook's tag (``osworkshop-nb05``),
its metadata or properties hold ``osworkshop=<tag>``, its description contains the tag, or its
name starts with ``<tag>-``.  For an admin, everything owned by the notebook's own projects
belongs to it too (servers, volumes, networks, the default security group, and the key pairs
of its users), so deleting a project leaves nothing behind.  Cleaning is idempotent and skips
services the cloud does not offer.
"""

from __future__ import annotations

import functools
import re
import warnings
from collections.abc import Callable, Iterable
from typing import Any

from keystoneauth1 import exceptions as ksa_exc
from openstack import exceptions as sdk_exc

PREFIX = "osworkshop"
META_KEY = "osworkshop"
WAIT_SECONDS = 120

#: Errors meaning "this cloud (or your role) cannot do that kind": the kind is skipped.
_SKIP = (
    ksa_exc.EndpointNotFound,
    sdk_exc.EndpointNotFound,
    sdk_exc.ServiceDiscoveryException,
    sdk_exc.ServiceDisabledException,
    sdk_exc.NotSupported,
    sdk_exc.ForbiddenException,
)

#: The order cleanup works in (dependents first).
KINDS: tuple[str, ...] = (
    "floating_ips",
    "servers",
    "server_groups",
    "keypairs",
    "volume_snapshots",
    "volumes",
    "routers",
    "ports",
    "subnets",
    "networks",
    "security_groups",
    "images",
    "containers",
    "flavors",
    "users",
    "projects",
)


def _nb(notebook: str | int) -> str:
    digits = re.sub(r"\D", "", str(notebook))
    if not digits:
        raise ValueError(f"Notebook should look like '05' or 'nb05', not {notebook!r}.")
    return f"nb{int(digits):02d}"


def tag_for(notebook: str | int, learner: str | None = None) -> str:
    """The tag for a notebook's resources: ``osworkshop-nb05`` (``osworkshop-nb05-alice``)."""
    tag = f"{PREFIX}-{_nb(notebook)}"
    if learner:
        tag += "-" + re.sub(r"[^a-z0-9]+", "-", learner.lower()).strip("-")
    return tag


def tags(notebook: str | int, learner: str | None = None) -> dict[str, Any]:
    """What to pass when creating resources: ``tag``, ``tags`` list, ``metadata`` and ``description``.

    Example: ``conn.compute.create_server(..., tags=t["tags"], metadata=t["metadata"])``,
    ``conn.block_storage.create_volume(..., metadata=t["metadata"])``.
    """
    tag = tag_for(notebook, learner)
    return {"tag": tag, "tags": [tag], "metadata": {META_KEY: tag}, "description": tag}


def _get(resource: Any, name: str) -> Any:
    if isinstance(resource, dict):
        return resource.get(name)
    return getattr(resource, name, None)


def is_marked(resource: Any, tag: str) -> bool:
    """True if ``resource`` carries ``tag`` (tags, metadata, properties, description or name)."""
    if tag in (_get(resource, "tags") or []):
        return True
    for field in ("metadata", "properties"):
        mapping = _get(resource, field) or {}
        if isinstance(mapping, dict) and mapping.get(META_KEY) == tag:
            return True
    if tag in str(_get(resource, "description") or ""):
        return True
    name = str(_get(resource, "name") or "")
    return name == tag or name.startswith(tag + "-")


def _label(resource: Any) -> str:
    return str(
        _get(resource, "name") or _get(resource, "floating_ip_address") or _get(resource, "id")
    )


class _Cleaner:
    """One cleanup run: finds marked resources kind by kind and deletes them in a safe order."""

    def __init__(self, conn: Any, tag: str, wait: bool, timeout: int) -> None:
        self.conn, self.tag, self.wait, self.timeout = conn, tag, wait, timeout
        self.counts: dict[str, int] = {kind: 0 for kind in KINDS}
        self.skipped: list[str] = []
        self.failed: dict[str, str] = {}

    # ---- finding
    @functools.cached_property
    def projects(self) -> set[str]:
        """IDs of the notebook's own projects (only an admin can list them)."""
        try:
            return {p.id for p in self.conn.identity.projects() if is_marked(p, self.tag)}
        except _SKIP:
            return set()

    def owned(self, item: Any) -> bool:
        owner = _get(item, "project_id") or _get(item, "owner_id") or _get(item, "owner")
        return owner is not None and owner in self.projects

    def marked(self, items: Iterable[Any]) -> list[Any]:
        return [item for item in items if is_marked(item, self.tag) or self.owned(item)]

    def everyone(self) -> dict[str, bool]:
        """List arguments that include other projects, when the notebook made some."""
        return {"all_projects": True} if self.projects else {}

    def find(self, kind: str) -> list[Any]:
        finder: Callable[[], list[Any]] = getattr(self, f"find_{kind}")
        try:
            return finder()
        except _SKIP:
            if kind not in self.skipped:
                self.skipped.append(kind)
            return []

    def find_servers(self) -> list[Any]:
        # DELETED: Nova has deleted the server and is finishing its bookkeeping; for a moment
        # it is still listed (and wait_for_delete already returns), but nothing is left.
        return [s for s in self.marked(self.conn.compute.servers(**self.everyone()))
                if str(_get(s, "status") or "").upper() != "DELETED"]

    def find_floating_ips(self) -> list[Any]:
        server_ids = {s.id for s in self.find("servers")}
        ports = {p.id for p in self.conn.network.ports() if p.device_id in server_ids}
        return [
            ip for ip in self.conn.network.ips() if ip.port_id in ports or is_marked(ip, self.tag)
        ]

    def find_server_groups(self) -> list[Any]:
        return self.marked(self.conn.compute.server_groups())

    def find_keypairs(self) -> list[Any]:
        found = self.marked(self.conn.compute.keypairs())
        for user in self.find("users"):  # key pairs belong to users, not projects
            for keypair in self.conn.compute.keypairs(user_id=user.id):
                keypair.user_id = user.id
                found.append(keypair)
        return found

    def find_volume_snapshots(self) -> list[Any]:
        volumes = {v.id for v in self.find("volumes")}
        return [
            s
            for s in self.conn.block_storage.snapshots(details=True, **self.everyone())
            if s.volume_id in volumes or is_marked(s, self.tag)
        ]

    def find_volumes(self) -> list[Any]:
        return self.marked(self.conn.block_storage.volumes(details=True, **self.everyone()))

    def find_routers(self) -> list[Any]:
        return self.marked(self.conn.network.routers())

    def find_ports(self) -> list[Any]:
        return self.marked(self.conn.network.ports())

    def find_subnets(self) -> list[Any]:
        return self.marked(self.conn.network.subnets())

    def find_networks(self) -> list[Any]:
        return self.marked(self.conn.network.networks())

    def find_security_groups(self) -> list[Any]:
        # Neutron lists every project's groups to an admin; filter here: a query for one
        # project's groups would make Neutron create its default group again.
        return [g for g in self.marked(self.conn.network.security_groups())
                if g.name != "default" or self.owned(g)]

    def find_images(self) -> list[Any]:
        return self.marked(self.conn.image.images())

    def find_containers(self) -> list[Any]:
        found = []
        for container in self.conn.object_store.containers():
            if is_marked(container, self.tag) or is_marked(
                self.conn.object_store.get_container_metadata(container), self.tag
            ):
                found.append(container)
        return found

    def find_flavors(self) -> list[Any]:
        return self.marked(self.conn.compute.flavors())

    def find_users(self) -> list[Any]:
        return [u for u in self.conn.identity.users() if is_marked(u, self.tag)]

    def find_projects(self) -> list[Any]:
        return [p for p in self.conn.identity.projects() if is_marked(p, self.tag)]

    # ---- deleting
    def run(self) -> dict[str, int]:
        for kind in KINDS:
            items = self.find(kind)
            if not items:
                continue
            try:
                getattr(self, f"delete_{kind}")(items)
            except _SKIP:
                self.skipped.append(kind)
                continue
            except sdk_exc.SDKException as exc:  # keep going; leftovers() shows what stayed
                self.failed[kind] = str(exc)
                continue
            self.counts[kind] += len(items)
        return self.counts

    def _wait_gone(self, proxy: Any, items: list[Any]) -> None:
        if self.wait:
            for item in items:
                proxy.wait_for_delete(item, wait=self.timeout)

    def delete_floating_ips(self, items: list[Any]) -> None:
        for ip in items:
            self.conn.network.delete_ip(ip, ignore_missing=True)

    def delete_servers(self, items: list[Any]) -> None:
        for server in items:
            self.conn.compute.delete_server(server, ignore_missing=True)
        self._wait_gone(self.conn.compute, items)

    def delete_server_groups(self, items: list[Any]) -> None:
        for group in items:
            self.conn.compute.delete_server_group(group, ignore_missing=True)

    def delete_keypairs(self, items: list[Any]) -> None:
        for keypair in items:
            user = getattr(keypair, "user_id", None)
            extra = {"user_id": user} if user else {}
            self.conn.compute.delete_keypair(keypair, ignore_missing=True, **extra)

    def delete_volume_snapshots(self, items: list[Any]) -> None:
        for snapshot in items:
            self.conn.block_storage.delete_snapshot(snapshot, ignore_missing=True)
        self._wait_gone(self.conn.block_storage, items)

    def delete_volumes(self, items: list[Any]) -> None:
        storage = self.conn.block_storage
        for volume in items:
            for attachment in volume.attachments or []:
                server_id = attachment.get("server_id")
                self.conn.compute.delete_volume_attachment(
                    server_id, volume.id, ignore_missing=True
                )
            if volume.attachments and self.wait:
                storage.wait_for_status(
                    volume, status="available", failures=["error"], wait=self.timeout
                )
            storage.delete_volume(volume, ignore_missing=True)
        self._wait_gone(storage, items)

    def delete_routers(self, items: list[Any]) -> None:
        net = self.conn.network
        for router in items:
            for port in net.ports(device_id=router.id):
                if str(port.device_owner).startswith("network:router_interface"):
                    net.remove_interface_from_router(router, port=port.id)
            if router.external_gateway_info:
                net.update_router(router, external_gateway_info={})
            net.delete_router(router, ignore_missing=True)

    def delete_ports(self, items: list[Any]) -> None:
        for port in items:
            self.conn.network.delete_port(port, ignore_missing=True)

    def delete_subnets(self, items: list[Any]) -> None:
        for subnet in items:
            self.conn.network.delete_subnet(subnet, ignore_missing=True)

    def delete_networks(self, items: list[Any]) -> None:
        for network in items:
            self.conn.network.delete_network(network, ignore_missing=True)

    def delete_security_groups(self, items: list[Any]) -> None:
        for group in items:
            self.conn.network.delete_security_group(group, ignore_missing=True)

    def delete_images(self, items: list[Any]) -> None:
        for image in items:
            self.conn.image.delete_image(image, ignore_missing=True)

    def delete_containers(self, items: list[Any]) -> None:
        store = self.conn.object_store
        for container in items:
            for obj in list(store.objects(container)):
                store.delete_object(obj, container=container, ignore_missing=True)
            store.delete_container(container, ignore_missing=True)

    def delete_flavors(self, items: list[Any]) -> None:
        for flavor in items:
            self.conn.compute.delete_flavor(flavor, ignore_missing=True)

    def delete_users(self, items: list[Any]) -> None:
        for user in items:
            self.conn.identity.delete_user(user, ignore_missing=True)

    def delete_projects(self, items: list[Any]) -> None:
        for project in items:
            self.conn.identity.delete_project(project, ignore_missing=True)


def cleanup(
    conn: Any,
    notebook: str | int,
    *,
    learner: str | None = None,
    wait: bool = True,
    timeout: int = WAIT_SECONDS,
) -> dict[str, int]:
    """Delete everything the notebook created; returns how many of each kind were deleted."""
    cleaner = _Cleaner(conn, tag_for(notebook, learner), wait, timeout)
    counts = cleaner.run()
    for kind, problem in cleaner.failed.items():
        warnings.warn(
            f"Could not delete all {kind.replace('_', ' ')}: {problem} "
            f"Run cleanup again in a minute, or look with leftovers(conn, {notebook!r}).",
            stacklevel=2,
        )
    return counts


def leftovers(
    conn: Any, notebook: str | int, *, learner: str | None = None
) -> dict[str, list[str]]:
    """Names of the notebook's resources that still exist, by kind (only kinds with some)."""
    cleaner = _Cleaner(conn, tag_for(notebook, learner), wait=False, timeout=0)
    found = {kind: sorted(_label(item) for item in cleaner.find(kind)) for kind in KINDS}
    return {kind: names for kind, names in found.items() if names}
