"""The one HTTP client: auth, retries, rate limits, error envelopes, pagination."""
