"""Names and identities the API server assigns: generateName suffixes, UIDs, Service cluster IPs.

All randomness comes from the `random.Random` the API server was given, so a seeded control plane
produces the same names in the same order (DESIGN.md, "Time and determinism"). Called by
api/server.py.
"""

from __future__ import annotations

import ipaddress
import random
import uuid

#: apimachinery's rand.String alphabet: no vowels, no confusable digits.
ALPHANUMS = "bcdfghjklmnpqrstvwxz2456789"
MAX_GENERATED_NAME_LENGTH = 63 - 5

#: the default --service-cluster-ip-range of kubeadm and kind
SERVICE_CIDR = ipaddress.ip_network("10.96.0.0/12")


def generate_name(prefix: str, rng: random.Random) -> str:
    """storage/names.SimpleNameGenerator: the prefix cut at 58 characters plus 5 random ones."""
    return prefix[:MAX_GENERATED_NAME_LENGTH] + "".join(rng.choice(ALPHANUMS) for _ in range(5))


def new_uid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def pick_cluster_ip(used: set[str], rng: random.Random) -> str:
    """A free address of the service range, chosen at random as the real allocator does.

    10.96.0.1 is the `kubernetes` Service's, as in every real cluster.
    """
    size = SERVICE_CIDR.num_addresses
    while True:
        ip = str(SERVICE_CIDR.network_address + rng.randrange(2, size - 1))
        if ip not in used:
            return ip
