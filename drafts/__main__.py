"""``python -m drafts``: see drafts/cli.py."""
import sys

from drafts.cli import main

sys.exit(main())
