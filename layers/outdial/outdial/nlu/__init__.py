"""Intent classification, slot extraction and sentence embeddings (zh-CN and en-US)."""
