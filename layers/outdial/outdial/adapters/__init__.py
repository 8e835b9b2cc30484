"""Adapters for the ports: ``local`` (SQLite, filesystem, in-process) and ``aws`` (boto3)."""
