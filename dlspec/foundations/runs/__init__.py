"""Runners of the Course 1 labs: one module of named steps (``STEPS``) per lab."""
