"""The course lab's plugins: what stands in for the parts this machine cannot host.

* ``nova_lab.LabComputeDriver``: a Nova virt driver (instead of libvirt/KVM or vSphere).
* ``ml2_lab.LabMechanismDriver``: a Neutron ML2 mechanism driver (instead of Open vSwitch / OVN).
* ``cinder_lab.LabFileVolumeDriver``: a Cinder volume driver (instead of LVM, Ceph or a SAN).

Each one goes through the project's own plugin point, so every API call a learner makes is
handled by the real Nova, Neutron and Cinder code; only the last step, "make it so on a host",
is done by the plugin.
"""
