"""swe-forge trainer: launched by the TypeScript GPU activities as `python -m swe_forge_trainer <command>`."""

__version__ = "0.1.0"
