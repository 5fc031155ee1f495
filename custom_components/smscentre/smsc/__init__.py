"""SMPP 3.4 client core for SMS Center: no Home Assistant imports below this package."""
