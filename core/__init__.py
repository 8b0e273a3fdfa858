"""Framework-free code every layer shares: the error families, the safe HTTP client and its
address guard, image validation, money parsing and the shared vocabulary. Imports no Django
and no app (tests/architecture enforces it), so it can be tested and benchmarked alone."""
