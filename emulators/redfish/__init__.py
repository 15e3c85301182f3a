"""Emulated Redfish BMC (``fencelab emulate redfish``): a DMTF Redfish service over HTTPS on 127.0.0.1.

Pure parts: ``power`` (a system's power rail, reset types, PoweringOn/Off, lag), ``accounts`` (users,
roles, sessions), ``resources`` (the JSON documents), ``handlers`` + ``service`` (routing, auth, privileges,
ETags, DMTF errors: a function of request and time), ``errors``, ``profiles`` (vendor quirks), ``model``
(the base DeviceModel). I/O: ``front_end`` (aiohttp HTTP/1.1 over TLS, faults), ``certs`` (a CA and a
server certificate made at start), ``config`` and ``cli``.
"""
