from __future__ import annotations

import httpx
import pytest

from flowdesk.connectwise.client import ConnectWiseClient
from tests.connectwise.fake import COMPANY, PRIVATE, PUBLIC, FakeConnectWise


@pytest.fixture
def fake() -> FakeConnectWise:
    return FakeConnectWise()


@pytest.fixture
def make_client(fake):
    made: list[ConnectWiseClient] = []

    def make(site: str = "na.myconnectwise.net", **kw) -> ConnectWiseClient:
        kw.setdefault("transport", httpx.MockTransport(fake.handler))
        client = ConnectWiseClient(site, kw.pop("company", COMPANY), kw.pop("public_key", PUBLIC), kw.pop("private_key", PRIVATE), **kw)
        made.append(client)
        return client

    yield make
    for c in made:
        c.close()


@pytest.fixture
def client(make_client) -> ConnectWiseClient:
    return make_client()
