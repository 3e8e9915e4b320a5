"""What a sandbox tells its users: the URLs and the (random, per sandbox) credentials."""

from __future__ import annotations

import ssl
from dataclasses import dataclass, field
from typing import Any

from flowdesk import CONNECTWISE_CLIENT_ID
from flowdesk.sandbox.seed import Secrets


@dataclass(frozen=True)
class ConnectWiseInfo:
    site: str  # "http://127.0.0.1:PORT" (scheme included)
    company: str
    public_key: str
    private_key: str = field(repr=False)
    client_id: str


@dataclass(frozen=True)
class ResolutionFlowInfo:
    url: str  # the server root; routes live under /api/v1
    email: str
    password: str = field(repr=False)


@dataclass(frozen=True)
class SandboxInfo:
    connectwise: ConnectWiseInfo
    resolutionflow: ResolutionFlowInfo
    admin: str  # URL of /__sandbox__/
    ca_file: str | None

    @classmethod
    def of(cls, url: str, secrets: Secrets, ca_file: str | None = None) -> SandboxInfo:
        return cls(
            connectwise=ConnectWiseInfo(
                site=url,
                company=secrets.company,
                public_key=secrets.public_key,
                private_key=secrets.private_key,
                client_id=CONNECTWISE_CLIENT_ID,
            ),
            resolutionflow=ResolutionFlowInfo(url=url, email=secrets.rf_email, password=secrets.rf_password),
            admin=f"{url}/__sandbox__/",
            ca_file=ca_file,
        )

    def ssl_context(self) -> ssl.SSLContext | None:
        """A client context trusting only the sandbox's CA (``verify=`` for httpx); None without TLS."""
        return client_ssl_context(self.ca_file) if self.ca_file else None

    def as_json(self) -> dict[str, Any]:
        """Exactly what ``flowdesk sandbox`` prints on its first line."""
        cw, rf = self.connectwise, self.resolutionflow
        return {
            "connectwise": {
                "site": cw.site,
                "company": cw.company,
                "public_key": cw.public_key,
                "private_key": cw.private_key,
                "client_id": cw.client_id,
            },
            "resolutionflow": {"url": rf.url, "email": rf.email, "password": rf.password},
            "admin": self.admin,
            "ca_file": self.ca_file,
        }


def client_ssl_context(ca_file: str) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=ca_file)
