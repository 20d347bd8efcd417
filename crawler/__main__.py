"""``python -m crawler`` is the ``xietong`` command."""

from crawler.cli import main

main()
