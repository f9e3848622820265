"""A run's plumbing from paths to per-file results: discover, read,
pre-filter, cache, the options each file is parsed with and the outcomes it
is analysed in, worker processes. It calls the frontend and the engine; no
formatter, fix, patch mode or command line."""
