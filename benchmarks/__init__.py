"""Benchmarks of mentorloom (run with ``python -m benchmarks.run``; not part of the tests)."""
