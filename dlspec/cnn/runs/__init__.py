"""Runners of the Course 4 labs: one module of named steps (``STEPS``) per lab."""
