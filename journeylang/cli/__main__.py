"""`python -m journeylang.cli`: the same as the `journeylang` command."""
import sys

from .main import main

sys.exit(main())
