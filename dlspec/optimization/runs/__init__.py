"""Runners of the Course 2 labs: one module of named steps (``STEPS``) per lab."""
