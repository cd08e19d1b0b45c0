import sys

from qcli.main import main

sys.exit(main())
