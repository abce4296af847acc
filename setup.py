"""Builds the optional compiled loop of ``dedup.normalize``; everything else is in pyproject.toml.

``optional=True``: without a C compiler the install still succeeds and the
package runs its Python form of the same loop.
"""

from setuptools import Extension, setup

setup(ext_modules=[Extension("dedup._speedups", ["dedup/_speedups.c"], optional=True)])
