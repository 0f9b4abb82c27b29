"""``python -m iamtutor.engine``: the engine's command line; the logic lives in ``cli.py``."""

import sys

from iamtutor.engine.cli import main

if __name__ == "__main__":
    sys.exit(main())
