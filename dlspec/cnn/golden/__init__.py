"""Golden cases of the Course 4 labs, one module per reference module (``CASES``)."""
