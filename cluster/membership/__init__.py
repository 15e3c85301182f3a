"""Cluster membership: a pure protocol state machine (protocol.py), its wire format (messages.py), a UDP
adapter (udp.py) and a simulator. The package imports nothing, so that the pure core loads no asyncio."""
