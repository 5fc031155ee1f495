"""SMSC simulator for tests and development."""
