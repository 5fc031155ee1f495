"""Custom components package (lets the tests import the integration)."""
