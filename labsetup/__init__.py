"""labsetup: bring up, check and tear down the course's lab cloud.

A real OpenStack (Keystone, Placement, Glance, Nova, Neutron, Cinder, Swift) from the 2026.2
(Hibiscus) packages on PyPI, on a private MariaDB and RabbitMQ, all on 127.0.0.1.  This package
uses only the standard library so that ``python3 -m labsetup up`` works on a fresh machine,
before any virtual environment exists.
"""

__version__ = "0.1.0"
