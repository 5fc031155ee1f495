"""Tests of the SMPP link against the simulator."""
