"""``python -m monitor._cli``."""

from monitor._cli import main

main()
