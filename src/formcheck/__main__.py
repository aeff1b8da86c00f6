"""Allow ``python -m formcheck``."""

import sys

try:
    from formcheck.cli import main
except KeyboardInterrupt:  # Ctrl-C while the CLI is still importing: one line, no traceback
    print("stopped (Ctrl-C) before finishing", file=sys.stderr)
    raise SystemExit(130) from None

main()
