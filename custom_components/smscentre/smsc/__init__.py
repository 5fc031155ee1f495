"""The SMS Center core: the provider's rules, messages, the SMPP and HTTP transports.

No Home Assistant imports below this package (see docs/ARCHITECTURE.md).
"""
