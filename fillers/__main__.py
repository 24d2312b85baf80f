"""`python -m fillers`: the same command as the installed `fillers` script."""

from .cli import main

raise SystemExit(main())
