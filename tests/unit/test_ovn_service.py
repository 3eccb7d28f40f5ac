"""The real-guests profile's network: OVN's databases and northd, and per compute host an Open
vSwitch on the userspace datapath and ovn-controller, all inside the host's namespace."""

from __future__ import annotations

from pathlib import Path

from labsetup.config import COMPUTE_HOSTS, Lab, Paths, Secrets
from labsetup.services import ovn as O


def test_every_host_daemon_runs_in_its_namespace(tmp_path: Path) -> None:
    lab = Lab(Paths(tmp_path), Secrets())
    daemons = {d.name: d for d in O.OVN().daemons(lab)}
    assert set(daemons) == {"ovn-nb-db", "ovn-sb-db", "ovn-northd", *(
        f"{what}-{h}" for h in COMPUTE_HOSTS
        for what in ("ovsdb", "ovs-vswitchd", "ovn-controller"))}
    for host in COMPUTE_HOSTS:
        for what in ("ovsdb", "ovs-vswitchd", "ovn-controller"):
            d = daemons[f"{what}-{host}"]
            assert d.argv[:4] == ["ip", "netns", "exec", f"osw-{host}"]
            assert d.env and d.env["OVS_RUNDIR"] == str(lab.paths.run / f"ovn-{host}")
    for name in ("ovn-nb-db", "ovn-sb-db", "ovn-northd"):
        assert daemons[name].argv[0] != "ip"  # central, beside the Neutron server


def test_databases_are_reached_on_unix_sockets_only(tmp_path: Path) -> None:
    lab = Lab(Paths(tmp_path), Secrets())
    o = O.OVN()
    for url in (o.nb(lab), o.sb(lab), *(o.ovs_db(lab, h) for h in COMPUTE_HOSTS)):
        assert url.startswith(f"unix:{lab.paths.run}/")
    for d in o.daemons(lab):
        remotes = [a for a in d.argv if a.startswith("--remote=")]
        assert all(r.startswith("--remote=punix:") for r in remotes), d.argv
        assert not any(a.startswith(("ptcp:", "tcp:", "--remote=ptcp")) for a in d.argv)


def test_real_guests_bring_the_network_before_libvirt() -> None:
    from labsetup import lab as L
    real = L.infra(Lab(Paths(Path("/nonexistent")), Secrets(), guests="real"))
    assert [s.name for s in real][-2:] == ["ovn", "libvirt"]
    assert {"openvswitch-switch", "ovn-central", "ovn-host"} <= set(L.apt_packages("real"))
    assert "ovn-host" not in L.apt_packages()


def test_real_guests_switch_neutron_to_ml2_ovn(tmp_path: Path, monkeypatch) -> None:
    import configparser
    import dataclasses

    from labsetup.services import neutron as N
    monkeypatch.setattr(N.Neutron, "synced", lambda self, lab, what="db": True)
    monkeypatch.setattr(N, "copy_shipped", lambda *a: None)
    lab = Lab(Paths(tmp_path), Secrets({n: "x" for n in Secrets.NAMES}))

    def ml2(lab: Lab) -> configparser.ConfigParser:
        N.Neutron().configure(lab)
        cp = configparser.ConfigParser(interpolation=None)
        cp.read([lab.etc("neutron") / "neutron.conf",
                 lab.etc("neutron") / "plugins/ml2/ml2_conf.ini"])
        return cp

    default = ml2(lab)
    assert default["ml2"]["mechanism_drivers"] == "lab"
    assert [d.name for d in N.Neutron().daemons(lab)] == ["neutron"]
    real_lab = dataclasses.replace(lab, guests="real")
    real = ml2(real_lab)
    assert real["ml2"]["mechanism_drivers"] == "ovn"
    assert real["ml2"]["tenant_network_types"] == "geneve"
    assert "vxlan" in real["ml2"]["type_drivers"]  # the lab's existing networks stay usable
    assert real["DEFAULT"]["service_plugins"] == "ovn-router"
    assert real["ovn"]["ovn_nb_connection"] == O.OVN().nb(real_lab)
    assert real["ovn"]["ovs_create_tap"] == "false"  # libvirt makes taps in the namespace
    assert real["ovn"]["neutron_sync_mode"] == "repair"
    assert [d.name for d in N.Neutron().daemons(real_lab)] == [
        "neutron", "neutron-ovn-maintenance-worker"]


def test_the_outside_namespace_holds_the_public_subnets_gateway() -> None:
    import inspect

    from labsetup import bootstrap
    gateway, prefix = O.EXTERNAL_GATEWAY.split("/")
    source = inspect.getsource(bootstrap.create_content)
    assert f'"gateway_ip": "{gateway}"' in source
    assert bootstrap.EXTERNAL_CIDR.endswith(f"/{prefix}")
    assert O.GATEWAY_HOST in COMPUTE_HOSTS
