"""The SMS Center integration."""
