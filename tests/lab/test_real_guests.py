"""The real-guests profile (``labsetup up --guests real``): Nova's libvirt driver boots the lab's
guest image; the guest takes its hostname, the keypair and user-data from a config drive, says
so on its console, halts at `server stop` and leaves no QEMU behind.  Skipped on a lab whose
compute hosts run the lab virt driver (the default)."""

from __future__ import annotations

import base64
import subprocess
import sys
import time

import pytest
from openstack.connection import Connection

from labsetup.bootstrap import GUEST_FLAVOR, GUEST_IMAGE_NAME
from labsetup.config import COMPUTE_HOSTS, Lab
from labsetup.services.libvirt import Libvirt

pytestmark = pytest.mark.lab

PUBLIC_KEY = ("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBn4m6Wb3hj3PbVXvSUbSbJnl3Z0bHd0Yw4Wq8m1d5Ek "
              "learner@lab")
USER_DATA = "#!/bin/sh\necho \"made by user-data on $(hostname)\"\n"


@pytest.fixture(scope="module", autouse=True)
def real_guests(lab: Lab) -> None:
    if lab.guests != "real":
        pytest.skip("the lab runs the lab virt driver: `python3 -m labsetup up --guests real`")


def _console(demo: Connection, server_id: str) -> str:
    return str(demo.compute.get_server_console_output(server_id).get("output") or "")


def _wait_ready(demo: Connection, server_id: str, timeout: float = 120) -> str:
    """The console log once the guest says it is ready (or at the timeout)."""
    deadline, console = time.monotonic() + timeout, ""
    while "osworkshop-guest: ready" not in console and time.monotonic() < deadline:
        time.sleep(2)
        console = _console(demo, server_id)
    return console


def _page(namespace: str, address: str) -> str:
    """The web page at ``address`` as seen from a lab namespace ("" when nothing answers)."""
    ask = ("import urllib.request\ntry:\n    print(urllib.request.urlopen("
           f"'http://{address}/', timeout=4).read().decode().strip())\n"
           "except OSError:\n    pass\n")
    return subprocess.run(["ip", "netns", "exec", namespace, sys.executable, "-c", ask],
                          capture_output=True, text=True, timeout=30, check=False).stdout.strip()


def _domains(lab: Lab) -> dict[str, str]:
    """libvirt domain name -> host, over both hosts' daemons (running or defined)."""
    found = {}
    for host in COMPUTE_HOSTS:
        out = subprocess.run(["virsh", "-c", Libvirt().uri(lab, host), "list", "--all",
                              "--name"], capture_output=True, text=True, check=True).stdout
        found.update({name: host for name in out.split()})
    return found


def test_each_host_reports_its_own_hypervisor(admin: Connection) -> None:
    hypervisors = {h.name: h for h in admin.compute.hypervisors(details=True)}
    assert set(COMPUTE_HOSTS) <= set(hypervisors)
    for host in COMPUTE_HOSTS:
        assert hypervisors[host].hypervisor_type == "QEMU"


def test_a_guest_boots_from_a_config_drive_and_halts_on_stop(
        demo: Connection, admin: Connection, lab: Lab, name: str) -> None:
    image = demo.image.find_image(GUEST_IMAGE_NAME, ignore_missing=False)
    assert image.disk_format == "ami" and image.kernel_id and image.ramdisk_id
    key = demo.compute.create_keypair(name=name, public_key=PUBLIC_KEY)
    server = None
    try:
        started = time.monotonic()
        server = demo.compute.create_server(
            name=name, image_id=image.id, flavor_id=GUEST_FLAVOR[0], networks="none",
            key_name=key.name, user_data=base64.b64encode(USER_DATA.encode()).decode())
        server = demo.compute.wait_for_server(server, wait=180)
        active = time.monotonic() - started
        console = _wait_ready(demo, server.id)
        assert "osworkshop-guest: ready" in console, console[-2000:]
        assert f"hostname {name}" in console
        assert "config from config drive" in console
        assert "1 ssh public key(s) for root" in console
        assert f"user-data| made by user-data on {name}" in console
        print(f"ACTIVE after {active:.1f} s, ready {time.monotonic() - started:.1f} s")

        seen = admin.compute.get_server(server.id)
        assert _domains(lab).get(seen.instance_name) == seen.compute_host, \
            "the libvirt daemon of the server's host runs it"

        stopped = time.monotonic()
        demo.compute.stop_server(server)
        demo.compute.wait_for_server(server, status="SHUTOFF", wait=120)
        # A guest that ignored the power button would take Nova's 60 s graceful timeout.
        assert time.monotonic() - stopped < 50
        # Nova shows no console of a stopped server; its log file is in the instance directory.
        log = lab.state("nova") / seen.compute_host / "instances" / server.id / "console.log"
        assert "power button pressed: halting" in log.read_text(errors="replace")
    finally:
        if server is not None:
            demo.compute.delete_server(server)
            demo.compute.wait_for_delete(server, wait=120)
        demo.compute.delete_keypair(key)
    assert not [d for d in _domains(lab) if d.startswith("instance-")], "a domain was left"
    qemus = subprocess.run(["pgrep", "-f", "qemu-system-x86_64.*guest=instance-"],
                           capture_output=True, text=True, check=False).stdout.split()
    assert not qemus, f"QEMU processes left: {qemus}"


def _ns(host: str, *argv: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["ip", "netns", "exec", f"osw-{host}", *argv], capture_output=True,
                          text=True, check=check, timeout=30)


def test_both_hosts_are_chassis_joined_by_a_geneve_tunnel(lab: Lab) -> None:
    from labsetup.services.ovn import OVN
    ovn = OVN()
    assert set(ovn.chassis(lab)) >= set(COMPUTE_HOSTS)
    for host in COMPUTE_HOSTS:
        ports = ovn.vsctl(lab, host, "--bare", "--columns=type", "list", "interface").split()
        assert "geneve" in ports, f"{host} has no tunnel to the other host"
        # nothing of the lab's network is in this machine's own namespace
        assert "br-int" not in subprocess.run(["ip", "-br", "link"], capture_output=True,
                                              text=True, check=True).stdout


def test_the_data_plane_carries_tcp_between_hosts_and_an_acl_blocks_it(lab: Lab,
                                                                       name: str) -> None:
    """A logical switch with one port in each host's namespace: DHCP-less addresses, TCP across
    the tunnel, then a drop ACL on the port and the same connection refused by the network."""
    from labsetup.services.ovn import OVN
    ovn = OVN()

    def nbctl(*args: str) -> str:
        return subprocess.run(["ovn-nbctl", f"--db={ovn.nb(lab)}", *args], capture_output=True,
                              text=True, check=True).stdout

    ends = []
    nbctl("ls-add", name)
    try:
        for i, host in enumerate(COMPUTE_HOSTS, start=1):
            port, mac, ip = f"{name}-p{i}", f"02:00:00:7e:00:0{i}", f"10.254.0.{i}"
            nbctl("lsp-add", name, port, "--", "lsp-set-addresses", port, f"{mac} {ip}")
            dev = f"t{name[2:8]}{i}"
            ovn.vsctl(lab, host, "add-port", "br-int", dev, "--", "set", "interface", dev,
                      "type=internal", f"external_ids:iface-id={port}")
            ends.append((host, dev))
            _ns(host, "ip", "link", "set", dev, "address", mac)
            _ns(host, "ip", "addr", "add", f"{ip}/24", "dev", dev)
            _ns(host, "ip", "link", "set", dev, "up")
            _ns(host, "ethtool", "-K", dev, "tx", "off", check=False)
        serve = ("import socket\ns = socket.create_server(('10.254.0.2', 8080))\n"
                 "while True:\n    c, _ = s.accept()\n    c.sendall(b'hello')\n    c.close()\n")
        server = subprocess.Popen(["ip", "netns", "exec", f"osw-{COMPUTE_HOSTS[1]}",
                                   sys.executable, "-c", serve],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            def connect() -> str:
                ask = ("import socket\ntry:\n    c = socket.create_connection(('10.254.0.2', "
                       "8080), timeout=3)\n    print(c.recv(5).decode())\n"
                       "except OSError:\n    pass\n")
                return _ns(COMPUTE_HOSTS[0], sys.executable, "-c", ask).stdout.strip()
            deadline = time.monotonic() + 30
            answer = ""
            while answer != "hello" and time.monotonic() < deadline:
                answer = connect()
            assert answer == "hello", "no TCP across the tunnel"
            nbctl("acl-add", name, "to-lport", "1001", f'outport == "{name}-p2" && tcp', "drop")
            time.sleep(2)
            assert connect() == "", "the drop ACL did not stop TCP"
        finally:
            server.kill()
            server.wait()
    finally:
        for host, dev in ends:
            ovn.vsctl(lab, host, "--if-exists", "del-port", "br-int", dev)
        nbctl("--if-exists", "ls-del", name)


def test_a_guest_on_a_neutron_network_answers_and_its_security_group_filters(
        demo: Connection, lab: Lab, name: str) -> None:
    """ML2/OVN end to end: the guest takes its address from OVN's DHCP, serves its page to a
    port on the same network (plugged into a host's br-int inside the lab's namespace), and a
    security group without port 80 stops that page while port 22 stays open."""
    from labsetup.services.ovn import OVN
    ovn = OVN()
    net = demo.network.create_network(name=name)
    probe_dev = f"p{name[2:10]}"
    server = probe = group = None
    try:
        demo.network.create_subnet(name=name, network_id=net.id, ip_version=4,
                                   cidr="10.253.0.0/24")
        group = demo.network.create_security_group(name=name)
        demo.network.create_security_group_rule(security_group_id=group.id, direction="ingress",
                                                protocol="tcp", port_range_min=22,
                                                port_range_max=22)
        image = demo.image.find_image(GUEST_IMAGE_NAME, ignore_missing=False)
        server = demo.compute.create_server(name=name, image_id=image.id,
                                            flavor_id=GUEST_FLAVOR[0],
                                            networks=[{"uuid": net.id}])
        server = demo.compute.wait_for_server(server, wait=180)
        address = server.addresses[name][0]["addr"]
        console = _wait_ready(demo, server.id)
        assert f"network up {address} on eth0 (DHCP)" in console, console[-2000:]

        # A port of the same network, as an OVS internal port in the first host's namespace.
        probe = demo.network.create_port(network_id=net.id, name=name)
        host = COMPUTE_HOSTS[0]
        ovn.vsctl(lab, host, "add-port", "br-int", probe_dev, "--", "set", "interface",
                  probe_dev, "type=internal", f"external_ids:iface-id={probe.id}")
        _ns(host, "ip", "link", "set", probe_dev, "address", probe.mac_address)
        _ns(host, "ip", "addr", "add", f"{probe.fixed_ips[0]['ip_address']}/24", "dev", probe_dev)
        _ns(host, "ip", "link", "set", probe_dev, "up")
        _ns(host, "ethtool", "-K", probe_dev, "tx", "off", check=False)

        def page() -> str:
            return _page(f"osw-{host}", address)

        def ssh_banner() -> str:
            ask = ("import socket\ntry:\n    c = socket.create_connection("
                   f"('{address}', 22), timeout=4)\n    print(c.recv(7).decode())\n"
                   "except OSError:\n    pass\n")
            return _ns(host, sys.executable, "-c", ask).stdout.strip()

        deadline, answer = time.monotonic() + 30, ""
        while answer != f"hello from {name}" and time.monotonic() < deadline:
            answer = page()
        assert answer == f"hello from {name}", "the default group lets the same group in"

        demo.compute.add_security_group_to_server(server, group)
        demo.compute.remove_security_group_from_server(server, {"name": "default"})
        time.sleep(3)
        assert page() == "", "a group without port 80 let HTTP through"
        assert ssh_banner() == "SSH-2.0", "port 22 is open in the group"
    finally:
        if probe is not None:
            ovn.vsctl(lab, COMPUTE_HOSTS[0], "--if-exists", "del-port", "br-int", probe_dev)
            demo.network.delete_port(probe)
        if server is not None:
            demo.compute.delete_server(server)
            demo.compute.wait_for_delete(server, wait=120)
        if group is not None:
            demo.network.delete_security_group(group)
        for subnet in demo.network.subnets(network_id=net.id):
            demo.network.delete_subnet(subnet)
        demo.network.delete_network(net)


def test_a_floating_ip_reaches_the_guest_from_outside_through_the_router(
        demo: Connection, name: str) -> None:
    """demo-net -> demo-router -> public: the guest's floating IP answers in the lab's outside
    namespace (osw-external) once a security group opens port 80, and not before."""
    from labsetup.services.ovn import EXTERNAL_NETNS
    image = demo.image.find_image(GUEST_IMAGE_NAME, ignore_missing=False)
    net = demo.network.find_network("demo-net", ignore_missing=False)
    public = demo.network.find_network("public", ignore_missing=False)
    server = fip = group = None
    try:
        server = demo.compute.wait_for_server(demo.compute.create_server(
            name=name, image_id=image.id, flavor_id=GUEST_FLAVOR[0],
            networks=[{"uuid": net.id}]), wait=180)
        port = next(demo.network.ports(device_id=server.id))
        fip = demo.network.create_ip(floating_network_id=public.id, port_id=port.id)
        address = fip.floating_ip_address

        def page() -> str:
            return _page(EXTERNAL_NETNS, address)

        _wait_ready(demo, server.id)
        assert page() == "", "the default group let the outside in"
        group = demo.network.create_security_group(name=name)
        demo.network.create_security_group_rule(security_group_id=group.id, direction="ingress",
                                                protocol="tcp", port_range_min=80,
                                                port_range_max=80)
        demo.compute.add_security_group_to_server(server, group)
        deadline, answer = time.monotonic() + 30, ""
        while answer != f"hello from {name}" and time.monotonic() < deadline:
            answer = page()
        assert answer == f"hello from {name}", f"no page at the floating IP {address}"
    finally:
        if fip is not None:
            demo.network.delete_ip(fip)
        if server is not None:
            demo.compute.delete_server(server)
            demo.compute.wait_for_delete(server, wait=120)
        if group is not None:
            demo.network.delete_security_group(group)
