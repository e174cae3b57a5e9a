"""``python -m drafts``: see drafts/cli.py."""
import gc
import sys

from drafts.cli import main

# A one-shot process whose objects (trees, clauses, ops) hold no reference cycles: the cycle
# collector would only re-scan them as they pile up, about a tenth of a BGB diff's run time.
gc.disable()
sys.exit(main())
