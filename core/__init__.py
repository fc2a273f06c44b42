"""Building blocks every app shares: rate limits, pagination, API errors, schema helpers, health
checks. The bottom layer: it imports nothing of the apps."""
