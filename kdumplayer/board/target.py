"""A board's network dump target (dump.target, dump.network): read and checked.

The schema has already checked types and characters; what needs more than a
pattern follows here, one located error each: the keys an SSH target cannot do
without, a remote directory that is not absolute, a host key that does not
parse, a static address or gateway that is not an IPv4 address.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import struct
from dataclasses import dataclass
from typing import Any

from kdumplayer.yamlsrc import LocatedYaml

SSH_REQUIRED = ("user", "host", "path", "key", "host_key")


@dataclass(frozen=True)
class SshTarget:
    user: str
    host: str
    port: int
    path: str  # absolute directory on the server
    key: str  # absolute path of the private key on the board
    host_key: str  # "TYPE BASE64", the pinned server key (its comment dropped)
    client: str  # openssh | dropbear
    fallback: str  # local | none

    @property
    def url(self) -> str:
        return f"ssh://{self.user}@{self.host}:{self.port}{self.path}"

    @property
    def known_hosts_line(self) -> str:
        """The known_hosts line OpenSSH and Dropbear match for this host and port."""
        name = self.host if self.port == 22 else f"[{self.host}]:{self.port}"
        return f"{name} {self.host_key}"


@dataclass(frozen=True)
class Network:
    interface: str
    address: str  # "dhcp" or ADDRESS/PREFIX
    gateway: str | None


def _node(data: Any, *path: str) -> Any:
    for key in path:
        if not isinstance(data, dict) or key not in data:
            return None
        data = data[key]
    return data


def parse_host_key(line: str) -> str:
    """ "TYPE BASE64" of a public key line; ValueError saying why it does not parse."""
    words = line.split()
    if len(words) < 2:
        raise ValueError("is not a public key line (TYPE BASE64 [comment])")
    kind, blob = words[0], words[1]
    try:
        raw = base64.b64decode(blob, validate=True)
    except (binascii.Error, ValueError):
        raise ValueError(f"the {kind} key is not valid base64") from None
    # The blob starts with its own type as an SSH string: a length and the name.
    if len(raw) < 4:
        raise ValueError(f"the {kind} key is too short to be a key")
    (size,) = struct.unpack(">I", raw[:4])
    inner = raw[4 : 4 + size].decode("ascii", "replace")
    if inner != kind:
        raise ValueError(
            f"the key's data says {inner!r}, not {kind!r} (a truncated or mismatched key line)"
        )
    if kind == "ssh-ed25519" and len(raw) != 4 + size + 4 + 32:
        raise ValueError("the ssh-ed25519 key is not 32 bytes (a truncated key line)")
    return f"{kind} {blob}"


def _absolute(doc: LocatedYaml, key: tuple[str, ...], value: str, what: str) -> str:
    if not value.startswith("/"):
        raise doc.error(key, f"{value!r} must be an absolute path {what}")
    if ".." in value.split("/"):
        raise doc.error(key, f"{value!r} must not contain '..'")
    return value.rstrip("/") or "/"


def read_ssh(doc: LocatedYaml) -> SshTarget | None:
    """dump.target when its type is ssh (None for the local directory)."""
    target = _node(doc.data, "dump", "target")
    if not isinstance(target, dict) or target.get("type", "local") != "ssh":
        for key in SSH_REQUIRED:
            if isinstance(target, dict) and key in target:
                raise doc.error(
                    ("dump", "target", key),
                    "only an ssh target takes it (set dump.target.type: ssh)",
                )
        return None
    here = ("dump", "target")
    for key in SSH_REQUIRED:
        if target.get(key) in (None, ""):
            raise doc.error(
                (*here, key),
                f"an ssh target needs {key} ("
                + {
                    "user": "the login on the server",
                    "host": "the server's address",
                    "path": "the absolute directory on the server",
                    "key": "the board's private key file",
                    "host_key": "the server's public host key line, pinned",
                }[key]
                + ")",
            )
    host = str(target["host"])
    if host.replace(".", "").isdigit():
        try:
            ipaddress.IPv4Address(host)
        except ValueError:
            raise doc.error((*here, "host"), f"{host!r} is not an IPv4 address") from None
    path = _absolute(doc, (*here, "path"), str(target["path"]), "on the server")
    if path == "/":
        raise doc.error((*here, "path"), "the remote dump directory cannot be /")
    key_path = _absolute(doc, (*here, "key"), str(target["key"]), "on the board")
    try:
        host_key = parse_host_key(str(target["host_key"]))
    except ValueError as exc:
        raise doc.error((*here, "host_key"), f"does not parse: {exc}") from None
    return SshTarget(
        user=str(target["user"]),
        host=host,
        port=int(target.get("port", 22)),
        path=path,
        key=key_path,
        host_key=host_key,
        client=str(target.get("client", "openssh")),
        fallback=str(target.get("fallback", "none")),
    )


def read_network(doc: LocatedYaml, ssh: SshTarget | None) -> Network | None:
    """dump.network for a network target (its defaults: eth0 and DHCP)."""
    node = _node(doc.data, "dump", "network")
    if ssh is None:
        if node is not None:
            raise doc.error(
                ("dump", "network"), "only a network target uses it (dump.target.type: ssh)"
            )
        return None
    node = node if isinstance(node, dict) else {}
    here = ("dump", "network")
    address = str(node.get("address", "dhcp"))
    gateway = node.get("gateway")
    if address != "dhcp":
        try:
            ipaddress.IPv4Interface(address)
        except ValueError:
            raise doc.error(
                (*here, "address"),
                f"{address!r} is not an IPv4 address with a prefix length "
                "(e.g. 192.168.1.50/24) or dhcp",
            ) from None
    if gateway is not None:
        if address == "dhcp":
            raise doc.error(
                (*here, "gateway"), "DHCP names the gateway; give it only with a static address"
            )
        try:
            ipaddress.IPv4Address(str(gateway))
        except ValueError:
            raise doc.error((*here, "gateway"), f"{gateway!r} is not an IPv4 address") from None
    return Network(
        interface=str(node.get("interface", "eth0")),
        address=address,
        gateway=str(gateway) if gateway is not None else None,
    )
