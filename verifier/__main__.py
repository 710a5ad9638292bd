"""``python -m verifier``: see :mod:`verifier.cli`."""

from verifier.cli import main

raise SystemExit(main())
