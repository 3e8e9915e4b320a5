"""A ConnectWise PSA + ResolutionFlow emulation with fault injection (no Qt): the only imitation there is.

    from flowdesk.sandbox import Sandbox, SandboxApp
    with Sandbox() as sb:                  # over real sockets (the demo, integration tests)
        sb.info.connectwise.site, sb.info.resolutionflow.url, sb.info.admin
    app = SandboxApp()                     # in process: a WSGI app; app.transport() for httpx clients

The admin client for tests, the demo and benchmarks is :class:`flowdesk.sandbox.admin.SandboxAdmin`.
"""

from flowdesk.sandbox.app import SandboxApp, SandboxTransport
from flowdesk.sandbox.info import ConnectWiseInfo, ResolutionFlowInfo, SandboxInfo
from flowdesk.sandbox.server import Sandbox

__all__ = ["ConnectWiseInfo", "ResolutionFlowInfo", "Sandbox", "SandboxApp", "SandboxInfo", "SandboxTransport"]
