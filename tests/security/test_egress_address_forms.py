"""Address forms: IPv6 spellings of private IPv4 addresses and special ranges are not public.

Finding: ``::127.0.0.1``, NAT64 (``64:ff9b::/96``) and 6to4 (``2002::/16``) passed the filter.
Pure checks of the policy (no network); the canary is not needed here.
"""

from __future__ import annotations

import pytest

from podclip.core.errors import InvalidSourceUrl
from podclip.core.netsafe import EgressPolicy, check_url, is_public_address, parse_networks

NOT_PUBLIC = [
    "::127.0.0.1",  # IPv4-compatible
    "::8.8.8.8",  # IPv4-compatible is deprecated: never public
    "::ffff:127.0.0.1",  # IPv4-mapped
    "::ffff:10.0.0.1",
    "::ffff:0:127.0.0.1",  # IPv4-translated
    "64:ff9b::127.0.0.1",  # NAT64 of loopback
    "64:ff9b::a9fe:a9fe",  # NAT64 of the metadata address
    "64:ff9b:1::1",  # local-use NAT64
    "2002:7f00:1::1",  # 6to4 of 127.0.0.1
    "2002:a9fe:a9fe::1",  # 6to4 of 169.254.169.254
    "2001:0:4136:e378:8000:63bf:3fff:fdd2",  # Teredo
    "2001:db8::1",
    "fc00::1",
    "fd12:3456::1",
    "fe80::1%eth0",
    "fec0::1",
    "ff02::1",
    "::",
    "::1",
    "100::1",
    "0.0.0.0",
    "100.64.0.1",
    "192.0.0.8",
    "192.88.99.1",
    "198.18.0.1",
    "224.0.0.1",
    "255.255.255.255",
]
PUBLIC = [
    "8.8.8.8",
    "2606:4700:4700::1111",
    "::ffff:8.8.8.8",
    "64:ff9b::808:808",
    "2002:808:808::1",
]


@pytest.mark.parametrize("address", NOT_PUBLIC)
def test_special_forms_are_not_public(address: str) -> None:
    assert not is_public_address(address)
    assert not EgressPolicy().permits(address)


@pytest.mark.parametrize("address", PUBLIC)
def test_public_forms_stay_public(address: str) -> None:
    assert is_public_address(address)


@pytest.mark.parametrize(
    "url",
    ["http://[::127.0.0.1]/a.mp3", "http://[64:ff9b::7f00:1]/a.mp3", "http://[2002:7f00:1::]/"],
)
def test_urls_with_embedded_private_addresses_are_refused(url: str) -> None:
    with pytest.raises(InvalidSourceUrl) as caught:
        check_url(url, allow_private=False, policy=EgressPolicy())
    assert caught.value.code == "invalid_source_url"


def test_treat_as_public_covers_only_its_network() -> None:
    policy = EgressPolicy(treat_as_public=parse_networks(["127.0.0.2/32"]))
    assert policy.permits("127.0.0.2")
    assert not policy.permits("127.0.0.1")
    assert not policy.permits("::ffff:127.0.0.1")
