"""Tests of the SMS Center integration."""
