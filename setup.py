"""Build shim for ``scrapyd-deploy``, which runs ``python setup.py bdist_egg``.

All metadata, packages and entry points (including the ``scrapy`` settings entry point
scrapyd reads from the egg) live in pyproject.toml. Without this file scrapyd-deploy
writes its own setup.py, packaging every folder it finds and none of our data files.
"""

from setuptools import setup

setup()
