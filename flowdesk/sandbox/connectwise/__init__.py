"""The ConnectWise PSA side of the sandbox (``/login/companyinfo``, ``/{codebase}apis/3.0/...``)."""

from flowdesk.sandbox.connectwise.app import ConnectWiseApp

__all__ = ["ConnectWiseApp"]
