"""The simulated campaign: personas that answer the bot as real callees would."""
