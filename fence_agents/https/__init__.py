"""A lean HTTPS client on the standard library for fence_redfish: pure HTTP/1.1 framing (:mod:`.http1`), one
kept-alive TLS connection with deadlines (:mod:`.client`), the trust rules of requests and curl
(:mod:`.tls`) and proxies from the environment (:mod:`.proxy`)."""
