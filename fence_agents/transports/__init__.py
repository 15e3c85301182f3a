"""Text transports (telnet, ssh, serial) behind one expect-style Channel; see ``factory.open_channel``."""
