"""The model side of Writer: discovery, loading and generation (torch + transformers, no Qt)."""
