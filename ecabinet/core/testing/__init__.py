"""Test support shared by every app: factories, personas, the permission matrix."""
