"""FlowDesk: FlowPilot sessions to ConnectWise notes, posted with the engineer's own keys."""

import os

# FlowDesk uses no pydantic plugins. Without this, the first model pydantic builds scans the entry points of
# every installed distribution for plugins (a tenth of the window's start-up), and a plugin installed
# for something else would run inside FlowDesk. An explicit setting by the user still wins.
os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")

__version__ = "0.1.0"
APP_NAME = "FlowDesk"
APP_ID = "com.flowdesk.FlowDesk"

# FlowDesk's public ConnectWise clientId (developer.connectwise.com/ClientID). Sent on every
# ConnectWise request; an engineer can override it in the settings (connectwise.client_id).
CONNECTWISE_CLIENT_ID = "7b1f5e0c-3c1a-4f7e-9a52-6d2f0b8e4c11"
