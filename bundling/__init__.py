"""Build-time helpers for the desktop bundle (``build_spec.spec``); never part of the app."""
