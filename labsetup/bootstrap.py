"""The lab's identity, catalog and starting content; every step safe to repeat.

* Keystone: projects ``service`` and ``demo``, the learner user ``demo`` (roles ``member`` and ``manager`` in
  ``demo``), one user per service, and the catalog of all seven services.
* Content a new cloud usually has: flavors, a public image, an external network ``public``,
  the demo project's network and router, and the volume type ``lab-file``.
"""

from __future__ import annotations

import subprocess
import urllib.parse
from typing import Any

from labsetup import guest_image
from labsetup.api import ApiError, Session, find
from labsetup.config import LEARNER_ROLES, REGION, SERVICE_USERS, Lab
from labsetup.proc import LabError
from labsetup.services.base import Check
from labsetup.services.cinder import VOLUME_TYPE

#: (service name, type, port name, path)
CATALOG = (
    ("placement", "placement", "placement", ""),
    ("glance", "image", "glance", ""),
    ("nova", "compute", "nova", "/v2.1"),
    ("neutron", "network", "neutron", ""),
    ("cinderv3", "volumev3", "cinder", "/v3/%(project_id)s"),
    ("cinder", "block-storage", "cinder", "/v3/%(project_id)s"),
    ("swift", "object-store", "swift", "/v1/AUTH_%(project_id)s"),
)

#: Flavors like a public cloud's "m1" family: (name, vCPUs, RAM MiB, root disk GiB).
FLAVORS = (("m1.tiny", 1, 512, 1), ("m1.small", 1, 2048, 20), ("m1.medium", 2, 4096, 40),
           ("m1.large", 4, 8192, 80), ("m1.xlarge", 8, 16384, 160))

IMAGE_NAME = "lab-image"

#: The real-guests profile's image (labsetup/guest_image.py): a machine image that names its
#: kernel and ramdisk, and a flavor it fits (Debian's cloud kernel needs about 80 MiB to boot).
GUEST_IMAGE_NAME = "lab-guest"
GUEST_FLAVOR = ("m1.micro", 1, 128, 1)
EXTERNAL_CIDR = "203.0.113.0/24"  # TEST-NET-3 (RFC 5737): documentation only, never routed
DEMO_CIDR = "10.0.0.0/24"  # data in Neutron's database; nothing routes it


def admin(lab: Lab) -> Session:
    return Session.login(lab.auth_url, "admin", lab.secrets["admin"], "admin")


def _ks(s: Session, path: str) -> str:
    return f"{s.auth_url}{path}"


class Identity:
    """Keystone's projects, users, roles and assignments, read once; adds only what is
    missing (so a repeated `up` makes a handful of calls, not dozens)."""

    def __init__(self, s: Session) -> None:
        self.s = s
        self.projects = {p["name"]: p["id"] for p in s("GET", _ks(s, "/projects"))["projects"]}
        self.users = {u["name"]: u["id"] for u in s("GET", _ks(s, "/users"))["users"]}
        self.roles = {r["name"]: r["id"] for r in s("GET", _ks(s, "/roles"))["roles"]}
        self.assignments = {
            (a["user"]["id"], a["scope"]["project"]["id"], a["role"]["id"])
            for a in s("GET", _ks(s, "/role_assignments"))["role_assignments"]
            if "user" in a and "project" in a.get("scope", {})}

    def project(self, name: str, description: str) -> str:
        if name not in self.projects:
            body = {"project": {"name": name, "domain_id": "default",
                                "description": description}}
            self.projects[name] = self.s("POST", _ks(self.s, "/projects"), body)["project"]["id"]
        return str(self.projects[name])

    def user(self, name: str, password: str, project_id: str, description: str) -> str:
        # An existing user is kept as it is: a password change would revoke its tokens.
        if name not in self.users:
            body = {"user": {"name": name, "password": password, "domain_id": "default",
                             "default_project_id": project_id, "description": description}}
            self.users[name] = self.s("POST", _ks(self.s, "/users"), body)["user"]["id"]
        return str(self.users[name])

    def grant(self, project_id: str, user_id: str, role: str) -> None:
        if role not in self.roles:
            self.roles[role] = self.s("POST", _ks(self.s, "/roles"),
                                      {"role": {"name": role}})["role"]["id"]
        key = (user_id, project_id, self.roles[role])
        if key not in self.assignments:
            self.s("PUT", _ks(self.s, f"/projects/{project_id}/users/{user_id}/roles/"
                                      f"{self.roles[role]}"))
            self.assignments.add(key)


def ensure_project(s: Session, name: str, description: str) -> str:
    found = s("GET", _ks(s, f"/projects?name={name}"))["projects"]
    if found:
        return str(found[0]["id"])
    body = {"project": {"name": name, "domain_id": "default", "description": description}}
    return str(s("POST", _ks(s, "/projects"), body)["project"]["id"])


def register_identity(lab: Lab) -> None:
    s = admin(lab)
    ids = Identity(s)
    service_pid = ids.project("service", "The services' own users live here.")
    demo_pid = ids.project("demo", "The learner's project in the course lab.")
    demo_uid = ids.user("demo", lab.secrets["demo"], demo_pid,
                        "A learner (roles: member, manager).")
    for role in LEARNER_ROLES:
        ids.grant(demo_pid, demo_uid, role)
    for user in SERVICE_USERS:
        uid = ids.user(user, lab.secrets[user], service_pid, f"The {user} service.")
        ids.grant(service_pid, uid, "admin")
        ids.grant(service_pid, uid, "service")
    services = s("GET", _ks(s, "/services"))["services"]
    endpoints = s("GET", _ks(s, "/endpoints"))["endpoints"]
    # Keystone's own endpoints come from `keystone-manage bootstrap` on the first start;
    # after `up --bind` they must follow the address like the others.
    identity = find(services, type="identity")
    if identity is not None:
        for ep in endpoints:
            if ep["service_id"] == identity["id"] and ep["url"].rstrip("/") != lab.auth_url:
                s("PATCH", _ks(s, f"/endpoints/{ep['id']}"), {"endpoint": {"url": lab.auth_url}})
    for name, stype, port, path in CATALOG:
        svc = find(services, type=stype)
        if svc is None:
            svc = s("POST", _ks(s, "/services"), {"service": {"name": name, "type": stype}})["service"]
        url = lab.url(port, path)
        for interface in ("public", "internal"):
            ep = find(endpoints, service_id=svc["id"], interface=interface)
            if ep is None:
                s("POST", _ks(s, "/endpoints"), {"endpoint": {
                    "service_id": svc["id"], "interface": interface, "url": url,
                    "region_id": REGION}})
            elif ep["url"] != url:
                s("PATCH", _ks(s, f"/endpoints/{ep['id']}"), {"endpoint": {"url": url}})


def _lab_image_file(lab: Lab) -> str:
    path = lab.state("glance") / "lab-image.qcow2"
    if not path.exists():
        subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", str(path), "1G"], check=True)
    return str(path)


def create_content(lab: Lab) -> None:
    """Flavors, the image, networks and the volume type (skips what exists)."""
    s = admin(lab)
    nova = s.endpoint("compute")
    have = {f["name"] for f in s("GET", f"{nova}/flavors?is_public=None")["flavors"]}
    for name, vcpus, ram, disk in FLAVORS:
        if name not in have:
            s("POST", f"{nova}/flavors", {"flavor": {"name": name, "vcpus": vcpus, "ram": ram,
                                                    "disk": disk, "id": name}})

    glance = s.endpoint("image")
    if not s("GET", f"{glance}/v2/images?name={IMAGE_NAME}")["images"]:
        img = s("POST", f"{glance}/v2/images", {
            "name": IMAGE_NAME, "disk_format": "qcow2", "container_format": "bare",
            "visibility": "public", "min_disk": 1, "min_ram": 64,
            "os_distro": "lab", "hw_architecture": "x86_64"})
        with open(_lab_image_file(lab), "rb") as fh:
            s.raw("PUT", f"{glance}/v2/images/{img['id']}/file", data=fh.read(),
                  headers={"Content-Type": "application/octet-stream"})

    neutron = s.endpoint("network") + "/v2.0"
    nets = s("GET", f"{neutron}/networks?name=public")["networks"]
    if nets:
        public = nets[0]
    else:
        public = s("POST", f"{neutron}/networks", {"network": {
            "name": "public", "router:external": True, "shared": False,
            "provider:network_type": "flat", "provider:physical_network": "public",
            "description": "The lab's external network (floating IPs come from here)."}})["network"]
    if not s("GET", f"{neutron}/subnets?network_id={public['id']}")["subnets"]:
        s("POST", f"{neutron}/subnets", {"subnet": {
            "name": "public-subnet", "network_id": public["id"], "ip_version": 4,
            "cidr": EXTERNAL_CIDR, "enable_dhcp": False, "gateway_ip": "203.0.113.1",
            "allocation_pools": [{"start": "203.0.113.10", "end": "203.0.113.250"}]}})

    demo_pid = ensure_project(s, "demo", "The learner's project in the course lab.")
    ensure_project_network(s, demo_pid, "demo", DEMO_CIDR, public["id"])

    cinder = s.endpoint("volumev3")
    types = s("GET", f"{cinder}/types?is_public=None")["volume_types"]
    vt = find(types, name=VOLUME_TYPE)
    if vt is None:
        vt = s("POST", f"{cinder}/types", {"volume_type": {
            "name": VOLUME_TYPE, "description": "Sparse files on the lab's storage node",
            "os-volume-type-access:is_public": True}})["volume_type"]
    try:
        s("POST", f"{cinder}/types/{vt['id']}/extra_specs",
          {"extra_specs": {"volume_backend_name": "lab"}})
    except ApiError:
        pass


def ensure_project_network(s: Session, project_id: str, prefix: str, cidr: str,
                           external_id: str) -> None:
    """A project's own network, subnet and router to the external network."""
    neutron = s.endpoint("network") + "/v2.0"
    q = urllib.parse.urlencode({"name": f"{prefix}-net", "project_id": project_id})
    nets = s("GET", f"{neutron}/networks?{q}")["networks"]
    net = nets[0] if nets else s("POST", f"{neutron}/networks", {"network": {
        "name": f"{prefix}-net", "project_id": project_id}})["network"]
    subnets = s("GET", f"{neutron}/subnets?network_id={net['id']}")["subnets"]
    subnet = subnets[0] if subnets else s("POST", f"{neutron}/subnets", {"subnet": {
        "name": f"{prefix}-subnet", "network_id": net["id"], "project_id": project_id,
        "ip_version": 4, "cidr": cidr, "dns_nameservers": []}})["subnet"]
    q = urllib.parse.urlencode({"name": f"{prefix}-router", "project_id": project_id})
    routers = s("GET", f"{neutron}/routers?{q}")["routers"]
    if not routers:
        router = s("POST", f"{neutron}/routers", {"router": {
            "name": f"{prefix}-router", "project_id": project_id,
            "external_gateway_info": {"network_id": external_id}}})["router"]
        s("PUT", f"{neutron}/routers/{router['id']}/add_router_interface",
          {"subnet_id": subnet["id"]})


def compute_hosts_up(s: Session, since: str = "") -> dict[str, bool]:
    """nova-compute hosts and whether each is up and has reported since ``since``."""
    services: list[dict[str, Any]] = s("GET", s.endpoint("compute") + "/os-services",
                                       headers={"OpenStack-API-Version": "compute 2.53"})["services"]
    return {svc["host"]: (svc["state"] == "up" and (not since or (svc["updated_at"] or "") >= since))
            for svc in services if svc["binary"] == "nova-compute"}


def services_down(s: Session) -> list[str]:
    """Nova and Cinder services whose own record says DOWN (enabled ones), as "binary on host"."""
    found = []
    for path, mv in ((s.endpoint("compute") + "/os-services", "compute 2.53"),
                     (s.endpoint("volumev3") + "/os-services", "volume 3.0")):
        for svc in s("GET", path, headers={"OpenStack-API-Version": mv})["services"]:
            if svc["state"] != "up" and svc.get("status") == "enabled":
                found.append(f"{svc['binary']} on {svc['host']}")
    return found


def volume_service_up(s: Session, since: str = "") -> bool:
    services = s("GET", s.endpoint("volumev3") + "/os-services")["services"]
    return any(svc["binary"] == "cinder-volume" and svc["state"] == "up"
               and (not since or (svc["updated_at"] or "") >= since) for svc in services)


def service_checks(lab: Lab) -> list[Check]:
    """The services' own view: Nova and Cinder service records, and the catalog."""
    s = admin(lab)
    result = [Check("keystone", "catalog has all seven services",
                    {t for _, t, _, _ in CATALOG} <= {c["type"] for c in s.catalog},
                    ", ".join(sorted(c["type"] for c in s.catalog)))]
    for name, path, mv in (("nova", s.endpoint("compute") + "/os-services", "compute 2.53"),
                           ("cinder", s.endpoint("volumev3") + "/os-services", "volume 3.0")):
        try:
            svcs = s("GET", path, headers={"OpenStack-API-Version": mv})["services"]
        except LabError as e:
            result.append(Check(name, "service list", False, str(e).splitlines()[0]))
            continue
        for svc in svcs:
            ok = svc["state"] == "up" and svc["status"] == "enabled"
            result.append(Check(name, f"{svc['binary']} on {svc['host']}", ok,
                                f"{svc['state']}, {svc['status']}"
                                + (f" ({svc.get('disabled_reason')})"
                                   if svc.get("disabled_reason") else "")))
    return result


def register_guest_image(lab: Lab) -> str:
    """Upload the built guest image as three public Glance images (kernel ``aki``, ramdisk
    ``ari``, machine ``ami`` naming the other two), unless the same build is there already;
    older builds are deleted.  Also the flavor it fits.  Returns the machine image's id."""
    found = guest_image.built(guest_image.image_directory(lab.paths.home))
    if found is None:  # `up` builds it in its install steps
        raise LabError("the guest image has not been built",
                       "run `python3 -m labsetup guest-image`, then `labsetup up` again")
    image, build = found[0], found[1][:16]
    s = admin(lab)
    nova = s.endpoint("compute")
    name, vcpus, ram, disk = GUEST_FLAVOR
    if not any(f["name"] == name for f in s("GET", f"{nova}/flavors?is_public=None")["flavors"]):
        s("POST", f"{nova}/flavors", {"flavor": {"name": name, "vcpus": vcpus, "ram": ram,
                                                "disk": disk, "id": name}})
    glance = s.endpoint("image")
    names = {"kernel": f"{GUEST_IMAGE_NAME}-kernel", "ramdisk": f"{GUEST_IMAGE_NAME}-ramdisk",
             "machine": GUEST_IMAGE_NAME}
    existing = [i for n in names.values()
                for i in s("GET", f"{glance}/v2/images?name={urllib.parse.quote(n)}")["images"]]
    current = [i for i in existing if i.get("osworkshop_build") == build
               and i["status"] == "active"]
    machine = [i for i in current if i["name"] == GUEST_IMAGE_NAME]
    if machine and len(current) == 3:
        return str(machine[0]["id"])
    props = guest_image.glance_properties(image)
    files = {"kernel": image.kernel, "ramdisk": image.ramdisk, "machine": image.root_disk}
    ids: dict[str, str] = {}
    for part in ("kernel", "ramdisk", "machine"):
        body: dict[str, Any] = {"name": names[part], "visibility": "public",
                                "osworkshop_build": build, **props[part]}
        if part == "machine":
            body.update({"kernel_id": ids["kernel"], "ramdisk_id": ids["ramdisk"],
                         "min_ram": ram, "hw_architecture": "x86_64"})
        created = s("POST", f"{glance}/v2/images", body)
        s.raw("PUT", f"{glance}/v2/images/{created['id']}/file", data=files[part].read_bytes(),
              headers={"Content-Type": "application/octet-stream"})
        ids[part] = str(created["id"])
    for old in existing:  # an earlier build (or a half-finished upload)
        s.raw("DELETE", f"{glance}/v2/images/{old['id']}")
    return ids["machine"]
