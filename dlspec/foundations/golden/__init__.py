"""Golden cases of the Course 1 labs: one module per reference module, ``CASES = {lab id: ...}``."""
