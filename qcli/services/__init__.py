"""Workflows: what a command does beyond one API call (staging, recovery, downloads, archives).

Commands parse, call one function here, and print; these functions hold the HTTP-level readings
(status codes, headers, timeouts) the CLI layer must not."""
