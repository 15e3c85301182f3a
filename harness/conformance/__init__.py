"""The conformance suite: the fence agent contract checked on any agent executable against our devices."""
