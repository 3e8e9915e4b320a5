"""The operating system's proxy for a URL, asked through Qt and handed to the Qt-free core as a plain
callable (``flowdesk.network.set_system_resolver(system_proxy)``).

``QNetworkProxyFactory.systemProxyForQuery`` reads what the engineer's computer is set to use: WinHTTP and
Internet Options (with PAC scripts and WPAD) on Windows, the network settings (CFNetwork, PAC) on macOS,
``http_proxy`` / ``https_proxy`` / ``no_proxy`` elsewhere. httpx cannot (it never reads PAC or WPAD).

It is called on worker threads, where HTTP runs (a PAC script may take a while: never on the GUI
thread); one lock keeps the calls one at a time.
"""

from __future__ import annotations

import threading

_lock = threading.Lock()


def system_proxy(url: str) -> str | None:
    """``http://host:port`` of the OS's HTTP proxy for ``url``; None for a direct connection (or a SOCKS
    proxy, which FlowDesk does not support: the connection is then tried directly)."""
    # QtNetwork is imported here, on the worker thread of the first request: not before the first paint.
    from PySide6.QtCore import QUrl
    from PySide6.QtNetwork import QNetworkProxy, QNetworkProxyFactory, QNetworkProxyQuery

    with _lock:
        proxies = QNetworkProxyFactory.systemProxyForQuery(QNetworkProxyQuery(QUrl(url)))
    http = (QNetworkProxy.ProxyType.HttpProxy, QNetworkProxy.ProxyType.HttpCachingProxy)
    for proxy in proxies:
        kind = proxy.type()
        if kind in (QNetworkProxy.ProxyType.NoProxy, QNetworkProxy.ProxyType.DefaultProxy):
            return None
        if kind in http and proxy.hostName():
            host = proxy.hostName()
            host = f"[{host}]" if ":" in host and not host.startswith("[") else host
            return f"http://{host}:{proxy.port() or 8080}"
    return None
