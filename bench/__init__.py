"""Speed benchmarks (`make bench`); figures go to docs/BENCHMARKS.md. Not tests."""
