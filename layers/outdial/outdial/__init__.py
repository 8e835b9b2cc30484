"""outdial: serverless AI outbound calling. One domain package shared by every function."""

__version__ = "0.1.0"
