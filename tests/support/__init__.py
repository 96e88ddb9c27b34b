"""Helpers shared by the test suite and the developer scripts: databases and live servers."""
