"""Model adapters, the registry that names them, and shared loading code."""
