import sys

from labsetup.cli import main

sys.exit(main())
