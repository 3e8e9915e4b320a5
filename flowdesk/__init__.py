"""FlowDesk: FlowPilot sessions to ConnectWise notes, posted with the engineer's own keys."""

__version__ = "0.1.0"
APP_NAME = "FlowDesk"
APP_ID = "com.flowdesk.FlowDesk"
