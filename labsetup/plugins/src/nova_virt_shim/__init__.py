"""Nova imports compute drivers as ``nova.virt.<compute_driver>``: this re-exports the lab's."""

from lab_plugins.nova_lab import LabComputeDriver

__all__ = ["LabComputeDriver"]
