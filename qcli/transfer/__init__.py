"""Moving bytes: archives, streamed downloads, progress bars."""
