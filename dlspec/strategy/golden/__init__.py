"""Golden cases of the Course 3 case study: ``case_study.CASES = {lab id: ...}``."""
