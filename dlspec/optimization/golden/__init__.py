"""Golden cases of the Course 2 labs: one module per reference module, ``CASES = {lab: cases}``."""
