"""The sandbox's own certificate authority, so clients verify TLS instead of switching it off."""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from pathlib import Path

import trustme


@dataclass(frozen=True)
class ServerTls:
    """A server-side TLS context and the CA certificate (PEM file) that vouches for it."""

    context: ssl.SSLContext
    ca_file: Path


def make_server_tls(*, directory: Path) -> ServerTls:
    """A fresh CA and a leaf certificate for 127.0.0.1 and localhost.

    The CA's PEM is written into ``directory`` (which the caller owns and removes); the
    leaf's private key stays in memory.
    """
    ca = trustme.CA(organization_name="opsaudit sandbox")
    leaf = ca.issue_cert("127.0.0.1", "localhost", "::1")
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    leaf.configure_cert(context)
    ca_file = directory / "sandbox-ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    return ServerTls(context=context, ca_file=ca_file)
