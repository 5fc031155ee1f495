"""Tests of the Home Assistant-free SMPP core."""
