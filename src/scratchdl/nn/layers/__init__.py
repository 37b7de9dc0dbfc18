"""Layers: Modules that hold parameters and call ops. One family per file."""
