"""Helpers for the workshop "From VMware vSphere to OpenStack, hands-on"."""

from __future__ import annotations

from .connect import admin, connect, connect_as, offers, require, services
from .errors import CourseError, install_ipython_handler
from .resources import cleanup, leftovers, tag_for, tags

__version__ = "0.1.0"

__all__ = [
    "CourseError",
    "__version__",
    "admin",
    "cleanup",
    "connect",
    "connect_as",
    "install_ipython_handler",
    "leftovers",
    "offers",
    "require",
    "services",
    "tag_for",
    "tags",
]
