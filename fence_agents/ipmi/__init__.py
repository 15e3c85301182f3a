"""A lean IPMI 2.0 (RMCP+) client: a pure session core (:mod:`.session`) over pure codecs (:mod:`.wire`,
:mod:`.rakp`), AES from the system's libcrypto (:mod:`.aes`) and a thin UDP driver (:mod:`.udp`)."""
