"""Builds the optional compiled loops of ``dedup.normalize``; everything else is in pyproject.toml.

``optional=True``: without a C compiler the install still succeeds and the
package runs the Python forms of the same loops.
"""

from setuptools import Extension, setup

setup(ext_modules=[Extension("dedup._speedups", ["dedup/_speedups.c"], optional=True)])
