"""The provider's HTTP side: the callbacks of its HTTP handler."""
