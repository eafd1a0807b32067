"""The register of regulated enterprises (监管对象)."""
