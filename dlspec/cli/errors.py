"""Exit codes of the ``dlspec`` command and the error a subcommand raises for a user's mistake.

| code | meaning |
|---|---|
| 0 | done; every target met |
| 1 | done, but a lab missed a course target (or a check found problems) |
| 2 | user error: bad option or lab id, unusable ``--out``, corrupt data file |
| 3 | skipped: course data or pretrained weights missing (the message says which and where) |
| 130 | interrupted (Ctrl-C) |
"""

from __future__ import annotations

__all__ = [
    "EXIT_CODES_HELP",
    "EXIT_INTERRUPTED",
    "EXIT_MISSED",
    "EXIT_OK",
    "EXIT_SKIPPED",
    "EXIT_USAGE",
    "UserError",
]

EXIT_OK = 0
EXIT_MISSED = 1
EXIT_USAGE = 2
EXIT_SKIPPED = 3
EXIT_INTERRUPTED = 130

EXIT_CODES_HELP = """\
exit codes:
  0    done; every course target met
  1    done, but a target was missed (data check / doctor: problems found)
  2    user error: bad option or lab id, unusable --out folder, corrupt data file
  3    skipped: course data or pretrained weights missing (the message says what and where)
  130  interrupted (Ctrl-C)

environment:
  DLSPEC_DATA_DIR     course data folder (default: the user data folder, see `dlspec data layout`)
  DLSPEC_WEIGHTS_DIR  pretrained weight files
  DLSPEC_DEBUG=1      show the Python traceback of an error
  DLSPEC_RAW_STDERR=1 keep TensorFlow's start-up log lines (filtered out by default)
"""


class UserError(Exception):
    """A mistake the user can fix (the message says how): printed without a traceback, exit 2.

    Example:
        >>> str(UserError("--out reports: is a file"))
        '--out reports: is a file'
    """
