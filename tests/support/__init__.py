"""Test support that needs more than a fixture: import what you use explicitly."""
