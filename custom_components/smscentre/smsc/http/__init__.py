"""The provider's HTTP side: its HTTP API (api.py, what is known of it in provider.py) and
the callbacks of its HTTP handler (body.py, signature.py, callback.py)."""
