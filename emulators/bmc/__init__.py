"""Emulated IPMI 2.0 BMCs (``fencelab emulate bmc``), built on pyghmi's server with its defects fixed.

- ``chassis``: the pure chassis model (power with a configurable power-on delay, cycle/reset/diag/soft
  refused with 0xd5 while off, stuck relay, boot flags, power events for the wiring).
- ``rmcpplus``: the pure RMCP+ decisions (cipher-suite refusal 0x11, unknown user 0x0d, role limits 0x09,
  session privilege, command privileges 0xd4).
- ``server``: pyghmi adapter (one BMC per process), fault plan applied per request and per login;
  ``commands``: the IPMI commands it answers.
- ``worker``: one BMC's serving loop in its own process; ``fleet``: many workers; ``cli``: the command.
- ``config``: TOML / flags / the JSON a worker reads.
"""
