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
