"""Runner of the Course 3 case study: a module of named steps (``STEPS``)."""
