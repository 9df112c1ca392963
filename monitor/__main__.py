"""``python -m monitor``: the command line (the same as the ``monitor`` script)."""

from monitor._cli import main

main()
