"""The one HTTP foundation the ConnectWise and ResolutionFlow clients stand on.

| module | holds |
|---|---|
| ``client`` | :class:`HttpClient`: the client factory (timeouts, no redirects, TLS, proxy) and the one send path |
| ``transport`` | proxy routing, the overall deadline per request, the response size cap, abort |
| ``failures`` | one classification of transport failures; each service words them (:class:`ServiceWords`) |
| ``errors`` | the error base both services' errors derive from; ``Retry-After`` (at most a day) |
| ``tls`` | the OS trust store (truststore) with an optional CA file added |
| ``proxy`` | environment / system / manual / no proxy |
| ``urls`` | reading a typed address; loopback (the only hosts reached without TLS) |

Nothing is imported here, so ``flowdesk.http.errors`` stays cheap (no httpx) for the errors modules.
"""
