"""A loopback ConnectWise PSA + ResolutionFlow emulation with fault injection (no Qt, stdlib server).

    from flowdesk.sandbox import Sandbox
    with Sandbox() as sb:
        sb.info.connectwise.site, sb.info.resolutionflow.url, sb.info.admin

The admin client for tests, the demo and benchmarks is :class:`flowdesk.sandbox.admin.SandboxAdmin`.
"""

from flowdesk.sandbox.server import ConnectWiseInfo, ResolutionFlowInfo, Sandbox, SandboxInfo

__all__ = ["ConnectWiseInfo", "ResolutionFlowInfo", "Sandbox", "SandboxInfo"]
